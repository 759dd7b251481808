// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Forwarding rate through the gateway namespace on veth, packets per second:
 * xdp_gateway (Maglev steering, VXLAN encapsulation, redirect to the host's
 * underlay link) against kube-proxy's way (iptables DNAT with the statistic
 * match in the gateway's stack, conntrack, routing). One sender thread in the
 * client namespace blasts 64-byte UDP frames (32 flows, sendmmsg) at a VIP
 * for a fixed time; the rate is what reached the two GPU hosts, counted and
 * dropped by an XDP sink on their underlay ports (bench_sink.bpf.c), so the
 * hosts cost the same on both paths; what the sender offered is beside it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/bpf/progs/bench_sink.skel.h"
#include "tools/lab/lab.h"
#include "user/lib/log.h"

#define FWD_VIP "198.19.0.30"
#define FWD_PORT 9
#define FWD_VNI 100
#define FWD_HOSTS 2
#define FWD_FLOWS 32
#define FWD_BATCH 64
#define FWD_PAYLOAD 18 /* 14 + 20 + 8 + 18 = a 60-byte frame, 64 on the wire */
#define FWD_SECONDS 3.0
#define FWD_ROUNDS 3

static double fwd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* From inside the client namespace: FWD_FLOWS connected UDP sockets (each
 * its own source port, so its own flow), FWD_BATCH datagrams per syscall. */
static int fwd_blast(double secs, unsigned long long *sent)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(FWD_PORT) };
	static char payload[FWD_PAYLOAD];
	struct iovec iov = { payload, sizeof(payload) };
	struct mmsghdr msgs[FWD_BATCH];
	int fds[FWD_FLOWS], err = 0, n;
	double end;

	inet_pton(AF_INET, FWD_VIP, &dst.sin_addr);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < FWD_BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (n = 0; n < FWD_FLOWS; n++) {
		fds[n] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[n] < 0 || connect(fds[n], (struct sockaddr *)&dst, sizeof(dst))) {
			err = -errno;
			break;
		}
	}
	*sent = 0;
	for (end = fwd_now() + secs; !err && fwd_now() < end;) {
		for (int i = 0; i < FWD_FLOWS; i++) {
			int k = sendmmsg(fds[i], msgs, FWD_BATCH, 0);

			if (k > 0)
				*sent += k;
		}
	}
	while (n-- > 0)
		close(fds[n]);
	return err;
}

struct fwd_sink {
	struct bench_sink *skel;
	struct compat_attachment att;
	bool attached;
};

static struct fwd_sink sinks[FWD_HOSTS];

static int fwd_sinks_up(struct lab *l)
{
	int err = 0, saved;

	for (int h = 0; !err && h < FWD_HOSTS; h++) {
		struct fwd_sink *s = &sinks[h];

		s->skel = bench_sink__open_and_load();
		if (!s->skel)
			return -errno;
		saved = netns_enter(l->h[h]);
		if (saved < 0)
			return saved;
		err = compat_xdp_attach(bpf_program__fd(s->skel->progs.xdp_bench_sink),
					netns_ifindex(l->h[h], "e0"), 0, &s->att);
		netns_leave(saved);
		s->attached = !err;
	}
	return err;
}

static void fwd_sinks_down(struct lab *l)
{
	for (int h = 0; h < FWD_HOSTS; h++) {
		struct fwd_sink *s = &sinks[h];
		int saved;

		if (s->attached) {
			saved = netns_enter(l->h[h]);
			compat_detach(&s->att);
			if (saved >= 0)
				netns_leave(saved);
		}
		bench_sink__destroy(s->skel);
		*s = (struct fwd_sink){};
	}
}

static unsigned long long fwd_rx(struct lab *l)
{
	unsigned long long total = 0;

	(void)l;
	for (int h = 0; h < FWD_HOSTS; h++)
		total += __atomic_load_n(&sinks[h].skel->bss->sink_packets, __ATOMIC_RELAXED);
	return total;
}

/* One timed blast: packets/s received by the hosts and offered by the client. */
static int fwd_measure(struct lab *l, double *rx_pps, double *tx_pps)
{
	unsigned long long before = fwd_rx(l), sent = 0;
	double t0 = fwd_now(), t;
	int saved = netns_enter(l->cl), err;

	if (saved < 0)
		return saved;
	err = fwd_blast(FWD_SECONDS, &sent);
	netns_leave(saved);
	t = fwd_now() - t0;
	usleep(200 * 1000); /* what is still queued arrives */
	*rx_pps = (fwd_rx(l) - before) / t;
	*tx_pps = sent / t;
	return err;
}

static int fwd_iptables(struct lab *l, bool on)
{
	if (!on)
		return netns_run(l->gw, "iptables -t nat -F && iptables -t nat -X IG-SVC-FWD") ?
			       -EIO :
			       0;
	return netns_run(l->gw,
			 "iptables -t nat -N IG-SVC-FWD && "
			 "iptables -t nat -A PREROUTING -d " FWD_VIP "/32 -p udp --dport %d "
			 "-j IG-SVC-FWD && "
			 "iptables -t nat -A IG-SVC-FWD -m statistic --mode random --probability "
			 "0.50000000000 -j DNAT --to-destination 198.18.11.2 && "
			 "iptables -t nat -A IG-SVC-FWD -j DNAT --to-destination 198.18.12.2",
			 FWD_PORT) ?
		       -EIO :
		       0;
}

static int fwd_xdp(struct lab *l)
{
	struct ig_service svc = { .id = 1, .tenant = 1, .policy = IG_POLICY_MAGLEV };
	const __u32 ids[FWD_HOSTS] = { 1, 2 }, w[FWD_HOSTS] = { 1, 1 };
	struct ig_service_key key;
	int err;

	err = lab_gateway_up(l) ?: dp_tenant_set(&l->maps, 1, FWD_VNI, IG_PRIO_STANDARD);
	err = err ?: dp_service_key(&key, FWD_VIP, FWD_PORT, IPPROTO_UDP);
	err = err ?: dp_service_set(&l->maps, &key, &svc);
	for (int h = 1; !err && h <= FWD_HOSTS; h++)
		err = lab_backend(l, ids[h - 1], h, 1, FWD_VNI);
	return err ?: lab_weights(l, 1, ids, w, FWD_HOSTS);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* FWD_ROUNDS blasts; medians of received and offered rates. */
static int fwd_rounds(struct lab *l, const char *name, double *median)
{
	double rx[FWD_ROUNDS], tx[FWD_ROUNDS];
	int err = 0;

	for (int i = 0; !err && i < FWD_ROUNDS; i++)
		err = fwd_measure(l, &rx[i], &tx[i]);
	if (err)
		return err;
	qsort(rx, FWD_ROUNDS, sizeof(rx[0]), cmp_double);
	qsort(tx, FWD_ROUNDS, sizeof(tx[0]), cmp_double);
	*median = rx[FWD_ROUNDS / 2];
	printf("| %-44s | %9.0f | %9.0f | %9.0f | %9.0f |\n", name, rx[FWD_ROUNDS / 2], rx[0],
	       rx[FWD_ROUNDS - 1], tx[FWD_ROUNDS / 2]);
	fflush(stdout);
	return 0;
}

int bench_forward(void)
{
	static struct lab l;
	double ipt = 0, xdp = 0;
	int err;

	printf("forwarding rate through the gateway namespace on veth: %d flows of 64-byte UDP\n"
	       "frames from one sender thread for %.0f s, %d rounds; pps received by %d GPU hosts\n\n",
	       FWD_FLOWS, FWD_SECONDS, FWD_ROUNDS, FWD_HOSTS);
	log_setup_libbpf();
	err = lab_create(&l, FWD_HOSTS);
	for (int h = 1; !err && h <= FWD_HOSTS; h++)
		err = lab_host_vni(&l, h, FWD_VNI, FWD_VIP);
	err = err ?: fwd_sinks_up(&l);
	if (!err)
		printf("| %-44s | %9s | %9s | %9s | %9s |\n|---|---:|---:|---:|---:|\n",
		       "path (client -> gateway -> 2 hosts)", "rx pps", "min", "max", "offered");
	/* kube-proxy first: nothing is attached to g0 until the XDP run. */
	err = err ?: fwd_iptables(&l, true);
	err = err ?: fwd_rounds(&l, "iptables DNAT, statistic random (kube-proxy)", &ipt);
	err = err ?: fwd_iptables(&l, false);
	err = err ?: fwd_xdp(&l);
	err = err ?: fwd_rounds(&l, "xdp_gateway: Maglev + VXLAN, XDP redirect", &xdp);
	if (!err && ipt > 0)
		printf("\nxdp_gateway forwards %.2fx the packets/s of iptables DNAT\n", xdp / ipt);
	fwd_sinks_down(&l);
	lab_destroy(&l);
	return err;
}
