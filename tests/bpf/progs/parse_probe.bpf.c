// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test-only programs that run the shared parser from XDP and from tc and
 * report what it found, so fixtures can check offsets, flags and the verdict
 * policy on both hooks (the same parser the datapath programs use). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/ctx.bpf.h"
#include "bpf/lib/stats.bpf.h"
#include "tests/bpf/progs/parse_probe.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct parse_result);
} probe_result SEC(".maps");

static __always_inline int probe(struct ig_ctx *c)
{
	struct parse_result *r;
	struct pkt p = {};
	__u32 zero = 0;
	int err;

	err = parse_packet(c->data, c->data_end, &p, PARSE_VXLAN);
	r = bpf_map_lookup_elem(&probe_result, &zero);
	if (r) {
		r->err = err;
		r->vni = p.vni;
		__builtin_memcpy(r->saddr, p.saddr, 16);
		__builtin_memcpy(r->daddr, p.daddr, 16);
		r->l3_off = p.l3_off;
		r->l4_off = p.l4_off;
		r->payload_off = p.payload_off;
		r->l3_len = p.l3_len;
		r->sport = p.sport;
		r->dport = p.dport;
		r->vlan_tci[0] = p.vlan_tci[0];
		r->vlan_tci[1] = p.vlan_tci[1];
		r->eth_proto = p.eth_proto;
		r->inner_off = p.inner_off;
		r->vlan_depth = p.vlan_depth;
		r->family = p.family;
		r->proto = p.proto;
		r->flags = p.flags;
		r->tcp_flags = p.tcp_flags;
		r->ttl = p.ttl;
	}
	if (err) {
		count_drop(-err, c->len);
		return -1;
	}
	return 0;
}

SEC("xdp")
int xdp_parse_probe(struct xdp_md *xdp)
{
	struct ig_ctx c;

	ctx_from_xdp(&c, xdp);
	return probe(&c) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int tc_parse_probe(struct __sk_buff *skb)
{
	struct ig_ctx c;

	ctx_from_skb(&c, skb);
	return probe(&c) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
