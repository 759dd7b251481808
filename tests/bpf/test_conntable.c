// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The set-associative connection table (docs/conntable.md) through
 * xdp_gateway.bpf.o, loaded with a small table (one bucket of 8 ways, or
 * 16 buckets) so that buckets and the whole table are filled to capacity:
 * a SYN makes a half-open entry that keeps the SYN-time choice and the
 * first ACK promotes; replacement takes expired, then closed, then
 * half-open entries and never an established one; half-open entries time
 * out (and stop counting against the tenant's cap), closed ones go after
 * the linger; a full table under a SYN flood and a SYN+ACK flood keeps
 * every established entry on its backend across a weight change. With
 * sync on, the ring carries NEW, EST and CLOSE records; a peer's entry
 * (dp_conn_sync_put) carries mid-flow packets to its backend and never
 * replaces a live entry. The ABI 3 layout: an entry takes its home way
 * when it is empty (the datapath's and a peer's alike), its cold record
 * holds what the datapath made (a sync record's prio comes from it), and
 * a stale last-seen time is refreshed. */
#include <sched.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "user/agent/agent.h"
#include "user/lib/dp.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "maps/flowhash.h"
#include "bpf/xdp_gateway.skel.h"

#define GW_MAC "02:00:00:00:0f:01"
#define CL_MAC "02:00:00:00:0c:01"
#define GW_VTEP "198.18.255.1"
#define VIP4 "198.19.0.10"
#define VIP4_LL "198.19.0.11"
#define TN 1
#define M 13
#define MS_NS 1000000ULL
#define SEC_NS 1000000000ULL

enum { SVC_TCP = 1, SVC_LL };

static struct xdp_gateway *skel;
static struct dp_maps maps;
static const char *const be_mac[] = { NULL, "02:00:00:00:0b:01", "02:00:00:00:0b:02" };

static void table_fill(__u32 svc, __u32 a, __u32 b)
{
	__u32 t[M];

	for (int i = 0; i < M; i++)
		t[i] = i % 2 ? b : a;
	cr_assert_eq(dp_maglev_swap(&maps, svc, t, M), 0);
}

static void config(__u64 syn_timeout_ns, __u64 linger_ns)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED,
				 .syn_timeout_ns = syn_timeout_ns,
				 .linger_ns = linger_ns };

	pb_addr16(GW_VTEP, cfg.vtep_addr);
	pb_mac(GW_MAC, cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
}

static void tenant_cap(__u32 max_conns)
{
	struct ig_tenant t = { .vni = 0x10001, .flags = IG_TENANT_F_ACTIVE };

	cr_assert_eq(dp_tenant_limits(&t, 0, 0, max_conns, 0, 0), 0);
	cr_assert_eq(dp_tenant_put(&maps, TN, &t), 0);
}

/* xdp_gateway with a table of `buckets` buckets (a power of two). */
static void load(__u32 buckets)
{
	struct ig_service s1 = { .id = SVC_TCP, .tenant = TN },
			  s2 = { .id = SVC_LL, .tenant = TN, .policy = IG_POLICY_LEAST_LOADED };
	struct ig_service_key k;
	cpu_set_t cpus;

	fx_require_root();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	cr_assert_eq(sched_setaffinity(0, sizeof(cpus), &cpus), 0);
	skel = xdp_gateway__open();
	cr_assert(skel);
	skel->rodata->ig_conn_mask = buckets - 1;
	cr_assert_eq(bpf_map__set_max_entries(skel->maps.ig_conns, buckets), 0);
	cr_assert_eq(xdp_gateway__load(skel), 0, "loading xdp_gateway.bpf.o failed");
	cr_assert_eq(dp_from_object(&maps, skel->obj), 0);
	config(0, 0);
	tenant_cap(0);
	for (__u32 id = 1; id <= 2; id++) {
		struct ig_backend be = { .service = SVC_TCP, .weight = 100 };

		pb_addr16(id == 1 ? "198.18.255.11" : "198.18.255.12", be.addr);
		pb_mac(be_mac[id], be.mac);
		cr_assert_eq(dp_backend_set(&maps, id, &be), 0);
		cr_assert_eq(dp_backend_set_load(&maps, id, 0, 100), 0);
	}
	cr_assert_eq(dp_service_key(&k, VIP4, 8000, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&maps, &k, &s1), 0);
	cr_assert_eq(dp_service_key(&k, VIP4_LL, 8000, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&maps, &k, &s2), 0);
	table_fill(SVC_TCP, 1, 2);
	table_fill(SVC_LL, 1, 2);
}

static void teardown(void)
{
	xdp_gateway__destroy(skel);
	skel = NULL;
}

TestSuite(conntable, .fini = teardown);

/* ---- flows ---- */

/* Flow n: client 198.18.x.y (n's upper bits), source port 10000 + n's lower. */
struct flow {
	char src[20];
	uint16_t sport;
	const char *vip;
};

static struct flow flow(unsigned int n, const char *vip)
{
	struct flow f = { .sport = 10000 + n % 50000, .vip = vip };

	snprintf(f.src, sizeof(f.src), "198.18.%u.%u", 1 + (n / 50000) / 250,
		 1 + (n / 50000) % 250);
	return f;
}

enum seg { SYN, ACK, DATA, FIN, RST };

/* Send one segment of f; the backend it was encapsulated to (0: not). */
static int send_seg(const struct flow *f, enum seg s)
{
	static const uint8_t flags[] = { [SYN] = PB_TCP_SYN,
					 [ACK] = PB_TCP_ACK,
					 [DATA] = PB_TCP_ACK | PB_TCP_PSH,
					 [FIN] = PB_TCP_FIN | PB_TCP_ACK,
					 [RST] = PB_TCP_RST };
	static struct fx_result res;
	struct pb b;
	uint8_t mac[6];

	pb_init(&b);
	pb_eth(&b, GW_MAC, CL_MAC, 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = f->src, .dst = f->vip });
	pb_tcp(&b,
	       &(struct pb_tcp){ .sport = f->sport, .dport = 8000, .seq = 7, .flags = flags[s] });
	pb_payload_pattern(&b, s == DATA ? 40 : 0, 1);
	pb_finish(&b);
	cr_assert_eq(fx_run(skel->progs.xdp_gateway, b.buf, b.len, &res), 0);
	for (int id = 1; id <= 2; id++) {
		pb_mac(be_mac[id], mac);
		if (res.verdict == XDP_TX && res.out_len > b.len && !memcmp(res.out, mac, 6))
			return id;
	}
	return 0;
}

/* A whole client: SYN, ACK, a request. Its backend. */
static int connect_flow(const struct flow *f)
{
	int be = send_seg(f, SYN);

	cr_assert_gt(be, 0, "SYN from %s:%u not steered", f->src, f->sport);
	cr_assert_eq(send_seg(f, ACK), be);
	cr_assert_eq(send_seg(f, DATA), be);
	return be;
}

static void key_of(const struct flow *f, struct ig_conn_key *k)
{
	memset(k, 0, sizeof(*k));
	pb_addr16(f->src, k->saddr);
	pb_addr16(f->vip, k->daddr);
	k->sport = htons(f->sport);
	k->dport = htons(8000);
	k->proto = IPPROTO_TCP;
	k->tenant = TN;
}

/* The flow's entry flags, or -1 when it has none. */
static int entry(const struct flow *f, struct ig_conn *v)
{
	struct ig_conn_key k;
	struct ig_conn tmp;

	key_of(f, &k);
	if (dp_conn_get(&maps, &k, v ? v : &tmp))
		return -1;
	return (v ? v : &tmp)->flags;
}

static __u32 bucket_of(const struct flow *f, __u32 buckets)
{
	struct ig_conn_key k;

	key_of(f, &k);
	return ig_flow_hash((const __u32 *)k.saddr, (const __u32 *)k.daddr, k.sport, k.dport,
			    k.proto) &
	       (buckets - 1);
}

static __u64 cnt(enum ig_counter c)
{
	return fx_counter(skel->obj, "ig_counters", c, 0);
}

static int count_entry(struct dp_conn *c, void *arg)
{
	int *n = arg;

	(void)c;
	(*n)++;
	return 0;
}

static int entries(void)
{
	int n = 0;

	cr_assert_eq(dp_conns_walk(&maps, count_entry, &n, NULL), 0);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- promotion ---- */

Test(conntable, syn_is_half_open_until_the_first_ack)
{
	struct flow f = flow(1, VIP4);
	__u64 est0;

	load(16);
	est0 = cnt(IG_CNT_CONN_EST);
	cr_assert_gt(send_seg(&f, SYN), 0);
	cr_expect_eq(entry(&f, NULL), 0, "a SYN makes a half-open entry");
	cr_assert_gt(send_seg(&f, SYN), 0, "a retransmitted SYN");
	cr_expect_eq(cnt(IG_CNT_NEW_CONN), 1, "is the same connection");
	cr_assert_gt(send_seg(&f, ACK), 0);
	cr_expect_eq(entry(&f, NULL), IG_CONN_F_EST, "the first ACK promotes it");
	cr_expect_eq(cnt(IG_CNT_CONN_EST), est0 + 1);
	cr_assert_gt(send_seg(&f, DATA), 0);
	cr_expect_eq(entry(&f, NULL), IG_CONN_F_EST | IG_CONN_F_CONFIRMED,
		     "traffic after it confirms a session");
	cr_expect_eq(cnt(IG_CNT_CONN_EST), est0 + 1, "promoted once");
}

Test(conntable, the_ack_follows_the_syn_time_choice)
{
	int be[64], moved = 0;

	load(16);
	/* Least-loaded picks at the SYN; then the loads turn around and the
	 * table is swapped: each ACK still goes where its SYN went. */
	cr_assert_eq(dp_backend_set_load(&maps, 1, 900000, 100), 0);
	for (unsigned int i = 0; i < 64; i++) {
		struct flow f = flow(100 + i, VIP4_LL);

		be[i] = send_seg(&f, SYN);
		cr_assert_gt(be[i], 0);
	}
	cr_assert_eq(dp_backend_set_load(&maps, 1, 0, 100), 0);
	cr_assert_eq(dp_backend_set_load(&maps, 2, 900000, 100), 0);
	table_fill(SVC_LL, 2, 1);
	for (unsigned int i = 0; i < 64; i++) {
		struct flow f = flow(100 + i, VIP4_LL);

		cr_expect_eq(send_seg(&f, ACK), be[i], "flow %u moved", i);
		moved += be[i] == 1;
	}
	cr_expect_gt(moved, 0, "some SYNs went to the loaded backend: the test tests nothing");
}

/* ---- replacement, in one bucket of 8 ways ---- */

Test(conntable, half_open_and_closed_go_before_established)
{
	struct flow est[4], closed[2], half[2], f;
	__u64 rep0;

	load(1);
	for (int i = 0; i < 4; i++) {
		est[i] = flow(200 + i, VIP4);
		connect_flow(&est[i]);
	}
	for (int i = 0; i < 2; i++) {
		closed[i] = flow(210 + i, VIP4);
		connect_flow(&closed[i]);
		cr_assert_gt(send_seg(&closed[i], FIN), 0);
		half[i] = flow(220 + i, VIP4);
		cr_assert_gt(send_seg(&half[i], SYN), 0);
	}
	cr_assert_eq(entries(), 8, "the bucket is full");
	sleep_ms(20); /* older than what follows, by the coarse clock */
	rep0 = cnt(IG_CNT_CONN_REPLACED);
	/* Closed entries go first (the least recently seen first). */
	f = flow(230, VIP4);
	cr_assert_gt(send_seg(&f, SYN), 0);
	cr_expect_eq(entry(&closed[0], NULL), -1, "a closed entry made room");
	cr_expect_neq(entry(&closed[1], NULL), -1);
	f = flow(231, VIP4);
	cr_assert_gt(send_seg(&f, SYN), 0);
	cr_expect_eq(entry(&closed[1], NULL), -1);
	cr_expect_neq(entry(&half[0], NULL), -1, "before any half-open one");
	/* Then the oldest half-open ones. */
	f = flow(232, VIP4);
	cr_assert_gt(send_seg(&f, SYN), 0);
	cr_expect_eq(entry(&half[0], NULL), -1, "the oldest half-open entry made room");
	cr_expect_neq(entry(&half[1], NULL), -1);
	for (unsigned int i = 0; i < 39; i++) {
		f = flow(240 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0, "a SYN flood is still steered");
		cr_expect_neq(entry(&f, NULL), -1, "SYN %u got a half-open entry", i);
	}
	cr_expect_eq(entry(&half[1], NULL), -1);
	cr_expect_eq(cnt(IG_CNT_CONN_REPLACED), rep0 + 42);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(entry(&est[i], NULL), IG_CONN_F_EST | IG_CONN_F_CONFIRMED,
			     "established entry %d survived", i);
	}
}

Test(conntable, a_bucket_of_established_entries_is_never_replaced)
{
	struct flow est[8], f;
	int be[8];
	__u64 full0;

	load(1);
	for (int i = 0; i < 8; i++) {
		est[i] = flow(300 + i, VIP4);
		be[i] = connect_flow(&est[i]);
	}
	full0 = cnt(IG_CNT_CONN_FULL);
	for (unsigned int i = 0; i < 100; i++) {
		f = flow(400 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0, "steered statelessly, by Maglev");
		cr_assert_gt(send_seg(&f, ACK), 0);
		cr_expect_eq(entry(&f, NULL), -1, "no entry: the bucket is full");
	}
	cr_expect_eq(cnt(IG_CNT_CONN_FULL), full0 + 200);
	table_fill(SVC_TCP, 2, 1); /* a weight change */
	for (int i = 0; i < 8; i++) {
		cr_expect_eq(entry(&est[i], NULL), IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
		cr_expect_eq(send_seg(&est[i], DATA), be[i], "flow %d stays on its backend", i);
	}
}

/* Entries written with given flags and ages (dp_conn_put) in the one bucket. */
static void put(const struct flow *f, __u32 flags, __u64 age_ns, __u32 backend)
{
	struct timespec ts;
	struct ig_conn_key k;
	struct ig_conn v = { .backend = backend, .service = SVC_TCP, .flags = flags };

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	v.last_ns = (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec - age_ns;
	v.first_ns = v.last_ns;
	key_of(f, &k);
	cr_assert_eq(dp_conn_put(&maps, &k, &v), 0);
}

Test(conntable, replacement_order)
{
	const __u32 est = IG_CONN_F_EST | IG_CONN_F_CONFIRMED;
	struct flow w[8], f;

	load(1);
	config(SEC_NS, SEC_NS); /* SYN timeout and linger: 1 s */
	for (int i = 0; i < 8; i++)
		w[i] = flow(500 + i, VIP4);
	put(&w[0], est, 3600 * SEC_NS, 1); /* idle an hour, tcp_idle 0: live */
	put(&w[1], est, 0, 1);
	put(&w[2], IG_CONN_F_EST, 10 * MS_NS, 1); /* handshake only, recent: live */
	put(&w[3], IG_CONN_F_EST, 2 * SEC_NS, 1); /* handshake only, past the SYN timeout */
	put(&w[4], 0, 100 * MS_NS, 1); /* half-open */
	put(&w[5], IG_CONN_F_EST | IG_CONN_F_CLOSING, 100 * MS_NS, 1); /* closed, lingering */
	put(&w[6], 0, 2 * SEC_NS, 1); /* half-open past the SYN timeout */
	put(&w[7], IG_CONN_F_EST | IG_CONN_F_CLOSING, 3 * SEC_NS, 1); /* closed past linger */
	/* expired (7, then 6), closed (5), half-open (the older first: 3, 4) */
	static const int order[] = { 7, 6, 5, 3, 4 };
	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		f = flow(600 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0);
		cr_expect_eq(entry(&w[order[i]], NULL), -1, "step %u: way of flow %d", i, order[i]);
		for (unsigned int j = i + 1; j < sizeof(order) / sizeof(order[0]); j++)
			cr_expect_neq(entry(&w[order[j]], NULL), -1, "step %u: flow %d too early",
				      i, order[j]);
	}
	for (int i = 0; i < 3; i++)
		cr_expect_neq(entry(&w[i], NULL), -1, "live entry %d kept", i);
}

/* ---- timeouts ---- */

Test(conntable, half_open_counts_against_the_cap_until_its_syn_timeout)
{
	struct agent a = {};
	struct flow f;
	__u64 n;

	load(16);
	config(200 * MS_NS, 0);
	tenant_cap(2);
	a.ld.maps = maps;
	for (unsigned int i = 0; i < 2; i++) {
		f = flow(700 + i, VIP4); /* spoofed: no ACK ever comes */
		cr_assert_gt(send_seg(&f, SYN), 0);
	}
	f = flow(710, VIP4);
	cr_expect_eq(send_seg(&f, SYN), 0, "two half-open connections hold the cap");
	cr_assert_eq(agent_sweep(&a), 0);
	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	cr_expect_eq(n, 2, "within the SYN timeout they still count");
	sleep_ms(300);
	cr_assert_eq(agent_sweep(&a), 0);
	cr_expect_eq(a.swept, 2, "timed out half-open entries are removed");
	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	cr_expect_eq(n, 0);
	cr_expect_gt(connect_flow(&f), 0, "the legitimate client is admitted again");
	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	cr_expect_eq(n, 1);
}

Test(conntable, a_replaced_half_open_entry_gives_its_count_back)
{
	struct flow est[7], f;
	__u64 n;

	load(1);
	config(200 * MS_NS, 0);
	tenant_cap(100);
	for (int i = 0; i < 7; i++) {
		est[i] = flow(800 + i, VIP4);
		connect_flow(&est[i]);
	}
	f = flow(810, VIP4);
	cr_assert_gt(send_seg(&f, SYN), 0);
	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	cr_expect_eq(n, 8);
	for (unsigned int i = 0; i < 50; i++) {
		f = flow(820 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0);
	}
	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	cr_expect_eq(n, 8, "each replaced half-open connection was released");
	cr_assert_eq(fx_counter(skel->obj, "ig_inflight", 1, 0) +
			     fx_counter(skel->obj, "ig_inflight", 2, 0),
		     8, "in-flight counts stay exact");
}

Test(conntable, closed_entries_go_after_the_linger)
{
	struct agent a = {};
	struct flow f = flow(900, VIP4);
	int be;

	load(16);
	config(0, 200 * MS_NS);
	a.ld.maps = maps;
	be = connect_flow(&f);
	cr_assert_eq(send_seg(&f, FIN), be);
	cr_expect_eq(entry(&f, NULL) & IG_CONN_F_CLOSING, IG_CONN_F_CLOSING);
	cr_assert_eq(agent_sweep(&a), 0);
	cr_expect_neq(entry(&f, NULL), -1, "kept for retransmits");
	cr_expect_eq(send_seg(&f, ACK), be, "the last ACK follows it");
	sleep_ms(300);
	cr_assert_eq(agent_sweep(&a), 0);
	cr_expect_eq(entry(&f, NULL), -1, "removed after the linger");
	cr_expect_eq(a.swept, 1);
}

/* ---- floods against a full table ---- */

/* Fill every way of the table with confirmed sessions; their flows in
 * est[] (returns how many), their backends in be[]. */
static int fill_established(struct flow *est, int *be, int ways)
{
	int n = 0;

	for (unsigned int i = 0; n < ways && i < 100000; i++) {
		struct flow f = flow(20000 + i, VIP4);
		int b = send_seg(&f, SYN);

		cr_assert_gt(b, 0);
		if (entry(&f, NULL) < 0)
			continue; /* its bucket is full already */
		cr_assert_eq(send_seg(&f, ACK), b);
		cr_assert_eq(send_seg(&f, DATA), b);
		est[n] = f;
		be[n++] = b;
	}
	return n;
}

static void expect_all_kept(const struct flow *est, const int *be, int n)
{
	int lost = 0, moved = 0;

	for (int i = 0; i < n; i++) {
		lost += entry(&est[i], NULL) != (IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
		moved += send_seg(&est[i], DATA) != be[i];
	}
	cr_expect_eq(lost, 0, "%d of %d established entries lost", lost, n);
	cr_expect_eq(moved, 0, "%d of %d sessions moved", moved, n);
}

#define FLOOD_BUCKETS 16
#define FLOOD_WAYS (FLOOD_BUCKETS * IG_CONN_WAYS)

Test(conntable, full_table_under_syn_flood_keeps_every_session)
{
	static struct flow est[FLOOD_WAYS];
	static int be[FLOOD_WAYS];
	int n;

	load(FLOOD_BUCKETS);
	n = fill_established(est, be, FLOOD_WAYS);
	cr_assert_eq(n, FLOOD_WAYS, "the table is full");
	cr_assert_eq(entries(), FLOOD_WAYS);
	for (unsigned int i = 0; i < 5000; i++) {
		struct flow f = flow(200000 + i, VIP4);

		cr_assert_gt(send_seg(&f, SYN), 0, "every SYN is still steered");
	}
	table_fill(SVC_TCP, 2, 1); /* a telemetry weight change */
	expect_all_kept(est, be, n);
}

Test(conntable, half_full_table_under_syn_ack_flood_keeps_every_session)
{
	static struct flow est[FLOOD_WAYS / 2];
	static int be[FLOOD_WAYS / 2];
	int live[FLOOD_BUCKETS] = {}, n, got = 0, want = 0;
	struct flow f;

	load(FLOOD_BUCKETS);
	config(200 * MS_NS, 0);
	n = fill_established(est, be, FLOOD_WAYS / 2);
	cr_assert_eq(n, FLOOD_WAYS / 2);
	for (int i = 0; i < n; i++)
		live[bucket_of(&est[i], FLOOD_BUCKETS)]++;
	/* Spoofed SYN then ACK per tuple: they take every free way as
	 * handshake-only entries, then go stateless. */
	for (unsigned int i = 0; i < 5000; i++) {
		f = flow(300000 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0);
		cr_assert_gt(send_seg(&f, ACK), 0);
	}
	cr_expect_eq(entries(), FLOOD_WAYS, "the flood filled the free ways");
	table_fill(SVC_TCP, 2, 1);
	expect_all_kept(est, be, n);
	/* Past the SYN timeout, a handshake never followed by traffic gives
	 * its way to a new connection. */
	sleep_ms(300);
	for (unsigned int i = 0; i < 64; i++) {
		f = flow(400000 + i, VIP4);
		cr_assert_gt(send_seg(&f, SYN), 0);
		got += entry(&f, NULL) >= 0;
		want += live[bucket_of(&f, FLOOD_BUCKETS)] < IG_CONN_WAYS;
	}
	cr_expect_gt(want, 32, "too many buckets full of sessions: the test tests little");
	cr_expect_eq(got, want, "new connections get entries again (%d of %d)", got, want);
	expect_all_kept(est, be, n);
}

/* ---- the layout (ABI 3: a line per way, a home way, a cold record) ---- */

static int find_way(struct dp_conn *c, void *arg)
{
	struct dp_conn *want = arg;

	if (!memcmp(&c->key, &want->key, sizeof(c->key)))
		*want = *c;
	return 0;
}

Test(conntable, an_entry_reads_back_as_the_datapath_made_it)
{
	struct timespec ts;
	struct ig_conn v;
	__u64 t0, t1;
	int be, home = 0;

	load(16);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	t0 = (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
	/* One flow per bucket: each has its bucket to itself, so its home way. */
	for (unsigned int i = 0, seen = 0; i < 2000 && seen != 0xffff; i++) {
		struct flow f = flow(3000 + i, VIP4);
		struct dp_conn c = {};
		__u32 bucket = bucket_of(&f, 16), hash;

		if (seen & 1U << bucket)
			continue;
		seen |= 1U << bucket;
		be = connect_flow(&f);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		t1 = (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
		cr_assert_eq(entry(&f, &v), IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
		key_of(&f, &c.key);
		hash = ig_flow_hash((const __u32 *)c.key.saddr, (const __u32 *)c.key.daddr,
				    c.key.sport, c.key.dport, c.key.proto);
		cr_expect_eq(v.backend, (__u32)be);
		cr_expect_eq(v.service, SVC_TCP);
		cr_expect_eq(v.hash, hash, "the flow hash, from the cold record");
		cr_expect_eq(v.prio, 0);
		cr_expect(v.first_ns >= t0 && v.first_ns <= v.last_ns && v.last_ns <= t1,
			  "first %llu, last %llu, not within [%llu, %llu]",
			  (unsigned long long)v.first_ns, (unsigned long long)v.last_ns,
			  (unsigned long long)t0, (unsigned long long)t1);
		cr_assert_eq(dp_conns_walk(&maps, find_way, &c, NULL), 0);
		cr_expect_eq(c.bucket, bucket);
		cr_expect_eq(c.way, IG_CONN_HOME(IG_CONN_TAG(hash)), "flow %u not in its home way",
			     i);
		home++;
	}
	cr_expect_eq(home, 16, "a flow in every bucket");
}

Test(conntable, a_second_flow_whose_home_is_taken_goes_elsewhere)
{
	struct flow a = flow(5000, VIP4), b;
	int be_a, be_b;

	load(1);
	be_a = connect_flow(&a);
	/* Another flow with the same home way, in the one bucket. */
	for (unsigned int i = 1;; i++) {
		struct ig_conn_key ka, kb;

		b = flow(5000 + i, VIP4);
		key_of(&a, &ka);
		key_of(&b, &kb);
		if (IG_CONN_HOME(IG_CONN_TAG(ig_flow_hash((const __u32 *)ka.saddr,
							  (const __u32 *)ka.daddr, ka.sport,
							  ka.dport, ka.proto))) ==
		    IG_CONN_HOME(IG_CONN_TAG(ig_flow_hash((const __u32 *)kb.saddr,
							  (const __u32 *)kb.daddr, kb.sport,
							  kb.dport, kb.proto))))
			break;
		cr_assert_lt(i, 1000);
	}
	be_b = connect_flow(&b);
	cr_expect_eq(entries(), 2);
	cr_expect_eq(send_seg(&a, DATA), be_a, "the home way's owner still found");
	cr_expect_eq(send_seg(&b, DATA), be_b, "the other found in another way");
	cr_expect_eq(entry(&b, NULL), IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
}

Test(conntable, a_stale_last_seen_is_refreshed)
{
	struct flow f = flow(6000, VIP4);
	struct timespec ts;
	struct ig_conn v;
	__u64 t0;

	load(16);
	/* Seen 1 s ago (older than IG_CONN_REFRESH_NS): the next packet stores its time. */
	put(&f, IG_CONN_F_EST | IG_CONN_F_CONFIRMED, SEC_NS, 1);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	t0 = (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
	cr_assert_eq(send_seg(&f, DATA), 1);
	cr_assert_geq(entry(&f, &v), 0);
	cr_expect_geq(v.last_ns, t0, "last seen not refreshed");
}

/* ---- connection-state sync (docs/scale-out.md) ---- */

struct sync_seen {
	int n;
	struct ig_sync_ev ev[16];
};

static int sync_take(void *ctx, void *data, size_t size)
{
	struct sync_seen *s = ctx;

	cr_assert_eq(size, sizeof(struct ig_sync_ev));
	if (s->n < 16)
		memcpy(&s->ev[s->n], data, size);
	s->n++;
	return 0;
}

static void sync_drain(struct sync_seen *s)
{
	struct dp_sync_ring *r;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(dp_sync_ring_open(&maps, sync_take, s, &r), 0);
	cr_assert_geq(dp_sync_ring_consume(r), 0);
	dp_sync_ring_close(r);
}

static void sync_on(void)
{
	struct ig_config cfg;

	cr_assert_eq(dp_config_get(&maps, &cfg), 0);
	cfg.flags |= IG_CFG_SYNC;
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
}

Test(conntable, sync_records_follow_the_connection)
{
	struct flow f = flow(700, VIP4), g = flow(701, VIP4);
	struct sync_seen s;
	struct ig_conn_key k;
	int be;

	load(16);
	connect_flow(&g);
	send_seg(&g, FIN);
	sync_drain(&s);
	cr_expect_eq(s.n, 0, "sync off: nothing in the ring");
	sync_on();
	be = connect_flow(&f);
	cr_assert_gt(send_seg(&f, DATA), 0); /* a confirmed session: no more records */
	cr_assert_gt(send_seg(&f, FIN), 0);
	cr_assert_gt(send_seg(&f, FIN), 0); /* a retransmitted FIN: closed once */
	sync_drain(&s);
	cr_assert_eq(s.n, 4, "NEW, EST, EST (confirmed), CLOSE: got %d records", s.n);
	key_of(&f, &k);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(memcmp(&s.ev[i].key, &k, sizeof(k)), 0, "record %d's key", i);
		cr_expect_eq(s.ev[i].backend, (__u32)be);
		cr_expect_eq(s.ev[i].service, SVC_TCP);
		cr_expect_gt(s.ev[i].ts_ns, 0);
	}
	cr_expect_eq(s.ev[0].op, IG_SYNC_NEW);
	cr_expect_eq(s.ev[0].flags & (IG_CONN_F_EST | IG_CONN_F_CLOSING), 0);
	cr_expect_eq(s.ev[1].op, IG_SYNC_EST);
	cr_expect_eq(s.ev[1].flags, IG_CONN_F_EST);
	cr_expect_eq(s.ev[2].op, IG_SYNC_EST);
	cr_expect_eq(s.ev[2].flags, IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
	cr_expect_eq(s.ev[3].op, IG_SYNC_CLOSE);
	cr_expect(s.ev[3].flags & IG_CONN_F_CLOSING);
}

/* A peer's entry, written as the agent writes it (dp_conn_sync_put). */
static int sync_put_prio(const struct flow *f, __u32 backend, __u32 flags, __u8 prio)
{
	struct ig_conn v = { .backend = backend, .service = SVC_TCP, .flags = flags, .prio = prio };
	struct timespec ts;
	struct ig_config cfg;
	struct ig_conn_key k;
	struct dp_conns *t;
	int err;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	key_of(f, &k);
	cr_assert_eq(dp_config_get(&maps, &cfg), 0);
	cr_assert_eq(dp_conns_open(&maps, &t), 0);
	err = dp_conn_sync_put(t, &k, &v, &cfg, (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec);
	dp_conns_close(t);
	return err;
}

static int sync_put(const struct flow *f, __u32 backend, __u32 flags)
{
	return sync_put_prio(f, backend, flags, IG_PRIO_STANDARD);
}

#define SYNCED_EST (IG_CONN_F_SYNCED | IG_CONN_F_EST | IG_CONN_F_CONFIRMED)

Test(conntable, a_synced_entry_carries_mid_flow_packets_to_its_backend)
{
	struct ig_conn v;
	struct flow f;
	int m;

	load(16);
	sync_on();
	/* 16 flows alternating between the backends: Maglev (what a
	 * mid-flow packet without an entry gets) agrees with all by chance
	 * once in 65536. */
	for (unsigned int i = 0; i < 16; i++) {
		f = flow(800 + i, VIP4);
		cr_assert_eq(sync_put(&f, 1 + i % 2, SYNCED_EST), 0);
		cr_expect_eq(send_seg(&f, ACK), (int)(1 + i % 2), "flow %u's ACK", i);
		cr_expect_eq(send_seg(&f, DATA), (int)(1 + i % 2), "flow %u's data", i);
		cr_expect_eq(entry(&f, &v), SYNCED_EST, "flow %u: the entry stays as it came", i);
	}
	/* A flow this gateway met mid-stream (Maglev's pick), then the peer's
	 * decision arrives: the peer's backend wins, in place. */
	f = flow(900, VIP4);
	m = send_seg(&f, ACK);
	cr_assert_gt(m, 0);
	cr_assert_eq(sync_put(&f, 3 - m, SYNCED_EST), 0);
	cr_expect_eq(send_seg(&f, DATA), 3 - m);
	/* An EST that overtook its NEW: the late NEW does not take it back. */
	cr_assert_eq(sync_put(&f, 3 - m, IG_CONN_F_SYNCED), 0);
	cr_expect_eq(entry(&f, NULL), SYNCED_EST);
	/* The client's FIN through this gateway closes it, once. */
	cr_expect_eq(send_seg(&f, FIN), 3 - m);
	cr_expect(entry(&f, NULL) & IG_CONN_F_CLOSING);
}

Test(conntable, a_synced_entry_never_replaces_a_live_one)
{
	struct flow est[8], f = flow(1000, VIP4), h;

	load(1);
	for (int i = 0; i < 8; i++) {
		est[i] = flow(1100 + i, VIP4);
		connect_flow(&est[i]);
	}
	cr_expect_eq(sync_put(&f, 1, SYNCED_EST), -ENOSPC);
	cr_expect_eq(entry(&f, NULL), -1);
	/* A half-open way is fair game. */
	send_seg(&est[0], RST);
	h = flow(1200, VIP4);
	cr_assert_gt(send_seg(&h, SYN), 0);
	cr_expect_eq(sync_put(&f, 2, SYNCED_EST), 0);
	cr_expect_eq(entry(&f, NULL), SYNCED_EST);
	for (int i = 1; i < 8; i++)
		cr_expect_eq(entry(&est[i], NULL), IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
}

/* ---- sync and the ABI 3 layout ---- */

static __u32 hash_of(const struct flow *f)
{
	struct ig_conn_key k;

	key_of(f, &k);
	return ig_flow_hash((const __u32 *)k.saddr, (const __u32 *)k.daddr, k.sport, k.dport,
			    k.proto);
}

static __u32 home_of(const struct flow *f)
{
	return IG_CONN_HOME(IG_CONN_TAG(hash_of(f)));
}

/* The flow's way as dp_conns_walk reports it (slot and cold record). */
static struct dp_conn way_of(const struct flow *f)
{
	struct dp_conn c = {};

	key_of(f, &c.key);
	c.way = ~0U;
	cr_assert_eq(dp_conns_walk(&maps, find_way, &c, NULL), 0);
	cr_assert_neq(c.way, ~0U, "flow %s:%u has no entry", f->src, f->sport);
	return c;
}

Test(conntable, sync_records_carry_the_prio_of_the_cold_record)
{
	struct ig_service svc = { .id = SVC_TCP, .tenant = TN, .prio = IG_PRIO_BATCH };
	struct flow f = flow(1300, VIP4);
	struct ig_service_key k;
	struct sync_seen s;
	int be;

	load(16);
	cr_assert_eq(dp_service_key(&k, VIP4, 8000, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&maps, &k, &svc), 0);
	sync_on();
	be = connect_flow(&f);
	cr_assert_eq(send_seg(&f, FIN), be);
	sync_drain(&s);
	cr_assert_eq(s.n, 4, "NEW, EST, EST, CLOSE: got %d records", s.n);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(s.ev[i].prio, IG_PRIO_BATCH, "record %d (op %u): prio %u", i,
			     s.ev[i].op, s.ev[i].prio);
		cr_expect_eq(s.ev[i].backend, (__u32)be);
		cr_expect_eq(s.ev[i].service, SVC_TCP);
	}
	cr_expect_eq(way_of(&f).val.prio, IG_PRIO_BATCH);
}

Test(conntable, a_synced_entry_takes_its_home_way_and_keeps_its_cold_record)
{
	struct flow a = flow(1400, VIP4), f, h;
	struct dp_conn c, d;
	struct timespec ts;
	__u64 t0;

	load(1);
	connect_flow(&a);
	cr_assert_eq(way_of(&a).way, home_of(&a));
	/* f's home is a's: f goes to another way, and is found there. */
	for (unsigned int i = 1;; i++) {
		f = flow(1400 + i, VIP4);
		if (home_of(&f) == home_of(&a))
			break;
		cr_assert_lt(i, 1000);
	}
	cr_assert_eq(sync_put(&f, 2, SYNCED_EST), 0);
	c = way_of(&f);
	cr_expect_neq(c.way, home_of(&a));
	cr_expect_eq(send_seg(&f, DATA), 2, "the peer's entry found outside its home way");
	/* h's home is empty: h takes it, with its cold record. */
	for (unsigned int i = 100;; i++) {
		h = flow(1400 + i, VIP4);
		if (home_of(&h) != home_of(&a) && home_of(&h) != c.way)
			break;
		cr_assert_lt(i, 1000);
	}
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	t0 = (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
	cr_assert_eq(sync_put_prio(&h, 1, IG_CONN_F_SYNCED, IG_PRIO_INTERACTIVE), 0);
	c = way_of(&h);
	cr_expect_eq(c.way, home_of(&h), "way %u, home %u", c.way, home_of(&h));
	cr_expect_eq(c.val.hash, hash_of(&h));
	cr_expect_eq(c.val.prio, IG_PRIO_INTERACTIVE);
	cr_expect_eq(c.val.backend, 1);
	cr_expect_eq(c.val.service, SVC_TCP);
	cr_expect_eq(c.val.flags, IG_CONN_F_SYNCED);
	cr_expect(c.val.first_ns >= t0 && c.val.first_ns == c.val.last_ns);
	/* Its EST later: rewritten in place; first seen and hash stay. */
	sleep_ms(30);
	cr_assert_eq(sync_put_prio(&h, 1, SYNCED_EST, IG_PRIO_INTERACTIVE), 0);
	d = way_of(&h);
	cr_expect_eq(d.way, c.way);
	cr_expect_eq(d.val.first_ns, c.val.first_ns);
	cr_expect_gt(d.val.last_ns, c.val.last_ns);
	cr_expect_eq(d.val.hash, c.val.hash);
	cr_expect_eq(d.val.flags, SYNCED_EST);
	cr_expect_eq(send_seg(&h, DATA), 1);
	cr_expect_eq(entries(), 3);
}
