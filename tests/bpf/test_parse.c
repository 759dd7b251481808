// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parser fixtures: well-formed and malformed packets through the shared
 * parser on both hooks (XDP and tc, via parse_probe.bpf.c). Each row checks the
 * verdict, that the packet is untouched, the per-reason drop counter, and for
 * well-formed packets the parsed offsets, ports and flags. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "maps/stats.h"
#include "tests/bpf/progs/parse_probe.h"
#include "tests/bpf/progs/parse_probe.skel.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"

/* Mirrors enum pkt_flags in bpf/lib/parse.bpf.h (BPF-only header). */
#define F_FRAG 0x01
#define F_FRAG_LATER 0x02
#define F_IP_OPTS 0x04
#define F_IP6_EXT 0x08
#define F_L4 0x10
#define F_VXLAN 0x20
#define F_DEEP 0x40

#define MAC_A "02:00:00:00:00:01"
#define MAC_B "02:00:00:00:00:02"
#define C4 "198.18.0.1"
#define S4 "198.18.1.10"
#define C6 "2001:db8::1"
#define S6 "2001:db8:1::10"

struct parse_case {
	const char *desc;
	void (*build)(struct pb *b, struct pb *unused);
	int reason; /* 0: parses; else the enum ig_drop_reason it drops with */
	/* Expectations when reason == 0 (vlan_depth/inner_off/vni 0 unless set). */
	int family, proto, l3_off, l4_off, payload_off, flags, vlan_depth, inner_off;
	uint16_t sport, dport, eth_proto;
	uint32_t vni;
	int pad; /* Ethernet padding after the IP packet */
};

static void eth(struct pb *b)
{
	pb_eth(b, MAC_B, MAC_A, 0);
}

static void ip4(struct pb *b)
{
	pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4 });
}

static void ip6(struct pb *b)
{
	pb_ipv6(b, &(struct pb_ip6){ .src = C6, .dst = S6 });
}

static void tcp_syn(struct pb *b)
{
	pb_tcp(b, &(struct pb_tcp){ .sport = 40000, .dport = 8000, .seq = 1, .flags = PB_TCP_SYN });
}

static void udp(struct pb *b, uint16_t dport)
{
	pb_udp(b, &(struct pb_udp){ .sport = 40001, .dport = dport });
}

static void v4_tcp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), tcp_syn(b), pb_payload_pattern(b, 32, 1), pb_finish(b);
}

static void v6_tcp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), tcp_syn(b), pb_payload_pattern(b, 32, 2), pb_finish(b);
}

static void v4_udp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), udp(b, 53), pb_payload_pattern(b, 20, 3), pb_finish(b);
}

static void v6_udp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), udp(b, 53), pb_payload_pattern(b, 20, 4), pb_finish(b);
}

static void v4_icmp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), pb_icmp(b, 8, 0, 0x1234, 1), pb_payload_pattern(b, 16, 5), pb_finish(b);
}

static void v6_icmp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), pb_icmp(b, 128, 0, 0x4321, 1), pb_payload_pattern(b, 16, 6), pb_finish(b);
}

static void vlan_v4_tcp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), pb_vlan(b, 0x8100, 100), ip4(b), tcp_syn(b), pb_finish(b);
}

static void qinq_v6_udp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), pb_vlan(b, 0x88a8, 10), pb_vlan(b, 0x8100, 20), ip6(b), udp(b, 443);
	pb_payload_pattern(b, 8, 7), pb_finish(b);
}

static void v4_opts_tcp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b);
	pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4, .opt_len = 8 });
	tcp_syn(b), pb_finish(b);
}

static void v6_ext_tcp(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), pb_ipv6_ext(b, 0, 8, 0), pb_ipv6_ext(b, 60, 16, 0), tcp_syn(b);
	pb_finish(b);
}

/* As on the wire: the UDP length is the whole datagram's, longer than
 * what this fragment carries. */
static void v4_frag_first(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b);
	pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4, .frag = 0x2000 });
	pb_udp(b, &(struct pb_udp){ .sport = 40001, .dport = 53, .len = 8 + 64 + 1400 });
	pb_payload_pattern(b, 64, 8), pb_finish(b);
}

static void v6_frag_first(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), pb_ipv6_ext(b, 44, 8, 1); /* offset 0, M */
	pb_udp(b, &(struct pb_udp){ .sport = 40001, .dport = 53, .len = 8 + 64 + 1400 });
	pb_payload_pattern(b, 64, 8), pb_finish(b);
}

/* A first fragment whose datagram would be shorter than the fragment. */
static void frag_first_udp_short(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b);
	pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4, .frag = 0x2000 });
	pb_udp(b, &(struct pb_udp){ .sport = 40001, .dport = 53, .len = 8 + 32 });
	pb_payload_pattern(b, 64, 8), pb_finish(b);
}

static void v4_frag_later(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b);
	pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4, .frag = 185, .proto = 17 });
	pb_payload_pattern(b, 64, 9), pb_finish(b);
}

static void v6_frag_later(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), pb_ipv6_ext(b, 44, 8, 185 << 3), pb_payload_pattern(b, 64, 10);
	pb_finish(b);
	pb_hdr(b, PB_IPV6_EXT, 0)[0] = 17; /* the fragment carries UDP */
}

static void arp(struct pb *b, struct pb *u)
{
	(void)u;
	pb_eth(b, "ff:ff:ff:ff:ff:ff", MAC_A, 0x0806);
	pb_payload_pattern(b, 28, 11), pb_finish(b);
}

static void v4_udp_padded(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), udp(b, 53), pb_payload_pattern(b, 2, 12), pb_finish(b);
	pb_pad(b, 16); /* 60-byte minimum frame */
}

static void vxlan_v4(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b);
	pb_ipv4(b, &(struct pb_ip4){ .src = "198.18.255.1", .dst = "198.18.255.2" });
	pb_udp(b, &(struct pb_udp){ .sport = 50000, .dport = 4789, .zero_csum = 1 });
	pb_vxlan(b, 0x123456);
	eth(b), ip4(b), tcp_syn(b), pb_finish(b);
}

/* ---- malformed ---- */

static void vlan_trunc(struct pb *b, struct pb *u)
{
	(void)u;
	vlan_v4_tcp(b, u);
	pb_truncate(b, 16);
}

static void vlan_depth(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), pb_vlan(b, 0x88a8, 1), pb_vlan(b, 0x8100, 2), pb_vlan(b, 0x8100, 3), ip4(b);
	tcp_syn(b), pb_finish(b);
}

static void ip4_trunc(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_truncate(b, 14 + 19);
}

static void ip4_version(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_hdr(b, PB_IPV4, 0)[0] = 0x65;
}

static void ip4_ihl_small(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_hdr(b, PB_IPV4, 0)[0] = 0x44;
}

static void ip4_ihl_beyond(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), pb_ipv4(b, &(struct pb_ip4){ .src = C4, .dst = S4, .proto = 6 }), pb_finish(b);
	pb_hdr(b, PB_IPV4, 0)[0] = 0x4f; /* 60 bytes of header in a 20-byte packet */
}

static void ip4_totlen_long(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_hdr(b, PB_IPV4, 0)[2] = 0x05; /* 1280+ bytes claimed */
}

static void ip4_totlen_short(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_hdr(b, PB_IPV4, 0)[2] = 0;
	pb_hdr(b, PB_IPV4, 0)[3] = 16; /* less than the header itself */
}

static void ip6_trunc(struct pb *b, struct pb *u)
{
	v6_tcp(b, u);
	pb_truncate(b, 14 + 39);
}

static void ip6_version(struct pb *b, struct pb *u)
{
	v6_tcp(b, u);
	pb_hdr(b, PB_IPV6, 0)[0] = 0x40;
}

static void ip6_plen_long(struct pb *b, struct pb *u)
{
	v6_tcp(b, u);
	pb_hdr(b, PB_IPV6, 0)[4] = 0x10;
}

static void ip6_ext_trunc(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b), pb_ipv6_ext(b, 0, 8, 0), tcp_syn(b), pb_finish(b);
	pb_hdr(b, PB_IPV6_EXT, 0)[1] = 10; /* 88 bytes claimed, 28 present */
}

static void ip6_ext_depth(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip6(b);
	for (int i = 0; i < 7; i++)
		pb_ipv6_ext(b, 60, 8, 0);
	tcp_syn(b), pb_finish(b);
}

static void tcp_trunc(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_truncate(b, 14 + 20 + 10);
	pb_hdr(b, PB_IPV4, 0)[3] = 30; /* keep IP consistent: only L4 is short */
}

static void tcp_trunc_by_iplen(struct pb *b, struct pb *u)
{
	/* The bytes are there, but past the IP total length (Ethernet padding). */
	v4_tcp(b, u);
	pb_hdr(b, PB_IPV4, 0)[2] = 0;
	pb_hdr(b, PB_IPV4, 0)[3] = 30;
}

static void tcp_doff_small(struct pb *b, struct pb *u)
{
	v4_tcp(b, u);
	pb_hdr(b, PB_TCP, 0)[12] = 0x40;
}

static void tcp_doff_beyond(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), tcp_syn(b), pb_finish(b);
	pb_hdr(b, PB_TCP, 0)[12] = 0xf0; /* 60-byte header in 20 bytes */
}

static void udp_trunc(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), pb_payload_pattern(b, 6, 13), pb_finish(b);
	pb_hdr(b, PB_IPV4, 0)[9] = 17;
}

static void udp_len_zero(struct pb *b, struct pb *u)
{
	v4_udp(b, u);
	pb_hdr(b, PB_UDP, 0)[4] = 0;
	pb_hdr(b, PB_UDP, 0)[5] = 0;
}

static void udp_len_long(struct pb *b, struct pb *u)
{
	v6_udp(b, u);
	pb_hdr(b, PB_UDP, 0)[4] = 0x01; /* 256+ bytes claimed */
}

static void icmp_trunc(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), pb_payload_pattern(b, 4, 14), pb_finish(b);
	pb_hdr(b, PB_IPV4, 0)[9] = 1;
	pb_hdr(b, PB_IPV4, 0)[10] = 0;
}

static void vxlan_trunc(struct pb *b, struct pb *u)
{
	(void)u;
	eth(b), ip4(b), udp(b, 4789), pb_payload_pattern(b, 4, 15), pb_finish(b);
}

static void vxlan_flags(struct pb *b, struct pb *u)
{
	vxlan_v4(b, u);
	pb_hdr(b, PB_VXLAN, 0)[0] = 0x00;
}

static const struct parse_case cases[] = {
	{ "v4 tcp syn", v4_tcp, 0, 4, 6, 14, 34, 54, F_L4, .sport = 40000, .dport = 8000 },
	{ "v6 tcp syn", v6_tcp, 0, 6, 6, 14, 54, 74, F_L4, .sport = 40000, .dport = 8000 },
	{ "v4 udp", v4_udp, 0, 4, 17, 14, 34, 42, F_L4, .sport = 40001, .dport = 53 },
	{ "v6 udp", v6_udp, 0, 6, 17, 14, 54, 62, F_L4, .sport = 40001, .dport = 53 },
	{ "v4 icmp echo", v4_icmp, 0, 4, 1, 14, 34, 42, F_L4, .sport = 0x0800, .dport = 0x1234 },
	{ "v6 icmpv6 echo", v6_icmp, 0, 6, 58, 14, 54, 62, F_L4, .sport = 0x8000, .dport = 0x4321 },
	{ "802.1Q v4 tcp", vlan_v4_tcp, 0, 4, 6, 18, 38, 58, F_L4, 1, .sport = 40000,
	  .dport = 8000 },
	{ "QinQ v6 udp", qinq_v6_udp, 0, 6, 17, 22, 62, 70, F_L4, 2, .sport = 40001, .dport = 443 },
	{ "v4 options tcp", v4_opts_tcp, 0, 4, 6, 14, 42, 62, F_L4 | F_IP_OPTS, .sport = 40000,
	  .dport = 8000 },
	{ "v6 hop+dst ext tcp", v6_ext_tcp, 0, 6, 6, 14, 78, 98, F_L4 | F_IP6_EXT, .sport = 40000,
	  .dport = 8000 },
	{ "v4 first fragment", v4_frag_first, 0, 4, 17, 14, 34, 42, F_L4 | F_FRAG, .sport = 40001,
	  .dport = 53 },
	{ "v6 first fragment", v6_frag_first, 0, 6, 17, 14, 62, 70, F_L4 | F_FRAG | F_IP6_EXT,
	  .sport = 40001, .dport = 53 },
	{ "v4 later fragment", v4_frag_later, 0, 4, 17, 14, 0, 0, F_FRAG | F_FRAG_LATER },
	{ "v6 later fragment", v6_frag_later, 0, 6, 17, 14, 0, 0,
	  F_FRAG | F_FRAG_LATER | F_IP6_EXT },
	{ "arp is not ip", arp, 0, 0, 0, 0, 0, 0, 0, .eth_proto = 0x0806 },
	{ "v4 udp with eth padding", v4_udp_padded, 0, 4, 17, 14, 34, 42, F_L4, .sport = 40001,
	  .dport = 53, .pad = 16 },
	{ "vxlan v4 outer", vxlan_v4, 0, 4, 17, 14, 34, 42, F_L4 | F_VXLAN, .inner_off = 50,
	  .sport = 50000, .dport = 4789, .vni = 0x123456 },

	/* Valid frames the parser does not walk to the end: parsed as far as
	 * its bounds go, flagged deep, no L4. */
	{ "three vlan tags: deep, not walked", vlan_depth, 0, 0, 0, 0, 0, 0, F_DEEP, 2,
	  .eth_proto = 0x8100 },
	{ "ipv6 ext chain past bound: deep, no L4", ip6_ext_depth, 0, 6, 60, 14, 0, 0,
	  F_IP6_EXT | F_DEEP },

	{ "vlan truncated", vlan_trunc, IG_DROP_VLAN_TRUNC },
	{ "ipv4 truncated", ip4_trunc, IG_DROP_IP4_TRUNC },
	{ "ipv4 version 6 in 0x0800", ip4_version, IG_DROP_IP4_VERSION },
	{ "ipv4 ihl < 5", ip4_ihl_small, IG_DROP_IP4_IHL },
	{ "ipv4 ihl beyond packet", ip4_ihl_beyond, IG_DROP_IP4_OPT_TRUNC },
	{ "ipv4 total length past data", ip4_totlen_long, IG_DROP_IP4_LEN },
	{ "ipv4 total length < ihl", ip4_totlen_short, IG_DROP_IP4_LEN },
	{ "ipv6 truncated", ip6_trunc, IG_DROP_IP6_TRUNC },
	{ "ipv6 version 4 in 0x86dd", ip6_version, IG_DROP_IP6_VERSION },
	{ "ipv6 payload length past data", ip6_plen_long, IG_DROP_IP6_LEN },
	{ "ipv6 ext header truncated", ip6_ext_trunc, IG_DROP_IP6_EXT_TRUNC },
	{ "tcp truncated", tcp_trunc, IG_DROP_TCP_TRUNC },
	{ "tcp past ip total length", tcp_trunc_by_iplen, IG_DROP_TCP_TRUNC },
	{ "tcp doff < 5", tcp_doff_small, IG_DROP_TCP_DOFF },
	{ "tcp doff beyond packet", tcp_doff_beyond, IG_DROP_TCP_OPT_TRUNC },
	{ "udp truncated", udp_trunc, IG_DROP_UDP_TRUNC },
	{ "udp zero length", udp_len_zero, IG_DROP_UDP_LEN },
	{ "udp length past ip payload", udp_len_long, IG_DROP_UDP_LEN },
	{ "first fragment: udp length < fragment", frag_first_udp_short, IG_DROP_UDP_LEN },
	{ "icmp truncated", icmp_trunc, IG_DROP_ICMP_TRUNC },
	{ "vxlan truncated", vxlan_trunc, IG_DROP_VXLAN_TRUNC },
	{ "vxlan without I flag", vxlan_flags, IG_DROP_VXLAN_FLAGS },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct parse_probe *skel;

static void setup(void)
{
	fx_require_root();
	skel = parse_probe__open_and_load();
	cr_assert(skel, "loading parse_probe.bpf.o failed");
}

static void teardown(void)
{
	parse_probe__destroy(skel);
}

TestSuite(parse, .init = setup, .fini = teardown);

/* BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header on both
 * hooks (so IG_DROP_ETH_TRUNC, which keeps the verifier happy, has no row), and
 * for tc (6.x) also IPv4/IPv6 frames shorter than Ethernet + the fixed IP
 * header: those truncations run through XDP only. */
static int tc_can_run(const struct parse_case *c)
{
	static struct pb b, unused;
	uint16_t et;

	pb_init(&b);
	c->build(&b, &unused);
	et = b.buf[12] << 8 | b.buf[13];
	return !(et == 0x0800 && b.len < 34) && !(et == 0x86dd && b.len < 54);
}

static void run_hook(struct bpf_program *prog, int pass, int drop, int tc)
{
	struct fixture fx[NCASES];
	size_t n = 0;

	for (size_t i = 0; i < NCASES; i++) {
		if (tc && !tc_can_run(&cases[i]))
			continue;
		fx[n] = (struct fixture){ .desc = cases[i].desc,
					  .build = cases[i].build,
					  .verdict = cases[i].reason ? drop : pass,
					  .check_other_drops = 1 };
		if (cases[i].reason)
			fx[n].counters[0] =
				(struct fx_counter){ "ig_drops", cases[i].reason, 0, 1 };
		n++;
	}
	fx_run_table(skel->obj, prog, fx, n);
}

Test(parse, xdp_verdicts_and_drop_counters)
{
	run_hook(skel->progs.xdp_parse_probe, XDP_PASS, XDP_DROP, 0);
}

Test(parse, tc_verdicts_and_drop_counters)
{
	run_hook(skel->progs.tc_parse_probe, TC_ACT_OK, TC_ACT_SHOT, 1);
}

static void check_fields(const struct parse_case *c, const struct parse_result *r)
{
	cr_expect_eq(r->err, -c->reason, "%s: err %d", c->desc, r->err);
	if (c->reason)
		return;
	cr_expect_eq(r->family, c->family, "%s: family %u", c->desc, r->family);
	cr_expect_eq(r->proto, c->proto, "%s: proto %u", c->desc, r->proto);
	cr_expect_eq(r->l3_off, c->l3_off, "%s: l3_off %u", c->desc, r->l3_off);
	cr_expect_eq(r->flags, c->flags, "%s: flags %#x", c->desc, r->flags);
	cr_expect_eq(r->vlan_depth, c->vlan_depth, "%s: vlan_depth %u", c->desc, r->vlan_depth);
	if (c->eth_proto)
		cr_expect_eq(r->eth_proto, c->eth_proto, "%s: eth_proto %#x", c->desc,
			     r->eth_proto);
	if (!(c->flags & F_L4))
		return;
	cr_expect_eq(r->l4_off, c->l4_off, "%s: l4_off %u", c->desc, r->l4_off);
	cr_expect_eq(r->payload_off, c->payload_off, "%s: payload_off %u", c->desc, r->payload_off);
	cr_expect_eq(ntohs(r->sport), c->sport, "%s: sport %u", c->desc, ntohs(r->sport));
	cr_expect_eq(ntohs(r->dport), c->dport, "%s: dport %u", c->desc, ntohs(r->dport));
	cr_expect_eq(r->vni, c->vni, "%s: vni %#x", c->desc, r->vni);
	cr_expect_eq(r->inner_off, c->inner_off, "%s: inner_off %u", c->desc, r->inner_off);
}

static void check_addrs(const struct parse_case *c, const struct parse_result *r,
			const struct pb *b)
{
	uint8_t want[16];

	if (c->reason || !c->family || (c->flags & F_VXLAN))
		return;
	pb_addr16(c->family == 4 ? C4 : C6, want);
	cr_expect(!memcmp(r->saddr, want, 16), "%s: saddr", c->desc);
	pb_addr16(c->family == 4 ? S4 : S6, want);
	cr_expect(!memcmp(r->daddr, want, 16), "%s: daddr", c->desc);
	cr_expect_eq(r->l3_len, b->len - 14 - 4 * c->vlan_depth - c->pad, "%s: l3_len %u", c->desc,
		     r->l3_len);
}

Test(parse, parsed_fields)
{
	int fd = bpf_map__fd(skel->maps.probe_result);
	struct parse_result r;
	struct fx_result res;
	static struct pb b, unused;
	uint32_t zero = 0;

	for (size_t i = 0; i < NCASES; i++) {
		pb_init(&b);
		cases[i].build(&b, &unused);
		memset(&r, 0xa5, sizeof(r));
		cr_assert_eq(bpf_map_update_elem(fd, &zero, &r, 0), 0);
		cr_assert_eq(fx_run(skel->progs.xdp_parse_probe, b.buf, b.len, &res), 0);
		cr_assert_eq(bpf_map_lookup_elem(fd, &zero, &r), 0);
		check_fields(&cases[i], &r);
		check_addrs(&cases[i], &r, &b);
	}
}
