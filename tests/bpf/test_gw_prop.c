// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Randomized property test of xdp_gateway through BPF_PROG_TEST_RUN. Valid
 * frames (0-3 VLAN tags, IPv4 with options or IPv6 with extension headers,
 * first and later fragments, TCP, UDP, ICMP echo and PMTU errors, big and
 * small, to VIPs and elsewhere) each get the verdict an oracle in C expects:
 * not for a VIP (or not provably: behind three tags) passes byte for byte;
 * to a service it is encapsulated to a backend of that service in its
 * tenant's VNI with the inner frame intact, or answered with ICMP "too big"
 * when it will not fit the underlay; else dropped with the reason expected.
 * Then mutated frames: whatever the verdict, an encapsulation goes to a
 * backend in the VNI of that backend's tenant, and every drop has a reason.
 * Seeded: IG_PROP_SEED=n reproduces a run, IG_PROP_PACKETS=n resizes it. */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <criterion/criterion.h>

#include "user/lib/dp.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "bpf/xdp_gateway.skel.h"

#define PROP_GW_DEFAULT 40000 /* valid frames; as many mutated ones */
#define GW_MAC "02:00:00:00:0f:01"
#define GW_VTEP "198.18.255.1"
#define UL_MTU 1500
#define ENCAP4 50 /* outer Ethernet, IPv4, UDP, VXLAN */
#define ICMP_QUOTE 128
#define VNI_OF(t) (0x200000u | (t))
#define NSVC 6
#define NBE (2 * NSVC) /* backends 1..NBE, two per service */

struct m_svc {
	const char *vip;
	uint16_t port;
	uint8_t proto;
	__u32 tenant;
};

/* Service i + 1. Two VIPs per family, each shared by two tenants' ports. */
static const struct m_svc svcs[NSVC] = {
	{ "198.19.0.10", 8000, IPPROTO_TCP, 1 },     { "198.19.0.10", 5353, IPPROTO_UDP, 1 },
	{ "198.19.0.20", 8000, IPPROTO_TCP, 2 },     { "2001:db8:19::10", 8000, IPPROTO_TCP, 2 },
	{ "2001:db8:19::10", 5353, IPPROTO_UDP, 2 }, { "2001:db8:19::20", 443, IPPROTO_TCP, 1 },
};
static const char *const vips4[] = { "198.19.0.10", "198.19.0.20" };
static const char *const vips6[] = { "2001:db8:19::10", "2001:db8:19::20" };

struct m_be {
	uint8_t mac[6], inner_mac[6], vtep[16];
	__u32 service;
};

static struct xdp_gateway *skel;
static struct dp_maps maps;
static struct m_be bes[NBE + 1];
static uint64_t rng, seed0, prop_n = PROP_GW_DEFAULT;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)((rnd() >> 32) % n);
}

static int pct(uint32_t p)
{
	return below(100) < p;
}

/* ---- the world ---- */

static void world(void)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED, .underlay_mtu = UL_MTU };
	char s[48];

	pb_addr16(GW_VTEP, cfg.vtep_addr);
	pb_mac(GW_MAC, cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
	for (__u32 t = 1; t <= 2; t++)
		cr_assert_eq(dp_tenant_set(&maps, t, VNI_OF(t), IG_PRIO_STANDARD), 0);
	for (__u32 id = 1; id <= NBE; id++) {
		struct ig_backend be = { .service = (id + 1) / 2, .weight = 100 };
		struct m_be *m = &bes[id];

		snprintf(s, sizeof(s), "198.18.254.%u", id);
		pb_addr16(s, be.addr);
		snprintf(s, sizeof(s), "02:00:00:00:0b:%02x", id);
		pb_mac(s, be.mac);
		snprintf(s, sizeof(s), "02:00:00:00:1b:%02x", id);
		pb_mac(s, be.inner_mac);
		memcpy(m->mac, be.mac, 6);
		memcpy(m->inner_mac, be.inner_mac, 6);
		memcpy(m->vtep, be.addr, 16);
		m->service = be.service;
		cr_assert_eq(dp_backend_set(&maps, id, &be), 0);
	}
	for (__u32 i = 0; i < NSVC; i++) {
		struct ig_service svc = { .id = i + 1, .tenant = svcs[i].tenant };
		struct ig_service_key k;
		__u32 table[13];

		cr_assert_eq(dp_service_key(&k, svcs[i].vip, svcs[i].port, svcs[i].proto), 0);
		cr_assert_eq(dp_service_set(&maps, &k, &svc), 0);
		for (int j = 0; j < 13; j++)
			table[j] = 2 * i + 1 + j % 2;
		cr_assert_eq(dp_maglev_swap(&maps, i + 1, table, 13), 0);
	}
}

static void setup(void)
{
	const char *seed = getenv("IG_PROP_SEED"), *n = getenv("IG_PROP_PACKETS");
	cpu_set_t cpus;

	fx_require_root();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	cr_assert_eq(sched_setaffinity(0, sizeof(cpus), &cpus), 0);
	rng = seed ? strtoull(seed, NULL, 0) : 0x9a7e3a7e5eedULL;
	cr_assert_neq(rng, 0);
	seed0 = rng;
	/* IG_PROP_PACKETS sizes the host test's million; a twenty-fifth here. */
	if (n && strtoull(n, NULL, 0) >= 25)
		prop_n = strtoull(n, NULL, 0) / 25;
	skel = xdp_gateway__open_and_load();
	cr_assert(skel, "loading xdp_gateway.bpf.o failed");
	cr_assert_eq(dp_from_object(&maps, skel->obj), 0);
	world();
}

static void teardown(void)
{
	xdp_gateway__destroy(skel);
}

TestSuite(gw_prop, .init = setup, .fini = teardown, .timeout = 300);

/* ---- generation: a valid frame and what the gateway must do with it ---- */

enum want {
	W_PASS, /* untouched */
	W_DROP, /* with want_reason */
	W_ENCAP, /* to a backend of want_svc */
	W_TOO_BIG, /* answered with ICMP: the packet plus ENCAP4 exceeds UL_MTU */
};

struct gen {
	enum want want;
	int reason;
	int svc; /* 1-based */
	int vlans, v6, l2;
	int icmp_err; /* a PMTU error: steered by its quote, never "too big" */
};

static int svc_find(const char *vip, uint16_t port, uint8_t proto)
{
	for (int i = 0; i < NSVC; i++)
		if (!strcmp(svcs[i].vip, vip) && svcs[i].port == port && svcs[i].proto == proto)
			return i + 1;
	return 0;
}

static void rand_mac(char *s)
{
	uint64_t r = rnd();

	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(r & 0xfe),
		 (unsigned)(r >> 8) & 0xff, (unsigned)(r >> 16) & 0xff, (unsigned)(r >> 24) & 0xff,
		 (unsigned)(r >> 32) & 0xff, (unsigned)(r >> 40) & 0xff);
}

static void client_addr(char *s, int v6)
{
	if (v6)
		snprintf(s, 48, "2001:db8:18::%x", 1 + below(0xfffe));
	else
		snprintf(s, 48, "198.18.%u.%u", below(200), 1 + below(254));
}

/* A port: usually a service's for (vip, proto), else anything. */
static uint16_t pick_port(const char *vip, uint8_t proto)
{
	uint16_t ports[NSVC];
	int n = 0;

	for (int i = 0; i < NSVC; i++)
		if (!strcmp(svcs[i].vip, vip) && svcs[i].proto == proto)
			ports[n++] = svcs[i].port;
	if (n && pct(85))
		return ports[below(n)];
	return 1 + below(65535);
}

/* An ICMP "fragmentation needed" / "packet too big" from a router to dst,
 * quoting a reply dst:vport -> client:cport. */
static void gen_pmtu_error(struct pb *b, struct gen *g, const char *dst, int vip)
{
	uint8_t proto = pct(60) ? IPPROTO_TCP : IPPROTO_UDP;
	uint16_t vport = pick_port(dst, proto), cport = 1024 + below(60000);
	char client[48];
	struct pb q;

	client_addr(client, g->v6);
	pb_init(&q);
	if (g->v6)
		pb_ipv6(&q, &(struct pb_ip6){ .src = dst, .dst = client });
	else
		pb_ipv4(&q, &(struct pb_ip4){ .src = dst, .dst = client, .frag = 0x4000 });
	if (proto == IPPROTO_TCP)
		pb_tcp(&q, &(struct pb_tcp){ .sport = vport, .dport = cport, .flags = PB_TCP_ACK });
	else
		pb_udp(&q, &(struct pb_udp){ .sport = vport, .dport = cport });
	pb_payload_pattern(&q, 1400, rnd());
	pb_finish(&q);
	if (g->v6)
		pb_icmp(b, 2, 0, 0, 1280 + below(200));
	else
		pb_icmp(b, 3, 4, 0, 576 + below(900));
	pb_payload(b, q.buf, (g->v6 ? 48 : 28) + below(3) * 8);
	g->svc = vip ? svc_find(dst, vport, proto) : 0;
	g->want = g->svc ? W_ENCAP : W_PASS;
	g->icmp_err = 1;
}

/* L4 and payload of an unfragmented packet; sometimes too big for the
 * underlay once encapsulated. */
static void gen_l4(struct pb *b, struct gen *g, const char *dst, int vip)
{
	uint32_t k = below(20);
	uint8_t proto;
	size_t pay = pct(12) ? 1300 + below(300) : below(200);
	uint16_t port;

	if (k < 2) { /* ICMP echo */
		pb_icmp(b, g->v6 ? 128 : 8, 0, rnd(), rnd());
		pb_payload_pattern(b, pay, rnd());
		g->want = W_PASS;
		return;
	}
	if (k < 4) {
		gen_pmtu_error(b, g, dst, vip);
		return;
	}
	proto = k < 13 ? IPPROTO_TCP : IPPROTO_UDP;
	port = pick_port(dst, proto);
	if (proto == IPPROTO_TCP)
		pb_tcp(b, &(struct pb_tcp){ .sport = 1024 + below(60000),
					    .dport = port,
					    .seq = rnd(),
					    .flags = pct(40) ? PB_TCP_SYN : rnd() & 0x3f,
					    .opt_len = 4 * below(4) });
	else
		pb_udp(b, &(struct pb_udp){ .sport = 1024 + below(60000), .dport = port });
	pb_payload_pattern(b, pay, rnd());
	g->svc = vip ? svc_find(dst, port, proto) : 0;
	g->want = g->svc ? W_ENCAP : W_PASS;
}

/* A fragment of a TCP or UDP datagram: the first (with its L4 header and,
 * for UDP, the whole datagram's length) or a later one. */
static void gen_fragment(struct pb *b, struct gen *g, const char *src, const char *dst, int vip)
{
	int first = pct(50);
	uint8_t proto = pct(50) ? IPPROTO_TCP : IPPROTO_UDP;
	uint16_t off = first ? 0 : 1 + below(1000);
	size_t pay = 8 * (1 + below(60));

	if (g->v6) {
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst });
		for (int i = below(3); i > 0; i--)
			pb_ipv6_ext(b, 60, 8, 0);
		pb_ipv6_ext(b, 44, 8, off << 3 | (first || pct(50)));
	} else {
		pb_ipv4(b, &(struct pb_ip4){ .src = src,
					     .dst = dst,
					     .frag = off | (first || pct(50) ? 0x2000 : 0),
					     .proto = first ? 0 : proto,
					     .opt_len = pct(10) ? 4 * below(3) : 0 });
	}
	if (first && proto == IPPROTO_TCP)
		pb_tcp(b, &(struct pb_tcp){ .sport = rnd(),
					    .dport = pick_port(dst, proto),
					    .flags = PB_TCP_ACK });
	else if (first)
		pb_udp(b, &(struct pb_udp){ .sport = rnd(),
					    .dport = pick_port(dst, proto),
					    .len = 8 + pay + 8 * (1 + below(100)) });
	pb_payload_pattern(b, pay, rnd());
	pb_finish(b);
	if (!first && g->v6)
		pb_hdr(b, PB_IPV6_EXT,
		       pb_hdr_off(b, PB_IPV6_EXT, 2) >= 0 ? 2 :
		       pb_hdr_off(b, PB_IPV6_EXT, 1) >= 0 ? 1 :
							    0)[0] = proto;
	g->want = vip ? W_DROP : W_PASS;
	g->reason = IG_DROP_FRAGMENT;
}

static void gen_valid(struct pb *b, struct gen *g)
{
	char dm[18], sm[18], src[48], dst[48];
	int vip = pct(60), deep;

	memset(g, 0, sizeof(*g));
	g->v6 = pct(50);
	g->vlans = pct(70) ? 0 : 1 + below(3);
	g->l2 = 14 + 4 * g->vlans;
	rand_mac(sm);
	strcpy(dm, GW_MAC);
	client_addr(src, g->v6);
	if (vip)
		strcpy(dst, g->v6 ? vips6[below(2)] : vips4[below(2)]);
	else
		client_addr(dst, g->v6);
	pb_eth(b, dm, sm, 0);
	for (int i = 0; i < g->vlans; i++)
		pb_vlan(b, i == 0 && g->vlans > 1 ? 0x88a8 : 0x8100, below(4096));
	if (pct(10)) {
		gen_fragment(b, g, src, dst, vip);
	} else {
		deep = g->v6 && pct(8);
		if (g->v6) {
			pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst, .hop_limit = rnd() });
			for (int i = deep ? 7 + below(2) : pct(85) ? 0 : 1 + below(6); i > 0; i--)
				pb_ipv6_ext(b, 60, 8 * (1 + below(2)), 0);
		} else {
			pb_ipv4(b, &(struct pb_ip4){ .src = src,
						     .dst = dst,
						     .ttl = rnd(),
						     .frag = pct(50) ? 0x4000 : 0,
						     .opt_len = pct(10) ? 4 * below(3) : 0 });
		}
		gen_l4(b, g, dst, vip);
		pb_finish(b);
		if (deep) {
			g->want = vip ? W_DROP : W_PASS;
			g->reason = IG_DROP_IP6_EXT_DEPTH;
		} else if (g->want == W_ENCAP && !g->icmp_err && b->len - g->l2 + ENCAP4 > UL_MTU) {
			g->want = W_TOO_BIG;
		}
	}
	/* Past two tags the destination is out of the parser's reach. */
	if (g->vlans > 2)
		g->want = W_PASS;
}

/* ---- oracles ---- */

static const char *check_encap(const struct pb *in, const struct fx_result *r, int svc)
{
	const uint8_t *o = r->out;
	const struct m_be *be = NULL;
	uint8_t inner[PB_MAX];
	size_t l2 = 14, n;
	__u32 id, vni, tenant;
	uint8_t gw[16];

	for (id = 1; id <= NBE && !be; id++)
		if (!memcmp(o, bes[id].mac, 6))
			be = &bes[id];
	if (!be || r->out_len < ENCAP4 + 14)
		return "transmitted, but not to a backend";
	if (o[12] != 0x08 || o[13] != 0x00 || o[23] != IPPROTO_UDP || o[36] != 0x12 ||
	    o[37] != 0xb5 || o[42] != 0x08)
		return "not VXLAN over IPv4";
	if (pb_csum(o + 14, 20, 0) != 0)
		return "outer IPv4 checksum";
	pb_addr16(GW_VTEP, gw);
	if (memcmp(o + 26, gw + 12, 4) || memcmp(o + 30, be->vtep + 12, 4))
		return "outer addresses are not the gateway's and the backend's";
	vni = o[46] << 16 | o[47] << 8 | o[48];
	tenant = svcs[be->service - 1].tenant;
	if (vni != VNI_OF(tenant))
		return "VNI is not the backend's tenant's";
	if (svc && (int)be->service != svc)
		return "backend of another service";
	if (!svc)
		return NULL; /* a mutated frame: isolation only */
	/* The inner frame: the input without its tags, inner MAC rewritten. */
	while (l2 + 4 <= in->len && (in->buf[l2 - 2] << 8 | in->buf[l2 - 1]) != 0x0800 &&
	       (in->buf[l2 - 2] << 8 | in->buf[l2 - 1]) != 0x86dd)
		l2 += 4;
	memcpy(inner, be->inner_mac, 6);
	memcpy(inner + 6, in->buf + 6, 6);
	memcpy(inner + 12, in->buf + l2 - 2, 2);
	n = in->len - l2;
	memcpy(inner + 14, in->buf + l2, n);
	if (r->out_len != ENCAP4 + 14 + n || memcmp(o + ENCAP4, inner, 14 + n))
		return "inner frame changed";
	return NULL;
}

/* The gateway's own ICMP answer: MACs swapped, the input's tags, from its
 * destination to its source, MTU UL_MTU - ENCAP4, the quote, checksums. */
static const char *check_too_big(const struct pb *in, const struct fx_result *r, int l2, int v6)
{
	const uint8_t *o = r->out, *ip = o + l2, *ic = ip + (v6 ? 40 : 20);
	size_t hl = v6 ? 40 : 20;
	uint32_t sum;

	if (r->out_len != (size_t)l2 + hl + 8 + ICMP_QUOTE)
		return "ICMP answer of the wrong size";
	if (memcmp(o, in->buf + 6, 6) || memcmp(o + 6, in->buf, 6) ||
	    memcmp(o + 12, in->buf + 12, l2 - 12))
		return "ICMP answer's Ethernet header";
	if (memcmp(ic + 8, in->buf + l2, ICMP_QUOTE))
		return "ICMP answer's quote";
	if (v6) {
		if (ip[6] != 58 || memcmp(ip + 8, in->buf + l2 + 24, 16) ||
		    memcmp(ip + 24, in->buf + l2 + 8, 16) || ic[0] != 2 || ic[1] != 0 ||
		    (uint32_t)(ic[4] << 24 | ic[5] << 16 | ic[6] << 8 | ic[7]) != UL_MTU - ENCAP4)
			return "ICMPv6 packet too big";
		sum = pb_csum_add(ip + 8, 32, 0) + 8 + ICMP_QUOTE + 58;
	} else {
		if (ip[9] != 1 || pb_csum(ip, 20, 0) || memcmp(ip + 12, in->buf + l2 + 16, 4) ||
		    memcmp(ip + 16, in->buf + l2 + 12, 4) || ic[0] != 3 || ic[1] != 4 ||
		    (ic[6] << 8 | ic[7]) != UL_MTU - ENCAP4)
			return "ICMP fragmentation needed";
		sum = 0;
	}
	if (pb_csum(ic, 8 + ICMP_QUOTE, sum))
		return "ICMP checksum";
	return NULL;
}

static void fail_pkt(const char *what, const struct pb *in, uint64_t i, int verdict)
{
	char hex[3 * 128 + 1] = "";

	for (size_t k = 0; k < in->len && k < 128; k++)
		snprintf(hex + 3 * k, 4, "%02x ", in->buf[k]);
	cr_assert_fail("packet %lu (IG_PROP_SEED=%#lx): %s (verdict %d)\n%s", (unsigned long)i,
		       (unsigned long)seed0, what, verdict, hex);
}

struct tally {
	uint64_t runs, pass, drop, tx, by_want[4];
};

struct cnt_snap {
	uint64_t rx, pass, drop, tx, reasons[IG_DROP__MAX];
};

static void snap(struct cnt_snap *s)
{
	s->rx = fx_counter(skel->obj, "ig_counters", IG_CNT_RX, 0);
	s->pass = fx_counter(skel->obj, "ig_counters", IG_CNT_PASS, 0);
	s->drop = fx_counter(skel->obj, "ig_counters", IG_CNT_DROP, 0);
	s->tx = fx_counter(skel->obj, "ig_counters", IG_CNT_TX, 0);
	for (int r = 0; r < IG_DROP__MAX; r++)
		s->reasons[r] = fx_counter(skel->obj, "ig_drops", r, 0);
}

/* Every packet counted once as its verdict; every drop has a reason. */
static void check_counts(const struct cnt_snap *b, const struct tally *tl)
{
	struct cnt_snap a;
	uint64_t reasons = 0;

	snap(&a);
	cr_expect_eq(a.rx - b->rx, tl->runs);
	cr_expect_eq(a.pass - b->pass, tl->pass);
	cr_expect_eq(a.drop - b->drop, tl->drop);
	cr_expect_eq(a.tx - b->tx, tl->tx);
	for (int r = 0; r < IG_DROP__MAX; r++)
		reasons += a.reasons[r] - b->reasons[r];
	cr_expect_eq(reasons, tl->drop, "drops without a reason");
	cr_expect_eq(a.reasons[IG_DROP_NONE], b->reasons[IG_DROP_NONE]);
}

static void tally(struct tally *tl, int verdict)
{
	tl->runs++;
	tl->pass += verdict == XDP_PASS;
	tl->drop += verdict == XDP_DROP;
	tl->tx += verdict == XDP_TX;
}

static const char *check_valid(const struct pb *in, const struct gen *g, const struct fx_result *r,
			       uint64_t reason_delta)
{
	switch (g->want) {
	case W_PASS:
		if (r->verdict != XDP_PASS)
			return "valid traffic not for a VIP did not pass";
		if (r->out_len != in->len || memcmp(r->out, in->buf, in->len))
			return "passed, but changed";
		return NULL;
	case W_DROP:
		if (r->verdict != XDP_DROP)
			return "not dropped as expected";
		return reason_delta == 1 ? NULL : "dropped without the expected reason";
	case W_ENCAP:
		if (r->verdict != XDP_TX)
			return "to a service, not steered";
		return check_encap(in, r, g->svc);
	default:
		if (r->verdict != XDP_TX)
			return "too big, not answered";
		return check_too_big(in, r, g->l2, g->v6);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(gw_prop, valid_traffic_passes_or_is_steered)
{
	static struct pb b;
	static struct fx_result r;
	struct tally tl = {};
	struct cnt_snap before;
	struct gen g;
	const char *bad;
	uint64_t r0 = 0;
	double t0 = now_s();

	snap(&before);
	while (tl.runs < prop_n) {
		pb_init(&b);
		gen_valid(&b, &g);
		cr_assert_eq(b.err, 0, "packet builder: %d", b.err);
		if (g.want == W_DROP)
			r0 = fx_counter(skel->obj, "ig_drops", g.reason, 0);
		cr_assert_eq(fx_run(skel->progs.xdp_gateway, b.buf, b.len, &r), 0);
		tally(&tl, r.verdict);
		tl.by_want[g.want]++;
		bad = check_valid(
			&b, &g, &r,
			g.want == W_DROP ? fx_counter(skel->obj, "ig_drops", g.reason, 0) - r0 : 0);
		if (bad)
			fail_pkt(bad, &b, tl.runs, r.verdict);
	}
	check_counts(&before, &tl);
	for (int w = 0; w < 4; w++)
		cr_expect_gt(tl.by_want[w], prop_n / 100, "too few of outcome %d to mean anything",
			     w);
	fprintf(stderr,
		"gw_prop valid: %lu frames in %.1f s (%lu passed, %lu steered, %lu answered too "
		"big, %lu dropped)\n",
		(unsigned long)tl.runs, now_s() - t0, (unsigned long)tl.by_want[W_PASS],
		(unsigned long)tl.by_want[W_ENCAP], (unsigned long)tl.by_want[W_TOO_BIG],
		(unsigned long)tl.by_want[W_DROP]);
}

/* Corrupt: flip bits, overwrite a header byte, truncate or extend. */
static void mutate(struct pb *b)
{
	int n = 1 + below(4), hdr, off;

	for (int i = 0; i < n && b->len; i++) {
		switch (below(5)) {
		case 0:
		case 1:
			hdr = below(b->nhdrs);
			off = b->hdrs[hdr].off + below(b->hdrs[hdr].len ? b->hdrs[hdr].len : 1);
			if (off < (int)b->len)
				b->buf[off] = pct(50) ? rnd() : b->buf[off] ^ (1u << below(8));
			break;
		case 2:
			b->buf[below(b->len < 160 ? b->len : 160)] ^= 1u << below(8);
			break;
		case 3:
			b->len = 14 + below(b->len - 13);
			break;
		default:
			if (b->len + 32 < PB_MAX)
				for (int k = 0; k < 32; k++)
					b->buf[b->len++] = rnd();
			break;
		}
	}
}

/* An answer of the gateway's own: ICMP from the frame's destination. */
static int is_icmp_answer(const struct fx_result *r)
{
	size_t l2 = 14;
	int et;

	while (l2 + 4 <= r->out_len && ((r->out[l2 - 2] << 8 | r->out[l2 - 1]) == 0x8100 ||
					(r->out[l2 - 2] << 8 | r->out[l2 - 1]) == 0x88a8))
		l2 += 4;
	et = r->out[l2 - 2] << 8 | r->out[l2 - 1];
	if (r->out_len < l2 + 48)
		return 0;
	if (et == 0x0800)
		return r->out[l2 + 9] == 1 && r->out[l2 + 20] == 3 && r->out[l2 + 21] == 4;
	return et == 0x86dd && r->out[l2 + 6] == 58 && r->out[l2 + 40] == 2;
}

Test(gw_prop, mutated_traffic_never_crosses_tenants)
{
	static struct pb b;
	static struct fx_result r;
	struct tally tl = {};
	struct cnt_snap before;
	struct gen g;
	const char *bad;
	double t0 = now_s();

	snap(&before);
	while (tl.runs < prop_n) {
		pb_init(&b);
		gen_valid(&b, &g);
		mutate(&b);
		cr_assert_eq(fx_run(skel->progs.xdp_gateway, b.buf, b.len, &r), 0);
		tally(&tl, r.verdict);
		bad = NULL;
		if (r.verdict == XDP_TX && !is_icmp_answer(&r))
			bad = check_encap(&b, &r, 0);
		else if (r.verdict != XDP_TX && r.verdict != XDP_PASS && r.verdict != XDP_DROP)
			bad = "a verdict the program never means";
		if (bad)
			fail_pkt(bad, &b, tl.runs, r.verdict);
	}
	check_counts(&before, &tl);
	fprintf(stderr,
		"gw_prop mutated: %lu frames in %.1f s (%lu passed, %lu dropped, %lu sent)\n",
		(unsigned long)tl.runs, now_s() - t0, (unsigned long)tl.pass,
		(unsigned long)tl.drop, (unsigned long)tl.tx);
}
