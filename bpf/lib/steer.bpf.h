/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Backend choice for a new flow: weighted Maglev (consistent hashing over the
 * agent's table) or least-loaded (power of two choices on telemetry score and
 * in-flight connections). Both draw candidates from the service's Maglev
 * table, so least-loaded samples backends in proportion to their weights.
 * The load-blind baselines, round-robin and least-conn (in-kernel in-flight
 * counts only), walk the service's backend list (ig_svc_backends). */
#ifndef __IG_STEER_BPF_H
#define __IG_STEER_BPF_H

#include "maps/maps.bpf.h"
#include "maps/flowhash.h"
#include "bpf/lib/parse.bpf.h"

/* Slots tried after the hashed one when it names a backend that is not
 * active (the agent rebuilds the table, but a packet may come first). */
#define MAGLEV_PROBES 4

static __always_inline struct ig_backend *backend_get(__u32 id)
{
	if (!id)
		return NULL;
	return bpf_map_lookup_elem(&ig_backends, &id);
}

static __always_inline int backend_active(__u32 id)
{
	struct ig_backend *be = backend_get(id);

	return be && be->state == IG_BE_ACTIVE;
}

/* The first active backend at or after slot (1-based) in a table of m slots. */
static __always_inline __u32 maglev_probe(void *table, __u32 m, __u32 slot)
{
	__u32 *id;

#pragma unroll
	for (int i = 0; i < MAGLEV_PROBES; i++) {
		id = bpf_map_lookup_elem(table, &slot);
		if (!id)
			return 0;
		if (backend_active(*id))
			return *id;
		slot = slot % m + 1;
	}
	return 0;
}

/* Slot 0 of a service's table holds its size m (a prime, at most 65521). */
static __always_inline void *maglev_table(__u32 service, __u32 *m)
{
	void *table = bpf_map_lookup_elem(&ig_maglev, &service);
	__u32 zero = 0, *size;

	if (!table)
		return NULL;
	size = bpf_map_lookup_elem(table, &zero);
	if (!size || !*size || *size > IG_MAGLEV_MAX)
		return NULL;
	*m = *size;
	return table;
}

static __always_inline __u32 maglev_pick(__u32 service, __u32 hash)
{
	__u32 m;
	void *table = maglev_table(service, &m);

	if (!table)
		return 0;
	return maglev_probe(table, m, hash % m + 1);
}

/* Lower is better: the agent's score plus in-flight connections as a share
 * of capacity, on the same scale, so the choice reacts between samples. */
static __always_inline __u64 backend_cost(__u32 id)
{
	struct ig_backend_load *l = bpf_map_lookup_elem(&ig_be_load, &id);
	__u64 *inflight = bpf_map_lookup_elem(&ig_inflight, &id);
	__u64 cap;

	if (!l || !inflight)
		return ~0ULL;
	cap = l->capacity ? l->capacity : 1;
	return l->score + *inflight * IG_SCORE_SCALE / cap;
}

static __always_inline __u32 least_loaded_pick(__u32 service)
{
	__u32 m, a, b;
	void *table = maglev_table(service, &m);

	if (!table)
		return 0;
	a = maglev_probe(table, m, bpf_get_prandom_u32() % m + 1);
	b = maglev_probe(table, m, bpf_get_prandom_u32() % m + 1);
	if (!a || !b)
		return a ? a : b;
	return backend_cost(b) < backend_cost(a) ? b : a;
}

/* Client affinity with a load bound (IG_SVC_F_AFFINITY; docs/datapath.md).
 * A backend's load, in connections: its in-flight count plus its telemetry
 * score as the share of its capacity that score says is busy. The new
 * connection fits a backend while that backend's load with it stays within
 * balance/100 of its capacity's share of the service's load with it, rounded
 * up to whole connections (so an idle service accepts anywhere): consistent
 * hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, 2018), as
 * Envoy's hash_balance_factor. Loads are in millionths of a connection;
 * the slots tried after the client's are the ones after it in the table. */
#define AFFINITY_SLOTS 16 /* table slots tried from the client's, at most */

/* The choice's working state lives in a per-CPU map, not on the stack, its
 * map keys included: the gateway's deepest frame and maglev_choose()'s must
 * fit the 512-byte stack together (with a benchmark wrapper's frame too). */
struct affinity_state {
	__u32 service;
	__u32 slot0; /* the client's slot, 0-based */
	__u32 m; /* table size */
	__u32 balance;
	__u64 share; /* bound per unit of capacity: balance/100 x load / capacity */
	__u64 load; /* the service's, the new connection included */
	__u64 cap;
	__u64 best_ratio; /* load per capacity of best */
	__u32 best; /* the least loaded candidate so far */
	__u32 pick; /* the first candidate that fits */
	__u32 key; /* the key of the lookup at hand */
	__u32 pad;
	__u64 be_load, be_cap; /* affinity_backend()'s answer */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct affinity_state);
} ig_affinity_scratch SEC(".maps");

static __always_inline struct affinity_state *affinity_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ig_affinity_scratch, &zero);
}

/* Load and capacity of active backend id into a->be_load and a->be_cap; 0
 * when it is not active or has no load entry. */
static __always_inline int affinity_backend(struct affinity_state *a, __u32 id)
{
	struct ig_backend_load *l;
	struct ig_backend *be;
	__u64 *inflight;

	/* No pointer outlives the next lookup: the values go to a first. */
	a->key = id;
	be = bpf_map_lookup_elem(&ig_backends, &a->key);
	if (!id || !be || be->state != IG_BE_ACTIVE)
		return 0;
	l = bpf_map_lookup_elem(&ig_be_load, &a->key);
	if (!l)
		return 0;
	a->be_cap = l->capacity ? l->capacity : 1;
	a->be_load = (__u64)l->score * a->be_cap;
	inflight = bpf_map_lookup_elem(&ig_inflight, &a->key);
	if (!inflight)
		return 0;
	a->be_load += *inflight * IG_SCORE_SCALE;
	return 1;
}

/* Backend i of the service into its load and capacity; 1: no more. */
static __always_inline int affinity_sum(struct affinity_state *a, __u32 i)
{
	struct ig_svc_backends *sb = bpf_map_lookup_elem(&ig_svc_backends, &a->service);

	if (!sb || i >= sb->count || i >= IG_SVC_BE_MAX)
		return 1;
	if (affinity_backend(a, sb->ids[i])) {
		a->load += a->be_load;
		a->cap += a->be_cap;
	}
	return 0;
}

/* The i-th slot from the client's; 1: stop (a fit, or no table). */
static __always_inline int affinity_try(struct affinity_state *a, __u32 i)
{
	void *table = bpf_map_lookup_elem(&ig_maglev, &a->service);
	__u64 allowed, ratio;
	__u32 *id;

	if (!table || !a->m)
		return 1;
	a->key = (a->slot0 + i) % a->m + 1;
	id = bpf_map_lookup_elem(table, &a->key);
	if (!id || !affinity_backend(a, *id))
		return 0;
	/* its share of the bound, rounded up to whole connections */
	allowed = a->share * a->be_cap;
	allowed = (allowed + IG_SCORE_SCALE - 1) / IG_SCORE_SCALE * IG_SCORE_SCALE;
	if (a->be_load + IG_SCORE_SCALE <= allowed) {
		a->pick = a->key; /* affinity_backend() left the id there */
		return 1;
	}
	ratio = a->be_load / a->be_cap;
	if (!a->best || ratio < a->best_ratio) {
		a->best = a->key;
		a->best_ratio = ratio;
	}
	return 0;
}

/* maglev_choose()'s service word: the service id, the affinity flag, its
 * port block and balance, and whether the bound applies. */
#define CHOOSE_SVC(w) ((__u32)((w)&0xffff))
#define CHOOSE_AFFINITY(w) (((w) >> 16) & 1)
#define CHOOSE_BOUNDED(w) (((w) >> 17) & 1)
#define CHOOSE_PORT_BLOCK(w) ((__u16)((w) >> 32))
#define CHOOSE_BALANCE(w) ((__u32)(((w) >> 48) & 0xffff))

/* The Maglev choice for a new flow, given its hash's first step (ab: a << 32
 * | b, and c; maps/flowhash.h), its ports in packet order (ports: sport << 16
 * | dport) and its service word (svc): the backend of the slot of its flow
 * hash, or with client affinity of its client's hash (the source port
 * replaced by its group); with the service's bound (affinity only, and
 * unless the word says unbounded: a packet of a flow without an entry) the
 * first backend in the table's order from that slot that has room, or when
 * none of AFFINITY_SLOTS has, the least loaded of them. A global function
 * with scalar arguments: the verifier checks it once, not on every path of
 * the gateway that calls it, and no stack of the caller's is marked read
 * (a pointer argument made it, and pruning in a benchmark wrapper on 6.1
 * suffered). */
__noinline __u32 maglev_choose(__u64 ab, __u32 c, __u32 ports, __u64 svc)
{
	struct ig_flow_pre pre = { (__u32)(ab >> 32), (__u32)ab, c };
	__be16 sport = (__be16)(ports >> 16), dport = (__be16)ports;
	__u32 m, hash, service = CHOOSE_SVC(svc), balance = CHOOSE_BALANCE(svc);
	struct affinity_state *a;

	if (CHOOSE_AFFINITY(svc))
		sport = ig_affinity_port(sport, CHOOSE_PORT_BLOCK(svc));
	hash = ig_flow_final(&pre, sport, dport);
	if (!CHOOSE_AFFINITY(svc) || !CHOOSE_BOUNDED(svc) || !balance)
		return maglev_pick(service, hash);
	a = affinity_state();
	if (!a || !maglev_table(service, &m))
		return 0;
	__builtin_memset(a, 0, sizeof(*a));
	a->service = service;
	a->slot0 = hash % m;
	a->m = m;
	a->balance = balance;
	a->load = IG_SCORE_SCALE; /* the new connection */
	for (__u32 i = 0; i < IG_SVC_BE_MAX; i++)
		if (affinity_sum(a, i))
			break;
	a->share = a->cap ? a->load * a->balance / 100 / a->cap : 0;
	for (__u32 i = 0; i < AFFINITY_SLOTS; i++)
		if (affinity_try(a, i))
			break;
	if (a->pick)
		return a->pick;
	return a->best ? a->best : maglev_pick(service, hash);
}

/* maglev_choose() for flow p of service svc; bounded 0 turns the load bound
 * off. The hash's first step is redone here rather than kept alive across
 * the connection table's code. */
static __always_inline __u32 maglev_choose_flow(const struct pkt *p, const struct ig_service *svc,
						__u32 bounded)
{
	struct ig_flow_pre pre;
	__u64 w = svc->id | (__u64)(svc->flags & IG_SVC_F_AFFINITY) << 16 | (__u64)bounded << 17 |
		  (__u64)svc->port_block << 32 | (__u64)svc->balance << 48;

	_Static_assert(IG_SVC_F_AFFINITY == 1, "the flag is the word's bit 16");
	ig_flow_pre(&pre, (const __u32 *)p->saddr, (const __u32 *)p->daddr, p->proto);
	return maglev_choose((__u64)pre.a << 32 | pre.b, pre.c, (__u32)p->sport << 16 | p->dport,
			     w);
}

/* The service's backend list, or NULL when it has none. */
static __always_inline struct ig_svc_backends *svc_backends(__u32 service, __u32 *n)
{
	struct ig_svc_backends *sb = bpf_map_lookup_elem(&ig_svc_backends, &service);

	__u32 count;

	if (!sb)
		return NULL;
	count = sb->count;
	if (!count || count > IG_SVC_BE_MAX)
		return NULL;
	/* Hide the bound just checked from the compiler: knowing n <= 32 it
	 * drops the constant bound of the loops below, and older verifiers
	 * (6.1) cannot bound a loop on n alone. */
	asm volatile("" : "+r"(count));
	*n = count;
	return sb;
}

/* Advance the service's cursor: concurrent CPUs each get their own turn. */
static __always_inline __u32 svc_backends_turn(struct ig_svc_backends *sb, __u32 n)
{
	return __sync_fetch_and_add(&sb->next, 1) % n;
}

/* The list's entry i places after start, wrapped (start < n <= IG_SVC_BE_MAX). */
static __always_inline __u32 svc_backends_at(const struct ig_svc_backends *sb, __u32 start, __u32 i,
					     __u32 n)
{
	__u32 idx = start + i;

	if (idx >= n)
		idx -= n;
	/* Tells the verifier what start < n already guarantees. */
	if (idx >= IG_SVC_BE_MAX)
		return 0;
	return sb->ids[idx];
}

/* The next active backend in turn; inactive ones are skipped, so a draining
 * or down backend's turn goes to the one after it. */
static __always_inline __u32 round_robin_pick(__u32 service)
{
	__u32 n, start, id;
	struct ig_svc_backends *sb = svc_backends(service, &n);

	if (!sb)
		return 0;
	start = svc_backends_turn(sb, n);
	for (__u32 i = 0; i < IG_SVC_BE_MAX && i < n; i++) {
		id = svc_backends_at(sb, start, i, n);
		if (backend_active(id))
			return id;
	}
	return 0;
}

/* The active backend with the fewest in-flight connections as the kernel
 * counts them (no telemetry). The scan starts at the next round-robin turn,
 * so ties (an idle service) go round in turn rather than to the first. */
static __always_inline __u32 least_conn_pick(__u32 service)
{
	__u32 n, start, id, best = 0;
	struct ig_svc_backends *sb = svc_backends(service, &n);
	__u64 best_n = ~0ULL, *inflight;

	if (!sb)
		return 0;
	start = svc_backends_turn(sb, n);
	for (__u32 i = 0; i < IG_SVC_BE_MAX && i < n; i++) {
		id = svc_backends_at(sb, start, i, n);
		if (!backend_active(id))
			continue;
		inflight = bpf_map_lookup_elem(&ig_inflight, &id);
		if (inflight && *inflight < best_n) {
			best_n = *inflight;
			best = id;
		}
	}
	return best;
}

/* A stateful choice by the service's policy (Maglev is stateless: the
 * caller picks it from the flow hash alone). */
static __always_inline __u32 policy_pick(__u8 policy, __u32 service)
{
	switch (policy) {
	case IG_POLICY_ROUND_ROBIN:
		return round_robin_pick(service);
	case IG_POLICY_LEAST_CONN:
		return least_conn_pick(service);
	default:
		return least_loaded_pick(service);
	}
}

#endif /* __IG_STEER_BPF_H */
