// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Governance fixtures (xdp_gateway.bpf.o and tc_host_egress.bpf.o through
 * BPF_PROG_TEST_RUN): the token buckets at their boundaries (empty, exactly
 * full, refilled across time), the concurrency cap and its release, the RST
 * a refused SYN gets (exact bytes, v4, v6, VLAN), shedding by class, the
 * runaway throttle, bandwidth policing, and response accounting and cutting
 * on a GPU host. Bucket state (GCRA arrival times) is written from
 * userspace relative to the coarse clock the datapath reads. */
#include <sched.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/tc_host_egress.skel.h"
#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "user/lib/dp.h"

#define GW_MAC "02:00:00:00:0f:01"
#define CL_MAC "02:00:00:00:0c:01"
#define GW_VTEP "198.18.255.1"
#define VIP4 "198.19.0.10"
#define VIP6 "2001:db8:19::10"
#define CLIENT4 "198.18.0.2"
#define CLIENT6 "2001:db8:18::2"
#define BE_VTEP "198.18.255.11"
#define TN 1
#define VNI 0x010001
#define M 13
#define SEC_NS 1000000000ULL

enum { SVC_INT = 1, SVC_STD, SVC_BATCH, SVC_UDP, SVC_V6 };
enum { PORT_INT = 8000, PORT_STD = 8001, PORT_BATCH = 8002, PORT_UDP = 5353 };

static struct xdp_gateway *skel;
static struct dp_maps maps;

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

static void service_add(__u32 id, const char *vip, unsigned int port, unsigned int proto,
			enum ig_prio prio)
{
	struct ig_service svc = { .id = id, .tenant = TN, .prio = prio };
	struct ig_service_key k;
	__u32 t[M];

	cr_assert_eq(dp_service_key(&k, vip, port, proto), 0);
	cr_assert_eq(dp_service_set(&maps, &k, &svc), 0);
	for (int i = 0; i < M; i++)
		t[i] = 1;
	cr_assert_eq(dp_maglev_swap(&maps, id, t, M), 0);
}

/* Tenant TN with these limits (0 = none) and flags on top of ACTIVE. */
static void tenant(__u32 flags, __u32 conn_rate, __u32 conn_burst, __u32 max_conns, __u64 bw_rate,
		   __u64 bw_burst)
{
	struct ig_tenant t = { .vni = VNI, .flags = IG_TENANT_F_ACTIVE | flags };

	cr_assert_eq(dp_tenant_limits(&t, conn_rate, conn_burst, max_conns, bw_rate, bw_burst), 0);
	cr_assert_eq(dp_tenant_put(&maps, TN, &t), 0);
}

/* Bucket time now (maps/govern.h: 1/16 ns of the coarse clock). */
static __u64 now_q(void)
{
	return coarse_ns() << IG_GOV_SHIFT;
}

/* Set a bucket's theoretical arrival time (0: never used, full). A bucket
 * at tat holds depth - (tat - now) of credit. */
static void tat_set(__u64 conn_tat, __u64 bw_tat)
{
	struct ig_tn_usage u = { .conn_tat = conn_tat, .bw_tat = bw_tat };
	__u32 k = TN;

	cr_assert_eq(bpf_map_update_elem(maps.tn_usage, &k, &u, BPF_ANY), 0);
}

static __u64 conn_cost(__u32 rate)
{
	return IG_GOV_UNITS_PER_SEC / rate;
}

static void setup(void)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	struct ig_backend be = { .service = SVC_INT, .weight = 100 };
	cpu_set_t cpus;

	fx_require_root();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	cr_assert_eq(sched_setaffinity(0, sizeof(cpus), &cpus), 0);
	skel = xdp_gateway__open_and_load();
	cr_assert(skel, "loading xdp_gateway.bpf.o failed");
	cr_assert_eq(dp_from_object(&maps, skel->obj), 0);
	pb_addr16(GW_VTEP, cfg.vtep_addr);
	pb_mac(GW_MAC, cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&maps, &cfg), 0);
	tenant(0, 0, 0, 0, 0, 0);
	cr_assert_eq(dp_tenant_drops_init(&maps, TN), 0);
	pb_addr16(BE_VTEP, be.addr);
	pb_mac("02:00:00:00:0b:01", be.mac);
	pb_mac("02:00:00:00:0a:01", be.smac);
	cr_assert_eq(dp_backend_set(&maps, 1, &be), 0);
	cr_assert_eq(dp_backend_set_load(&maps, 1, 0, 100), 0);
	service_add(SVC_INT, VIP4, PORT_INT, IPPROTO_TCP, IG_PRIO_INTERACTIVE);
	service_add(SVC_STD, VIP4, PORT_STD, IPPROTO_TCP, IG_PRIO_STANDARD);
	service_add(SVC_BATCH, VIP4, PORT_BATCH, IPPROTO_TCP, IG_PRIO_BATCH);
	service_add(SVC_UDP, VIP4, PORT_UDP, IPPROTO_UDP, IG_PRIO_STANDARD);
	service_add(SVC_V6, VIP6, PORT_INT, IPPROTO_TCP, IG_PRIO_STANDARD);
}

static void teardown(void)
{
	xdp_gateway__destroy(skel);
}

TestSuite(govern, .init = setup, .fini = teardown);

/* ---- packets and counters ---- */

static void tcp4(struct pb *b, uint16_t sport, uint16_t dport, uint8_t flags, size_t payload)
{
	pb_init(b);
	pb_eth(b, GW_MAC, CL_MAC, 0);
	pb_ipv4(b, &(struct pb_ip4){ .src = CLIENT4, .dst = VIP4 });
	pb_tcp(b, &(struct pb_tcp){ .sport = sport, .dport = dport, .seq = 1000, .flags = flags });
	pb_payload_pattern(b, payload, sport);
	pb_finish(b);
}

static int send_pkt(struct pb *b, struct fx_result *res)
{
	cr_assert_eq(fx_run(skel->progs.xdp_gateway, b->buf, b->len, res), 0);
	return res->verdict;
}

static int syn(uint16_t sport, uint16_t dport)
{
	struct fx_result res;
	struct pb b;

	tcp4(&b, sport, dport, PB_TCP_SYN, 0);
	return send_pkt(&b, &res);
}

static int seg(uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct fx_result res;
	struct pb b;

	tcp4(&b, sport, dport, flags, 20);
	return send_pkt(&b, &res);
}

static __u64 refused(enum ig_drop_reason r)
{
	__u64 n = 0;

	cr_assert_eq(dp_tenant_drops(&maps, TN, r, &n), 0);
	return n;
}

static __u64 cnt(enum ig_counter c)
{
	return fx_counter(skel->obj, "ig_counters", c, 0);
}

static __u64 open_conns(void)
{
	__u64 n = 0;

	cr_assert_eq(dp_tenant_conns(&maps, TN, &n), 0);
	return n;
}

/* ---- the new-connection bucket ---- */

/* Rates of a few per second: a connection costs 100 ms or more of bucket
 * time, so the coarse clock moving a few ms during a test changes nothing
 * except where a boundary is tested to the unit (SYN at a fixed clock). */

Test(govern, bucket_exactly_full_then_empty)
{
	tenant(0, 1, 3, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(syn(40000 + i, PORT_INT), XDP_TX, "token %d of a full bucket of 3", i);
	cr_expect_eq(syn(40003, PORT_INT), XDP_DROP, "the bucket is empty");
	cr_expect_eq(refused(IG_DROP_TN_CONN_RATE), 1);
	cr_expect_eq(cnt(IG_CNT_GOV_REFUSED), 1);
	cr_expect_eq(open_conns(), 0, "counted only for a tenant with a cap");
}

/* One SYN with the bucket at tat = now + ahead, sent and judged at the same
 * coarse-clock reading (retried when the clock ticked meanwhile). */
static int syn_at(__u64 ahead, uint16_t sport)
{
	__u64 t0, t1;
	int verdict;

	for (int tries = 0; tries < 100; tries++, sport++) {
		t0 = now_q();
		tat_set(t0 + ahead, 0);
		verdict = syn(sport, PORT_INT);
		t1 = now_q();
		if (t0 == t1)
			return verdict;
	}
	cr_assert_fail("the coarse clock never held still for one packet");
	return -1;
}

Test(govern, bucket_boundary_to_the_unit)
{
	__u64 c = conn_cost(1);

	tenant(0, 1, 3, 0, 0, 0); /* depth 3c: conforms while tat - now <= 2c */
	cr_expect_eq(syn_at(2 * c, 40010), XDP_TX, "exactly one connection's credit left");
	cr_expect_eq(syn_at(2 * c + 1, 40200), XDP_DROP, "one unit (1/16 ns) short");
	cr_expect_eq(syn_at(3 * c, 40400), XDP_DROP, "empty");
}

Test(govern, bucket_refills_across_time)
{
	__u64 c = conn_cost(10);

	/* 10/s, burst 10, emptied 250 ms ago: 2.5 connections' credit (the
	 * coarse clock may add a few ms: still 2). */
	tenant(0, 10, 10, 0, 0, 0);
	tat_set(now_q() + 10 * c - c * 5 / 2, 0);
	cr_expect_eq(syn(40020, PORT_INT), XDP_TX);
	cr_expect_eq(syn(40021, PORT_INT), XDP_TX);
	cr_expect_eq(syn(40022, PORT_INT), XDP_DROP, "2.5 tokens admit two");
	/* Idle for longer than it takes to fill: full, capped at the burst. */
	tenant(0, 10, 3, 0, 0, 0);
	tat_set(now_q() - 5 * IG_GOV_UNITS_PER_SEC, 0);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(syn(40030 + i, PORT_INT), XDP_TX);
	cr_expect_eq(syn(40033, PORT_INT), XDP_DROP, "never more than the burst");
	cr_expect_eq(refused(IG_DROP_TN_CONN_RATE), 2);
}

Test(govern, unused_bucket_starts_full)
{
	tenant(0, 5, 2, 0, 0, 0);
	cr_expect_eq(syn(40040, PORT_INT), XDP_TX);
	cr_expect_eq(syn(40041, PORT_INT), XDP_TX);
	cr_expect_eq(syn(40042, PORT_INT), XDP_DROP);
}

Test(govern, established_flows_take_no_tokens)
{
	tenant(0, 10, 1, 0, 0, 0);
	cr_assert_eq(syn(40050, PORT_INT), XDP_TX);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(seg(40050, PORT_INT, PB_TCP_ACK), XDP_TX, "an established flow");
	cr_expect_eq(seg(40051, PORT_INT, PB_TCP_ACK), XDP_TX,
		     "a non-SYN without an entry is re-steered, not governed");
	cr_expect_eq(syn(40052, PORT_INT), XDP_DROP);
	cr_expect_eq(refused(IG_DROP_TN_CONN_RATE), 1);
}

Test(govern, udp_flows_are_connections)
{
	struct fx_result res;
	struct pb b;

	tenant(IG_TENANT_F_RST, 10, 1, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		pb_init(&b);
		pb_eth(&b, GW_MAC, CL_MAC, 0);
		pb_ipv4(&b, &(struct pb_ip4){ .src = CLIENT4, .dst = VIP4 });
		pb_udp(&b, &(struct pb_udp){ .sport = 41000 + i, .dport = PORT_UDP });
		pb_payload_pattern(&b, 30, 1);
		pb_finish(&b);
		cr_expect_eq(send_pkt(&b, &res), i ? XDP_DROP : XDP_TX,
			     "UDP flow %d (a refused one is dropped: no RST for UDP)", i);
		if (!i)
			cr_expect_eq(send_pkt(&b, &res), XDP_TX, "the admitted flow goes on");
	}
	cr_expect_eq(refused(IG_DROP_TN_CONN_RATE), 1);
	cr_expect_eq(cnt(IG_CNT_GOV_RST), 0);
}

/* ---- the concurrency cap ---- */

Test(govern, concurrency_cap_and_release)
{
	tenant(0, 0, 0, 2, 0, 0);
	cr_expect_eq(syn(42000, PORT_INT), XDP_TX);
	cr_expect_eq(syn(42001, PORT_STD), XDP_TX);
	cr_expect_eq(open_conns(), 2);
	cr_expect_eq(syn(42002, PORT_INT), XDP_DROP, "two open: the cap");
	cr_expect_eq(refused(IG_DROP_TN_MAX_CONNS), 1);
	cr_expect_eq(syn(42000, PORT_INT), XDP_TX, "a retransmitted SYN follows its entry");
	cr_expect_eq(open_conns(), 2, "and is not a second connection");
	cr_expect_eq(seg(42000, PORT_INT, PB_TCP_FIN | PB_TCP_ACK), XDP_TX);
	cr_expect_eq(open_conns(), 1, "FIN releases");
	cr_expect_eq(seg(42000, PORT_INT, PB_TCP_RST), XDP_TX);
	cr_expect_eq(open_conns(), 1, "once");
	cr_expect_eq(syn(42002, PORT_INT), XDP_TX, "room again");
	cr_expect_eq(open_conns(), 2);
}

Test(govern, only_capped_connections_are_counted)
{
	cr_assert_eq(syn(42200, PORT_INT), XDP_TX, "no cap yet: not counted");
	cr_expect_eq(open_conns(), 0);
	tenant(0, 0, 0, 1, 0, 0);
	cr_expect_eq(syn(42201, PORT_INT), XDP_TX);
	cr_expect_eq(open_conns(), 1);
	cr_expect_eq(seg(42200, PORT_INT, PB_TCP_FIN | PB_TCP_ACK), XDP_TX);
	cr_expect_eq(open_conns(), 1, "closing an uncounted connection frees nothing");
	cr_expect_eq(syn(42202, PORT_INT), XDP_DROP);
	cr_expect_eq(seg(42201, PORT_INT, PB_TCP_RST), XDP_TX);
	cr_expect_eq(open_conns(), 0);
	cr_expect_eq(syn(42202, PORT_INT), XDP_TX);
}

Test(govern, down_backend_keeps_the_count_right)
{
	tenant(0, 0, 0, 5, 0, 0);
	cr_assert_eq(syn(42100, PORT_INT), XDP_TX);
	cr_expect_eq(open_conns(), 1);
	cr_assert_eq(dp_backend_set_state(&maps, 1, IG_BE_DOWN), 0);
	cr_expect_eq(seg(42100, PORT_INT, PB_TCP_ACK), XDP_DROP, "no other backend");
	cr_expect_eq(open_conns(), 0, "the re-steered flow gave its count back");
	cr_assert_eq(dp_backend_set_state(&maps, 1, IG_BE_ACTIVE), 0);
	cr_expect_eq(seg(42100, PORT_INT, PB_TCP_ACK), XDP_TX, "it follows its entry again");
	cr_expect_eq(open_conns(), 0, "released once, not twice");
}

/* ---- RST ---- */

/* The RST answering a SYN from CLIENT4:sport to VIP4:dport with seq 1000
 * carrying payload bytes, optionally VLAN-tagged. */
static void rst4(struct pb *want, uint16_t sport, uint16_t dport, size_t payload, int vlan)
{
	pb_init(want);
	pb_eth(want, CL_MAC, GW_MAC, 0);
	if (vlan)
		pb_vlan(want, 0x8100, vlan);
	pb_ipv4(want, &(struct pb_ip4){ .src = VIP4, .dst = CLIENT4, .frag = 0x4000 });
	pb_tcp(want, &(struct pb_tcp){ .sport = dport,
				       .dport = sport,
				       .ack = 1000 + 1 + payload,
				       .flags = PB_TCP_RST | PB_TCP_ACK });
	pb_finish(want);
	memset(pb_hdr(want, PB_TCP, 0) + 14, 0, 2); /* window 0 */
	pb_finish(want);
}

static void expect_rst(const struct pb *in, const struct pb *want)
{
	struct fx_result res;
	char diff[512];

	cr_assert_eq(fx_run(skel->progs.xdp_gateway, in->buf, in->len, &res), 0);
	cr_assert_eq(res.verdict, XDP_TX, "a refused SYN of an RST tenant is answered");
	pb_hexdiff(res.out, res.out_len, want->buf, want->len, diff, sizeof(diff));
	cr_expect(res.out_len == want->len && !memcmp(res.out, want->buf, want->len), "RST: %s",
		  diff);
}

Test(govern, rst_ipv4_exact_bytes)
{
	struct pb in, want;

	tenant(IG_TENANT_F_RST, 10, 1, 0, 0, 0);
	tat_set(now_q() + conn_cost(10), 0); /* empty */
	/* A SYN with options and data: both go, ack covers SYN + data. */
	pb_init(&in);
	pb_eth(&in, GW_MAC, CL_MAC, 0);
	pb_ipv4(&in, &(struct pb_ip4){ .src = CLIENT4, .dst = VIP4, .opt_len = 8 });
	pb_tcp(&in, &(struct pb_tcp){ .sport = 43000,
				      .dport = PORT_INT,
				      .seq = 1000,
				      .flags = PB_TCP_SYN,
				      .opt_len = 12 });
	pb_payload_pattern(&in, 10, 3);
	pb_finish(&in);
	rst4(&want, 43000, PORT_INT, 10, 0);
	expect_rst(&in, &want);
	cr_expect_eq(cnt(IG_CNT_GOV_RST), 1);
	cr_expect_eq(refused(IG_DROP_TN_CONN_RATE), 1);
}

Test(govern, rst_keeps_vlan_tags)
{
	struct pb in, want;

	tenant(IG_TENANT_F_RST, 0, 0, 0, 0, 0);
	cr_assert_eq(dp_shed_set(&maps, SVC_BATCH, IG_SHED_BATCH), 0);
	pb_init(&in);
	pb_eth(&in, GW_MAC, CL_MAC, 0);
	pb_vlan(&in, 0x8100, 42);
	pb_ipv4(&in, &(struct pb_ip4){ .src = CLIENT4, .dst = VIP4 });
	pb_tcp(&in,
	       &(struct pb_tcp){
		       .sport = 43100, .dport = PORT_BATCH, .seq = 1000, .flags = PB_TCP_SYN });
	pb_finish(&in);
	rst4(&want, 43100, PORT_BATCH, 0, 42);
	expect_rst(&in, &want);
	cr_expect_eq(refused(IG_DROP_SHED_BATCH), 1);
}

Test(govern, rst_ipv6_exact_bytes)
{
	struct pb in, want;

	tenant(IG_TENANT_F_RST | IG_TENANT_F_THROTTLED, 0, 0, 0, 0, 0);
	pb_init(&in);
	pb_eth(&in, GW_MAC, CL_MAC, 0);
	pb_ipv6(&in, &(struct pb_ip6){ .src = CLIENT6, .dst = VIP6, .flow_label = 0x12345 });
	pb_tcp(&in, &(struct pb_tcp){ .sport = 43200,
				      .dport = PORT_INT,
				      .seq = 1000,
				      .flags = PB_TCP_SYN,
				      .opt_len = 20 });
	pb_finish(&in);
	pb_init(&want);
	pb_eth(&want, CL_MAC, GW_MAC, 0);
	pb_ipv6(&want, &(struct pb_ip6){ .src = VIP6, .dst = CLIENT6 });
	pb_tcp(&want, &(struct pb_tcp){ .sport = PORT_INT,
					.dport = 43200,
					.ack = 1001,
					.flags = PB_TCP_RST | PB_TCP_ACK });
	pb_finish(&want);
	memset(pb_hdr(&want, PB_TCP, 0) + 14, 0, 2);
	pb_finish(&want);
	expect_rst(&in, &want);
	cr_expect_eq(refused(IG_DROP_TN_THROTTLED), 1);
}

Test(govern, drop_tenants_get_no_rst)
{
	tenant(0, 10, 1, 0, 0, 0);
	tat_set(now_q() + conn_cost(10), 0); /* empty */
	cr_expect_eq(syn(43300, PORT_INT), XDP_DROP);
	cr_expect_eq(cnt(IG_CNT_GOV_RST), 0);
}

/* ---- shedding and the runaway throttle ---- */

Test(govern, shedding_order_by_class)
{
	cr_assert_eq(syn(44000, PORT_BATCH), XDP_TX, "a batch flow opened before saturation");
	for (__u32 s = SVC_INT; s <= SVC_BATCH; s++)
		cr_assert_eq(dp_shed_set(&maps, s, IG_SHED_BATCH), 0);
	cr_expect_eq(syn(44001, PORT_BATCH), XDP_DROP, "batch goes first");
	cr_expect_eq(syn(44002, PORT_STD), XDP_TX);
	cr_expect_eq(syn(44003, PORT_INT), XDP_TX);
	for (__u32 s = SVC_INT; s <= SVC_BATCH; s++)
		cr_assert_eq(dp_shed_set(&maps, s, IG_SHED_STANDARD), 0);
	cr_expect_eq(syn(44004, PORT_BATCH), XDP_DROP);
	cr_expect_eq(syn(44005, PORT_STD), XDP_DROP, "then standard");
	cr_expect_eq(syn(44006, PORT_INT), XDP_TX, "interactive is never shed");
	cr_expect_eq(seg(44000, PORT_BATCH, PB_TCP_ACK), XDP_TX,
		     "shedding never cuts an established connection");
	cr_expect_eq(refused(IG_DROP_SHED_BATCH), 2);
	cr_expect_eq(refused(IG_DROP_SHED_STANDARD), 1);
	for (__u32 s = SVC_INT; s <= SVC_BATCH; s++)
		cr_assert_eq(dp_shed_set(&maps, s, IG_SHED_NONE), 0);
	cr_expect_eq(syn(44007, PORT_BATCH), XDP_TX, "lifted");
}

Test(govern, throttled_tenant_keeps_established_flows)
{
	cr_assert_eq(syn(44100, PORT_INT), XDP_TX);
	tenant(IG_TENANT_F_THROTTLED, 0, 0, 0, 0, 0);
	cr_expect_eq(syn(44101, PORT_INT), XDP_DROP, "even interactive");
	cr_expect_eq(seg(44100, PORT_INT, PB_TCP_ACK), XDP_TX);
	cr_expect_eq(refused(IG_DROP_TN_THROTTLED), 1);
	tenant(0, 0, 0, 0, 0, 0);
	cr_expect_eq(syn(44101, PORT_INT), XDP_TX, "lifted");
}

/* ---- bandwidth ---- */

Test(govern, bandwidth_polices_established_flows)
{
	struct ig_tenant t = {};
	struct fx_result res;
	__u64 frame;
	struct pb b;

	cr_assert_eq(syn(45000, PORT_INT), XDP_TX);
	tcp4(&b, 45000, PORT_INT, PB_TCP_ACK, 100);
	/* 1 KiB/s: a frame costs about 150 ms of bucket time. */
	tenant(0, 0, 0, 0, 1024, 1024);
	cr_assert_eq(dp_tenant_get(&maps, TN, &t), 0);
	frame = (b.len * t.bw_cost) >> IG_GOV_COST_FRAC;
	/* Two and a half frames' worth of credit. */
	tat_set(0, now_q() + t.bw_depth - frame * 5 / 2);
	cr_expect_eq(send_pkt(&b, &res), XDP_TX);
	cr_expect_eq(send_pkt(&b, &res), XDP_TX);
	cr_expect_eq(send_pkt(&b, &res), XDP_DROP, "over the byte bucket");
	cr_expect_eq(refused(IG_DROP_TN_BANDWIDTH), 1);
	cr_expect_eq(cnt(IG_CNT_GOV_POLICED), 1);
	cr_expect_eq(cnt(IG_CNT_GOV_REFUSED), 0, "policing is not a refusal");
	tat_set(0, now_q() - 2 * IG_GOV_UNITS_PER_SEC);
	cr_expect_eq(send_pkt(&b, &res), XDP_TX, "refilled");
}

/* ---- GPU host: response accounting and runaway cut ---- */

Test(govern_host, responses_counted_and_cut_flows_dropped, .init = fx_require_root)
{
	struct tc_host_egress *h = tc_host_egress__open_and_load();
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	struct ig_endpoint ep = { .flags = IG_EP_F_VIP, .tenant = TN };
	struct ig_conn_key k = {
		.sport = htons(PORT_INT), .dport = htons(46000), .proto = 6, .tenant = TN
	};
	struct ig_flow_usage u;
	struct fx_result res;
	struct dp_maps hm;
	__u64 bytes = 0, pkts = 0, cut = 0;
	__u8 vip[16];
	struct pb b;

	cr_assert(h, "loading tc_host_egress.bpf.o failed");
	cr_assert_eq(dp_from_object(&hm, h->obj), 0);
	cr_assert_eq(dp_config_set(&hm, &cfg), 0);
	pb_addr16(VIP4, vip);
	cr_assert_eq(dp_endpoint_set(&hm, vip, &ep), 0);
	pb_init(&b);
	pb_eth(&b, CL_MAC, GW_MAC, 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = VIP4, .dst = CLIENT4 });
	pb_tcp(&b, &(struct pb_tcp){ .sport = PORT_INT, .dport = 46000, .flags = PB_TCP_ACK });
	pb_payload_pattern(&b, 1000, 5);
	pb_finish(&b);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(fx_run(h->progs.tc_host_egress, b.buf, b.len, &res), 0);
		cr_expect_eq(res.verdict, TC_ACT_OK);
	}
	cr_expect_eq(dp_tenant_resp(&hm, TN, &bytes, &pkts), 0);
	cr_expect_eq(bytes, 3 * b.len);
	cr_expect_eq(pkts, 3);
	pb_addr16(VIP4, k.saddr);
	pb_addr16(CLIENT4, k.daddr);
	cr_assert_eq(bpf_map_lookup_elem(hm.flow_resp, &k, &u), 0, "the flow has an entry");
	cr_expect_eq(u.bytes, 3 * b.len);
	cr_expect_eq(u.packets, 3);
	cr_assert_eq(dp_flow_cut(&hm, &k, true), 0);
	cr_assert_eq(fx_run(h->progs.tc_host_egress, b.buf, b.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_SHOT, "a cut flow is dropped at the host");
	cr_expect_eq(dp_tenant_drops(&hm, TN, IG_DROP_RUNAWAY_CUT, &cut), 0);
	cr_expect_eq(cut, 1);
	cr_assert_eq(dp_flow_cut(&hm, &k, false), 0);
	cr_assert_eq(fx_run(h->progs.tc_host_egress, b.buf, b.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_OK, "and flows again once lifted");
	/* Not a tenant's address: not ours. */
	pb_init(&b);
	pb_eth(&b, CL_MAC, GW_MAC, 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.9.9", .dst = CLIENT4 });
	pb_udp(&b, &(struct pb_udp){ .sport = 53, .dport = 46001 });
	pb_finish(&b);
	cr_assert_eq(fx_run(h->progs.tc_host_egress, b.buf, b.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_OK);
	cr_expect_eq(dp_tenant_resp(&hm, TN, &bytes, &pkts), 0);
	cr_expect_eq(pkts, 4, "only the tenant's responses count");
	tc_host_egress__destroy(h);
}

/* A workload behind tc_workload (a local endpoint, its VIP too) was counted
 * there: its packets leaving by the uplink are not counted a second time,
 * nor dropped here (its cut is tc_workload's). */
Test(govern_host, workload_responses_are_not_counted_twice, .init = fx_require_root)
{
	struct tc_host_egress *h = tc_host_egress__open_and_load();
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	struct ig_endpoint ep = { .flags = IG_EP_F_LOCAL | IG_EP_F_VIP,
				  .tenant = TN,
				  .ifindex = 7 };
	struct fx_result res;
	struct dp_maps hm;
	__u64 bytes = 0, pkts = 0;
	__u8 vip[16];
	struct pb b;

	cr_assert(h, "loading tc_host_egress.bpf.o failed");
	cr_assert_eq(dp_from_object(&hm, h->obj), 0);
	cr_assert_eq(dp_config_set(&hm, &cfg), 0);
	pb_addr16(VIP4, vip);
	cr_assert_eq(dp_endpoint_set(&hm, vip, &ep), 0);
	pb_init(&b);
	pb_eth(&b, CL_MAC, GW_MAC, 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = VIP4, .dst = CLIENT4 });
	pb_tcp(&b, &(struct pb_tcp){ .sport = PORT_INT, .dport = 46000, .flags = PB_TCP_ACK });
	pb_payload_pattern(&b, 1000, 5);
	pb_finish(&b);
	cr_assert_eq(fx_run(h->progs.tc_host_egress, b.buf, b.len, &res), 0);
	cr_expect_eq(res.verdict, TC_ACT_OK);
	dp_tenant_resp(&hm, TN, &bytes, &pkts);
	cr_expect_eq(pkts, 0, "a workload's response counted again at the uplink");
	tc_host_egress__destroy(h);
}
