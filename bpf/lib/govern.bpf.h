/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tenant governance at the gateway: a new connection passes the runaway
 * throttle, the service's shed level, the tenant's concurrency cap and its
 * new-connection token bucket, in that order; every packet of a tenant with
 * a bandwidth limit takes its bytes from the request-direction bucket. The
 * buckets are GCRA, one word moved with a compare-and-swap, and the cap an
 * atomic count: exact across CPUs without a lock (a bpf_spin_lock round
 * trip costs about 65 ns in a VM, an uncontended atomic a few). A refused
 * TCP SYN is dropped or answered with a RST built in place (the tenant
 * chooses). Tenants without limits pay for a flag test (and a shed-level
 * lookup for non-interactive services). */
#ifndef __IG_GOVERN_BPF_H
#define __IG_GOVERN_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "maps/maps.bpf.h"
#include "bpf/lib/csum.bpf.h"
#include "bpf/lib/parse.bpf.h"

#define GCRA_TRIES 4 /* compare-and-swap attempts before a packet counts as over */

/* Take cost from a GCRA bucket (maps/govern.h) at now, both in bucket
 * time: 1 when it conforms. Lock-free and exact: the one word is moved with
 * a compare-and-swap; a packet that loses GCRA_TRIES races in a row (CPUs
 * admitting for the same tenant at the same instant) counts as over. */
static __always_inline int gcra_take(__u64 *tat, __u64 now, __u64 cost, __u64 depth)
{
	__u64 old, base;

#pragma unroll
	for (int i = 0; i < GCRA_TRIES; i++) {
		old = *(volatile __u64 *)tat;
		base = old > now ? old : now;
		if (base + cost - now > depth)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, base + cost) == old)
			return 1;
	}
	return 0;
}

static __always_inline __u64 gov_now(__u64 now_ns)
{
	return now_ns << IG_GOV_SHIFT;
}

/* Admit a new connection of tenant to svc, or say why not (a drop reason).
 * A tenant with a cap on open connections has the admitted one counted
 * (*counted = 1) until gov_release(): the count is raised first and given
 * back when the cap or the bucket says no, so it never passes the cap. */
static __always_inline int gov_admit(const struct ig_service *svc, const struct ig_tenant *tn,
				     __u32 tenant, __u64 now, int *counted)
{
	struct ig_tn_usage *u;
	__u32 id = svc->id, *level;
	__u64 *conns = NULL;

	*counted = 0;
	if (tn->flags & IG_TENANT_F_THROTTLED)
		return IG_DROP_TN_THROTTLED;
	if (svc->prio != IG_PRIO_INTERACTIVE) {
		level = bpf_map_lookup_elem(&ig_shed, &id);
		if (level && *level >= IG_SHED_BATCH) {
			if (svc->prio == IG_PRIO_BATCH)
				return IG_DROP_SHED_BATCH;
			if (*level >= IG_SHED_STANDARD)
				return IG_DROP_SHED_STANDARD;
		}
	}
	if (tn->max_conns) {
		conns = bpf_map_lookup_elem(&ig_tn_conns, &tenant);
		if (conns && __sync_fetch_and_add(conns, 1) >= tn->max_conns) {
			__sync_fetch_and_add(conns, -1);
			return IG_DROP_TN_MAX_CONNS;
		}
	}
	if (tn->conn_rate) {
		u = bpf_map_lookup_elem(&ig_tn_usage, &tenant);
		if (u && !gcra_take(&u->conn_tat, gov_now(now), tn->conn_cost, tn->conn_depth)) {
			if (conns) /* checked again: older verifiers lose track of it */
				__sync_fetch_and_add(conns, -1);
			return IG_DROP_TN_CONN_RATE;
		}
	}
	*counted = conns != NULL;
	return 0;
}

/* A connection gov_admit() counted ends (or was counted for nothing). */
static __always_inline void gov_release(__u32 tenant)
{
	__u64 *conns = bpf_map_lookup_elem(&ig_tn_conns, &tenant);

	/* Never below zero: the agent's recount may have set it under us. */
	if (conns && *conns)
		__sync_fetch_and_add(conns, -1);
}

/* Request-direction bandwidth: 0 when the packet's bytes fit the bucket.
 * A byte's cost is 16.16 fixed point: the packet's cost is exact to 1/16
 * ns of bucket time. */
static __always_inline int gov_police(const struct ig_tenant *tn, __u32 tenant, __u32 len,
				      __u64 now)
{
	struct ig_tn_usage *u;

	if (!tn->bw_rate)
		return 0;
	u = bpf_map_lookup_elem(&ig_tn_usage, &tenant);
	if (!u || gcra_take(&u->bw_tat, gov_now(now),
			    ((__u64)len * tn->bw_cost) >> IG_GOV_COST_FRAC, tn->bw_depth))
		return 0;
	return IG_DROP_TN_BANDWIDTH;
}

/* ---- TCP RST for a refused SYN ---- */

#define RST_TTL 64
#define RST_MAX_L3_OFF 64 /* Ethernet and two VLAN tags fit well within */
#define RST_MAX_L4_OFF 1024 /* bounds the verifier's view of the SYN's TCP header */

static __always_inline __u32 sum16(const void *b, int n, __u32 sum)
{
	const __u16 *w = b;

#pragma unroll
	for (int i = 0; i < n / 2; i++)
		sum += w[i];
	return sum;
}

/* Turn the SYN in the frame into the RST answering it, in place: MACs
 * swapped (VLAN tags kept), a fresh IP header with the addresses swapped, a
 * 20-byte TCP header with RST|ACK, seq 0 and ack = SYN's seq + its length
 * (RFC 9293 3.10.7.1), everything after it cut off. 0, or -1 when the frame
 * cannot take it. */
static __always_inline int gov_rst(struct xdp_md *xdp, const struct pkt *p)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	__u32 l3_off = p->l3_off, l4_off = p->l4_off, ip_len, seg_len;
	struct tcphdr *th, rst = {};
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	__u32 sum, seq;
	__u64 l3_var;
	void *l3;
	int len;

	if (l3_off > RST_MAX_L3_OFF || l4_off > RST_MAX_L4_OFF || (void *)(eth + 1) > data_end)
		return -1;
	th = data + l4_off;
	if ((void *)(th + 1) > data_end)
		return -1;
	/* SYN (1) plus any data it carries. */
	seg_len = 1 + p->l3_off + p->l3_len - p->payload_off;
	seq = bpf_ntohl(th->seq);
	rst.source = th->dest;
	rst.dest = th->source;
	rst.ack_seq = bpf_htonl(seq + seg_len);
	rst.doff = 5;
	rst.rst = 1;
	rst.ack = 1;
	ip_len = p->family == 6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	/* The compiler may reload l3_off from p past the check above, and the
	 * 6.1 verifier then sees an offset up to 65535 it cannot range: a
	 * mask it cannot drop keeps the bound on the register used. */
	l3_var = l3_off;
	asm volatile("%[o] &= 0x7f" : [o] "+r"(l3_var));
	l3 = data + l3_var;
	if (l3 + sizeof(struct ipv6hdr) + sizeof(rst) > data_end && p->family == 6)
		return -1;
	if (l3 + sizeof(struct iphdr) + sizeof(rst) > data_end)
		return -1;
	if (p->family == 6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) + sizeof(rst) > data_end)
			return -1;
		*ip6 = (struct ipv6hdr){ .version = 6,
					 .payload_len = bpf_htons(sizeof(rst)),
					 .nexthdr = IPPROTO_TCP,
					 .hop_limit = RST_TTL };
		__builtin_memcpy(&ip6->saddr, p->daddr, 16);
		__builtin_memcpy(&ip6->daddr, p->saddr, 16);
		sum = sum16(p->saddr, 16, 0);
		sum = sum16(p->daddr, 16, sum);
		th = (void *)(ip6 + 1);
	} else {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) + sizeof(rst) > data_end)
			return -1;
		*ip = (struct iphdr){ .version = 4,
				      .ihl = 5,
				      .tot_len = bpf_htons(sizeof(*ip) + sizeof(rst)),
				      .frag_off = bpf_htons(0x4000), /* DF */
				      .ttl = RST_TTL,
				      .protocol = IPPROTO_TCP };
		__builtin_memcpy(&ip->saddr, p->daddr + 12, 4);
		__builtin_memcpy(&ip->daddr, p->saddr + 12, 4);
		ip->check = ipv4_hdr_csum(ip);
		sum = sum16(p->saddr + 12, 4, 0);
		sum = sum16(p->daddr + 12, 4, sum);
		th = (void *)(ip + 1);
	}
	sum += bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(rst));
	rst.check = csum_fold(sum16(&rst, sizeof(rst), sum));
	if ((void *)(th + 1) > data_end)
		return -1;
	*th = rst;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	/* Cut what followed the new headers (options, data, padding). */
	len = l3_off + ip_len + sizeof(rst);
	return bpf_xdp_adjust_tail(xdp, len - (int)(data_end - data)) ? -1 : 0;
}

#endif /* __IG_GOVERN_BPF_H */
