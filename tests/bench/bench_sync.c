// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connection-state sync (docs/scale-out.md): two gateway datapaths
 * (xdp_gateway loaded twice, full-size tables), each with the agent's sync
 * module (user/agent/sync.c) on 127.0.0.1, one the other's peer.
 *
 * Throughput: how many decisions per second a peer applies. Gateway A
 * queues connections (a NEW then an EST record each: an insert and an
 * in-place rewrite at B), sends them in batches of 24 and of 256
 * (alternating, 3 rounds, 20k connections per case and round, new keys
 * each time); B reads, checks and applies them to its table. Timed from
 * the first send to the last record applied; every record must be applied
 * or refused for a full bucket (B's counters), none lost.
 *
 * Latency: a SYN through A's xdp_gateway (BPF_PROG_TEST_RUN) until its
 * entry is in B's table. A thread runs both gateways' sync loops as the
 * agent does (epoll on their descriptors, then sync_perform); the main
 * thread polls B's table every 20 us. 300 SYNs; median, p99, range. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <bpf/bpf.h>

#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/pktbuild.h"
#include "user/agent/sync.h"
#include "user/lib/dp.h"

#define VIP "198.19.0.10"
#define GW_MAC "02:00:00:00:0f:01"
#define CONNS 20000
#define ROUNDS 3
#define LAT_N 300

struct gw {
	struct xdp_gateway *skel;
	struct dp_maps maps;
	struct sync s;
};

static struct gw ga, gb;
static struct config_backend bes[2];
static struct config_service svc;
static struct config_listen peer_a, peer_b;
static volatile int loop_stop;
static __u64 full; /* records refused for a full bucket, all rounds */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int gw_load(struct gw *g)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED | IG_CFG_SYNC };
	struct ig_service s = { .id = 1, .tenant = 1, .policy = IG_POLICY_LEAST_LOADED };
	struct ig_service_key k;
	__u32 table[13];
	int err;

	g->skel = xdp_gateway__open_and_load();
	if (!g->skel)
		return -errno;
	err = dp_from_object(&g->maps, g->skel->obj);
	pb_addr16("198.18.255.1", cfg.vtep_addr);
	pb_mac(GW_MAC, cfg.vtep_mac);
	err = err ?: dp_config_set(&g->maps, &cfg) ?: dp_tenant_set(&g->maps, 1, 100, 1);
	for (__u32 id = 1; !err && id <= 2; id++) {
		struct ig_backend be = { .service = 1, .weight = 100 };

		pb_addr16(id == 1 ? "198.18.255.11" : "198.18.255.12", be.addr);
		err = dp_backend_set(&g->maps, id, &be) ?:
							  dp_backend_set_load(&g->maps, id, 0, 100);
	}
	for (int i = 0; i < 13; i++)
		table[i] = 1 + i % 2;
	err = err ?: dp_service_key(&k, VIP, 80, IPPROTO_TCP) ?: dp_service_set(&g->maps, &k, &s);
	return err								    ?:
		       dp_svc_backends_set(&g->maps, 1, (const __u32[]){ 1, 2 }, 2) ?:
		       dp_maglev_swap(&g->maps, 1, table, 13);
}

/* The agent's configuration as far as sync reads it. */
static void cfg_make(struct ig_cfg *c, const struct config_listen *self,
		     const struct config_listen *peer, __u32 batch)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 2; i++)
		bes[i].id = i + 1;
	svc.id = 1;
	pb_addr16(VIP, svc.vip.addr);
	svc.vip.family = AF_INET;
	svc.port = 80;
	svc.proto = IPPROTO_TCP;
	svc.tenant_id = 1;
	svc.n_backends = 2;
	svc.backends = bes;
	c->n_services = 1;
	c->services = &svc;
	c->sync.enabled = true;
	c->sync.listen = *self;
	c->sync.n_peers = 1;
	c->sync.peers = (struct config_listen *)peer;
	c->sync.batch = batch;
	c->sync.queue = 2 * CONNS + 64;
}

static int syncs_start(__u32 batch)
{
	struct ig_cfg c;
	int err;

	cfg_make(&c, &peer_a, &peer_b, batch);
	err = sync_start(&ga.s, &c, &ga.maps);
	cfg_make(&c, &peer_b, &peer_a, batch);
	return err ?: sync_start(&gb.s, &c, &gb.maps);
}

static void syncs_stop(void)
{
	sync_stop(&ga.s);
	sync_stop(&gb.s);
}

static struct sync_rec conn_rec(unsigned int n, __u8 op_flags)
{
	struct sync_rec r = { .op = SYNC_OP_PUT, .flags = op_flags, .service = 1, .prio = 1 };

	pb_addr16(VIP, r.key.daddr);
	pb_addr16("198.18.0.0", r.key.saddr);
	r.key.saddr[13] = 1 + (n >> 16);
	r.key.saddr[14] = n >> 8;
	r.key.saddr[15] = n;
	r.key.sport = htons(1024 + n % 50000);
	r.key.dport = htons(80);
	r.key.proto = IPPROTO_TCP;
	r.key.tenant = 1;
	r.backend = 1 + n % 2;
	return r;
}

/* One case: CONNS connections from base; decisions per second applied. */
static double throughput(unsigned int base, __u32 batch, int *bad)
{
	__u64 sent0, applied0, received0;
	struct sync_rec r;
	double t0, t1;

	*bad = 1;
	if (syncs_start(batch))
		return -1;
	sent0 = ga.s.st.sent;
	applied0 = gb.s.st.applied;
	received0 = gb.s.st.received;
	t0 = now_s();
	for (unsigned int i = 0; i < CONNS; i += 1000) {
		/* 2000 records a step: under the receive buffer, so the
		 * loopback drops nothing and the figure is the apply rate. */
		for (unsigned int j = i; j < i + 1000; j++) {
			r = conn_rec(base + j, 0);
			sync_queue(&ga.s, &r);
			r.flags = SYNC_WF_EST | SYNC_WF_CONFIRMED;
			sync_queue(&ga.s, &r);
		}
		sync_perform(&ga.s);
		/* B reads until it has all of them (or nothing comes for 1 s). */
		for (double last = now_s();
		     gb.s.st.received - received0 < 2ULL * (i + 1000) && now_s() - last < 1;) {
			__u64 before = gb.s.st.received;

			sync_perform(&gb.s);
			if (gb.s.st.received != before)
				last = now_s();
		}
	}
	t1 = now_s();
	/* Every record applied, or refused for a full bucket (counted: as
	 * the table fills, a bucket of 8 live sessions happens). */
	full += gb.s.st.rejects[SYNC_REJ_TABLE_FULL];
	*bad = (int)(ga.s.st.sent - sent0 != 2ULL * CONNS) +
	       (int)(gb.s.st.applied + gb.s.st.rejects[SYNC_REJ_TABLE_FULL] - applied0 !=
		     2ULL * CONNS);
	if (*bad)
		fprintf(stderr, "sync bench: sent %llu applied %llu lost %llu table-full %llu\n",
			(unsigned long long)(ga.s.st.sent - sent0),
			(unsigned long long)(gb.s.st.applied - applied0),
			(unsigned long long)gb.s.peers[0].lost,
			(unsigned long long)gb.s.st.rejects[SYNC_REJ_TABLE_FULL]);
	syncs_stop();
	return 2.0 * CONNS / (t1 - t0);
}

/* The agent's loop for both gateways. */
static void *sync_loop(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	int ep = epoll_create1(0);
	cpu_set_t cpus;

	(void)arg;
	CPU_ZERO(&cpus);
	CPU_SET(1 % sysconf(_SC_NPROCESSORS_ONLN), &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	ev.data.ptr = &ga.s;
	epoll_ctl(ep, EPOLL_CTL_ADD, sync_fd(&ga.s), &ev);
	ev.data.ptr = &gb.s;
	epoll_ctl(ep, EPOLL_CTL_ADD, sync_fd(&gb.s), &ev);
	while (!loop_stop) {
		int n = epoll_wait(ep, out, 4, 50);

		for (int i = 0; i < n; i++)
			sync_perform(out[i].data.ptr);
	}
	close(ep);
	return NULL;
}

static int syn_send(unsigned int n, struct ig_conn_key *k)
{
	static __u8 out[512];
	char src[20];
	struct pb b;

	snprintf(src, sizeof(src), "198.18.%u.%u", 100 + n / 250, 1 + n % 250);
	pb_init(&b);
	pb_eth(&b, GW_MAC, "02:00:00:00:0c:01", 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = src, .dst = VIP });
	pb_tcp(&b, &(struct pb_tcp){ .sport = 5000, .dport = 80, .seq = 1, .flags = PB_TCP_SYN });
	pb_finish(&b);
	memset(k, 0, sizeof(*k));
	pb_addr16(src, k->saddr);
	pb_addr16(VIP, k->daddr);
	k->sport = htons(5000);
	k->dport = htons(80);
	k->proto = IPPROTO_TCP;
	k->tenant = 1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b.buf, .data_size_in = b.len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	if (bpf_prog_test_run_opts(bpf_program__fd(ga.skel->progs.xdp_gateway), &o))
		return -1;
	return o.retval == XDP_TX ? 0 : -1;
}

static int latency(double *lat)
{
	struct ig_conn_key k;
	struct dp_conns *t;
	struct ig_conn v;
	pthread_t th;
	double t0;
	int err = syncs_start(24) ?: dp_conns_open(&gb.maps, &t);

	if (err)
		return err;
	loop_stop = 0;
	pthread_create(&th, NULL, sync_loop, NULL);
	for (int i = 0; !err && i < LAT_N; i++) {
		t0 = now_s();
		err = syn_send(i, &k);
		if (err)
			fprintf(stderr, "sync bench: SYN %d not steered\n", i);
		while (!err && dp_conns_get(t, &k, &v)) {
			if (now_s() - t0 > 1) {
				err = -ETIMEDOUT;
				fprintf(stderr,
					"sync bench: SYN %d never reached the peer (A: ring %llu sent "
					"%llu; B: received %llu applied %llu)\n",
					i, (unsigned long long)ga.s.st.ring,
					(unsigned long long)ga.s.st.sent,
					(unsigned long long)gb.s.st.received,
					(unsigned long long)gb.s.st.applied);
			}
			usleep(20);
		}
		lat[i] = (now_s() - t0) * 1e6;
		if (!err && (v.backend < 1 || v.backend > 2 || !(v.flags & IG_CONN_F_SYNCED)))
			err = -EPROTO;
	}
	loop_stop = 1;
	pthread_join(th, NULL);
	dp_conns_close(t);
	syncs_stop();
	return err;
}

int bench_sync(void)
{
	double tp[2][ROUNDS], lat[LAT_N];
	static const __u32 batch[2] = { 24, 256 };
	int bad = 0, b = 0;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	config_listen_parse("127.0.0.1:17946", &peer_a);
	config_listen_parse("127.0.0.1:17947", &peer_b);
	if (gw_load(&ga) || gw_load(&gb)) {
		fprintf(stderr, "sync bench: loading xdp_gateway failed (root?)\n");
		return 1;
	}
	/* First, while B's table is empty: the throughput runs fill it. */
	b = latency(lat);
	if (b) {
		fprintf(stderr, "sync bench: latency run failed (%d)\n", b);
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (int c = 0; c < 2; c++) {
			int i = r % 2 ? 1 - c : c; /* which goes first alternates */

			tp[i][r] = throughput((unsigned int)(r * 2 + i) * CONNS, batch[i], &b);
			bad |= b || tp[i][r] < 0;
		}
	}
	if (bad) {
		fprintf(stderr, "sync bench: records lost or not applied\n");
		return 1;
	}
	printf("| sync, gateway A -> gateway B on loopback | median | range |\n|---|---:|---:|\n");
	for (int c = 0; c < 2; c++) {
		qsort(tp[c], ROUNDS, sizeof(double), cmp_d);
		printf("| decisions applied per second, batches of %u | %.0f | %.0f - %.0f |\n",
		       batch[c], tp[c][ROUNDS / 2], tp[c][0], tp[c][ROUNDS - 1]);
	}
	printf("| records refused for a full bucket (table %.0f%% full at the end) | %llu | |\n",
	       100.0 * 2 * ROUNDS * CONNS / IG_CONN_MAX, (unsigned long long)full);
	qsort(lat, LAT_N, sizeof(double), cmp_d);
	printf("| SYN at A to its entry at B, us (p99 %.0f) | %.0f | %.0f - %.0f |\n",
	       lat[LAT_N * 99 / 100], lat[LAT_N / 2], lat[0], lat[LAT_N - 1]);
	xdp_gateway__destroy(ga.skel);
	xdp_gateway__destroy(gb.skel);
	return 0;
}
