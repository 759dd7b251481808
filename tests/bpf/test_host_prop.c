// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Randomized property test of the GPU-host programs through
 * BPF_PROG_TEST_RUN: over a million VXLAN packets (random VNIs, VTEPs, inner
 * headers and addresses, half of them then corrupted) into tc_host_ingress,
 * and a quarter million frames from a workload into tc_workload. An oracle in
 * C checks every verdict: nothing reaches a workload, a VTEP or a neighbour
 * answer of another tenant, VXLAN never passes, and every packet is counted
 * once as passed, dropped or redirected; and valid traffic that is not the
 * tenants' business (the host's own, a workload's to the client side, with
 * tags, extension headers and fragments) passes untouched. Seeded:
 * IG_PROP_SEED=n reproduces a run, IG_PROP_PACKETS=n resizes it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <criterion/criterion.h>

#include "bpf/tc_host_ingress.skel.h"
#include "bpf/tc_workload.skel.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "user/lib/dp.h"

/* Packets through tc_host_ingress; a quarter as many through tc_workload.
 * IG_PROP_PACKETS=n overrides it (a slow emulated kernel, a longer soak). */
#define PROP_INGRESS_DEFAULT 1000000
#define NT 4 /* tenants 1..NT */
#define NWL 6 /* local workloads, ifindex 1..NWL; 1 is the sender */
#define NVTEP 6
#define EP_MAX 64
#define VNI_OF(t) (0x100000u | (t))
#define VNI_M 0x1fffffu /* mapped to tenant 1, whose VNI differs */
#define H1_VTEP "198.18.1.1"

struct m_wl {
	__u32 tenant;
	uint8_t mac[6], node_mac[6];
};

struct m_ep {
	char str[48];
	uint8_t addr[16];
	__u32 tenant, ifindex;
	__u8 flags;
	int vtep; /* remote: index into vteps */
};

static struct {
	struct m_wl wl[NWL + 1];
	struct m_ep ep[EP_MAX];
	int nep;
	char vtep_str[NVTEP][48];
	uint8_t vtep[NVTEP][16];
	int allowed[NVTEP][NT + 1];
	uint8_t h2_mac[6], h1_mac[6];
} m;

static struct tc_host_ingress *hi;
static struct tc_workload *wk;
static struct dp_maps maps;
static uint64_t rng, seed0, prop_ingress = PROP_INGRESS_DEFAULT;

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

/* ---- the world: tenants, VTEPs, workloads, endpoints ---- */

static void ep_add(const char *addr, __u32 tenant, __u8 flags, __u32 ifindex, int vtep)
{
	struct m_ep *e = &m.ep[m.nep++];
	struct ig_endpoint ep = { .flags = flags, .tenant = tenant, .ifindex = ifindex };

	cr_assert_leq(m.nep, EP_MAX);
	*e = (struct m_ep){ .tenant = tenant, .ifindex = ifindex, .flags = flags, .vtep = vtep };
	snprintf(e->str, sizeof(e->str), "%s", addr);
	pb_addr16(addr, e->addr);
	if (vtep >= 0) {
		memcpy(ep.vtep, m.vtep[vtep], 16);
		memcpy(ep.nh_mac, m.h2_mac, 6);
	}
	cr_assert_eq(dp_endpoint_set(&maps, e->addr, &ep), 0, "endpoint %s", addr);
}

static const struct m_ep *ep_find(const uint8_t *a)
{
	for (int i = 0; i < m.nep; i++)
		if (!memcmp(m.ep[i].addr, a, 16))
			return &m.ep[i];
	return NULL;
}

static int vtep_find(const uint8_t *a)
{
	for (int i = 0; i < NVTEP; i++)
		if (!memcmp(m.vtep[i], a, 16))
			return i;
	return -1;
}

static void world_vteps(void)
{
	for (int v = 0; v < NVTEP; v++) {
		if (v < 4)
			snprintf(m.vtep_str[v], 48, "198.18.1.%d", 10 + v);
		else
			snprintf(m.vtep_str[v], 48, "2001:db8:1::%d", 10 + v);
		pb_addr16(m.vtep_str[v], m.vtep[v]);
		/* VTEP 3 is allowed for nothing; the rest for some tenants. */
		for (__u32 t = 1; t <= NT && v != 3; t++) {
			m.allowed[v][t] = (v + t) % 3 != 0;
			if (m.allowed[v][t])
				cr_assert_eq(dp_vtep_allow(&maps, VNI_OF(t), m.vtep[v]), 0);
		}
	}
}

static void world_workloads(void)
{
	char a[48];

	for (__u32 w = 1; w <= NWL; w++) {
		struct ig_workload wl = { .tenant = (w - 1) % NT + 1, .flags = IG_WL_F_PEER };
		__u32 t = wl.tenant;

		snprintf(a, sizeof(a), "02:00:00:00:%02x:01", w);
		pb_mac(a, wl.mac);
		snprintf(a, sizeof(a), "02:00:00:00:%02x:fe", w);
		pb_mac(a, wl.node_mac);
		m.wl[w] = (struct m_wl){ .tenant = t };
		memcpy(m.wl[w].mac, wl.mac, 6);
		memcpy(m.wl[w].node_mac, wl.node_mac, 6);
		cr_assert_eq(dp_workload_set(&maps, w, &wl), 0);
		snprintf(a, sizeof(a), "198.18.%u.%u", 64 + t, w);
		ep_add(a, t, IG_EP_F_LOCAL, w, -1);
		snprintf(a, sizeof(a), "2001:db8:%u::%u", 64 + t, w);
		ep_add(a, t, IG_EP_F_LOCAL, w, -1);
	}
}

static void world_endpoints(void)
{
	char a[48];

	for (__u32 t = 1; t <= NT; t++) {
		/* A VIP per tenant, served by its first workload (ifindex t). */
		snprintf(a, sizeof(a), "198.19.%u.10", 64 + t);
		ep_add(a, t, IG_EP_F_LOCAL | IG_EP_F_VIP, t, -1);
		snprintf(a, sizeof(a), "198.19.%u.11", 64 + t);
		ep_add(a, t, IG_EP_F_VIP, 0, -1); /* served elsewhere */
		for (int k = 0; k < 2; k++) {
			snprintf(a, sizeof(a), "198.18.%u.%d", 64 + t, 100 + k);
			ep_add(a, t, IG_EP_F_REMOTE, 0, (t + k) % 4); /* some not allowed */
			snprintf(a, sizeof(a), "2001:db8:%u::%d", 64 + t, 100 + k);
			ep_add(a, t, IG_EP_F_REMOTE, 0, 4 + k);
		}
	}
}

static void setup(void)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED, .underlay_ifindex = 9 };
	const char *seed = getenv("IG_PROP_SEED"), *n = getenv("IG_PROP_PACKETS");

	fx_require_root();
	rng = seed ? strtoull(seed, NULL, 0) : 0x1e7a6a7e5eedULL;
	cr_assert_neq(rng, 0);
	seed0 = rng;
	if (n && strtoull(n, NULL, 0) > 0)
		prop_ingress = strtoull(n, NULL, 0);
	hi = tc_host_ingress__open_and_load();
	cr_assert(hi);
	cr_assert_eq(dp_from_object(&maps, hi->obj), 0);
	wk = tc_workload__open();
	cr_assert(wk);
	cr_assert_eq(dp_reuse_maps(wk->obj, &maps), 0);
	cr_assert_eq(tc_workload__load(wk), 0);
	memset(&m, 0, sizeof(m));
	pb_mac("02:00:00:00:02:01", m.h2_mac);
	pb_mac("02:00:00:00:01:01", m.h1_mac);
	pb_addr16(H1_VTEP, cfg.vtep_addr);
	memcpy(cfg.vtep_mac, m.h1_mac, 6);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
	for (__u32 t = 1; t <= NT; t++) {
		cr_assert_eq(dp_tenant_set(&maps, t, VNI_OF(t), IG_PRIO_STANDARD), 0);
		cr_assert_eq(dp_vni_set(&maps, VNI_OF(t), t), 0);
	}
	cr_assert_eq(dp_vni_set(&maps, VNI_M, 1), 0);
	world_vteps();
	world_workloads();
	world_endpoints();
}

static void teardown(void)
{
	tc_workload__destroy(wk);
	tc_host_ingress__destroy(hi);
}

TestSuite(host_prop, .init = setup, .fini = teardown, .timeout = 300);

/* ---- packet generation ---- */

static void rand_mac(char *s)
{
	uint64_t r = rnd();

	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(r & 0xfe),
		 (unsigned)(r >> 8) & 0xff, (unsigned)(r >> 16) & 0xff, (unsigned)(r >> 24) & 0xff,
		 (unsigned)(r >> 32) & 0xff, (unsigned)(r >> 40) & 0xff);
}

/* An address of the family: some tenant's endpoint (often tenant t's), a
 * client, or anything at all. */
static void pick_addr(char *s, int v6, __u32 t)
{
	int i, tries = 0;
	uint8_t r[16];
	uint64_t x;

	if (pct(65)) {
		do {
			i = below(m.nep);
			tries++;
		} while ((!!strchr(m.ep[i].str, ':') != v6 || (m.ep[i].tenant != t && pct(50))) &&
			 tries < 64);
		if (!!strchr(m.ep[i].str, ':') == v6) {
			strcpy(s, m.ep[i].str);
			return;
		}
	}
	x = rnd();
	memcpy(r, &x, 8);
	x = rnd();
	memcpy(r + 8, &x, 8);
	if (pct(50))
		snprintf(s, 48, v6 ? "2001:db8:18::%x" : "198.18.0.%u", r[0]);
	else
		inet_ntop(v6 ? AF_INET6 : AF_INET, r, s, 48);
}

static void gen_l4(struct pb *b, int v6)
{
	uint32_t k = below(10);

	if (k < 4)
		pb_tcp(b, &(struct pb_tcp){ .sport = rnd(),
					    .dport = rnd(),
					    .flags = rnd(),
					    .opt_len = 4 * below(4) });
	else if (k < 7)
		pb_udp(b, &(struct pb_udp){ .sport = rnd(), .dport = pct(10) ? 4789 : rnd() });
	else if (k < 9)
		pb_icmp(b, v6 ? 128 + below(10) : below(16), below(4), rnd(), rnd());
	if (k == 9 && v6)
		pb_ipv6_ext(b, pct(50) ? 0 : 60, 8, 0);
	pb_payload_pattern(b, below(96), rnd());
}

/* An inner frame as a gateway, a host or an attacker might send it. */
static void gen_inner(struct pb *b, __u32 t)
{
	char dm[18], sm[18], src[48], dst[48];
	int v6 = pct(50);

	rand_mac(dm);
	rand_mac(sm);
	if (pct(3)) {
		pb_eth(b, dm, sm, pct(50) ? 0x0806 : rnd());
		pb_payload_pattern(b, 28 + below(20), rnd());
		return;
	}
	pb_eth(b, dm, sm, 0);
	if (pct(3))
		pb_vlan(b, 0x8100, below(4096));
	pick_addr(src, v6, t);
	pick_addr(dst, v6, t);
	if (v6)
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst, .hop_limit = rnd() });
	else
		pb_ipv4(b, &(struct pb_ip4){ .src = src,
					     .dst = dst,
					     .ttl = rnd(),
					     .frag = pct(5) ? rnd() & 0x3fff : 0,
					     .opt_len = pct(10) ? 4 * below(3) : 0 });
	gen_l4(b, v6);
	pb_finish(b);
}

static __u32 pick_vni(__u32 t)
{
	if (pct(75))
		return VNI_OF(t);
	return pct(40) ? VNI_M : (uint32_t)rnd() & 0xffffff;
}

static const char *pick_vtep(__u32 t)
{
	static char s[48];
	int v;

	for (int i = 0; i < 8 && pct(70); i++) {
		v = below(NVTEP);
		if (m.allowed[v][t])
			return m.vtep_str[v];
	}
	if (pct(60))
		return m.vtep_str[below(NVTEP)];
	pick_addr(s, pct(30), 0);
	return s;
}

static void gen_vxlan(struct pb *b)
{
	static struct pb inner;
	__u32 t = 1 + below(NT);
	const char *vtep = pick_vtep(t);
	int v6 = !!strchr(vtep, ':');

	pb_init(&inner);
	gen_inner(&inner, t);
	pb_eth(b, "02:00:00:00:01:01", "02:00:00:00:01:fe", 0);
	if (pct(3))
		pb_vlan(b, 0x8100, 7);
	if (v6) {
		pb_ipv6(b, &(struct pb_ip6){ .src = vtep, .dst = "2001:db8:1::1" });
		if (pct(5))
			pb_ipv6_ext(b, 60, 8 * (1 + below(2)), 0);
	} else {
		pb_ipv4(b, &(struct pb_ip4){ .src = vtep,
					     .dst = H1_VTEP,
					     .opt_len = pct(5) ? 4 * (1 + below(3)) : 0 });
	}
	pb_udp(b, &(struct pb_udp){ .sport = 49152 + below(16384),
				    .dport = pct(95) ? 4789 : rnd(),
				    .zero_csum = 1 });
	pb_vxlan(b, pick_vni(t));
	pb_payload(b, inner.buf, inner.len);
	pb_finish(b);
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

/* tc's BPF_PROG_TEST_RUN refuses an IP frame shorter than Ethernet + IP. */
static int runnable(const struct pb *b)
{
	int et = b->len >= 14 ? b->buf[12] << 8 | b->buf[13] : -1;

	return b->len >= 14 && !(et == 0x0800 && b->len < 34) && !(et == 0x86dd && b->len < 54);
}

/* ---- oracles ---- */

struct tally {
	uint64_t runs, ok, shot, redirect, skipped;
};

static void fail_pkt(const char *what, const struct pb *in, uint64_t i)
{
	char hex[3 * 96 + 1] = "";

	for (size_t k = 0; k < in->len && k < 96; k++)
		snprintf(hex + 3 * k, 4, "%02x ", in->buf[k]);
	cr_assert_fail("packet %lu (IG_PROP_SEED=%#lx): %s\n%s", (unsigned long)i,
		       (unsigned long)seed0, what, hex);
}

static void addr_at(uint8_t *a, const uint8_t *p, int v6)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (v6) {
		memcpy(a, p, 16);
	} else {
		memcpy(a, mapped, 12);
		memcpy(a + 12, p, 4);
	}
}

static int wl_of_mac(const uint8_t *mac)
{
	for (int w = 1; w <= NWL; w++)
		if (!memcmp(m.wl[w].mac, mac, 6))
			return w;
	return 0;
}

static __u32 tenant_of_vni(__u32 vni)
{
	for (__u32 t = 1; t <= NT; t++)
		if (VNI_OF(t) == vni)
			return t;
	return 0;
}

/* Plain IP carrying UDP to 4789, not a fragment: VXLAN, which the host
 * program must take (deliver or drop), never pass to the stack. */
static int is_vxlan_attempt(const struct pb *b)
{
	const uint8_t *p = b->buf;
	int l4;

	if (b->len < 54)
		return 0;
	if (p[12] == 0x08 && p[13] == 0x00 && (p[14] >> 4) == 4 && (p[14] & 0xf) >= 5) {
		if (p[23] != 17 || ((p[20] & 0x3f) | p[21]))
			return 0;
		l4 = 14 + (p[14] & 0xf) * 4;
	} else if (p[12] == 0x86 && p[13] == 0xdd && (p[14] >> 4) == 6 && p[20] == 17) {
		l4 = 54;
	} else {
		return 0;
	}
	return l4 + 8 <= (int)b->len && p[l4 + 2] == 0x12 && p[l4 + 3] == 0xb5;
}

/* A decapsulated packet went to a workload of the VNI's tenant, which owns
 * the inner destination, from an allowed VTEP, with the inner bytes intact. */
static const char *check_decap(const struct pb *in, const struct fx_result *r)
{
	int off = in->len - r->out_len, v6, w;
	uint8_t a[16];
	const struct m_ep *e;
	__u32 vni, t;

	if (off <= 14 + 8 || r->out_len < 14 + 20)
		return "redirect without a decapsulation";
	vni = in->buf[off - 4] << 16 | in->buf[off - 3] << 8 | in->buf[off - 2];
	t = tenant_of_vni(vni);
	if (!t)
		return "delivered from a VNI no tenant owns";
	addr_at(a, in->buf + (in->buf[12] == 0x86 ? 22 : 26), in->buf[12] == 0x86);
	if (vtep_find(a) < 0 || !m.allowed[vtep_find(a)][t])
		return "delivered from a VTEP not allowed for the VNI";
	w = wl_of_mac(r->out);
	if (!w || m.wl[w].tenant != t || memcmp(r->out + 6, m.wl[w].node_mac, 6))
		return "delivered to a workload of another tenant (by MAC)";
	v6 = r->out[12] == 0x86;
	addr_at(a, r->out + 14 + (v6 ? 24 : 16), v6);
	e = ep_find(a);
	if (!e || e->tenant != t || !(e->flags & IG_EP_F_LOCAL) || e->ifindex != (__u32)w)
		return "inner destination is not that workload's";
	addr_at(a, r->out + 14 + (v6 ? 8 : 12), v6);
	e = ep_find(a);
	if (e && e->tenant != t)
		return "inner source is another tenant's";
	if (memcmp(r->out + 14, in->buf + off + 14, r->out_len - 14))
		return "inner packet changed";
	return NULL;
}

static void tally_verdict(struct tally *tl, int verdict)
{
	tl->runs++;
	tl->ok += verdict == TC_ACT_OK;
	tl->shot += verdict == TC_ACT_SHOT;
	tl->redirect += verdict == TC_ACT_REDIRECT;
}

struct cnt_snap {
	uint64_t rx, pass, drop, redirect, reasons[IG_DROP__MAX];
};

static void snap(struct bpf_object *obj, struct cnt_snap *s)
{
	s->rx = fx_counter(obj, "ig_counters", IG_CNT_RX, 0);
	s->pass = fx_counter(obj, "ig_counters", IG_CNT_PASS, 0);
	s->drop = fx_counter(obj, "ig_counters", IG_CNT_DROP, 0);
	s->redirect = fx_counter(obj, "ig_counters", IG_CNT_REDIRECT, 0);
	for (int r = 0; r < IG_DROP__MAX; r++)
		s->reasons[r] = fx_counter(obj, "ig_drops", r, 0);
}

/* Every packet counted once, as the verdict it got; every drop has a reason. */
static void check_counts(struct bpf_object *obj, const struct cnt_snap *b, const struct tally *tl)
{
	struct cnt_snap a;
	uint64_t reasons = 0;

	snap(obj, &a);
	cr_expect_eq(a.rx - b->rx, tl->runs);
	cr_expect_eq(a.pass - b->pass, tl->ok);
	cr_expect_eq(a.drop - b->drop, tl->shot);
	cr_expect_eq(a.redirect - b->redirect, tl->redirect);
	for (int r = 0; r < IG_DROP__MAX; r++)
		reasons += a.reasons[r] - b->reasons[r];
	cr_expect_eq(reasons, tl->shot);
	cr_expect_eq(a.reasons[IG_DROP_NONE], b->reasons[IG_DROP_NONE]);
}

static void report(const char *name, const struct tally *tl, double secs)
{
	fprintf(stderr,
		"host_prop %s: %lu packets in %.1f s (%lu passed, %lu dropped, %lu redirected, "
		"%lu too short for tc test runs)\n",
		name, (unsigned long)tl->runs, secs, (unsigned long)tl->ok, (unsigned long)tl->shot,
		(unsigned long)tl->redirect, (unsigned long)tl->skipped);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(host_prop, ingress_never_crosses_tenants)
{
	static struct pb b;
	static struct fx_result r;
	struct tally tl = {};
	struct cnt_snap before;
	const char *bad;
	double t0 = now_s();

	snap(hi->obj, &before);
	while (tl.runs < prop_ingress) {
		pb_init(&b);
		gen_vxlan(&b);
		if (pct(50))
			mutate(&b);
		if (!runnable(&b)) {
			tl.skipped++;
			continue;
		}
		cr_assert_eq(fx_run(hi->progs.tc_host_ingress, b.buf, b.len, &r), 0);
		tally_verdict(&tl, r.verdict);
		bad = NULL;
		if (r.verdict == TC_ACT_REDIRECT)
			bad = check_decap(&b, &r);
		else if (r.verdict == TC_ACT_OK && is_vxlan_attempt(&b))
			bad = "VXLAN passed to the host's stack";
		else if (r.verdict != TC_ACT_SHOT && r.verdict != TC_ACT_OK)
			bad = "a verdict the program never means";
		if (bad)
			fail_pkt(bad, &b, tl.runs);
	}
	check_counts(hi->obj, &before, &tl);
	cr_expect_gt(tl.redirect, prop_ingress / 100, "too few deliveries to mean anything");
	report("ingress", &tl, now_s() - t0);
}

/* ---- the workload side (workload 1, tenant 1, sends) ---- */

static void own_addr(char *s, int v6)
{
	const struct m_ep *e;

	do
		e = &m.ep[below(m.nep)];
	while (e->ifindex != 1 || !!strchr(e->str, ':') != v6);
	strcpy(s, e->str);
}

static void gen_wl_ip(struct pb *b)
{
	char src[48], dst[48];
	int v6 = pct(50);

	if (pct(70))
		own_addr(src, v6);
	else
		pick_addr(src, v6, 1);
	pick_addr(dst, v6, 1);
	pb_eth(b, "02:00:00:00:01:fe", "02:00:00:00:01:01", 0);
	if (v6)
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst });
	else
		pb_ipv4(b, &(struct pb_ip4){ .src = src, .dst = dst });
	gen_l4(b, v6);
	pb_finish(b);
}

static void gen_wl_arp(struct pb *b)
{
	uint8_t a[28] = { 0, 1, 8, 0, 6, 4, 0, pct(85) ? 1 : 2 };
	char s[48], t[48];

	if (pct(80))
		own_addr(s, 0);
	else
		pick_addr(s, 0, 1);
	pick_addr(t, 0, 1);
	pb_mac("02:00:00:00:01:01", a + 8);
	inet_pton(AF_INET, s, a + 14);
	inet_pton(AF_INET, t, a + 24);
	pb_eth(b, "ff:ff:ff:ff:ff:ff", "02:00:00:00:01:01", 0x0806);
	pb_payload(b, a, sizeof(a));
	pb_finish(b);
}

static void gen_wl_nd(struct pb *b)
{
	static const uint8_t types[] = { 135, 135, 135, 133, 134, 136, 137, 143 };
	uint8_t body[24] = { 0 };
	char s[48], t[48];
	uint32_t k = below(10);

	if (k < 6)
		own_addr(s, 1);
	else
		strcpy(s, k < 8 ? "fe80::1:1" : k < 9 ? "::" : "2001:db8:65::1");
	pick_addr(t, 1, 1);
	inet_pton(AF_INET6, t, body);
	body[16] = 1;
	body[17] = 1;
	pb_eth(b, "33:33:ff:00:00:01", "02:00:00:00:01:01", 0);
	pb_ipv6(b, &(struct pb_ip6){
			   .src = s, .dst = "ff02::1:ff00:1", .hop_limit = pct(90) ? 255 : rnd() });
	pb_icmp(b, types[below(sizeof(types))], pct(95) ? 0 : rnd(), 0, 0);
	pb_payload(b, body, pct(90) ? sizeof(body) : below(24));
	pb_finish(b);
}

/* An encapsulated frame went, in tenant 1's VNI, to a VTEP allowed for it
 * that hosts the tenant-1 endpoint it was sent to, with the frame intact. */
static const char *check_encap(const struct pb *in, const struct fx_result *r)
{
	int room = r->out_len - in->len, v6 = in->buf[12] == 0x86;
	const struct m_ep *e;
	uint8_t a[16];
	int v;

	if (room != 50 || r->out[12] != 0x08 || r->out[13] != 0x00)
		return "unexpected encapsulation";
	if ((__u32)(r->out[46] << 16 | r->out[47] << 8 | r->out[48]) != VNI_OF(1))
		return "encapsulated in another tenant's VNI";
	addr_at(a, r->out + 30, 0);
	v = vtep_find(a);
	if (v < 0 || !m.allowed[v][1])
		return "sent to a VTEP not allowed for the tenant";
	addr_at(a, in->buf + (v6 ? 38 : 30), v6);
	e = ep_find(a);
	if (!e || e->tenant != 1 || !(e->flags & IG_EP_F_REMOTE) || e->vtep != v)
		return "encapsulated for an endpoint that is not the tenant's there";
	if (memcmp(r->out + room, in->buf, in->len))
		return "inner frame changed";
	return NULL;
}

/* A neighbour answer never speaks for another tenant's address. */
static const char *check_neigh(const struct pb *in, const struct fx_result *r)
{
	const struct m_ep *e;
	uint8_t a[16];

	if (in->buf[12] == 0x08 && in->buf[13] == 0x06) {
		if (r->out_len < 42 || r->out[21] != 2)
			return "ARP answer is not a reply";
		addr_at(a, r->out + 28, 0);
	} else {
		if (r->out_len != 86 || r->out[54] != 136)
			return "ND answer is not an advertisement";
		addr_at(a, r->out + 62, 1);
	}
	e = ep_find(a);
	if (e && e->tenant != 1)
		return "answered for another tenant's address";
	if (memcmp(r->out, in->buf + 6, 6))
		return "answer not sent back to the requester";
	return NULL;
}

/* Passed to the stack or delivered here: from the workload's own address, to
 * the client side or an endpoint of its tenant on this host. */
static const char *check_wl_ip(const struct pb *in, const struct fx_result *r, int verdict)
{
	int v6 = in->buf[12] == 0x86, w;
	const struct m_ep *e;
	uint8_t a[16];

	if (!(v6 || (in->buf[12] == 0x08 && in->buf[13] == 0x00)))
		return "non-IP passed or delivered";
	addr_at(a, in->buf + (v6 ? 22 : 26), v6);
	e = ep_find(a);
	if (!e || e->ifindex != 1 || !(e->flags & IG_EP_F_LOCAL))
		return "spoofed source let through";
	addr_at(a, in->buf + (v6 ? 38 : 30), v6);
	e = ep_find(a);
	if (e && e->tenant != 1)
		return "sent toward another tenant";
	if (verdict == TC_ACT_OK)
		return e && (e->flags & (IG_EP_F_LOCAL | IG_EP_F_REMOTE)) ?
			       "tenant endpoint left to the stack" :
			       NULL;
	w = wl_of_mac(r->out);
	if (!e || !w || e->ifindex != (__u32)w || m.wl[w].tenant != 1 || r->out_len != in->len ||
	    memcmp(r->out + 12, in->buf + 12, in->len - 12))
		return "local delivery to the wrong workload";
	return NULL;
}

static const char *check_wl(const struct pb *in, const struct fx_result *r)
{
	int et = in->buf[12] << 8 | in->buf[13];

	if (r->verdict == TC_ACT_SHOT)
		return NULL;
	if (r->verdict != TC_ACT_OK && r->verdict != TC_ACT_REDIRECT)
		return "a verdict the program never means";
	/* Solicitations the program answers carry no extension headers. */
	if (r->verdict == TC_ACT_REDIRECT &&
	    (et == 0x0806 ||
	     (et == 0x86dd && in->len > 54 && in->buf[20] == 58 && in->buf[54] == 135)))
		return check_neigh(in, r);
	if (r->verdict == TC_ACT_REDIRECT && r->out_len > in->len)
		return check_encap(in, r);
	return check_wl_ip(in, r, r->verdict);
}

Test(host_prop, workload_never_crosses_tenants)
{
	static struct pb b;
	static struct fx_result r;
	struct tally tl = {};
	struct cnt_snap before;
	const char *bad;
	double t0 = now_s();
	uint32_t k;

	snap(wk->obj, &before);
	while (tl.runs < prop_ingress / 4) {
		pb_init(&b);
		k = below(20);
		if (k < 14)
			gen_wl_ip(&b);
		else if (k < 17)
			gen_wl_arp(&b);
		else
			gen_wl_nd(&b);
		if (pct(30))
			mutate(&b);
		if (!runnable(&b)) {
			tl.skipped++;
			continue;
		}
		cr_assert_eq(fx_run(wk->progs.tc_workload, b.buf, b.len, &r), 0);
		tally_verdict(&tl, r.verdict);
		bad = check_wl(&b, &r);
		if (bad)
			fail_pkt(bad, &b, tl.runs);
	}
	check_counts(wk->obj, &before, &tl);
	cr_expect_gt(tl.redirect, prop_ingress / 4 / 50);
	cr_expect_gt(tl.ok, prop_ingress / 4 / 50);
	report("workload", &tl, now_s() - t0);
}

/* ---- valid traffic that is not the tenants' business passes ---- */

#define PROP_VALID 20000

/* A valid IP frame from src to dst that is no VXLAN: 0-3 VLAN tags (vlans),
 * IPv4 with options or IPv6 with 0-8 extension headers, sometimes a first
 * (with the whole datagram's UDP length) or later fragment, TCP, UDP or
 * ICMP echo. Returns whether the parser's bounds leave L4 out of reach. */
static int gen_plain(struct pb *b, const char *dmac, const char *smac, const char *src,
		     const char *dst, int vlans)
{
	int v6 = !!strchr(dst, ':'), frag = pct(15), first = pct(50), next = 0, deep = 0;
	uint16_t off = first ? 0 : 1 + below(1000);
	uint32_t k = below(3), n_ext = 0;
	size_t pay = 8 * below(150);

	pb_eth(b, dmac, smac, 0);
	for (int i = 0; i < vlans; i++)
		pb_vlan(b, i == 0 && vlans > 1 ? 0x88a8 : 0x8100, below(4096));
	if (v6) {
		pb_ipv6(b, &(struct pb_ip6){ .src = src, .dst = dst, .hop_limit = 1 + below(255) });
		n_ext = pct(80) ? 0 : frag ? below(3) : 1 + below(8);
		for (uint32_t i = 0; i < n_ext; i++)
			pb_ipv6_ext(b, 60, 8 * (1 + below(2)), 0);
		deep = n_ext > 6;
		if (frag)
			pb_ipv6_ext(b, 44, 8, off << 3 | (first || pct(50)));
	} else {
		pb_ipv4(b,
			&(struct pb_ip4){ .src = src,
					  .dst = dst,
					  .frag = frag ? off | (first || pct(50) ? 0x2000 : 0) : 0,
					  .proto = frag && !first ? 17 : 0,
					  .opt_len = pct(10) ? 4 * below(3) : 0 });
	}
	if (frag && !first) {
		next = 1; /* no L4 header: the payload goes on */
	} else if (k == 0) {
		pb_tcp(b, &(struct pb_tcp){ .sport = 1024 + below(60000),
					    .dport = 1 + below(4000),
					    .flags = rnd() & 0x3f });
	} else if (k == 1) {
		pb_udp(b, &(struct pb_udp){ .sport = 1024 + below(60000),
					    .dport = 1 + below(4000), /* never 4789 */
					    .len = frag ? 8 + pay + 8 * (1 + below(100)) : 0 });
	} else {
		pb_icmp(b, v6 ? 128 : 8, 0, rnd(), rnd());
	}
	pb_payload_pattern(b, pay, rnd());
	pb_finish(b);
	if (next && v6)
		pb_hdr(b, PB_IPV6_EXT, n_ext)[0] = 17;
	return deep;
}

static void check_untouched(const struct pb *in, const struct fx_result *r, uint64_t i,
			    const char *what)
{
	if (r->verdict != TC_ACT_OK || r->out_len != in->len || memcmp(r->out, in->buf, in->len))
		fail_pkt(what, in, i);
}

Test(host_prop, valid_traffic_not_ours_passes)
{
	static struct pb b;
	static struct fx_result r;
	struct cnt_snap before;
	struct tally tl = {};
	char src[48], dst[48];
	int v6;

	/* The host's own traffic on the underlay: never VXLAN, never to the
	 * VTEP past the parser's bounds (that may be VXLAN, and drops). */
	snap(hi->obj, &before);
	for (uint64_t i = 0; i < PROP_VALID; i++) {
		v6 = pct(50);
		snprintf(src, sizeof(src), v6 ? "2001:db8:2::%x" : "198.18.2.%u", 1 + below(250));
		if (pct(30))
			strcpy(dst, v6 ? "2001:db8:1::1" : H1_VTEP);
		else
			snprintf(dst, sizeof(dst), v6 ? "2001:db8:3::%x" : "198.18.3.%u",
				 1 + below(250));
		pb_init(&b);
		if (gen_plain(&b, "02:00:00:00:01:01", "02:00:00:00:01:fe", src, dst, below(4)) &&
		    !strcmp(dst, H1_VTEP))
			continue;
		cr_assert_eq(fx_run(hi->progs.tc_host_ingress, b.buf, b.len, &r), 0);
		tally_verdict(&tl, r.verdict);
		check_untouched(&b, &r, i, "the host's own valid traffic did not pass untouched");
	}
	check_counts(hi->obj, &before, &tl);

	/* A workload's traffic to the client side, from its own address. */
	memset(&tl, 0, sizeof(tl));
	snap(wk->obj, &before);
	for (uint64_t i = 0; i < PROP_VALID; i++) {
		v6 = pct(50);
		own_addr(src, v6);
		snprintf(dst, sizeof(dst), v6 ? "2001:db8:18::%x" : "198.18.0.%u", 1 + below(250));
		pb_init(&b);
		gen_plain(&b, "02:00:00:00:01:fe", "02:00:00:00:01:01", src, dst, 0);
		cr_assert_eq(fx_run(wk->progs.tc_workload, b.buf, b.len, &r), 0);
		tally_verdict(&tl, r.verdict);
		check_untouched(&b, &r, i, "a workload's valid traffic to a client did not pass");
	}
	check_counts(wk->obj, &before, &tl);
}
