// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* GPU hosts with real traffic: two tenants (A, B), two hosts, workloads of
 * both tenants on both hosts (namespaces behind veth pairs), tc_host_ingress
 * on each host's underlay and tc_workload on every workload's host side; the
 * gateway (tools/lab/lab.h) routes the underlay and steers a client to the
 * tenants' VIPs. A reaches A's workloads and VIPs by ping, TCP and UDP (IPv4
 * and IPv6, same host and across hosts, large transfers with TSO); every
 * attempt between A and B, a rogue VTEP and a host injecting into the wrong
 * VNI fail, and the per-tenant drop counters say on which host and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "bpf/tc_host_ingress.skel.h"
#include "bpf/tc_workload.skel.h"
#include "bpf/xdp_gateway.skel.h"
#include "kernel-compat/compat.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "tools/lab/lab.h"
#include "user/lib/dp.h"

#define NHOSTS 2
#define NWL 5
#define TN_A 1
#define TN_B 2
#define VNI_A 6400
#define VNI_B 6500
#define VIP_A "198.19.64.10"
#define VIP_B "198.19.65.10"
#define SVC_A_TCP 1
#define SVC_A_UDP 2
#define SVC_B_TCP 3
#define ROGUE_VTEP "198.18.19.2"

struct host {
	struct tc_host_ingress *hi;
	struct tc_workload *wk;
	struct dp_maps maps;
	struct compat_attachment att[1 + NWL];
	int natt;
	__u8 vtep[16];
	__u8 e0_mac[6], nh_mac[6]; /* own underlay MAC; the gateway's, its next hop */
};

/* A workload: tenant t's address .idx in 198.18.(63+t).0/24 and
 * 2001:db8:(63+t)::/64 on host h; the .2 ones also serve their tenant's VIP. */
struct wl {
	const char *name;
	int h;
	__u32 tenant;
	int idx;
	char ns[NETNS_NAME_MAX];
	char a4[32], a6[48];
	__u8 mac[6], node_mac[6];
	__u32 ifindex; /* host side, in the host's namespace */
};

static struct lab lab;
static struct host hosts[NHOSTS + 1];
static struct wl wls[NWL] = {
	{ .name = "a1", .h = 1, .tenant = TN_A, .idx = 1 },
	{ .name = "b1", .h = 1, .tenant = TN_B, .idx = 1 },
	{ .name = "a3", .h = 1, .tenant = TN_A, .idx = 3 },
	{ .name = "a2", .h = 2, .tenant = TN_A, .idx = 2 },
	{ .name = "b2", .h = 2, .tenant = TN_B, .idx = 2 },
};
static char rogue[NETNS_NAME_MAX];

enum { A1, B1, A3, A2, B2 };

static void run_ok(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	cr_assert_eq(err, 0, "in %s: '%s' failed (%d)", ns ? ns : "root", cmd, err);
}

static void mac_of(const char *ns, const char *dev, __u8 mac[6])
{
	char buf[64];

	cr_assert_eq(netns_run_output(ns, buf, sizeof(buf), "cat /sys/class/net/%s/address", dev),
		     0);
	cr_assert_eq(pb_mac(buf, mac), 0, "bad MAC '%s' of %s", buf, dev);
}

static const char *hns(int h)
{
	return lab.h[h - 1];
}

static __u32 vni_of(__u32 tenant)
{
	return tenant == TN_A ? VNI_A : VNI_B;
}

/* ---- hosts ---- */

static void host_load(int h)
{
	struct host *H = &hosts[h];
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	__u8 gw[16];
	char addr[32];

	H->hi = tc_host_ingress__open_and_load();
	cr_assert(H->hi, "loading tc_host_ingress.bpf.o failed");
	cr_assert_eq(dp_from_object(&H->maps, H->hi->obj), 0);
	H->wk = tc_workload__open();
	cr_assert(H->wk);
	cr_assert_eq(dp_reuse_maps(H->wk->obj, &H->maps), 0);
	cr_assert_eq(tc_workload__load(H->wk), 0, "loading tc_workload.bpf.o failed");
	snprintf(addr, sizeof(addr), "198.18.%d.2", 10 + h);
	pb_addr16(addr, H->vtep);
	mac_of(hns(h), "e0", H->e0_mac);
	snprintf(addr, sizeof(addr), "u%d", h);
	mac_of(lab.gw, addr, H->nh_mac);
	memcpy(cfg.vtep_addr, H->vtep, 16);
	memcpy(cfg.vtep_mac, H->e0_mac, 6);
	cfg.underlay_ifindex = netns_ifindex(hns(h), "e0");
	cr_assert_gt(cfg.underlay_ifindex, 0);
	cr_assert_eq(dp_config_set(&H->maps, &cfg), 0);
	for (__u32 t = TN_A; t <= TN_B; t++) {
		cr_assert_eq(dp_tenant_set(&H->maps, t, vni_of(t), IG_PRIO_STANDARD), 0);
		cr_assert_eq(dp_vni_set(&H->maps, vni_of(t), t), 0);
		/* Both hosts and the gateway carry both tenants. */
		for (int o = 1; o <= NHOSTS; o++)
			cr_assert_eq(dp_vtep_allow(&H->maps, vni_of(t), hosts[o].vtep), 0);
		pb_addr16(LAB_GW_VTEP, gw);
		cr_assert_eq(dp_vtep_allow(&H->maps, vni_of(t), gw), 0);
	}
	cr_assert_eq(dp_tenant_drops_init(&H->maps, 0), 0);
	/* The hosts route the underlay through the gateway, and forward their
	 * workloads' replies to the client side. */
	run_ok(hns(h), h == 1 ? "ip route add 198.18.12.0/24 via 198.18.11.1 && "
				"ip route add 198.18.19.0/24 via 198.18.11.1" :
				"ip route add 198.18.11.0/24 via 198.18.12.1 && "
				"ip route add 198.18.19.0/24 via 198.18.12.1");
	run_ok(hns(h), "sysctl -qw net.ipv4.ip_forward=1");
}

static void attach(int h, int ifindex, struct bpf_program *prog)
{
	struct host *H = &hosts[h];
	int saved, err;

	saved = netns_enter(hns(h));
	cr_assert_geq(saved, 0);
	err = compat_tc_attach(bpf_program__fd(prog), ifindex, COMPAT_TC_INGRESS, 0,
			       &H->att[H->natt]);
	netns_leave(saved);
	cr_assert_eq(err, 0, "attaching to ifindex %d in h%d: %d", ifindex, h, err);
	H->natt++;
}

/* ---- workloads ---- */

static void wl_up(struct wl *w)
{
	char cmd[512], hostdev[16];
	int p = 63 + w->tenant;

	snprintf(w->a4, sizeof(w->a4), "198.18.%d.%d", p, w->idx);
	snprintf(w->a6, sizeof(w->a6), "2001:db8:%d::%d", p, w->idx);
	snprintf(hostdev, sizeof(hostdev), "w%s", w->name);
	cr_assert_eq(netns_create(w->name, w->ns), 0);
	cr_assert_eq(netns_veth(hns(w->h), hostdev, w->ns, "eth0"), 0);
	cr_assert_eq(netns_link_up(hns(w->h), hostdev), 0);
	/* The tenant's default gateways are no endpoint: the host side
	 * answers for them, and routes what goes beyond the tenant. */
	snprintf(cmd, sizeof(cmd),
		 "ip addr add %s/24 dev eth0 && ip -6 addr add %s/64 dev eth0 nodad && "
		 "ip link set eth0 up && ip route add default via 198.18.%d.254 && "
		 "ip -6 route add default via 2001:db8:%d::fffe%s",
		 w->a4, w->a6, p, p,
		 w->idx == 2 ? (w->tenant == TN_A ? " && ip addr add " VIP_A "/32 dev lo" :
						    " && ip addr add " VIP_B "/32 dev lo") :
			       "");
	run_ok(w->ns, cmd);
	mac_of(w->ns, "eth0", w->mac);
	mac_of(hns(w->h), hostdev, w->node_mac);
	w->ifindex = netns_ifindex(hns(w->h), hostdev);
	cr_assert_gt(w->ifindex, 0);
}

static void endpoint(int h, const char *addr, const struct wl *w, __u8 flags)
{
	struct ig_endpoint ep = { .tenant = w->tenant, .flags = flags };
	__u8 a[16];

	if (w->h == h) {
		ep.flags |= IG_EP_F_LOCAL;
		ep.ifindex = w->ifindex;
	} else {
		ep.flags |= IG_EP_F_REMOTE;
		memcpy(ep.vtep, hosts[w->h].vtep, 16);
		memcpy(ep.nh_mac, hosts[h].nh_mac, 6);
	}
	pb_addr16(addr, a);
	cr_assert_eq(dp_endpoint_set(&hosts[h].maps, a, &ep), 0);
}

/* Every host knows every tenant address: its own workloads as local, the
 * others as remote, so that no tenant's address is ever "client side". */
static void wl_register(const struct wl *w)
{
	struct ig_workload wl = { .tenant = w->tenant, .flags = IG_WL_F_PEER };

	memcpy(wl.mac, w->mac, 6);
	memcpy(wl.node_mac, w->node_mac, 6);
	cr_assert_eq(dp_workload_set(&hosts[w->h].maps, w->ifindex, &wl), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		endpoint(h, w->a4, w, 0);
		endpoint(h, w->a6, w, 0);
		if (w->idx == 2)
			endpoint(h, w->tenant == TN_A ? VIP_A : VIP_B, w, IG_EP_F_VIP);
	}
}

static void wl_servers(const struct wl *w)
{
	char cmd[1024];

	/* UDP echo bound per address, so a reply to the VIP leaves from it. */
	snprintf(cmd, sizeof(cmd),
		 "nohup python3 tests/integration/httpd.py 0.0.0.0 80 %s >/dev/null 2>&1 & "
		 "iperf3 -s -D >/dev/null 2>&1; "
		 "nohup python3 -c 'import socket,select,sys\n"
		 "ss=[]\n"
		 "for a in sys.argv[1:]:\n"
		 "  s=socket.socket(socket.AF_INET6 if \":\" in a else socket.AF_INET,"
		 "socket.SOCK_DGRAM)\n"
		 "  s.bind((a,5001)); ss.append(s)\n"
		 "while 1:\n"
		 "  for s in select.select(ss,[],[])[0]:\n"
		 "    d,p=s.recvfrom(2048); s.sendto(d,p)' %s %s %s >/dev/null 2>&1 &",
		 w->name, w->a4, w->a6, w->idx == 2 ? (w->tenant == TN_A ? VIP_A : VIP_B) : "");
	run_ok(w->ns, cmd);
}

static void wait_servers(const struct wl *w)
{
	cr_assert_eq(netns_run(w->ns,
			       "for t in $(seq 100); do curl -sf -o /dev/null http://%s/ && "
			       "exit 0; sleep 0.1; done; exit 1",
			       w->a4),
		     0, "httpd in %s did not start", w->name);
}

/* ---- the gateway: a client reaches the VIPs of both tenants ---- */

static void gw_backend(__u32 id, int h)
{
	struct ig_backend be = { .service = id, .weight = 1 };
	char u[8];
	int saved;

	snprintf(u, sizeof(u), "u%d", h);
	memcpy(be.addr, hosts[h].vtep, 16);
	memcpy(be.mac, hosts[h].e0_mac, 6);
	memcpy(be.smac, hosts[h].nh_mac, 6);
	saved = netns_enter(lab.gw);
	cr_assert_geq(saved, 0);
	be.ifindex = netns_ifindex(lab.gw, u);
	cr_assert_eq(dp_tx_port_add(&lab.maps, be.ifindex), 0);
	netns_leave(saved);
	cr_assert_eq(dp_backend_set(&lab.maps, id, &be), 0);
	cr_assert_eq(dp_backend_set_load(&lab.maps, id, 0, 100), 0);
}

static void gw_service(__u32 id, const char *vip, int port, int proto, __u32 tenant, __u32 backend)
{
	struct ig_service svc = { .id = id, .tenant = tenant };
	struct ig_service_key key;
	const __u32 w = 1;

	cr_assert_eq(dp_service_key(&key, vip, port, proto), 0);
	cr_assert_eq(dp_service_set(&lab.maps, &key, &svc), 0);
	cr_assert_eq(lab_weights(&lab, id, &backend, &w, 1), 0);
}

static void gateway_up(void)
{
	cr_assert_eq(lab_gateway_up(&lab), 0);
	cr_assert_eq(dp_tenant_set(&lab.maps, TN_A, VNI_A, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_tenant_set(&lab.maps, TN_B, VNI_B, IG_PRIO_STANDARD), 0);
	gw_backend(1, 2); /* a2 and b2 live on host 2 */
	gw_service(SVC_A_TCP, VIP_A, 80, IPPROTO_TCP, TN_A, 1);
	gw_service(SVC_A_UDP, VIP_A, 5001, IPPROTO_UDP, TN_A, 1);
	gw_service(SVC_B_TCP, VIP_B, 80, IPPROTO_TCP, TN_B, 1);
}

/* A namespace on the underlay that no tenant allows as a VTEP. */
static void rogue_up(void)
{
	cr_assert_eq(netns_create("rg", rogue), 0);
	cr_assert_eq(netns_veth(lab.gw, "u9", rogue, "e0"), 0);
	run_ok(lab.gw, "ip addr add 198.18.19.1/24 dev u9 && ip link set u9 up");
	run_ok(rogue, "ip addr add " ROGUE_VTEP "/24 dev e0 && ip link set e0 up && "
		      "ip route add 198.18.0.0/15 via 198.18.19.1");
}

static void lab_up(void)
{
	fx_require_root();
	memset(hosts, 0, sizeof(hosts));
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.18.%d.2", 10 + h);
		pb_addr16(addr, hosts[h].vtep);
	}
	for (int h = 1; h <= NHOSTS; h++)
		host_load(h);
	for (int i = 0; i < NWL; i++)
		wl_up(&wls[i]);
	for (int i = 0; i < NWL; i++)
		wl_register(&wls[i]);
	for (int h = 1; h <= NHOSTS; h++) {
		attach(h, netns_ifindex(hns(h), "e0"), hosts[h].hi->progs.tc_host_ingress);
		for (int i = 0; i < NWL; i++)
			if (wls[i].h == h)
				attach(h, wls[i].ifindex, hosts[h].wk->progs.tc_workload);
	}
	gateway_up();
	rogue_up();
	for (int i = 0; i < NWL; i++)
		wl_servers(&wls[i]);
	for (int i = 0; i < NWL; i++)
		wait_servers(&wls[i]);
}

static void lab_down(void)
{
	for (int h = 1; h <= NHOSTS; h++) {
		int saved = netns_enter(hns(h));

		for (int i = 0; i < hosts[h].natt; i++)
			compat_detach(&hosts[h].att[i]);
		if (saved >= 0)
			netns_leave(saved);
		tc_workload__destroy(hosts[h].wk);
		tc_host_ingress__destroy(hosts[h].hi);
	}
	lab_destroy(&lab);
}

TestSuite(host_lab, .init = lab_up, .fini = lab_down, .timeout = 180);

/* ---- probes ---- */

static int ping(const struct wl *w, const char *dst)
{
	return netns_run(w->ns, "ping -c 1 -W 0.5 %s >/dev/null 2>&1", dst);
}

/* A TCP handshake with iperf3's control port (every workload runs one). */
static int tcp_connect(const char *ns, const char *dst)
{
	return netns_run(ns,
			 "python3 -c 'import socket,sys\n"
			 "socket.create_connection((sys.argv[1],5201),timeout=0.5).close()' %s "
			 ">/dev/null 2>&1",
			 dst);
}

/* A datagram to the echo server on 5001, and its echo back (two tries). */
static int udp_echo(const char *ns, const char *dst)
{
	return netns_run(ns,
			 "python3 -c 'import socket,sys\n"
			 "a=sys.argv[1]\n"
			 "s=socket.socket(socket.AF_INET6 if \":\" in a else socket.AF_INET,"
			 "socket.SOCK_DGRAM)\n"
			 "s.settimeout(0.3)\n"
			 "for i in range(2):\n"
			 "  s.sendto(b\"ig\",(a,5001))\n"
			 "  try:\n"
			 "    sys.exit(0 if s.recvfrom(64)[0]==b\"ig\" else 1)\n"
			 "  except socket.timeout: pass\n"
			 "sys.exit(1)' %s >/dev/null 2>&1",
			 dst);
}

/* The body of GET / from dst: the serving workload's name. */
static void http_get(const char *ns, const char *dst, const char *want)
{
	char out[64] = "";

	cr_expect_eq(netns_run_output(ns, out, sizeof(out), "curl -s --max-time 3 http://%s/", dst),
		     0, "curl from %s to %s failed", ns, dst);
	cr_expect(!strncmp(out, want, strlen(want)), "http://%s/ answered '%s', want %s", dst, out,
		  want);
}

static __u64 tn_drops(int h, __u32 tenant, enum ig_drop_reason r)
{
	__u64 n = 0;

	cr_assert_eq(dp_tenant_drops(&hosts[h].maps, tenant, r, &n), 0);
	return n;
}

static __u64 counter(int h, enum ig_counter c)
{
	return fx_counter(hosts[h].hi->obj, "ig_counters", c, 0);
}

static void reaches(const struct wl *from, const char *dst)
{
	cr_expect_eq(ping(from, dst), 0, "%s cannot ping %s", from->name, dst);
	cr_expect_eq(tcp_connect(from->ns, dst), 0, "%s: no TCP to %s", from->name, dst);
	cr_expect_eq(udp_echo(from->ns, dst), 0, "%s: no UDP echo from %s", from->name, dst);
}

Test(host_lab, tenant_reaches_its_own)
{
	__u64 enc = counter(1, IG_CNT_HOST_ENCAP), dec = counter(2, IG_CNT_HOST_DECAP);
	__u64 loc = counter(1, IG_CNT_HOST_LOCAL), nb = counter(1, IG_CNT_HOST_NEIGH);

	reaches(&wls[A1], wls[A2].a4); /* across hosts */
	reaches(&wls[A1], wls[A2].a6);
	reaches(&wls[A1], wls[A3].a4); /* same host */
	reaches(&wls[A1], wls[A3].a6);
	reaches(&wls[A2], wls[A3].a6);
	reaches(&wls[A3], VIP_A); /* the VIP a2 serves, east-west */
	reaches(&wls[B1], wls[B2].a4);
	reaches(&wls[B2], wls[B1].a6);
	http_get(wls[A1].ns, wls[A2].a4, "a2");
	http_get(wls[A3].ns, VIP_A, "a2");
	http_get(wls[B1].ns, VIP_B, "b2");
	cr_expect_gt(counter(1, IG_CNT_HOST_ENCAP), enc);
	cr_expect_gt(counter(2, IG_CNT_HOST_DECAP), dec);
	cr_expect_gt(counter(1, IG_CNT_HOST_LOCAL), loc);
	cr_expect_gt(counter(1, IG_CNT_HOST_NEIGH), nb, "ARP/ND answered by the host side");
	for (int h = 1; h <= NHOSTS; h++)
		for (__u32 t = TN_A; t <= TN_B; t++) {
			cr_expect_eq(tn_drops(h, t, IG_DROP_EP_TENANT), 0);
			cr_expect_eq(tn_drops(h, t, IG_DROP_SPOOF), 0);
		}
}

/* The client, through the gateway, in each tenant's VNI; replies return
 * directly from the VIP (the host's stack routes the client side). */
Test(host_lab, client_reaches_vips_through_gateway)
{
	__u64 client = fx_counter(hosts[2].wk->obj, "ig_counters", IG_CNT_HOST_CLIENT, 0);

	http_get(lab.cl, VIP_A, "a2");
	http_get(lab.cl, VIP_B, "b2");
	cr_expect_eq(udp_echo(lab.cl, VIP_A), 0, "no UDP echo from A's VIP");
	cr_expect_gt(fx_counter(hosts[2].wk->obj, "ig_counters", IG_CNT_HOST_CLIENT, 0), client);
	cr_expect_gt(fx_counter(lab.skel->obj, "ig_tn_stats", TN_B, 0), 0, "B's VNI was used");
}

/* iperf3 with TSO and GSO on (the veth defaults): 64 KiB packets are
 * encapsulated and decapsulated whole. */
Test(host_lab, large_tcp_transfers)
{
	char out[256];
	double gbps;

	run_ok(wls[A1].ns, "ethtool -k eth0 | grep -q 'tcp-segmentation-offload: on'");
	for (int v6 = 0; v6 <= 1; v6++) {
		cr_assert_eq(
			netns_run_output(wls[A1].ns, out, sizeof(out),
					 "iperf3 -c %s -t 2 -J | python3 -c 'import json,sys;"
					 "print(json.load(sys.stdin)[\"end\"][\"sum_received\"]"
					 "[\"bits_per_second\"]/1e9)'",
					 v6 ? wls[A2].a6 : wls[A2].a4),
			0, "iperf3 to a2 failed");
		gbps = atof(out);
		cr_log_info("a1 -> a2 over IPv%d: %.2f Gbit/s", v6 ? 6 : 4, gbps);
		cr_expect_gt(gbps, 0.2, "a1 -> a2 over IPv%d: %.2f Gbit/s", v6 ? 6 : 4, gbps);
	}
	cr_expect_eq(fx_counter(hosts[2].hi->obj, "ig_drops", IG_DROP_DECAP_FAILED, 0), 0);
	cr_expect_eq(fx_counter(hosts[1].hi->obj, "ig_drops", IG_DROP_ENCAP_FAILED, 0), 0);
}

/* Every way from one tenant to the other fails, and is counted on host h
 * for the sender's tenant with reason r. */
static void blocked(const struct wl *from, const char *dst, int h, enum ig_drop_reason r)
{
	__u64 before = tn_drops(h, from->tenant, r);

	cr_expect_neq(ping(from, dst), 0, "%s pinged %s", from->name, dst);
	cr_expect_neq(tcp_connect(from->ns, dst), 0, "%s: TCP to %s", from->name, dst);
	cr_expect_neq(udp_echo(from->ns, dst), 0, "%s: UDP echo from %s", from->name, dst);
	cr_expect_geq(tn_drops(h, from->tenant, r), before + 3, "%s -> %s: not counted on h%d",
		      from->name, dst, h);
}

Test(host_lab, tenants_cannot_reach_each_other)
{
	blocked(&wls[B1], wls[A1].a4, 1, IG_DROP_EP_TENANT); /* same host */
	blocked(&wls[B1], wls[A3].a6, 1, IG_DROP_EP_TENANT);
	blocked(&wls[B1], wls[A2].a4, 1, IG_DROP_EP_TENANT); /* across hosts */
	blocked(&wls[B1], wls[A2].a6, 1, IG_DROP_EP_TENANT);
	blocked(&wls[B1], VIP_A, 1, IG_DROP_EP_TENANT);
	blocked(&wls[B2], wls[A2].a4, 2, IG_DROP_EP_TENANT);
	blocked(&wls[B2], VIP_A, 2, IG_DROP_EP_TENANT);
	blocked(&wls[A1], wls[B1].a4, 1, IG_DROP_EP_TENANT); /* and the reverse */
	blocked(&wls[A1], wls[B2].a6, 1, IG_DROP_EP_TENANT);
	blocked(&wls[A2], VIP_B, 2, IG_DROP_EP_TENANT);
	blocked(&wls[A3], wls[B2].a4, 1, IG_DROP_EP_TENANT);
}

Test(host_lab, neighbours_of_another_tenant_are_refused)
{
	__u64 before = tn_drops(1, TN_B, IG_DROP_EP_TENANT);

	/* On-link routes make b1 resolve A's addresses itself. */
	run_ok(wls[B1].ns, "ip route add 198.18.64.3/32 dev eth0 && "
			   "ip -6 route add 2001:db8:64::3/128 dev eth0");
	cr_expect_neq(ping(&wls[B1], wls[A3].a4), 0);
	cr_expect_neq(ping(&wls[B1], wls[A3].a6), 0);
	cr_expect_eq(netns_run(wls[B1].ns, "ip neigh show 198.18.64.3 | grep -q lladdr"), 1,
		     "b1 learned a MAC for a3");
	cr_expect_gt(tn_drops(1, TN_B, IG_DROP_EP_TENANT), before);
}

Test(host_lab, spoofed_sources_are_dropped)
{
	__u64 before = tn_drops(1, TN_B, IG_DROP_SPOOF);

	/* b1 takes a1's address, and a source of its own tenant's a3. */
	run_ok(wls[B1].ns, "ip addr add 198.18.64.1/32 dev eth0 && "
			   "ip addr add 198.18.65.3/32 dev eth0");
	cr_expect_neq(netns_run(wls[B1].ns, "ping -c 1 -W 1 -I 198.18.64.1 %s >/dev/null",
				wls[A2].a4),
		      0);
	cr_expect_neq(netns_run(wls[B1].ns, "ping -c 1 -W 1 -I 198.18.65.3 %s >/dev/null",
				wls[B2].a4),
		      0);
	cr_expect_geq(tn_drops(1, TN_B, IG_DROP_SPOOF), before + 2);
}

/* VXLAN straight onto host 2's underlay: from a VTEP no tenant allows, and
 * from host 1 (allowed for B) in B's VNI to A's workload. */
Test(host_lab, vxlan_from_outside_the_tenant_is_dropped)
{
	__u64 vtep = tn_drops(2, TN_A, IG_DROP_VXLAN_VTEP);
	__u64 cross = tn_drops(2, TN_B, IG_DROP_EP_TENANT);
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "ip link add vxa type vxlan id %d local " ROGUE_VTEP " remote 198.18.12.2 "
		 "dstport 4789 nolearning && ip link set vxa up && "
		 "ip addr add 198.18.64.66/24 dev vxa && "
		 "ip neigh add 198.18.64.2 lladdr %02x:%02x:%02x:%02x:%02x:%02x dev vxa",
		 VNI_A, wls[A2].mac[0], wls[A2].mac[1], wls[A2].mac[2], wls[A2].mac[3],
		 wls[A2].mac[4], wls[A2].mac[5]);
	run_ok(rogue, cmd);
	cr_expect_neq(netns_run(rogue, "ping -c 2 -i 0.2 -W 1 198.18.64.2 >/dev/null"), 0);
	cr_expect_geq(tn_drops(2, TN_A, IG_DROP_VXLAN_VTEP), vtep + 2);

	snprintf(cmd, sizeof(cmd),
		 "ip link add vxb type vxlan id %d local 198.18.11.2 remote 198.18.12.2 "
		 "dstport 4789 nolearning && ip link set vxb up && "
		 "ip addr add 198.18.65.99/32 dev vxb && ip route add 198.18.64.2/32 dev vxb && "
		 "ip neigh add 198.18.64.2 lladdr 02:00:00:00:00:99 dev vxb",
		 VNI_B);
	run_ok(hns(1), cmd);
	cr_expect_neq(netns_run(hns(1), "ping -c 2 -i 0.2 -W 1 198.18.64.2 >/dev/null"), 0);
	cr_expect_geq(tn_drops(2, TN_B, IG_DROP_EP_TENANT), cross + 2);
	run_ok(hns(1), "ip link del vxb");
}
