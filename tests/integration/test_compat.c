// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kernel-compat on the running kernel: every probed feature is present, and
 * every attach path (XDP link/netlink, native/generic; tcx/clsact, ingress and
 * egress), forced in turn, really runs the program on a veth between two
 * fresh namespaces, shows in the kernel's own view, and really detaches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <net/if.h>
#include <linux/if_link.h>
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
#define PORT 5555

/* a (client, 198.18.0.1) <-> b (host, 198.18.0.2) over veth-a/veth-b; in a
 * bridged lab b's addresses are on br0, with veth-b its port. */
struct lab {
	char a[NETNS_NAME_MAX];
	char b[NETNS_NAME_MAX];
	const char *dev_b; /* where b's addresses are: veth-b or br0 */
	int ifindex_a;
	int ifindex_b; /* of dev_b */
	int tx[2]; /* UDP sockets in a: IPv4, IPv6 */
	int rx[2]; /* UDP sockets in b, bound to PORT */
};

static void suite_init(void)
{
	fx_require_root(); /* a privileged test fails where it cannot run */
	log_setup_libbpf();
}

TestSuite(compat, .init = suite_init, .fini = netns_cleanup_all, .timeout = 60);

static int udp_socket(const char *ns, int family, bool bind_it)
{
	const char *addr = family == AF_INET ? "198.18.0.2" : "2001:db8::2";
	int fd = netns_udp_socket(ns, family, bind_it ? addr : NULL, PORT, 2);

	cr_assert_geq(fd, 0, "UDP socket in %s: %s", ns, strerror(-fd));
	return fd;
}

static void lab_up(struct lab *l, const char *tag, bool bridged)
{
	char ta[16], tb[16];

	snprintf(ta, sizeof(ta), "%s-a", tag);
	snprintf(tb, sizeof(tb), "%s-b", tag);
	l->dev_b = bridged ? "br0" : "veth-b";
	cr_assert_eq(netns_create(ta, l->a), 0);
	cr_assert_eq(netns_create(tb, l->b), 0);
	cr_assert_eq(netns_veth(l->a, "veth-a", l->b, "veth-b"), 0);
	if (bridged) {
		cr_assert_eq(netns_bridge(l->b, "br0"), 0);
		cr_assert_eq(netns_set_master(l->b, "veth-b", "br0"), 0);
	}
	cr_assert_eq(netns_addr(l->a, "veth-a", "198.18.0.1/24"), 0);
	cr_assert_eq(netns_addr(l->a, "veth-a", "2001:db8::1/64"), 0);
	cr_assert_eq(netns_addr(l->b, l->dev_b, "198.18.0.2/24"), 0);
	cr_assert_eq(netns_addr(l->b, l->dev_b, "2001:db8::2/64"), 0);
	/* Partial checksums do not survive XDP on veth: the sender computes. */
	cr_assert_eq(netns_tx_off(l->a, "veth-a"), 0);
	cr_assert_eq(netns_link_up(l->a, "veth-a"), 0);
	cr_assert_eq(netns_link_up(l->b, "veth-b"), 0);
	l->ifindex_a = netns_ifindex(l->a, "veth-a");
	l->ifindex_b = netns_ifindex(l->b, l->dev_b);
	cr_assert_gt(l->ifindex_a, 0);
	cr_assert_gt(l->ifindex_b, 0);
	l->tx[0] = udp_socket(l->a, AF_INET, false);
	l->tx[1] = udp_socket(l->a, AF_INET6, false);
	l->rx[0] = udp_socket(l->b, AF_INET, true);
	l->rx[1] = udp_socket(l->b, AF_INET6, true);
}

static void lab_down(struct lab *l)
{
	for (int i = 0; i < 2; i++) {
		close(l->tx[i]);
		close(l->rx[i]);
	}
}

/* ig_counters[IG_CNT_RX], summed over the possible CPUs. */
static __u64 counter_rx(int map_fd)
{
	__u64 sum = 0;

	cr_assert_eq(dp_percpu_sum(map_fd, IG_CNT_RX, 0, &sum), 0, "reading ig_counters");
	return sum;
}

/* PKTS datagrams over IPv4 and over IPv6 from a to b, each one received in
 * b (the program passed it). Returns how much IG_CNT_RX grew meanwhile. */
static __u64 traffic(struct lab *l, int map_fd)
{
	struct sockaddr_in6 d6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
	struct sockaddr_in d4 = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	char buf[64];
	__u64 before = counter_rx(map_fd), after;

	inet_pton(AF_INET, "198.18.0.2", &d4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::2", &d6.sin6_addr);
	for (int i = 0; i < PKTS; i++) {
		cr_assert_eq(sendto(l->tx[0], "ig", 2, 0, (struct sockaddr *)&d4, sizeof(d4)), 2);
		cr_assert_eq(sendto(l->tx[1], "ig", 2, 0, (struct sockaddr *)&d6, sizeof(d6)), 2);
	}
	for (int i = 0; i < 2 * PKTS; i++)
		cr_assert_eq(recv(l->rx[i % 2], buf, sizeof(buf), 0), 2,
			     "datagram %d of %d not received: %m", i + 1, 2 * PKTS);
	/* Received means the program has run: the counter is final now. */
	after = counter_rx(map_fd);
	return after - before;
}

/* Detach does not wait for a packet already inside the old program (RCU):
 * one from the background (IPv6 router solicitation, MLD) could still count
 * after the detach returned. Let it finish before taking a baseline. */
static void settle(void)
{
	usleep(50 * 1000);
}

/* The XDP link, if any, that runs prog_id. */
static bool find_link(__u32 type, __u32 prog_id, __u32 *ifindex)
{
	struct bpf_link_info info;
	__u32 id = 0, len;
	int fd, err;

	while (!bpf_link_get_next_id(id, &id)) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err || info.type != type || info.prog_id != prog_id)
			continue;
		/* xdp.ifindex and (6.6) tcx.ifindex share the union's start. */
		*ifindex = info.xdp.ifindex;
		return true;
	}
	return false;
}

/* The kernel's view of the XDP hook on dev_b, from inside b. */
static void xdp_query(struct lab *l, struct bpf_xdp_query_opts *q)
{
	int saved, err;

	saved = netns_enter(l->b);
	cr_assert_geq(saved, 0);
	err = bpf_xdp_query(l->ifindex_b, 0, q);
	netns_leave(saved);
	cr_assert_eq(err, 0, "bpf_xdp_query: %s", strerror(-err));
}

static void xdp_check_attached(struct lab *l, const struct compat_attachment *at)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 ifindex = 0;
	bool linked;

	xdp_query(l, &q);
	if (at->xdp_mode == COMPAT_XDP_NATIVE) {
		cr_assert_eq(q.attach_mode, XDP_ATTACHED_DRV, "attach_mode %u", q.attach_mode);
		cr_assert_eq(q.drv_prog_id, at->prog_id);
	} else {
		cr_assert_eq(q.attach_mode, XDP_ATTACHED_SKB, "attach_mode %u", q.attach_mode);
		cr_assert_eq(q.skb_prog_id, at->prog_id);
	}
	linked = find_link(BPF_LINK_TYPE_XDP, at->prog_id, &ifindex);
	cr_assert_eq(linked, at->method == COMPAT_METHOD_LINK, "XDP link present: %d", linked);
	if (linked)
		cr_assert_eq(ifindex, (__u32)l->ifindex_b);
}

static void xdp_case(const char *tag, bool bridged, unsigned int flags, enum compat_method method,
		     enum compat_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct compat_attachment at;
	struct xdp_gateway *skel;
	int saved, map_fd, err;
	struct lab l;
	__u64 n;

	lab_up(&l, tag, bridged);
	skel = xdp_gateway__open_and_load();
	cr_assert_not_null(skel, "cannot load xdp_gateway: %m");
	map_fd = bpf_map__fd(skel->maps.ig_counters);

	saved = netns_enter(l.b);
	err = compat_xdp_attach(bpf_program__fd(skel->progs.xdp_gateway), l.ifindex_b, flags, &at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_xdp_attach: %s", strerror(-err));
	cr_assert_eq(at.method, method, "method %s", compat_method_str(at.method));
	cr_assert_eq(at.xdp_mode, mode, "mode %s", compat_xdp_mode_str(at.xdp_mode));
	cr_assert_eq(at.hook, COMPAT_HOOK_XDP);
	xdp_check_attached(&l, &at);
	n = traffic(&l, map_fd);
	cr_assert_geq(n, 2 * PKTS, "program ran on %llu of %d packets", n, 2 * PKTS);

	saved = netns_enter(l.b);
	err = compat_detach(&at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_detach: %s", strerror(-err));
	cr_assert_eq(at.link_fd, -1);
	xdp_query(&l, &q);
	cr_assert_eq(q.attach_mode, XDP_ATTACHED_NONE, "still attached: mode %u", q.attach_mode);
	settle();
	n = traffic(&l, map_fd);
	cr_assert_eq(n, 0, "program still ran on %llu packets after detach", n);
	xdp_gateway__destroy(skel);
	lab_down(&l);
}

Test(compat, probe_finds_every_feature)
{
	struct compat_features f, cached;
	char buf[128];

	cr_assert_eq(compat_probe(&f), 0);
	cr_log_info("%s", compat_features_str(&f, buf, sizeof(buf)));
	cr_expect(f.xdp_link, "XDP bpf_link (5.9) not found");
	cr_expect(f.tcx, "tcx (6.6) not found");
	cr_expect(f.ringbuf, "ring buffer (5.8) not found");
	cr_expect(f.lru_hash, "LRU hash (4.10) not found");
	cr_expect(f.spin_lock_hash, "bpf_spin_lock in hash values (5.1) not found");
	cr_assert_eq(compat_features_get(&cached), 0);
	cr_assert_eq(memcmp(&f, &cached, sizeof(f)), 0, "cached probe differs");
	cr_assert_str_eq(compat_features_str(&f, buf, sizeof(buf)),
			 "xdp_link=yes tcx=yes ringbuf=yes lru_hash=yes spin_lock_hash=yes");
	/* A probe leaves nothing attached behind. */
	cr_assert_eq(netns_run(NULL, "bpftool net show dev lo | grep -q 'id '"), 1);
}

Test(compat, xdp_link_native)
{
	xdp_case("xln", false, 0, COMPAT_METHOD_LINK, COMPAT_XDP_NATIVE);
}

Test(compat, xdp_netlink_native)
{
	xdp_case("xnn", false, COMPAT_F_FORCE_NETLINK, COMPAT_METHOD_NETLINK, COMPAT_XDP_NATIVE);
}

Test(compat, xdp_link_generic)
{
	xdp_case("xlg", false, COMPAT_F_FORCE_GENERIC, COMPAT_METHOD_LINK, COMPAT_XDP_GENERIC);
}

/* Not forced: the bridge driver has no native XDP, so attach falls back to
 * generic XDP by itself (and the program runs on frames the bridge passes up). */
Test(compat, xdp_falls_back_to_generic)
{
	xdp_case("xfb", true, 0, COMPAT_METHOD_LINK, COMPAT_XDP_GENERIC);
}

Test(compat, xdp_netlink_falls_back_to_generic)
{
	xdp_case("xnfb", true, COMPAT_F_FORCE_NETLINK, COMPAT_METHOD_NETLINK, COMPAT_XDP_GENERIC);
}

Test(compat, xdp_netlink_generic)
{
	xdp_case("xng", false, COMPAT_F_FORCE_GENERIC | COMPAT_F_FORCE_NETLINK,
		 COMPAT_METHOD_NETLINK, COMPAT_XDP_GENERIC);
}

/* What the kernel has on a tc hook: the tcx program ids and, for a clsact
 * attachment, the program behind its handle and priority (0 when gone). */
struct tc_view {
	__u32 tcx_ids[8];
	__u32 tcx_cnt;
	__u32 cls_prog_id;
};

static void tc_query(const char *ns, const struct compat_attachment *at, struct tc_view *v)
{
	bool ingress = at->hook == COMPAT_HOOK_TC_INGRESS;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = at->tc_handle, .priority = at->tc_priority);
	int type = ingress ? COMPAT_TCX_INGRESS : COMPAT_TCX_EGRESS;
	int saved, err, cls_err = -ENOENT;

	memset(v, 0, sizeof(*v));
	v->tcx_cnt = sizeof(v->tcx_ids) / sizeof(v->tcx_ids[0]);
	saved = netns_enter(ns);
	cr_assert_geq(saved, 0);
	err = bpf_prog_query(at->ifindex, (enum bpf_attach_type)type, 0, NULL, v->tcx_ids,
			     &v->tcx_cnt);
	if (at->method == COMPAT_METHOD_NETLINK)
		cls_err = bpf_tc_query(&hook, &opts);
	netns_leave(saved);
	cr_assert_eq(err, 0, "tcx query: %s", strerror(-err));
	/* A filter that is gone is ENOENT, or EINVAL once its chain went
	 * with it ("Cannot find specified filter chain"). */
	if (!cls_err)
		v->cls_prog_id = opts.prog_id;
	else
		cr_assert(cls_err == -ENOENT || cls_err == -EINVAL, "bpf_tc_query: %s",
			  strerror(-cls_err));
}

static void tc_check_attached(const char *ns, const char *dev, const struct compat_attachment *at)
{
	__u32 ifindex = 0;
	struct tc_view v;
	char out[512];

	tc_query(ns, at, &v);
	if (at->method == COMPAT_METHOD_LINK) {
		cr_assert_eq(v.tcx_cnt, 1, "%u tcx programs", v.tcx_cnt);
		cr_assert_eq(v.tcx_ids[0], at->prog_id);
		cr_assert(find_link(COMPAT_LINK_TYPE_TCX, at->prog_id, &ifindex));
		cr_assert_eq(ifindex, (__u32)at->ifindex);
	} else {
		cr_assert_eq(v.tcx_cnt, 0, "%u tcx programs with clsact forced", v.tcx_cnt);
		cr_assert_eq(v.cls_prog_id, at->prog_id, "clsact filter %x:%x runs program %u",
			     at->tc_handle, at->tc_priority, v.cls_prog_id);
		cr_assert(!find_link(COMPAT_LINK_TYPE_TCX, at->prog_id, &ifindex));
		/* And as an operator sees it. */
		cr_assert_eq(netns_run_output(ns, out, sizeof(out), "tc filter show dev %s %s", dev,
					      at->hook == COMPAT_HOOK_TC_INGRESS ? "ingress" :
										   "egress"),
			     0);
		cr_assert(strstr(out, "tc_host_ingress") && strstr(out, "direct-action"),
			  "tc filter show: %s", out);
	}
}

static void tc_check_detached(const char *ns, const char *dev, const struct compat_attachment *at)
{
	struct tc_view v;
	char out[512];

	tc_query(ns, at, &v);
	cr_assert_eq(v.tcx_cnt, 0, "tcx program still attached");
	cr_assert_eq(v.cls_prog_id, 0, "clsact filter still attached");
	cr_assert_eq(netns_run_output(ns, out, sizeof(out), "tc filter show dev %s %s", dev,
				      at->hook == COMPAT_HOOK_TC_INGRESS ? "ingress" : "egress"),
		     0);
	cr_assert_str_empty(out, "tc still lists: %s", out);
	/* The clsact qdisc may hold others' filters: detach leaves it. */
	if (at->method == COMPAT_METHOD_NETLINK)
		cr_assert_eq(netns_run(ns, "tc qdisc show dev %s | grep -q clsact", dev), 0);
}

/* Ingress goes on b's veth-b, egress on a's veth-a: both see the traffic. */
static void tc_case(const char *tag, enum compat_tc_dir dir, unsigned int flags,
		    enum compat_method method)
{
	struct compat_attachment at;
	struct tc_host_ingress *skel;
	int saved, map_fd, err, ifindex;
	const char *ns, *dev;
	struct lab l;
	__u64 n;

	lab_up(&l, tag, false);
	ns = dir == COMPAT_TC_INGRESS ? l.b : l.a;
	dev = dir == COMPAT_TC_INGRESS ? l.dev_b : "veth-a";
	ifindex = dir == COMPAT_TC_INGRESS ? l.ifindex_b : l.ifindex_a;
	skel = tc_host_ingress__open_and_load();
	cr_assert_not_null(skel, "cannot load tc_host_ingress: %m");
	map_fd = bpf_map__fd(skel->maps.ig_counters);

	/* Egress finds an operator's clsact qdisc already there: EEXIST is fine. */
	if (method == COMPAT_METHOD_NETLINK && dir == COMPAT_TC_EGRESS)
		cr_assert_eq(netns_run(ns, "tc qdisc add dev %s clsact", dev), 0);
	saved = netns_enter(ns);
	err = compat_tc_attach(bpf_program__fd(skel->progs.tc_host_ingress), ifindex, dir, flags,
			       &at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_tc_attach: %s", strerror(-err));
	cr_assert_eq(at.method, method, "method %s", compat_method_str(at.method));
	cr_assert_eq(at.hook,
		     dir == COMPAT_TC_INGRESS ? COMPAT_HOOK_TC_INGRESS : COMPAT_HOOK_TC_EGRESS);
	tc_check_attached(ns, dev, &at);
	n = traffic(&l, map_fd);
	cr_assert_geq(n, 2 * PKTS, "program ran on %llu of %d packets", n, 2 * PKTS);

	saved = netns_enter(ns);
	err = compat_detach(&at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_detach: %s", strerror(-err));
	tc_check_detached(ns, dev, &at);
	settle();
	n = traffic(&l, map_fd);
	cr_assert_eq(n, 0, "program still ran on %llu packets after detach", n);
	tc_host_ingress__destroy(skel);
	lab_down(&l);
}

Test(compat, tcx_ingress)
{
	tc_case("tcxi", COMPAT_TC_INGRESS, 0, COMPAT_METHOD_LINK);
}

Test(compat, tcx_egress)
{
	tc_case("tcxe", COMPAT_TC_EGRESS, 0, COMPAT_METHOD_LINK);
}

Test(compat, clsact_ingress)
{
	tc_case("clsi", COMPAT_TC_INGRESS, COMPAT_F_FORCE_CLSACT, COMPAT_METHOD_NETLINK);
}

Test(compat, clsact_egress)
{
	tc_case("clse", COMPAT_TC_EGRESS, COMPAT_F_FORCE_CLSACT, COMPAT_METHOD_NETLINK);
}

static char pin_path[64];

static void pin_fini(void)
{
	if (pin_path[0])
		unlink(pin_path);
}

/* A pinned link keeps the program attached after its fd is closed (an agent
 * that exits leaves the datapath running); compat_detach still detaches it. */
Test(compat, pinned_xdp_link_outlives_its_fd, .fini = pin_fini)
{
	struct compat_attachment at, nl = { .method = COMPAT_METHOD_NETLINK };
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_gateway *skel;
	int saved, map_fd, err;
	struct lab l;
	__u64 n;

	lab_up(&l, "pin", false);
	skel = xdp_gateway__open_and_load();
	cr_assert_not_null(skel, "cannot load xdp_gateway: %m");
	map_fd = bpf_map__fd(skel->maps.ig_counters);
	saved = netns_enter(l.b);
	err = compat_xdp_attach(bpf_program__fd(skel->progs.xdp_gateway), l.ifindex_b, 0, &at);
	netns_leave(saved);
	cr_assert_eq(err, 0, "compat_xdp_attach: %s", strerror(-err));

	snprintf(pin_path, sizeof(pin_path), "/sys/fs/bpf/ig-test-%d-xdp", (int)getpid());
	cr_assert_eq(compat_pin(&at, pin_path), 0);
	cr_assert_eq(compat_pin(&nl, pin_path), -EOPNOTSUPP);
	close(at.link_fd);
	at.link_fd = -1;
	n = traffic(&l, map_fd);
	cr_assert_geq(n, 2 * PKTS, "pinned link: program ran on %llu of %d packets", n, 2 * PKTS);

	at.link_fd = bpf_obj_get(pin_path);
	cr_assert_geq(at.link_fd, 0, "bpf_obj_get %s: %m", pin_path);
	cr_assert_eq(compat_detach(&at), 0);
	xdp_query(&l, &q);
	cr_assert_eq(q.attach_mode, XDP_ATTACHED_NONE, "pinned link not detached");
	settle();
	n = traffic(&l, map_fd);
	cr_assert_eq(n, 0, "program still ran on %llu packets after detach", n);
	xdp_gateway__destroy(skel);
	lab_down(&l);
}

TestSuite(netns, .init = suite_init, .fini = netns_cleanup_all, .timeout = 60);

/* Gone, or a zombie that its new parent has not reaped yet. */
static bool proc_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

Test(netns, lab_is_made_and_cleaned)
{
	pid_t server;
	char a[NETNS_NAME_MAX], b[NETNS_NAME_MAX], prefix[32], out[256], path[96], root[16];
	int ifindex;

	snprintf(prefix, sizeof(prefix), "ig-%d-", (int)getpid());
	snprintf(root, sizeof(root), "igr%d", (int)getpid() % 100000);
	cr_assert_eq(netns_create("one", a), 0);
	cr_assert_eq(netns_create("one", b), 0);
	cr_assert_str_neq(a, b);
	cr_assert_eq(strncmp(a, prefix, strlen(prefix)), 0, "%s", a);
	cr_assert_eq(netns_veth(a, "eth0", b, "eth0"), 0);
	cr_assert_eq(netns_veth(NULL, root, a, "eth1"), 0);
	cr_assert_eq(netns_addr(a, "eth0", "2001:db8:1::1/64"), 0);
	cr_assert_eq(netns_link_up(a, "eth0"), 0);
	cr_assert_eq(netns_link_up(b, "eth0"), 0);
	cr_assert_eq(netns_tx_off(a, "eth0"), 0);

	/* nodad: the address is usable at once, not "tentative". */
	cr_assert_eq(netns_run_output(a, out, sizeof(out), "ip -6 addr show dev eth0"), 0);
	cr_assert(strstr(out, "2001:db8:1::1/64") && !strstr(out, "tentative"), "%s", out);
	/* Commands see the namespace's own /sys. */
	ifindex = netns_ifindex(b, "eth0");
	cr_assert_gt(ifindex, 0);
	cr_assert_eq(netns_run_output(b, out, sizeof(out), "cat /sys/class/net/eth0/ifindex"), 0);
	cr_assert_eq(atoi(out), ifindex);
	cr_assert_eq(netns_run_output(a, out, sizeof(out),
				      "ethtool -k eth0 | grep '^tx-checksumming'"),
		     0);
	cr_assert(strstr(out, ": off"), "%s", out);
	cr_assert_eq(netns_run(a, "exit 3"), 3);
	/* A server left running inside must not keep the namespace alive. */
	cr_assert_eq(netns_run_output(a, out, sizeof(out), "sleep 600 >/dev/null 2>&1 & echo $!"),
		     0);
	server = atoi(out);
	cr_assert_gt(server, 0);

	netns_cleanup_all();
	for (int i = 0; i < 100 && !proc_gone(server); i++)
		usleep(10 * 1000);
	cr_assert(proc_gone(server), "process %d in %s survived cleanup", server, a);
	snprintf(path, sizeof(path), "/run/netns/%s", a);
	cr_assert_neq(access(path, F_OK), 0, "%s survived cleanup", a);
	cr_assert_eq(if_nametoindex(root), 0, "%s survived cleanup", root);
}

/* A test process that dies leaves its namespaces; the next create sweeps
 * them, because their pid is gone. */
Test(netns, stale_namespaces_are_swept)
{
	char name[NETNS_NAME_MAX], path[96];
	int status;
	pid_t pid;

	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid)
		_exit(netns_create("stale", name) ? 1 : 0); /* no atexit: a crash */
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status));
	snprintf(path, sizeof(path), "/run/netns/ig-%d-0-stale", (int)pid);
	cr_assert_eq(access(path, F_OK), 0, "%s was not made", path);
	cr_assert_eq(netns_create("sweeper", name), 0);
	cr_assert_neq(access(path, F_OK), 0, "%s was not swept", path);
}
