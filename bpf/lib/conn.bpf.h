/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The connection table (docs/conntable.md): a set-associative flow table.
 * A flow's entry lives in one way of bucket hash & ig_conn_mask. A SYN takes
 * a way as a half-open entry (recording the SYN-time choice), the first ACK
 * makes it established, traffic after that confirms it. A new entry only
 * replaces an empty, expired, closed or half-open way, never a live
 * established one: when none is free the flow is steered by Maglev without
 * an entry (stateless, like the flood guard). An established flow follows
 * its entry across weight changes, table swaps and draining; a backend that
 * is down, an idle UDP flow, or a new SYN after FIN/RST is re-steered.
 * In-flight counts per backend go up on insert and down exactly once per
 * entry (FIN/RST, expiry, re-steer or replacement): IG_CONN_F_CLOSING is set
 * with an atomic or and whoever sets it releases. */
#ifndef __IG_CONN_BPF_H
#define __IG_CONN_BPF_H

#include <linux/in.h>
#include "maps/maps.bpf.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/stats.bpf.h"
#include "bpf/lib/steer.bpf.h"
#include "bpf/lib/govern.bpf.h"
#include "bpf/lib/sync.bpf.h"
#include "maps/flowhash.h"

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_ACK 0x10
#define NSEC_PER_SEC 1000000000ULL

/* Buckets - 1 (a power of two): the benchmark loads smaller tables. */
const volatile __u32 ig_conn_mask = IG_CONN_BUCKETS - 1;

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

/* Mark the entry closed; 1 when this call did (and released its counts). */
static __always_inline int conn_release(struct ig_conn_slot *ct, __u32 tenant)
{
	__u32 old;

	if (ct->flags & IG_CONN_F_CLOSING)
		return 0;
	old = __sync_fetch_and_or(&ct->flags, IG_CONN_F_CLOSING);
	if (old & IG_CONN_F_CLOSING)
		return 0; /* another CPU closed it first */
	inflight_add(ct->backend, -1);
	if (old & IG_CONN_F_COUNTED)
		gov_release(tenant);
	return 1;
}

static __always_inline int tcp_is_syn(const struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN;
}

static __always_inline int pkt_has_payload(const struct pkt *p)
{
	return p->l3_off + p->l3_len > p->payload_off;
}

/* The timeouts in force, defaults filled in. */
struct conn_times {
	__u64 syn; /* half-open */
	__u64 linger; /* closed */
	__u64 udp;
	__u64 tcp; /* established TCP; 0 = never */
	__u32 sync; /* IG_CFG_SYNC: decisions go to ig_sync */
};

static __always_inline void conn_times_get(const struct ig_config *cfg, struct conn_times *t)
{
	t->syn = cfg->syn_timeout_ns ?: IG_SYN_TIMEOUT_DEFAULT_NS;
	t->linger = cfg->linger_ns ?: IG_CONN_LINGER_DEFAULT_NS;
	t->udp = cfg->udp_idle_ns ?: IG_UDP_IDLE_DEFAULT_NS;
	t->tcp = cfg->tcp_idle_ns;
	t->sync = cfg->flags & IG_CFG_SYNC;
}

/* The first ACK makes a half-open entry established; traffic after it (or
 * data on it) confirms a session. Atomic ors: never lose a CLOSING set by
 * another CPU. Each runs at most twice per flow. */
static __always_inline void conn_advance(struct ig_conn_slot *ct, const struct pkt *p)
{
	__u32 flags = ct->flags;

	if (p->proto != IPPROTO_TCP || (flags & IG_CONN_F_CONFIRMED))
		return;
	if (!(flags & IG_CONN_F_EST)) {
		__sync_fetch_and_or(&ct->flags, pkt_has_payload(p) ?
							IG_CONN_F_EST | IG_CONN_F_CONFIRMED :
							IG_CONN_F_EST);
		count(IG_CNT_CONN_EST);
		return;
	}
	__sync_fetch_and_or(&ct->flags, IG_CONN_F_CONFIRMED);
}

/* An existing entry (its way's slot; cold: its cold record, read only to
 * sync its prio): its backend, or 0 when the flow must be steered anew.
 * With sync on, the handshake's ACK and a FIN or RST go to the peers. */
static __always_inline __u32 conn_follow(const struct conn_times *t, struct ig_conn_slot *ct,
					 const struct ig_conn_cold *cold, const struct pkt *p,
					 __u64 now, const struct ig_conn_key *key)
{
	struct ig_backend *be = backend_get(ct->backend);
	__u32 tenant = key->tenant, was = ct->flags;

	if (!be || be->state == IG_BE_DOWN) {
		count(IG_CNT_RESTEER_DOWN);
		conn_release(ct, tenant);
		return 0;
	}
	if (p->proto == IPPROTO_UDP && now > ct->last_ns && now - ct->last_ns > t->udp) {
		count(IG_CNT_UDP_EXPIRED);
		conn_release(ct, tenant);
		return 0;
	}
	if (tcp_is_syn(p)) {
		if (ct->flags & IG_CONN_F_CLOSING)
			return 0; /* the 5-tuple is reused for a new connection */
	} else {
		conn_advance(ct, p);
		/* The ACK, and the first traffic after it: a peer's copy
		 * of a live session is then as safe from replacement. */
		if (t->sync && ((ct->flags ^ was) & (IG_CONN_F_EST | IG_CONN_F_CONFIRMED)))
			sync_emit(key, ct, cold->prio, IG_SYNC_EST);
	}
	/* Coarsely: a busy flow's line stays clean (IG_CONN_REFRESH_NS). */
	if (now - ct->last_ns >= IG_CONN_REFRESH_NS)
		ct->last_ns = now;
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_F_FIN | TCP_F_RST)) &&
	    conn_release(ct, tenant)) {
		count(IG_CNT_CONN_CLOSED);
		if (t->sync)
			sync_emit(key, ct, cold->prio, IG_SYNC_CLOSE);
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
	__u32 hash; /* the flow hash: the bucket, the Maglev slot, the VXLAN source port */
	__u8 new_conn; /* a connection-table entry was created or re-steered */
	__u8 refuse; /* governance refused the new connection: enum ig_drop_reason */
};

static __always_inline __u32 flow_hash(const struct pkt *p)
{
	return ig_flow_hash((const __u32 *)p->saddr, (const __u32 *)p->daddr, p->sport, p->dport,
			    p->proto);
}

/* ---- the buckets ---- */

static __always_inline int conn_key_eq(const struct ig_conn_key *a, const struct ig_conn_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 diff = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*a) / 4); i++)
		diff |= x[i] ^ y[i];
	return !diff;
}

/* The bucket walks are global functions: the verifier checks each once, on
 * its own, and the caller sees an unknown way number it bounds itself. Inlined,
 * every way number each walk can return would be a state of its own
 * through the rest of the program (past the 1M-instruction limit). Their
 * pointer arguments may be NULL to the verifier (5.12+: pointer arguments
 * of global functions). */

/* A flow's home way (IG_CONN_HOME): where a new entry goes when that way
 * is empty, and the way a lookup reads together with the tags. */
static __always_inline __u32 conn_home(__u32 tag)
{
	return IG_CONN_HOME(tag);
}

/* Whether slot s holds key, its words read with volatile loads, so that
 * the compiler keeps them ahead of the tag's test: the home way's line is
 * then fetched in parallel with the tags' line, not after it. */
static __always_inline int conn_key_eq_now(const struct ig_conn_slot *s,
					   const struct ig_conn_key *key)
{
	const volatile __u32 *x = (const volatile __u32 *)&s->key;
	const __u32 *y = (const __u32 *)key;
	__u32 diff = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*key) / 4); i++)
		diff |= x[i] ^ y[i];
	/* diff is computed here, not sunk past the tag's test: the eleven
	 * words kept live across it spilled (conn_way_find took 144 bytes
	 * of the 512 it shares with the program, which then failed to load
	 * once sync had grown the program's own frame). */
	asm volatile("" : "+r"(diff));
	return !diff;
}

/* The way holding key in b, or -1. A tag that matches is confirmed by the
 * whole key (tags are 31 bits of the hash). The home way first: its key
 * and its tag are both loaded before either is tested, so a flow in its
 * home way costs one cache miss's latency, not two in a row. */
__attribute__((noinline)) int conn_way_find(struct ig_conn_bucket *b, const struct ig_conn_key *key,
					    __u32 tag)
{
	__u32 h = conn_home(tag) & (IG_CONN_WAYS - 1);
	int home;

	if (!b || !key)
		return -1;
	home = conn_key_eq_now(&b->ways[h], key);
	if ((*(volatile __u32 *)&b->tags[h] == tag) & home)
		return h;
	for (int w = 0; w < IG_CONN_WAYS; w++) {
		if (*(volatile __u32 *)&b->tags[w] != tag)
			continue;
		if (conn_key_eq(&b->ways[w].key, key))
			return w;
	}
	return -1;
}

/* w (0..IG_CONN_WAYS - 1, checked by the caller) as an index the verifier
 * bounds on the very register used: the compiler may otherwise index with
 * a reloaded copy the check never saw (it did, in the benchmark's object). */
static __always_inline __u64 conn_way_index(int w)
{
	__u64 i = (__u32)w;

	asm volatile("%[i] &= %[m]" : [i] "+r"(i) : [m] "i"(IG_CONN_WAYS - 1));
	return i;
}

/* How good a victim a way is; lower is better. A live established entry
 * (CV_LIVE) is never replaced: only its idle timeout (or the agent) ends it. */
enum conn_victim_class { CV_EMPTY, CV_EXPIRED, CV_CLOSED, CV_HALF_OPEN, CV_LIVE };

static __always_inline int conn_class(const struct conn_times *t, const struct ig_conn_slot *s,
				      __u32 tag, __u64 now)
{
	__u64 last = s->last_ns, idle = now > last ? now - last : 0;
	__u32 flags = s->flags;

	if (tag == IG_CONN_TAG_EMPTY)
		return CV_EMPTY;
	if (tag == IG_CONN_TAG_BUSY)
		return CV_LIVE;
	if (flags & IG_CONN_F_CLOSING)
		return idle > t->linger ? CV_EXPIRED : CV_CLOSED;
	if (!(flags & IG_CONN_F_EST))
		return idle > t->syn ? CV_EXPIRED : CV_HALF_OPEN;
	if (s->key.proto == IPPROTO_UDP)
		return idle > t->udp ? CV_EXPIRED : CV_LIVE;
	if (t->tcp && idle > t->tcp)
		return CV_EXPIRED;
	/* A handshake never followed by traffic (a spoofed SYN then ACK)
	 * is no better than a half-open one once past the SYN timeout. */
	if (!(flags & IG_CONN_F_CONFIRMED) && idle > t->syn)
		return CV_HALF_OPEN;
	return CV_LIVE;
}

/* The way a new entry may take in b: the best class, the least recently
 * seen among equals; -1 when every way is live. *tag_seen is its tag. */
__attribute__((noinline)) int conn_way_victim(struct ig_conn_bucket *b, const struct conn_times *t,
					      __u64 now, __u32 home, __u32 *tag_seen)
{
	__u64 best_seen = ~0ULL, seen;
	int best = -1, best_class = CV_LIVE, c;
	__u32 tag;

	if (!b || !t || !tag_seen)
		return -1;
	/* An empty way first, from the tags alone (the line the lookup just
	 * read): in a table with room no other way's slot is read. The
	 * flow's home way if it is empty (conn_way_find reads it first). */
	tag = *(volatile __u32 *)&b->tags[home & (IG_CONN_WAYS - 1)];
	if (tag == IG_CONN_TAG_EMPTY) {
		*tag_seen = tag;
		return home & (IG_CONN_WAYS - 1);
	}
	for (int w = 0; w < IG_CONN_WAYS; w++) {
		tag = *(volatile __u32 *)&b->tags[w];
		if (tag == IG_CONN_TAG_EMPTY) {
			*tag_seen = tag;
			return w;
		}
	}
	for (int w = 0; w < IG_CONN_WAYS; w++) {
		tag = *(volatile __u32 *)&b->tags[w];
		c = conn_class(t, &b->ways[w], tag, now);
		seen = b->ways[w].last_ns;
		if (c < best_class || (c == best_class && c != CV_LIVE && seen < best_seen)) {
			best = w;
			best_class = c;
			best_seen = seen;
			*tag_seen = tag;
			if (c == CV_EMPTY)
				break;
		}
	}
	return best;
}

/* Take way w (its tag still tag_seen) for this flow: 0, or -1 when another
 * CPU took it first. The tag goes BUSY while the slot is written, so no
 * reader matches a half-written key; the entry it replaces is released
 * (exactly once, whoever closes it). Readers that matched the old tag just
 * before can read a torn slot: only an evictable entry's (never a live
 * established one), whose flow is re-steered anyway (docs/conntable.md). */
static __always_inline int conn_take(struct ig_conn_bucket *b, int w, __u32 tag_seen,
				     const struct ig_conn_key *key, const struct ig_conn *nct)
{
	__u32 tag = IG_CONN_TAG(nct->hash), *tagp;
	struct ig_conn_slot *s;
	__u64 i;

	if (w < 0 || w >= IG_CONN_WAYS)
		return -1;
	i = conn_way_index(w);
	tagp = &b->tags[i];
	if (tag_seen == IG_CONN_TAG_BUSY ||
	    __sync_val_compare_and_swap(tagp, tag_seen, IG_CONN_TAG_BUSY) != tag_seen)
		return -1;
	s = &b->ways[i];
	if (tag_seen != IG_CONN_TAG_EMPTY) {
		if (!conn_key_eq(&s->key, key))
			count(IG_CNT_CONN_REPLACED);
		conn_release(s, s->key.tenant);
	}
	__builtin_memcpy(&s->key, key, sizeof(*key));
	s->backend = nct->backend;
	s->flags = nct->flags;
	s->service = nct->service;
	s->last_ns = nct->last_ns;
	b->cold[i].first_ns = nct->first_ns;
	b->cold[i].hash = nct->hash;
	b->cold[i].prio = nct->prio;
	/* xchg: a full barrier before the tag publishes the slot. */
	__sync_lock_test_and_set(tagp, tag);
	return 0;
}

/* ---- the decision ---- */

struct conn_ctx {
	struct ig_conn_bucket *b; /* NULL: no table (steer without entries) */
	struct conn_times t;
	__u32 tag;
	int way; /* the flow's way (found, or the victim chosen), -1: none */
	__u32 tag_seen; /* that way's tag when chosen */
	int found; /* the flow had an entry (closed, expired or on a down backend) */
};

/* counted: governance counted the connection against the tenant's cap. */
static __always_inline void conn_insert(const struct ig_service *svc, struct conn_ctx *cc,
					const struct ig_conn_key *key, __u64 now,
					const struct pkt *p, int counted, struct steer_result *r)
{
	struct ig_conn nct = { .first_ns = now,
			       .last_ns = now,
			       .backend = r->backend,
			       .service = svc->id,
			       .prio = svc->prio,
			       .hash = r->hash };

	if (counted)
		nct.flags |= IG_CONN_F_COUNTED;
	/* A UDP flow is a session from its first packet; a TCP flow met
	 * mid-stream (its entry was lost or never made) is established. */
	if (p->proto == IPPROTO_UDP)
		nct.flags |= IG_CONN_F_EST | IG_CONN_F_CONFIRMED;
	else if (!tcp_is_syn(p))
		nct.flags |= IG_CONN_F_EST;
	if (!cc->b || conn_take(cc->b, cc->way, cc->tag_seen, key, &nct)) {
		/* Lost the way to another CPU: steered, but not tracked. */
		count(IG_CNT_CONN_FULL);
		if (counted)
			gov_release(key->tenant);
		return;
	}
	inflight_add(r->backend, 1);
	count(IG_CNT_NEW_CONN);
	r->new_conn = 1;
	/* What conn_take wrote to the slot, from the local copy: once the
	 * tag is published another CPU may take the way again. */
	if (cc->t.sync)
		sync_emit_rec(key, nct.backend, nct.service, nct.flags, nct.prio, IG_SYNC_NEW);
}

/* The entry of key (hash: its flow hash), read only, or NULL: for a
 * packet that is not the flow's own traffic (an ICMP error quoting it). */
static __always_inline struct ig_conn_slot *conn_peek(const struct ig_conn_key *key, __u32 hash)
{
	__u32 idx = hash & ig_conn_mask;
	struct ig_conn_bucket *b = bpf_map_lookup_elem(&ig_conns, &idx);
	int w;

	if (!b)
		return NULL;
	w = conn_way_find(b, key, IG_CONN_TAG(hash));
	if (w < 0 || w >= IG_CONN_WAYS)
		return NULL;
	return &b->ways[conn_way_index(w)];
}

/* Find the flow's entry; follow it when it is live. 1 when r->backend is
 * decided. Otherwise cc->way is the way a new entry would take (the
 * flow's own, or a victim), or -1 when the bucket has none free. */
static __always_inline int conn_lookup(struct conn_ctx *cc, const struct ig_conn_key *key,
				       const struct pkt *p, __u64 now, struct steer_result *r)
{
	__u32 idx = r->hash & ig_conn_mask;
	int w;

	cc->tag = IG_CONN_TAG(r->hash);
	cc->way = -1;
	cc->found = 0;
	cc->b = bpf_map_lookup_elem(&ig_conns, &idx);
	if (!cc->b)
		return 0;
	w = conn_way_find(cc->b, key, cc->tag);
	if (w >= 0 && w < IG_CONN_WAYS) {
		r->backend = conn_follow(&cc->t, &cc->b->ways[conn_way_index(w)],
					 &cc->b->cold[conn_way_index(w)], p, now, key);
		if (r->backend)
			return 1;
		/* Closed, expired or its backend is down: the new entry
		 * takes the flow's own way. */
		cc->way = w;
		cc->tag_seen = cc->tag;
		cc->found = 1;
		return 0;
	}
	if (p->proto == IPPROTO_TCP && !tcp_is_syn(p))
		count(IG_CNT_RESTEER_NONSYN);
	cc->way = conn_way_victim(cc->b, &cc->t, now, conn_home(cc->tag), &cc->tag_seen);
	return 0;
}

/* The backend for this packet's flow: the conn entry's, or a new choice.
 * A non-SYN TCP packet without an entry (its entry was lost, or made while
 * the flood guard was on or the bucket full) is steered by Maglev, which
 * needs no state to agree with earlier packets of the flow; so is any new
 * flow that cannot have an entry. New connections (a SYN, a UDP flow
 * without a live entry) pass governance first; r->refuse says why one was
 * refused. now comes from the coarse clock (5.11): enough for timeouts, the
 * flood window and the buckets, and a fraction of a clocksource read in a
 * VM. */
static __always_inline void conn_select(const struct ig_config *cfg, const struct ig_service *svc,
					const struct ig_tenant *tn, const struct pkt *p,
					struct ig_conn_key *key, __u64 now, struct steer_result *r)
{
	int syn = tcp_is_syn(p), governed = syn || p->proto == IPPROTO_UDP, counted = 0;
	int maglev = svc->policy == IG_POLICY_MAGLEV, midflow, nostate;
	struct conn_ctx cc;

	conn_times_get(cfg, &cc.t);
	r->hash = flow_hash(p);
	if (conn_lookup(&cc, key, p, now, r))
		return;
	midflow = !cc.found && p->proto == IPPROTO_TCP && !syn;
	if (governed) {
		r->refuse = gov_admit(svc, tn, key->tenant, now, &counted);
		if (r->refuse)
			return;
	}
	nostate = cc.way < 0 || flood_exceeded(cfg, now);
	if (nostate) {
		count(cc.way < 0 ? IG_CNT_CONN_FULL : IG_CNT_FLOOD_STATELESS);
		if (counted) /* no entry will close it */
			gov_release(key->tenant);
	}
	/* One call site of the Maglev choice (each inlined path costs the
	 * verifier); the load bound applies to new connections with an entry. */
	if (nostate || maglev || midflow)
		r->backend = maglev_choose_flow(p, svc, !(nostate | midflow));
	else
		r->backend = policy_pick(svc->policy, svc->id);
	if (nostate)
		return;
	if (r->backend)
		conn_insert(svc, &cc, key, now, p, counted, r);
	else if (counted)
		gov_release(key->tenant);
}

#endif /* __IG_CONN_BPF_H */
