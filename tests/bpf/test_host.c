// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* GPU-host fixtures (tc_host_ingress and tc_workload through
 * BPF_PROG_TEST_RUN, one host's maps shared by both): exact bytes of VXLAN
 * decapsulation (v4/v6 inner over v4/v6 underlay) and east-west
 * encapsulation, ARP and neighbour answers, and every drop (foreign VNI, VTEP
 * not allowed, another tenant's endpoint, spoofed source, unknown endpoint,
 * truncated VXLAN, ...) with its verdict, reason and per-tenant counter. */
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/tc_host_ingress.skel.h"
#include "bpf/tc_workload.skel.h"
#include "maps/flowhash.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "user/lib/dp.h"

#define H1_MAC "02:00:00:00:01:01" /* this host's underlay MAC */
#define UL_MAC "02:00:00:00:01:fe" /* the underlay's next hop toward us */
#define H2_MAC "02:00:00:00:02:01" /* host 2, next hop of its endpoints */
#define CL_MAC "02:00:00:00:0c:01"
#define VX_MAC "02:00:00:00:1b:01" /* inner destination the gateway sets */
#define GW_VTEP "198.18.255.1"
#define H1_VTEP "198.18.1.1"
#define H2_VTEP "198.18.1.2"
#define B_VTEP "198.18.1.3" /* allowed for tenant B's VNI only */
#define ROGUE_VTEP "198.18.1.66" /* allowed for nothing */
#define V6_VTEP "2001:db8:1::2" /* allowed for tenant A, IPv6 underlay */
#define H1_VTEP6 "2001:db8:1::1"
#define UNDERLAY_NET "198.18.1.0" /* /24: the hosts' underlay subnet */
#define UNDERLAY_HOST "198.18.1.9" /* a machine on it (its router, a switch) */
#define CLIENT4 "198.18.0.2"
#define CLIENT6 "2001:db8:18::2"
#define VNI_A 0x0a0001
#define VNI_B 0x0b0002
#define VNI_X 0x0c0003 /* known to nobody */
#define VNI_M 0x0d0004 /* mapped to tenant A, whose VNI is VNI_A */
#define TN_A 1
#define TN_B 2

/* Workloads on this host. A1 sits behind ifindex 1: BPF_PROG_TEST_RUN runs a
 * tc program on the loopback device, so A1 is the workload that sends. */
struct wl_def {
	__u32 ifindex, tenant;
	const char *mac, *node_mac, *a4, *a6;
};
static const struct wl_def A1 = {
	1, TN_A, "02:00:00:00:a1:01", "02:00:00:00:a1:fe", "198.18.64.1", "2001:db8:64::1"
};
static const struct wl_def A3 = {
	103, TN_A, "02:00:00:00:a3:01", "02:00:00:00:a3:fe", "198.18.64.3", "2001:db8:64::3"
};
static const struct wl_def B1 = {
	102, TN_B, "02:00:00:00:b1:01", "02:00:00:00:b1:fe", "198.18.65.1", "2001:db8:65::1"
};
#define A2_4 "198.18.64.2" /* tenant A on host 2 */
#define A2_6 "2001:db8:64::2"
#define B2_4 "198.18.65.2" /* tenant B on host 2 */
#define A4_4 "198.18.64.4" /* tenant A behind a VTEP not allowed for A */
#define A5_4 "198.18.64.5" /* tenant A behind an IPv6 VTEP (we are IPv4) */
#define VIP_A "198.19.64.10" /* served by A1 */
#define VIP_A6 "2001:db8:19:64::10"
#define VIP_B "198.19.65.10" /* tenant B's, served elsewhere */
#define GW_A "198.18.64.254" /* A's default gateway: no endpoint */

static struct tc_host_ingress *hi;
static struct tc_workload *wk;
static struct dp_maps maps;

static void workload_add(const struct wl_def *w)
{
	struct ig_workload wl = { .tenant = w->tenant, .flags = IG_WL_F_PEER };
	struct ig_endpoint ep = { .flags = IG_EP_F_LOCAL,
				  .tenant = w->tenant,
				  .ifindex = w->ifindex };
	uint8_t a[16];

	pb_mac(w->mac, wl.mac);
	pb_mac(w->node_mac, wl.node_mac);
	cr_assert_eq(dp_workload_set(&maps, w->ifindex, &wl), 0);
	pb_addr16(w->a4, a);
	cr_assert_eq(dp_endpoint_set(&maps, a, &ep), 0);
	pb_addr16(w->a6, a);
	cr_assert_eq(dp_endpoint_set(&maps, a, &ep), 0);
}

static void endpoint_add(const char *addr, __u32 tenant, __u8 flags, __u32 ifindex,
			 const char *vtep)
{
	struct ig_endpoint ep = { .flags = flags, .tenant = tenant, .ifindex = ifindex };
	uint8_t a[16];

	if (vtep) {
		pb_addr16(vtep, ep.vtep);
		pb_mac(H2_MAC, ep.nh_mac);
	}
	pb_addr16(addr, a);
	cr_assert_eq(dp_endpoint_set(&maps, a, &ep), 0, "endpoint %s", addr);
}

static void vtep_allow(const char *vtep, __u32 vni)
{
	uint8_t a[16];

	pb_addr16(vtep, a);
	cr_assert_eq(dp_vtep_allow(&maps, vni, a), 0);
}

static void config_set(void)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED, .underlay_ifindex = 7 };

	pb_addr16(H1_VTEP, cfg.vtep_addr);
	pb_mac(H1_MAC, cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
}

/* ig_host_addrs: this host's IPv6 VTEP, and its underlay subnet as
 * infrastructure (ig_config's VTEP is both without an entry). */
static void host_addrs_set(void)
{
	uint8_t a[16];

	pb_addr16(H1_VTEP6, a);
	cr_assert_eq(dp_host_addr_set(&maps, a, 128, IG_HA_F_VTEP | IG_HA_F_INFRA), 0);
	pb_addr16(UNDERLAY_NET, a);
	cr_assert_eq(dp_host_addr_set(&maps, a, 96 + 24, IG_HA_F_INFRA), 0);
}

static void setup(void)
{
	fx_require_root();
	hi = tc_host_ingress__open_and_load();
	cr_assert(hi, "loading tc_host_ingress.bpf.o failed");
	cr_assert_eq(dp_from_object(&maps, hi->obj), 0);
	wk = tc_workload__open();
	cr_assert(wk);
	cr_assert_eq(dp_reuse_maps(wk->obj, &maps), 0);
	cr_assert_eq(tc_workload__load(wk), 0, "loading tc_workload.bpf.o failed");
	config_set();
	host_addrs_set();
	cr_assert_eq(dp_tenant_set(&maps, TN_A, VNI_A, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_tenant_set(&maps, TN_B, VNI_B, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_vni_set(&maps, VNI_A, TN_A), 0);
	cr_assert_eq(dp_vni_set(&maps, VNI_B, TN_B), 0);
	cr_assert_eq(dp_vni_set(&maps, VNI_M, TN_A), 0);
	cr_assert_eq(dp_tenant_drops_init(&maps, 0), 0);
	vtep_allow(GW_VTEP, VNI_A);
	vtep_allow(GW_VTEP, VNI_B);
	vtep_allow(H2_VTEP, VNI_A);
	vtep_allow(H2_VTEP, VNI_B);
	vtep_allow(B_VTEP, VNI_B);
	vtep_allow(V6_VTEP, VNI_A);
	workload_add(&A1);
	workload_add(&A3);
	workload_add(&B1);
	endpoint_add(VIP_A, TN_A, IG_EP_F_LOCAL | IG_EP_F_VIP, A1.ifindex, NULL);
	endpoint_add(VIP_A6, TN_A, IG_EP_F_LOCAL | IG_EP_F_VIP, A1.ifindex, NULL);
	endpoint_add(A2_4, TN_A, IG_EP_F_REMOTE, 0, H2_VTEP);
	endpoint_add(A2_6, TN_A, IG_EP_F_REMOTE, 0, H2_VTEP);
	endpoint_add(B2_4, TN_B, IG_EP_F_REMOTE, 0, H2_VTEP);
	endpoint_add(A4_4, TN_A, IG_EP_F_REMOTE, 0, ROGUE_VTEP);
	endpoint_add(A5_4, TN_A, IG_EP_F_REMOTE, 0, V6_VTEP);
	endpoint_add(VIP_B, TN_B, IG_EP_F_VIP, 0, NULL);
}

static void teardown(void)
{
	tc_workload__destroy(wk);
	tc_host_ingress__destroy(hi);
}

TestSuite(host, .init = setup, .fini = teardown);

/* ---- packets ---- */

/* Inner frames as the gateway or a workload sends them. */
static void tcp_frame(struct pb *b, const char *dmac, const char *smac, const char *src,
		      const char *dst, uint16_t sport, uint16_t dport)
{
	const struct pb_tcp t = { .sport = sport, .dport = dport, .seq = 9, .flags = PB_TCP_SYN };

	pb_eth(b, dmac, smac, 0);
	if (strchr(dst, ':'))
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst });
	else
		pb_ipv4(b, &(struct pb_ip4){ .src = src, .dst = dst });
	pb_tcp(b, &t);
	pb_payload_pattern(b, 24, sport);
	pb_finish(b);
}

static void udp_frame(struct pb *b, const char *src, const char *dst, uint16_t dport)
{
	pb_eth(b, A1.node_mac, A1.mac, 0);
	if (strchr(dst, ':'))
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst });
	else
		pb_ipv4(b, &(struct pb_ip4){ .src = src, .dst = dst });
	pb_udp(b, &(struct pb_udp){ .sport = 40000, .dport = dport });
	pb_payload_pattern(b, 32, 5);
	pb_finish(b);
}

static void ping_frame(struct pb *b, const char *src, const char *dst)
{
	pb_eth(b, A1.node_mac, A1.mac, 0);
	pb_ipv4(b, &(struct pb_ip4){ .src = src, .dst = dst });
	pb_icmp(b, 8, 0, 0x77, 1);
	pb_payload_pattern(b, 56, 3);
	pb_finish(b);
}

/* Outer headers from vtep around the finished frame inner. */
static void vxlan_wrap(struct pb *b, const char *vtep, const char *dst_vtep, uint32_t vni,
		       const struct pb *inner)
{
	pb_eth(b, H1_MAC, UL_MAC, 0);
	if (strchr(vtep, ':'))
		pb_ipv6(b, &(struct pb_ip6){ .src = vtep, .dst = dst_vtep });
	else
		pb_ipv4(b, &(struct pb_ip4){ .src = vtep, .dst = dst_vtep });
	pb_udp(b, &(struct pb_udp){ .sport = 51234, .dport = 4789, .zero_csum = 1 });
	pb_vxlan(b, vni);
	pb_payload(b, inner->buf, inner->len);
	pb_finish(b);
}

/* What a workload receives: the inner IP packet behind its own MACs. */
static void delivered(struct pb *want, const struct wl_def *w, const struct pb *inner)
{
	pb_eth(want, w->mac, w->node_mac, inner->buf[12] << 8 | inner->buf[13]);
	pb_payload(want, inner->buf + 14, inner->len - 14);
	pb_finish(want);
}

static void rx(struct pb *in, const char *vtep, uint32_t vni, const char *src, const char *dst)
{
	struct pb inner;

	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, src, dst, 41000, 8000);
	vxlan_wrap(in, vtep, strchr(vtep, ':') ? H1_VTEP6 : H1_VTEP, vni, &inner);
}

static void rx_deliver(struct pb *in, struct pb *want, const char *vtep, const char *src,
		       const char *dst)
{
	struct pb inner;

	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, src, dst, 41000, 8000);
	vxlan_wrap(in, vtep, strchr(vtep, ':') ? H1_VTEP6 : H1_VTEP, VNI_A, &inner);
	delivered(want, &A1, &inner);
}

/* ---- underlay ingress ---- */

static void v4_in_v4(struct pb *in, struct pb *want)
{
	rx_deliver(in, want, GW_VTEP, CLIENT4, VIP_A);
}

static void v6_in_v4(struct pb *in, struct pb *want)
{
	rx_deliver(in, want, GW_VTEP, CLIENT6, VIP_A6);
}

static void v4_in_v6(struct pb *in, struct pb *want)
{
	rx_deliver(in, want, V6_VTEP, CLIENT4, A1.a4);
}

static void v6_in_v6(struct pb *in, struct pb *want)
{
	rx_deliver(in, want, V6_VTEP, CLIENT6, A1.a6);
}

static void east_west_in(struct pb *in, struct pb *want)
{
	rx_deliver(in, want, H2_VTEP, A2_4, A1.a4);
}

static void foreign_vni(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_X, CLIENT4, VIP_A);
}

static void vni_disagrees(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_M, CLIENT4, VIP_A);
}

static void rogue_vtep(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, ROGUE_VTEP, VNI_A, CLIENT4, VIP_A);
}

static void vtep_of_b_sends_a(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, B_VTEP, VNI_A, CLIENT4, VIP_A);
}

static void other_tenants_endpoint(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, B1.a4);
}

static void spoofed_inner_source(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, H2_VTEP, VNI_B, A2_4, B1.a4);
}

static void unknown_endpoint(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, "198.18.64.99");
}

static void remote_endpoint_in(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, A2_4);
}

/* UDP to 4789 whose payload ends inside the VXLAN header. */
static void truncated_vxlan(struct pb *in, struct pb *want)
{
	const uint8_t half[4] = { 0x08, 0, 0, 0 };

	(void)want;
	pb_eth(in, H1_MAC, UL_MAC, 0);
	pb_ipv4(in, &(struct pb_ip4){ .src = GW_VTEP, .dst = H1_VTEP });
	pb_udp(in, &(struct pb_udp){ .sport = 51234, .dport = 4789, .zero_csum = 1 });
	pb_payload(in, half, sizeof(half));
	pb_finish(in);
}

static void vxlan_no_i_flag(struct pb *in, struct pb *want)
{
	rx(in, GW_VTEP, VNI_A, CLIENT4, VIP_A);
	(void)want;
	pb_hdr(in, PB_VXLAN, 0)[0] = 0;
}

/* Refill an IPv4 header's checksum after a fixture changed the header. */
static void ip4_resum(uint8_t *ip)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = pb_csum(ip, (ip[0] & 0xf) * 4, 0);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
}

/* The first fragment of a VXLAN packet: only part of the inner frame. Its
 * UDP length is the whole datagram's, as on the wire. */
static void outer_fragment(struct pb *in, struct pb *want)
{
	uint8_t *ip, *udp;
	uint16_t len;

	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, VIP_A);
	ip = pb_hdr(in, PB_IPV4, 0);
	udp = pb_hdr(in, PB_UDP, 0);
	len = (udp[4] << 8 | udp[5]) + 1000;
	udp[4] = len >> 8;
	udp[5] = len & 0xff;
	ip[6] = 0x20; /* more fragments */
	ip[10] = ip[11] = 0;
	len = pb_csum(ip, 20, 0);
	ip[10] = len >> 8;
	ip[11] = len & 0xff;
}

/* The host's own UDP, fragmented: the first fragment carries the whole
 * datagram's UDP length. */
static void hosts_udp_frag(struct pb *in, const char *src, const char *dst, uint16_t dport)
{
	pb_eth(in, H1_MAC, UL_MAC, 0);
	if (strchr(dst, ':')) {
		pb_ipv6(in, &(struct pb_ip6){ .src = src, .dst = dst });
		pb_ipv6_ext(in, 44, 8, 1);
	} else {
		pb_ipv4(in, &(struct pb_ip4){ .src = src, .dst = dst, .frag = 0x2000 });
	}
	pb_udp(in, &(struct pb_udp){ .sport = 5001, .dport = dport, .len = 8 + 1400 + 800 });
	pb_payload_pattern(in, 1400, 6);
	pb_finish(in);
}

static void hosts_udp_frag4(struct pb *in, struct pb *want)
{
	(void)want;
	hosts_udp_frag(in, "198.18.1.9", H1_VTEP, 5001);
}

static void hosts_udp_frag6(struct pb *in, struct pb *want)
{
	(void)want;
	hosts_udp_frag(in, "2001:db8:1::9", H1_VTEP6, 5001);
}

/* VXLAN in IPv6 fragments: the first one is recognised as VXLAN. */
static void outer_fragment6(struct pb *in, struct pb *want)
{
	uint8_t *vx;

	(void)want;
	hosts_udp_frag(in, V6_VTEP, H1_VTEP6, 4789);
	vx = pb_hdr(in, PB_PAYLOAD, 0);
	memcpy(vx, (uint8_t[8]){ 0x08, 0, 0, 0, VNI_A >> 16, VNI_A >> 8 & 0xff, VNI_A & 0xff }, 8);
}

static void hosts_three_tags(struct pb *in, struct pb *want)
{
	(void)want;
	pb_eth(in, H1_MAC, UL_MAC, 0);
	pb_vlan(in, 0x88a8, 1), pb_vlan(in, 0x8100, 2), pb_vlan(in, 0x8100, 3);
	pb_ipv4(in, &(struct pb_ip4){ .src = "198.18.1.9", .dst = H1_VTEP });
	pb_udp(in, &(struct pb_udp){ .sport = 5001, .dport = 4789 });
	pb_payload_pattern(in, 64, 7);
	pb_finish(in);
}

static void ext7_frame(struct pb *in, const char *dmac, const char *smac, const char *src,
		       const char *dst, uint16_t dport)
{
	pb_eth(in, dmac, smac, 0);
	pb_ipv6(in, &(struct pb_ip6){ .src = src, .dst = dst });
	for (int i = 0; i < 7; i++)
		pb_ipv6_ext(in, 60, 8, 0);
	pb_udp(in, &(struct pb_udp){ .sport = 5001, .dport = dport });
	pb_payload_pattern(in, 64, 8);
	pb_finish(in);
}

static void hosts_ext7(struct pb *in, struct pb *want)
{
	(void)want;
	ext7_frame(in, H1_MAC, UL_MAC, "2001:db8:1::9", "2001:db8:1::8", 4789);
}

/* ---- hardening: what crafted outer and inner headers must not do ---- */

/* VXLAN addressed to another host's VTEP (a switch flooding it, or a host
 * in promiscuous mode) is not ours to deliver. */
static void to_other_vtep(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, CLIENT4, VIP_A, 41000, 8000);
	vxlan_wrap(in, GW_VTEP, H2_VTEP, VNI_A, &inner);
}

static void to_broadcast(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, CLIENT4, VIP_A, 41000, 8000);
	vxlan_wrap(in, GW_VTEP, "255.255.255.255", VNI_A, &inner);
}

/* One bit flipped in the outer source address: the checksum no longer
 * holds, and the stack would have dropped it after tc. */
static void outer_bad_csum(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, VIP_A);
	pb_hdr(in, PB_IPV4, 0)[10] ^= 0x01;
}

/* The outer IP and UDP lengths end right after the VXLAN and inner
 * Ethernet headers; a whole inner packet follows in the Ethernet trailer. */
static void inner_in_trailer(struct pb *in, struct pb *want)
{
	int ip = pb_hdr_off(in, PB_IPV4, 0), udp, cut;
	uint8_t *p;

	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT4, VIP_A);
	ip = pb_hdr_off(in, PB_IPV4, 0);
	udp = pb_hdr_off(in, PB_UDP, 0);
	cut = pb_hdr_off(in, PB_VXLAN, 0) + 8 + 14; /* VXLAN, inner Ethernet */
	p = in->buf;
	p[ip + 2] = (cut - ip) >> 8;
	p[ip + 3] = (cut - ip) & 0xff;
	p[udp + 4] = (cut - udp) >> 8;
	p[udp + 5] = (cut - udp) & 0xff;
	ip4_resum(p + ip);
}

/* An IPv6 underlay packet from ::ffff:<the gateway's IPv4 VTEP>: it would
 * pass for the gateway, whose VTEP is stored IPv4-mapped. */
static void outer_v4mapped_source(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, CLIENT4, VIP_A, 41000, 8000);
	vxlan_wrap(in, "::ffff:" GW_VTEP, H1_VTEP6, VNI_A, &inner);
}

/* Inner IPv6 to ::ffff:<A1's IPv4 address>: not A1's IPv6 address. */
static void inner_v4mapped_dst(struct pb *in, struct pb *want)
{
	(void)want;
	rx(in, GW_VTEP, VNI_A, CLIENT6, "::ffff:198.18.64.1");
}

static void inner_truncated(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	pb_payload_pattern(&inner, 10, 1);
	vxlan_wrap(in, GW_VTEP, H1_VTEP, VNI_A, &inner);
}

static void inner_arp(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	pb_eth(&inner, "ff:ff:ff:ff:ff:ff", CL_MAC, 0x0806);
	pb_payload_pattern(&inner, 28, 1);
	vxlan_wrap(in, GW_VTEP, H1_VTEP, VNI_A, &inner);
}

static void inner_bad_ihl(struct pb *in, struct pb *want)
{
	struct pb inner;

	(void)want;
	pb_init(&inner);
	tcp_frame(&inner, VX_MAC, CL_MAC, CLIENT4, VIP_A, 41001, 8000);
	inner.buf[14] = 0x43;
	vxlan_wrap(in, GW_VTEP, H1_VTEP, VNI_A, &inner);
}

static void hosts_own_tcp(struct pb *in, struct pb *want)
{
	(void)want;
	tcp_frame(in, H1_MAC, UL_MAC, "198.18.1.9", H1_VTEP, 40100, 22);
}

static void hosts_own_udp_4790(struct pb *in, struct pb *want)
{
	(void)want;
	pb_eth(in, H1_MAC, UL_MAC, 0);
	pb_ipv4(in, &(struct pb_ip4){ .src = "198.18.1.9", .dst = H1_VTEP });
	pb_udp(in, &(struct pb_udp){ .sport = 4789, .dport = 4790 });
	pb_payload_pattern(in, 20, 1);
	pb_finish(in);
}

#define TN_DROP(t, r)                                             \
	{                                                         \
		"ig_tn_drops", IG_TN_DROP_KEY(t, IG_DROP_##r),    \
			offsetof(struct ig_drop_stat, packets), 1 \
	}
#define TN(t, field, d)                                                 \
	{                                                               \
		"ig_tn_stats", t, offsetof(struct ig_traffic, field), d \
	}

/* Response traffic of tenant A (runaway control). */
#define RESP_A(field, d)                                                  \
	{                                                                 \
		"ig_tn_resp", TN_A, offsetof(struct ig_traffic, field), d \
	}

/* Traffic of the workload behind ifindex i (ig_wl_stats). */
#define WL(i, field, d)                                                  \
	{                                                                \
		"ig_wl_stats", i, offsetof(struct ig_wl_stats, field), d \
	}

/* A decapsulation: delivered to A1, counted for tenant A, dropped nowhere. */
#define DECAP_OK                                                                       \
	{                                                                              \
		FX_CNT(HOST_DECAP, 1), FX_CNT(REDIRECT, 1), TN(TN_A, packets, 1),      \
			TN(TN_A, drops, 0), TN(TN_B, packets, 0), WL(1, rx_packets, 1) \
	}

static const struct fixture ingress[] = {
	{ "v4 inner over v4: gateway to A's VIP, delivered to A1", v4_in_v4, 1, TC_ACT_REDIRECT,
	  DECAP_OK, 1 },
	{ "v6 inner over v4 (DECAP_L3_IPV6)", v6_in_v4, 1, TC_ACT_REDIRECT, DECAP_OK, 1 },
	{ "v4 inner over v6 underlay (DECAP_L3_IPV4)", v4_in_v6, 1, TC_ACT_REDIRECT, DECAP_OK, 1 },
	{ "v6 inner over v6 underlay", v6_in_v6, 1, TC_ACT_REDIRECT, DECAP_OK, 1 },
	{ "east-west from host 2", east_west_in, 1, TC_ACT_REDIRECT, DECAP_OK, 1 },
	{ "foreign VNI",
	  foreign_vni,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_VNI), TN_DROP(0, VXLAN_VNI), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "VNI whose tenant has another VNI",
	  vni_disagrees,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_VNI), TN_DROP(0, VXLAN_VNI) },
	  1 },
	{ "VNI from a VTEP allowed for nothing",
	  rogue_vtep,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_VTEP), TN_DROP(TN_A, VXLAN_VTEP), TN(TN_A, drops, 1) },
	  1 },
	{ "VNI of A from a VTEP allowed for B only",
	  vtep_of_b_sends_a,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_VTEP), TN_DROP(TN_A, VXLAN_VTEP) },
	  1 },
	{ "A's VNI to B's endpoint",
	  other_tenants_endpoint,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(EP_TENANT), TN_DROP(TN_A, EP_TENANT), TN(TN_B, packets, 0) },
	  1 },
	{ "B's VNI from A's address (spoofed source)",
	  spoofed_inner_source,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(SPOOF), TN_DROP(TN_B, SPOOF), TN(TN_B, drops, 1) },
	  1 },
	{ "unknown endpoint",
	  unknown_endpoint,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(EP_UNKNOWN), TN_DROP(TN_A, EP_UNKNOWN) },
	  1 },
	{ "endpoint on another host: never relayed",
	  remote_endpoint_in,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(EP_NOT_LOCAL), TN_DROP(TN_A, EP_NOT_LOCAL) },
	  1 },
	{ "truncated VXLAN header",
	  truncated_vxlan,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_TRUNC), TN_DROP(0, VXLAN_TRUNC) },
	  1 },
	{ "VXLAN without the I flag",
	  vxlan_no_i_flag,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_FLAGS), TN_DROP(0, VXLAN_FLAGS) },
	  1 },
	/* The kernel would reassemble it and hand it to a vxlan device past
	 * these checks: a VXLAN datagram is taken whole or not at all. */
	{ "VXLAN in an outer fragment",
	  outer_fragment,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_FRAG), TN_DROP(TN_A, VXLAN_FRAG), FX_CNT(FRAGMENT, 1) },
	  1 },
	{ "VXLAN in an outer IPv6 fragment",
	  outer_fragment6,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_FRAG), TN_DROP(TN_A, VXLAN_FRAG), FX_CNT(FRAGMENT, 1) },
	  1 },
	{ "host's own first UDP fragment passes",
	  hosts_udp_frag4,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(FRAGMENT, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "host's own first UDP fragment over IPv6 passes",
	  hosts_udp_frag6,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(FRAGMENT, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "host's own frame with three VLAN tags passes",
	  hosts_three_tags,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(DEEP, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "seven IPv6 extension headers, not to our VTEP: passes",
	  hosts_ext7,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(DEEP, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "inner frame shorter than Ethernet",
	  inner_truncated,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(ETH_TRUNC), TN_DROP(TN_A, ETH_TRUNC) },
	  1 },
	{ "inner ARP",
	  inner_arp,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_INNER), TN_DROP(TN_A, VXLAN_INNER) },
	  1 },
	{ "inner IPv4 IHL 3",
	  inner_bad_ihl,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP4_IHL), TN_DROP(TN_A, IP4_IHL) },
	  1 },
	{ "VXLAN to another host's VTEP",
	  to_other_vtep,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_DST), TN_DROP(0, VXLAN_DST), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "VXLAN to the broadcast address",
	  to_broadcast,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(VXLAN_DST), TN_DROP(0, VXLAN_DST), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "outer IPv4 header with a bad checksum",
	  outer_bad_csum,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP4_CSUM), TN_DROP(0, IP4_CSUM), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "inner packet in the Ethernet trailer, past the outer lengths",
	  inner_in_trailer,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP4_LEN), TN_DROP(TN_A, IP4_LEN), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "IPv6 underlay from ::ffff:<the gateway's IPv4 VTEP>",
	  outer_v4mapped_source,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP6_MAPPED), TN_DROP(0, IP6_MAPPED), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "inner IPv6 to ::ffff:<A1's IPv4 address>",
	  inner_v4mapped_dst,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP6_MAPPED), TN_DROP(TN_A, IP6_MAPPED), FX_CNT(HOST_DECAP, 0) },
	  1 },
	{ "host's own TCP passes",
	  hosts_own_tcp,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "host's own UDP to 4790 passes", hosts_own_udp_4790, 0, TC_ACT_OK, { FX_CNT(PASS, 1) }, 1 },
};

Test(host, ingress_decap_and_drops)
{
	fx_run_table(hi->obj, hi->progs.tc_host_ingress, ingress,
		     sizeof(ingress) / sizeof(ingress[0]));
}

Test(host, ingress_disabled_passes_everything)
{
	struct ig_config zero = {};
	struct fx_result res;
	struct pb in;

	cr_assert_eq(dp_config_set(&maps, &zero), 0);
	pb_init(&in);
	rogue_vtep(&in, NULL);
	cr_assert_eq(fx_run(hi->progs.tc_host_ingress, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_OK);
	cr_expect(res.out_len == in.len && !memcmp(res.out, in.buf, in.len));
	pb_init(&in);
	ping_frame(&in, A1.a4, B1.a4);
	cr_assert_eq(fx_run(wk->progs.tc_workload, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_OK);
}

/* A frame whose L4 is past the parser's bound, addressed to this host's
 * VTEP, might be VXLAN that the kernel's vxlan device would take past the
 * VNI and VTEP checks: dropped. Elsewhere it passes. */
static void ext7_to_vtep6(struct pb *in, struct pb *want)
{
	(void)want;
	ext7_frame(in, H1_MAC, UL_MAC, V6_VTEP, H1_VTEP6, 4789);
}

static const struct fixture ingress6[] = {
	{ "seven IPv6 extension headers to our VTEP: dropped",
	  ext7_to_vtep6,
	  0,
	  TC_ACT_SHOT,
	  { FX_DROP(IP6_EXT_DEPTH), FX_CNT(DEEP, 1) },
	  1 },
	{ "seven IPv6 extension headers elsewhere: passes",
	  hosts_ext7,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(PASS, 1), FX_CNT(DEEP, 1), FX_CNT(DROP, 0) },
	  1 },
};

Test(host, ingress_deep_frames_on_v6_underlay)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED | IG_CFG_VTEP6, .underlay_ifindex = 7 };

	pb_addr16(H1_VTEP6, cfg.vtep_addr);
	pb_mac(H1_MAC, cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
	fx_run_table(hi->obj, hi->progs.tc_host_ingress, ingress6,
		     sizeof(ingress6) / sizeof(ingress6[0]));
}

/* ---- workload side ---- */

/* The flow hash of a finished frame's UDP or TCP flow, as the datapath
 * computes it for the outer source port. */
static __u32 frame_hash(const struct pb *f)
{
	uint8_t s[16], d[16];
	int v4 = f->buf[12] == 0x08, l4 = v4 ? 14 + 20 : 14 + 40;
	__u32 sw[4], dw[4];

	memset(s, 0, 16);
	memset(d, 0, 16);
	if (v4) {
		s[10] = s[11] = d[10] = d[11] = 0xff;
		memcpy(s + 12, f->buf + 26, 4);
		memcpy(d + 12, f->buf + 30, 4);
	} else {
		memcpy(s, f->buf + 22, 16);
		memcpy(d, f->buf + 38, 16);
	}
	memcpy(sw, s, 16);
	memcpy(dw, d, 16);
	return ig_flow_hash(sw, dw, *(const __be16 *)(f->buf + l4),
			    *(const __be16 *)(f->buf + l4 + 2), v4 ? f->buf[23] : f->buf[20]);
}

/* What host 1 sends to host 2 for frame f of tenant A. */
static void encapsulated(struct pb *want, const struct pb *f)
{
	pb_eth(want, H2_MAC, H1_MAC, 0);
	pb_ipv4(want, &(struct pb_ip4){ .src = H1_VTEP, .dst = H2_VTEP });
	pb_udp(want, &(struct pb_udp){ .sport = ig_vxlan_sport(frame_hash(f)),
				       .dport = 4789,
				       .zero_csum = 1 });
	pb_vxlan(want, VNI_A);
	pb_payload(want, f->buf, f->len);
	pb_finish(want);
}

static void to_a2(struct pb *in, struct pb *want)
{
	udp_frame(in, A1.a4, A2_4, 5000);
	encapsulated(want, in);
}

static void to_a2_v6(struct pb *in, struct pb *want)
{
	udp_frame(in, A1.a6, A2_6, 5000);
	encapsulated(want, in);
}

static void to_a3_local(struct pb *in, struct pb *want)
{
	ping_frame(in, A1.a4, A3.a4);
	pb_eth(want, A3.mac, A3.node_mac, 0x0800);
	pb_payload(want, in->buf + 14, in->len - 14);
	pb_finish(want);
}

static void to_client(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a4, CLIENT4, 5000);
}

static void dsr_reply(struct pb *in, struct pb *want)
{
	(void)want;
	tcp_frame(in, A1.node_mac, A1.mac, VIP_A, CLIENT4, 8000, 41000);
}

static void to_b1_same_host(struct pb *in, struct pb *want)
{
	(void)want;
	ping_frame(in, A1.a4, B1.a4);
}

static void to_b2_remote(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a4, B2_4, 5000);
}

static void to_vip_b(struct pb *in, struct pb *want)
{
	(void)want;
	tcp_frame(in, A1.node_mac, A1.mac, A1.a4, VIP_B, 41000, 80);
}

static void spoof_b1(struct pb *in, struct pb *want)
{
	(void)want;
	ping_frame(in, B1.a4, A3.a4);
}

static void spoof_a3(struct pb *in, struct pb *want)
{
	(void)want;
	ping_frame(in, A3.a4, CLIENT4);
}

static void spoof_unknown(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, "198.18.64.77", A2_4, 5000);
}

static void to_rogue_vtep(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a4, A4_4, 5000);
}

static void to_v6_vtep(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a4, A5_4, 5000);
}

/* A workload's UDP datagram, fragmented: the first fragment carries the
 * whole datagram's UDP length. */
static void wl_udp_frag(struct pb *in, const char *src, const char *dst)
{
	pb_eth(in, A1.node_mac, A1.mac, 0);
	if (strchr(dst, ':')) {
		pb_ipv6(in, &(struct pb_ip6){ .src = src, .dst = dst });
		pb_ipv6_ext(in, 44, 8, 1);
	} else {
		pb_ipv4(in, &(struct pb_ip4){ .src = src, .dst = dst, .frag = 0x2000 });
	}
	pb_udp(in, &(struct pb_udp){ .sport = 40000, .dport = 5000, .len = 8 + 1200 + 700 });
	pb_payload_pattern(in, 1200, 9);
	pb_finish(in);
}

static void frag1_to_client(struct pb *in, struct pb *want)
{
	(void)want;
	wl_udp_frag(in, A1.a4, CLIENT4);
}

static void frag1_to_client6(struct pb *in, struct pb *want)
{
	(void)want;
	wl_udp_frag(in, A1.a6, CLIENT6);
}

static void frag1_to_a2(struct pb *in, struct pb *want)
{
	wl_udp_frag(in, A1.a4, A2_4);
	encapsulated(want, in);
}

static void ext7_to_client(struct pb *in, struct pb *want)
{
	(void)want;
	ext7_frame(in, A1.node_mac, A1.mac, A1.a6, CLIENT6, 5000);
}

static void multicast(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a4, "224.0.0.251", 5353);
}

static void lldp(struct pb *in, struct pb *want)
{
	(void)want;
	pb_eth(in, "01:80:c2:00:00:0e", A1.mac, 0x88cc);
	pb_payload_pattern(in, 46, 1);
}

static void tagged(struct pb *in, struct pb *want)
{
	(void)want;
	pb_eth(in, A1.node_mac, A1.mac, 0);
	pb_vlan(in, 0x8100, 5);
	pb_ipv4(in, &(struct pb_ip4){ .src = A1.a4, .dst = A3.a4 });
	pb_icmp(in, 8, 0, 1, 1);
	pb_finish(in);
}

/* ARP: Ethernet/IPv4 request or reply, 28 bytes after the Ethernet header. */
static void arp(struct pb *b, const char *dmac, const char *smac, uint16_t op, const char *sha,
		const char *spa, const char *tha, const char *tpa)
{
	uint8_t a[28] = { 0, 1, 8, 0, 6, 4, 0, op };

	pb_eth(b, dmac, smac, 0x0806);
	pb_mac(sha, a + 8);
	inet_pton(AF_INET, spa, a + 14);
	pb_mac(tha, a + 18);
	inet_pton(AF_INET, tpa, a + 24);
	pb_payload(b, a, sizeof(a));
	pb_finish(b);
}

#define BCAST "ff:ff:ff:ff:ff:ff"
#define ZMAC "00:00:00:00:00:00"

static void arp_a3(struct pb *in, struct pb *want)
{
	arp(in, BCAST, A1.mac, 1, A1.mac, A1.a4, ZMAC, A3.a4);
	arp(want, A1.mac, A1.node_mac, 2, A1.node_mac, A3.a4, A1.mac, A1.a4);
}

static void arp_gateway(struct pb *in, struct pb *want)
{
	arp(in, BCAST, A1.mac, 1, A1.mac, A1.a4, ZMAC, GW_A);
	arp(want, A1.mac, A1.node_mac, 2, A1.node_mac, GW_A, A1.mac, A1.a4);
}

static void arp_b1(struct pb *in, struct pb *want)
{
	(void)want;
	arp(in, BCAST, A1.mac, 1, A1.mac, A1.a4, ZMAC, B1.a4);
}

static void arp_gratuitous(struct pb *in, struct pb *want)
{
	(void)want;
	arp(in, BCAST, A1.mac, 1, A1.mac, A1.a4, ZMAC, A1.a4);
}

static void arp_spoofed(struct pb *in, struct pb *want)
{
	(void)want;
	arp(in, BCAST, A1.mac, 1, A1.mac, B1.a4, ZMAC, A3.a4);
}

/* Neighbour solicitation for target from src (multicast to target's
 * solicited-node group), with the source link-layer address option. */
static void ns(struct pb *b, const char *src, const char *target)
{
	uint8_t t[16], body[24] = { 0 }, snm[16] = { 0xff, 2, [11] = 1, [12] = 0xff };
	char dst[64];

	inet_pton(AF_INET6, target, t);
	memcpy(snm + 13, t + 13, 3);
	inet_ntop(AF_INET6, snm, dst, sizeof(dst));
	memcpy(body, t, 16);
	body[16] = 1; /* source link-layer address */
	body[17] = 1;
	pb_mac(A1.mac, body + 18);
	pb_eth(b, "33:33:ff:00:00:02", A1.mac, 0);
	pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst, .hop_limit = 255 });
	pb_icmp(b, 135, 0, 0, 0);
	pb_payload(b, body, sizeof(body));
	pb_finish(b);
}

/* The advertisement the host side answers with. */
static void na(struct pb *b, const char *dst, const char *target)
{
	uint8_t body[24] = { 0 };

	inet_pton(AF_INET6, target, body);
	body[16] = 2; /* target link-layer address */
	body[17] = 1;
	pb_mac(A1.node_mac, body + 18);
	pb_eth(b, A1.mac, A1.node_mac, 0);
	pb_ipv6(b, &(struct pb_ip6){ .src = target, .dst = dst, .hop_limit = 255 });
	pb_icmp(b, 136, 0, 0x6000, 0); /* solicited, override */
	pb_payload(b, body, sizeof(body));
	pb_finish(b);
}

static void ns_a2(struct pb *in, struct pb *want)
{
	ns(in, A1.a6, A2_6);
	na(want, A1.a6, A2_6);
}

static void ns_link_local_gw(struct pb *in, struct pb *want)
{
	ns(in, "fe80::a1", "fe80::1");
	na(want, "fe80::a1", "fe80::1");
}

static void ns_b1(struct pb *in, struct pb *want)
{
	(void)want;
	ns(in, A1.a6, B1.a6);
}

static void ns_dad(struct pb *in, struct pb *want)
{
	(void)want;
	ns(in, "::", A1.a6);
}

static void router_solicit(struct pb *in, struct pb *want)
{
	(void)want;
	pb_eth(in, "33:33:00:00:00:02", A1.mac, 0);
	pb_ipv6(in, &(struct pb_ip6){ .src = "fe80::a1", .dst = "ff02::2", .hop_limit = 255 });
	pb_icmp(in, 133, 0, 0, 0);
	pb_finish(in);
}

#define WL_DROP(r)                                                                       \
	{                                                                                \
		FX_DROP(r), TN_DROP(TN_A, r), TN(TN_A, drops, 1), FX_CNT(HOST_ENCAP, 0), \
			WL(1, drops, 1), WL(1, tx_packets, 0)                            \
	}

/* TCP/22 to the host's own VTEP: the client side as far as endpoints go,
 * but the host's sshd. */
static void to_host_ssh(struct pb *in, struct pb *want)
{
	(void)want;
	tcp_frame(in, A1.node_mac, A1.mac, A1.a4, H1_VTEP, 41000, 22);
}

static void to_host_ssh_v6(struct pb *in, struct pb *want)
{
	(void)want;
	tcp_frame(in, A1.node_mac, A1.mac, A1.a6, H1_VTEP6, 41000, 22);
}

/* Another machine on the underlay subnet (infrastructure prefix). */
static void to_underlay(struct pb *in, struct pb *want)
{
	(void)want;
	ping_frame(in, A1.a4, UNDERLAY_HOST);
}

/* IPv6 from ::ffff:<A1's IPv4 address>, to a client: A1's IPv4 identity in
 * another family. */
static void src_v4mapped(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, "::ffff:198.18.64.1", CLIENT6, 5000);
}

/* IPv6 to ::ffff:<A3's IPv4 address>: would be delivered to A3 as IPv6. */
static void dst_v4mapped(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a6, "::ffff:198.18.64.3", 5000);
}

/* IPv6 to ::ffff:<B1's IPv4 address>: another tenant's endpoint. */
static void dst_v4mapped_b1(struct pb *in, struct pb *want)
{
	(void)want;
	udp_frame(in, A1.a6, "::ffff:198.18.65.1", 5000);
}

static const struct fixture workload[] = {
	{ "A1 to TCP/22 on its host's VTEP", to_host_ssh, 0, TC_ACT_SHOT, WL_DROP(INFRA), 1 },
	{ "A1 to TCP/22 on its host's IPv6 VTEP", to_host_ssh_v6, 0, TC_ACT_SHOT, WL_DROP(INFRA),
	  1 },
	{ "A1 to a machine of the underlay subnet", to_underlay, 0, TC_ACT_SHOT, WL_DROP(INFRA),
	  1 },
	{ "IPv6 from ::ffff:<A1's IPv4>", src_v4mapped, 0, TC_ACT_SHOT, WL_DROP(IP6_MAPPED), 1 },
	{ "IPv6 to ::ffff:<A3's IPv4>", dst_v4mapped, 0, TC_ACT_SHOT, WL_DROP(IP6_MAPPED), 1 },
	{ "IPv6 to ::ffff:<B1's IPv4>", dst_v4mapped_b1, 0, TC_ACT_SHOT, WL_DROP(IP6_MAPPED), 1 },
	{ "A1 to A2 on host 2: VXLAN in A's VNI",
	  to_a2,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_ENCAP, 1), FX_CNT(REDIRECT, 1), TN(TN_A, packets, 1), WL(1, tx_packets, 1),
	    WL(1, resp_packets, 0), WL(1, rx_packets, 0) },
	  1 },
	{ "A1 to A2 over IPv6", to_a2_v6, 1, TC_ACT_REDIRECT, { FX_CNT(HOST_ENCAP, 1) }, 1 },
	{ "A1 to A3 on this host",
	  to_a3_local,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_LOCAL, 1), FX_CNT(REDIRECT, 1), WL(1, tx_packets, 1),
	    WL(103, rx_packets, 1), WL(103, rx_bytes, 98) },
	  1 },
	{ "A1 to the client side: a response, counted for tenant A",
	  to_client,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(HOST_CLIENT, 1), FX_CNT(PASS, 1), FX_CNT(HOST_RESP, 1), RESP_A(packets, 1),
	    WL(1, resp_packets, 1), WL(1, tx_packets, 1) },
	  1 },
	{ "A1 answers a client from its VIP (DSR)",
	  dsr_reply,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(HOST_CLIENT, 1), FX_CNT(HOST_RESP, 1), RESP_A(packets, 1) },
	  1 },
	{ "A1's first UDP fragment to the client side: passes",
	  frag1_to_client,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(HOST_CLIENT, 1), FX_CNT(PASS, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "A1's first UDP fragment over IPv6 to the client side: passes",
	  frag1_to_client6,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(HOST_CLIENT, 1), FX_CNT(PASS, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "A1's first UDP fragment to A2: VXLAN in A's VNI",
	  frag1_to_a2,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_ENCAP, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "A1 with seven IPv6 extension headers to the client side: passes",
	  ext7_to_client,
	  0,
	  TC_ACT_OK,
	  { FX_CNT(HOST_CLIENT, 1), FX_CNT(PASS, 1), FX_CNT(DROP, 0) },
	  1 },
	{ "A1 to B1 on this host", to_b1_same_host, 0, TC_ACT_SHOT, WL_DROP(EP_TENANT), 1 },
	{ "A1 to B2 on host 2", to_b2_remote, 0, TC_ACT_SHOT, WL_DROP(EP_TENANT), 1 },
	{ "A1 to B's VIP", to_vip_b, 0, TC_ACT_SHOT, WL_DROP(EP_TENANT), 1 },
	{ "A1 with B1's source", spoof_b1, 0, TC_ACT_SHOT, WL_DROP(SPOOF), 1 },
	{ "A1 with A3's source", spoof_a3, 0, TC_ACT_SHOT, WL_DROP(SPOOF), 1 },
	{ "A1 with an unknown source", spoof_unknown, 0, TC_ACT_SHOT, WL_DROP(SPOOF), 1 },
	{ "A1 to an endpoint behind a VTEP not allowed for A", to_rogue_vtep, 0, TC_ACT_SHOT,
	  WL_DROP(VXLAN_VTEP), 1 },
	{ "A1 to an endpoint behind an IPv6 VTEP", to_v6_vtep, 0, TC_ACT_SHOT,
	  WL_DROP(ENCAP_FAILED), 1 },
	{ "A1 to a multicast group", multicast, 0, TC_ACT_SHOT, WL_DROP(WL_PROTO), 1 },
	{ "A1 sends LLDP", lldp, 0, TC_ACT_SHOT, WL_DROP(WL_PROTO), 1 },
	{ "A1 sends a tagged frame", tagged, 0, TC_ACT_SHOT, WL_DROP(WL_PROTO), 1 },
	{ "ARP for A3: answered by the host side",
	  arp_a3,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_NEIGH, 1), FX_CNT(REDIRECT, 1) },
	  1 },
	{ "ARP for the default gateway: answered",
	  arp_gateway,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_NEIGH, 1) },
	  1 },
	{ "ARP for B1: refused", arp_b1, 0, TC_ACT_SHOT, WL_DROP(EP_TENANT), 1 },
	{ "gratuitous ARP", arp_gratuitous, 0, TC_ACT_SHOT, WL_DROP(NEIGH_IGNORED), 1 },
	{ "ARP from B1's address", arp_spoofed, 0, TC_ACT_SHOT, WL_DROP(SPOOF), 1 },
	{ "NS for A2: answered", ns_a2, 1, TC_ACT_REDIRECT, { FX_CNT(HOST_NEIGH, 1) }, 1 },
	{ "NS from link-local for fe80::1: answered",
	  ns_link_local_gw,
	  1,
	  TC_ACT_REDIRECT,
	  { FX_CNT(HOST_NEIGH, 1) },
	  1 },
	{ "NS for B1: refused", ns_b1, 0, TC_ACT_SHOT, WL_DROP(EP_TENANT), 1 },
	{ "NS for duplicate address detection", ns_dad, 0, TC_ACT_SHOT, WL_DROP(NEIGH_IGNORED), 1 },
	{ "router solicitation", router_solicit, 0, TC_ACT_SHOT, WL_DROP(NEIGH_IGNORED), 1 },
};

Test(host, workload_isolation_and_neighbours)
{
	fx_run_table(wk->obj, wk->progs.tc_workload, workload,
		     sizeof(workload) / sizeof(workload[0]));
}

Test(host, unregistered_interface_fails_closed)
{
	struct fx_result res;
	struct pb in;
	__u64 d0 = fx_counter(wk->obj, "ig_drops", IG_DROP_WL_UNKNOWN, 0);

	cr_assert_eq(dp_workload_del(&maps, A1.ifindex), 0);
	pb_init(&in);
	to_client(&in, NULL);
	cr_assert_eq(fx_run(wk->progs.tc_workload, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_SHOT);
	cr_expect_eq(fx_counter(wk->obj, "ig_drops", IG_DROP_WL_UNKNOWN, 0), d0 + 1);
}

/* The same workload from the other side: B1 behind ifindex 1 cannot reach A. */
Test(host, other_tenant_workload)
{
	struct ig_workload wl = { .tenant = TN_B };
	struct fx_result res;
	struct pb in;
	__u64 n;

	pb_mac(B1.mac, wl.mac);
	pb_mac(B1.node_mac, wl.node_mac);
	cr_assert_eq(dp_workload_set(&maps, 1, &wl), 0);
	endpoint_add(B1.a4, TN_B, IG_EP_F_LOCAL, 1, NULL);
	pb_init(&in);
	ping_frame(&in, B1.a4, A3.a4);
	cr_assert_eq(fx_run(wk->progs.tc_workload, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_SHOT);
	cr_assert_eq(dp_tenant_drops(&maps, TN_B, IG_DROP_EP_TENANT, &n), 0);
	cr_expect_eq(n, 1);
	pb_init(&in);
	ping_frame(&in, B1.a4, A1.a4); /* A1's address is A's, whatever the ifindex */
	cr_assert_eq(fx_run(wk->progs.tc_workload, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_SHOT);
	pb_init(&in);
	ping_frame(&in, B1.a4, B2_4);
	cr_assert_eq(fx_run(wk->progs.tc_workload, in.buf, in.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_REDIRECT, "B's own east-west still works");
	cr_expect_eq(res.out[50 - 4] << 16 | res.out[50 - 3] << 8 | res.out[50 - 2], VNI_B,
		     "in B's VNI");
}
