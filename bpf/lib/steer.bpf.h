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
