/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Benchmark baseline only: the connection table as it was before the
 * set-associative one (bpf/lib/conn.bpf.h at 2183cfa), a Katran-like LRU
 * hash that every SYN inserts into. Included before bpf/lib/gateway.bpf.h
 * it takes the real table's include guard, so the same gateway code runs
 * on it. Its own map (ig_conns_lru) keeps the ABI map untouched. */
#ifndef __IG_CONN_BPF_H
#define __IG_CONN_BPF_H

#include <linux/in.h>
#include "maps/maps.bpf.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/stats.bpf.h"
#include "bpf/lib/steer.bpf.h"
#include "bpf/lib/govern.bpf.h"
#include "maps/flowhash.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IG_CONN_MAX);
	__type(key, struct ig_conn_key);
	__type(value, struct ig_conn);
} ig_conns_lru SEC(".maps");

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_ACK 0x10
#define NSEC_PER_SEC 1000000000ULL

/* The entry of key, read only (the real table's conn_peek). */
static __always_inline struct ig_conn *conn_peek(const struct ig_conn_key *key, __u32 hash)
{
	(void)hash;
	return bpf_map_lookup_elem(&ig_conns_lru, key);
}

static __always_inline void conn_key_make(struct ig_conn_key *k, const struct pkt *p, __u32 tenant)
{
	__builtin_memcpy(k->saddr, p->saddr, 16);
	__builtin_memcpy(k->daddr, p->daddr, 16);
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
	k->tenant = tenant;
}

static __always_inline void inflight_add(__u32 backend, __s64 delta)
{
	__u64 *n = bpf_map_lookup_elem(&ig_inflight, &backend);

	if (!n)
		return;
	/* Never below zero: the agent may have reset the count under us. */
	if (delta < 0 && !*n)
		return;
	__sync_fetch_and_add(n, delta);
}

static __always_inline void conn_release(struct ig_conn *ct, __u32 tenant)
{
	if (!(ct->flags & IG_CONN_F_CLOSING)) {
		inflight_add(ct->backend, -1);
		if (ct->flags & IG_CONN_F_COUNTED)
			gov_release(tenant);
	}
	ct->flags |= IG_CONN_F_CLOSING;
}

static __always_inline int tcp_is_syn(const struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN;
}

/* An existing entry: its backend, or 0 when the flow must be steered anew. */
static __always_inline __u32 conn_follow(const struct ig_config *cfg, struct ig_conn *ct,
					 const struct pkt *p, __u64 now, __u32 tenant)
{
	struct ig_backend *be = backend_get(ct->backend);
	__u64 idle = cfg->udp_idle_ns ? cfg->udp_idle_ns : IG_UDP_IDLE_DEFAULT_NS;

	if (!be || be->state == IG_BE_DOWN) {
		count(IG_CNT_RESTEER_DOWN);
		conn_release(ct, tenant);
		return 0;
	}
	if (p->proto == IPPROTO_UDP && now - ct->last_ns > idle) {
		count(IG_CNT_UDP_EXPIRED);
		conn_release(ct, tenant);
		return 0;
	}
	if (tcp_is_syn(p) && (ct->flags & IG_CONN_F_CLOSING))
		return 0; /* the 5-tuple is reused for a new connection */
	ct->last_ns = now;
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_F_FIN | TCP_F_RST)) &&
	    !(ct->flags & IG_CONN_F_CLOSING)) {
		conn_release(ct, tenant);
		count(IG_CNT_CONN_CLOSED);
	}
	count(IG_CNT_CONN_HIT);
	return ct->backend;
}

/* Above cfg->flood_rate new flows per second on this CPU, stop inserting. */
static __always_inline int flood_exceeded(const struct ig_config *cfg, __u64 now)
{
	__u32 zero = 0;
	struct ig_flood *f;

	if (!cfg->flood_rate)
		return 0;
	f = bpf_map_lookup_elem(&ig_flood, &zero);
	if (!f)
		return 0;
	if (now - f->window_ns >= NSEC_PER_SEC) {
		f->window_ns = now;
		f->new_flows = 0;
	}
	if (f->new_flows >= cfg->flood_rate)
		return 1;
	f->new_flows++;
	return 0;
}

struct steer_result {
	__u32 backend;
	__u32 hash; /* the flow hash: the Maglev slot and the VXLAN source port */
	__u8 new_conn; /* a connection-table entry was created or re-steered */
	__u8 refuse; /* governance refused the new connection: enum ig_drop_reason */
};

static __always_inline __u32 flow_hash(const struct pkt *p)
{
	return ig_flow_hash((const __u32 *)p->saddr, (const __u32 *)p->daddr, p->sport, p->dport,
			    p->proto);
}

/* counted: governance counted the connection against the tenant's cap. */
static __always_inline void conn_insert(const struct ig_service *svc, struct ig_conn_key *key,
					__u64 now, int syn, int counted, struct steer_result *r,
					const struct ig_config *cfg, const struct pkt *p)
{
	struct ig_conn nct = { .first_ns = now,
			       .last_ns = now,
			       .backend = r->backend,
			       .service = svc->id,
			       .prio = svc->prio,
			       .flags = counted ? IG_CONN_F_COUNTED : 0,
			       .hash = r->hash };
	struct ig_conn *ct;
	__u32 be;

	/* A SYN inserts without looking first: most SYNs are new, and a miss
	 * in a large table costs a cold bucket walk. A SYN for a tuple we track
	 * (a retransmit) then follows its entry like any other packet. */
	if (bpf_map_update_elem(&ig_conns_lru, key, &nct, syn ? BPF_NOEXIST : BPF_ANY)) {
		ct = bpf_map_lookup_elem(&ig_conns_lru, key);
		if (ct) {
			be = conn_follow(cfg, ct, p, now, key->tenant);
			if (be) {
				/* A retransmitted SYN: not a new connection. */
				if (counted)
					gov_release(key->tenant);
				r->backend = be;
				return;
			}
		}
		/* The entry was closed (the tuple is reused) or its backend
		 * went down: it becomes this new connection. */
		bpf_map_update_elem(&ig_conns_lru, key, &nct, BPF_ANY);
	}
	inflight_add(r->backend, 1);
	count(IG_CNT_NEW_CONN);
	r->new_conn = 1;
}

/* The backend for this packet's flow: the conn entry's, or a new choice.
 * A non-SYN TCP packet without an entry (its entry was lost, or made while
 * the flood guard was on) is steered by Maglev, which needs no state to
 * agree with earlier packets of the flow. New connections (a SYN, a UDP
 * flow without a live entry) pass governance first; r->refuse says why one
 * was refused. now comes from the coarse clock (5.11): enough for idle
 * timeouts, the flood window and the buckets, and a fraction of a
 * clocksource read in a VM. */
static __always_inline void conn_select(const struct ig_config *cfg, const struct ig_service *svc,
					const struct ig_tenant *tn, const struct pkt *p,
					struct ig_conn_key *key, __u64 now, struct steer_result *r)
{
	int stateless_pick = svc->policy == IG_POLICY_MAGLEV;
	int syn = tcp_is_syn(p), governed = syn || p->proto == IPPROTO_UDP, counted = 0;
	struct ig_conn *ct;

	if (!syn) {
		ct = bpf_map_lookup_elem(&ig_conns_lru, key);
		if (ct) {
			r->backend = conn_follow(cfg, ct, p, now, key->tenant);
			/* Entries made before the hash was kept have 0. */
			r->hash = ct->hash ?: flow_hash(p);
			if (r->backend)
				return;
		} else if (p->proto == IPPROTO_TCP) {
			count(IG_CNT_RESTEER_NONSYN);
			stateless_pick = 1;
		}
	}
	if (!r->hash)
		r->hash = flow_hash(p);
	if (governed) {
		r->refuse = gov_admit(svc, tn, key->tenant, now, &counted);
		if (r->refuse) {
			/* A retransmitted SYN of a connection we admitted is
			 * not a new one (looked up on this path only: most
			 * SYNs are new). */
			ct = syn ? bpf_map_lookup_elem(&ig_conns_lru, key) : NULL;
			if (ct && !(ct->flags & IG_CONN_F_CLOSING)) {
				r->backend = conn_follow(cfg, ct, p, now, key->tenant);
				if (r->backend)
					r->refuse = 0;
			}
			return;
		}
	}
	if (flood_exceeded(cfg, now)) {
		count(IG_CNT_FLOOD_STATELESS);
		if (counted) /* no entry will close it */
			gov_release(key->tenant);
		r->backend = maglev_pick(svc->id, r->hash);
		return;
	}
	r->backend = stateless_pick ? maglev_pick(svc->id, r->hash) :
				      policy_pick(svc->policy, svc->id);
	if (r->backend)
		conn_insert(svc, key, now, syn, counted, r, cfg, p);
	else if (counted)
		gov_release(key->tenant);
}

#endif /* __IG_CONN_BPF_H */
