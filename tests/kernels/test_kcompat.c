// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kernel-compat on whatever kernel this runs on (the matrix boots 6.1, 6.12
 * and runs the development kernel): the probe finds at least the 5.15 floor,
 * and each hook attaches the way kernel-compat chooses there (tcx or clsact,
 * XDP link or netlink), really runs the program on a veth between two
 * namespaces, and detaches. The forced fallbacks run on every kernel. Each
 * choice is printed as "kcompat-choice: <hook> <method>" for the report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "bpf/tc_host_ingress.skel.h"
#include "bpf/xdp_gateway.skel.h"
#include "kernel-compat/compat.h"
#include "maps/stats.h"
#include "tests/lib/fixture.h"
#include "tools/lab/netns.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"

#define PKTS 5
#define PORT 5556

/* a (198.18.0.1) <-> b (198.18.0.2) over veth-a/veth-b. */
struct lab {
	char a[NETNS_NAME_MAX];
	char b[NETNS_NAME_MAX];
	int ifindex_a;
	int ifindex_b;
	int tx;
	int rx;
};

static void suite_init(void)
{
	fx_require_root(); /* a privileged test fails where it cannot run */
	log_setup_libbpf();
}

/* TCG guests are slow: a generous per-test limit, still far below the boot's. */
TestSuite(kcompat, .init = suite_init, .fini = netns_cleanup_all, .timeout = 120);

static int udp_socket(const char *ns, bool bind_it)
{
	int fd = netns_udp_socket(ns, AF_INET, bind_it ? "198.18.0.2" : NULL, PORT, 5);

	cr_assert_geq(fd, 0, "UDP socket in %s: %s", ns, strerror(-fd));
	return fd;
}

static void lab_up(struct lab *l, const char *tag)
{
	char ta[16], tb[16];

	snprintf(ta, sizeof(ta), "%s-a", tag);
	snprintf(tb, sizeof(tb), "%s-b", tag);
	cr_assert_eq(netns_create(ta, l->a), 0);
	cr_assert_eq(netns_create(tb, l->b), 0);
	cr_assert_eq(netns_veth(l->a, "veth-a", l->b, "veth-b"), 0, "veth (module loaded?)");
	cr_assert_eq(netns_addr(l->a, "veth-a", "198.18.0.1/24"), 0);
	cr_assert_eq(netns_addr(l->b, "veth-b", "198.18.0.2/24"), 0);
	/* Partial checksums do not survive XDP on veth: the sender computes. */
	cr_assert_eq(netns_tx_off(l->a, "veth-a"), 0);
	cr_assert_eq(netns_link_up(l->a, "veth-a"), 0);
	cr_assert_eq(netns_link_up(l->b, "veth-b"), 0);
	l->ifindex_a = netns_ifindex(l->a, "veth-a");
	l->ifindex_b = netns_ifindex(l->b, "veth-b");
	cr_assert_gt(l->ifindex_a, 0);
	cr_assert_gt(l->ifindex_b, 0);
	l->tx = udp_socket(l->a, false);
	l->rx = udp_socket(l->b, true);
}

static void lab_down(struct lab *l)
{
	close(l->tx);
	close(l->rx);
}

/* ig_counters[IG_CNT_RX], summed over the possible CPUs. */
static __u64 counter_rx(int map_fd)
{
	__u64 sum = 0;

	cr_assert_eq(dp_percpu_sum(map_fd, IG_CNT_RX, 0, &sum), 0, "reading ig_counters");
	return sum;
}

/* PKTS datagrams from a to b, each received (the program passed it); returns
 * how much IG_CNT_RX grew meanwhile. */
static __u64 traffic(struct lab *l, int map_fd)
{
	struct sockaddr_in d4 = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	__u64 before = counter_rx(map_fd);
	char buf[16];

	inet_pton(AF_INET, "198.18.0.2", &d4.sin_addr);
	for (int i = 0; i < PKTS; i++)
		cr_assert_eq(sendto(l->tx, "ig", 2, 0, (struct sockaddr *)&d4, sizeof(d4)), 2);
	for (int i = 0; i < PKTS; i++)
		cr_assert_eq(recv(l->rx, buf, sizeof(buf), 0), 2, "datagram %d of %d lost: %m",
			     i + 1, PKTS);
	return counter_rx(map_fd) - before;
}

/* Detach does not wait for a packet already inside the program (RCU). */
static void settle(void)
{
	usleep(100 * 1000);
}

static void report_choice(const struct compat_attachment *at)
{
	const char *how;

	if (at->hook == COMPAT_HOOK_XDP)
		how = at->method == COMPAT_METHOD_LINK ? "xdp-link" : "xdp-netlink";
	else
		how = at->method == COMPAT_METHOD_LINK ? "tcx" : "clsact";
	printf("kcompat-choice: %s %s%s%s\n", compat_hook_str(at->hook), how,
	       at->hook == COMPAT_HOOK_XDP ? "/" : "",
	       at->hook == COMPAT_HOOK_XDP ? compat_xdp_mode_str(at->xdp_mode) : "");
	fflush(stdout);
}

static void features(struct compat_features *f)
{
	cr_assert_eq(compat_features_get(f), 0, "kernel-compat probe failed");
}

static void xdp_case(const char *tag, unsigned int flags, enum compat_method want_method,
		     enum compat_xdp_mode want_mode)
{
	struct compat_attachment at;
	struct xdp_gateway *skel;
	int saved, map_fd, err;
	struct lab l;
	__u64 n;

	lab_up(&l, tag);
	skel = xdp_gateway__open_and_load();
	cr_assert_not_null(skel, "cannot load xdp_gateway: %m");
	map_fd = bpf_map__fd(skel->maps.ig_counters);
	saved = netns_enter(l.b);
	err = compat_xdp_attach(bpf_program__fd(skel->progs.xdp_gateway), l.ifindex_b, flags, &at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_xdp_attach: %s", strerror(-err));
	if (!flags)
		report_choice(&at);
	cr_assert_eq(at.method, want_method, "method %s", compat_method_str(at.method));
	cr_assert_eq(at.xdp_mode, want_mode, "mode %s", compat_xdp_mode_str(at.xdp_mode));
	n = traffic(&l, map_fd);
	cr_assert_geq(n, PKTS, "program ran on %llu of %d packets", n, PKTS);

	saved = netns_enter(l.b);
	err = compat_detach(&at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_detach: %s", strerror(-err));
	settle();
	n = traffic(&l, map_fd);
	cr_assert_eq(n, 0, "program still ran on %llu packets after detach", n);
	xdp_gateway__destroy(skel);
	lab_down(&l);
}

/* Ingress on b's veth-b, egress on a's veth-a: both see the traffic. */
static void tc_case(const char *tag, enum compat_tc_dir dir, unsigned int flags,
		    enum compat_method want)
{
	struct compat_attachment at;
	struct tc_host_ingress *skel;
	int saved, map_fd, err;
	struct lab l;
	__u64 n;

	lab_up(&l, tag);
	skel = tc_host_ingress__open_and_load();
	cr_assert_not_null(skel, "cannot load tc_host_ingress: %m");
	map_fd = bpf_map__fd(skel->maps.ig_counters);
	saved = netns_enter(dir == COMPAT_TC_INGRESS ? l.b : l.a);
	err = compat_tc_attach(bpf_program__fd(skel->progs.tc_host_ingress),
			       dir == COMPAT_TC_INGRESS ? l.ifindex_b : l.ifindex_a, dir, flags,
			       &at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_tc_attach: %s (sch_ingress, cls_bpf loaded?)", strerror(-err));
	if (!flags)
		report_choice(&at);
	cr_assert_eq(at.method, want, "method %s", compat_method_str(at.method));
	n = traffic(&l, map_fd);
	cr_assert_geq(n, PKTS, "program ran on %llu of %d packets", n, PKTS);

	saved = netns_enter(dir == COMPAT_TC_INGRESS ? l.b : l.a);
	err = compat_detach(&at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_detach: %s", strerror(-err));
	settle();
	n = traffic(&l, map_fd);
	cr_assert_eq(n, 0, "program still ran on %llu packets after detach", n);
	tc_host_ingress__destroy(skel);
	lab_down(&l);
}

/* Everything but tcx is older than the 5.15 floor: the probe must find it.
 * tcx (6.6) is what differs across the matrix; the report shows it. */
Test(kcompat, probe_finds_the_floor)
{
	struct compat_features f;
	char buf[128];

	features(&f);
	printf("kcompat-features: %s\n", compat_features_str(&f, buf, sizeof(buf)));
	fflush(stdout);
	cr_expect(f.xdp_link, "XDP bpf_link (5.9) not found");
	cr_expect(f.ringbuf, "ring buffer (5.8) not found");
	cr_expect(f.lru_hash, "LRU hash (4.10) not found");
	cr_expect(f.spin_lock_hash, "bpf_spin_lock in hash values (5.1) not found");
}

Test(kcompat, xdp_as_chosen)
{
	struct compat_features f;

	features(&f);
	xdp_case("kxa", 0, f.xdp_link ? COMPAT_METHOD_LINK : COMPAT_METHOD_NETLINK,
		 COMPAT_XDP_NATIVE);
}

Test(kcompat, tc_ingress_as_chosen)
{
	struct compat_features f;

	features(&f);
	tc_case("kti", COMPAT_TC_INGRESS, 0, f.tcx ? COMPAT_METHOD_LINK : COMPAT_METHOD_NETLINK);
}

Test(kcompat, tc_egress_as_chosen)
{
	struct compat_features f;

	features(&f);
	tc_case("kte", COMPAT_TC_EGRESS, 0, f.tcx ? COMPAT_METHOD_LINK : COMPAT_METHOD_NETLINK);
}

/* The fallbacks run on every kernel, so a kernel with tcx still proves the
 * path that a 6.1 host takes. */
Test(kcompat, clsact_forced)
{
	tc_case("kcf", COMPAT_TC_INGRESS, COMPAT_F_FORCE_CLSACT, COMPAT_METHOD_NETLINK);
}

Test(kcompat, xdp_netlink_generic_forced)
{
	xdp_case("kxf", COMPAT_F_FORCE_NETLINK | COMPAT_F_FORCE_GENERIC, COMPAT_METHOD_NETLINK,
		 COMPAT_XDP_GENERIC);
}
