/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counter helpers over the per-CPU stats maps (no atomics needed). */
#ifndef __IG_STATS_BPF_H
#define __IG_STATS_BPF_H

#include "maps/maps.bpf.h"

static __always_inline void count(enum ig_counter cnt)
{
	__u32 key = cnt;
	__u64 *v = bpf_map_lookup_elem(&ig_counters, &key);

	if (v)
		*v += 1;
}

static __always_inline void count_drop(enum ig_drop_reason reason, __u32 bytes)
{
	__u32 key = reason;
	struct ig_drop_stat *d = bpf_map_lookup_elem(&ig_drops, &key);

	if (d) {
		d->packets += 1;
		d->bytes += bytes;
	}
	count(IG_CNT_DROP);
}

static __always_inline void count_traffic(void *map, __u32 id, __u32 bytes, int new_conn)
{
	struct ig_traffic *t = bpf_map_lookup_elem(map, &id);

	if (t) {
		t->packets += 1;
		t->bytes += bytes;
		t->new_conns += new_conn;
	}
}

/* Drops (and refusals) per tenant and reason. */
static __always_inline void count_tn_drop(__u32 tenant, enum ig_drop_reason reason, __u32 bytes)
{
	__u32 key = IG_TN_DROP_KEY(tenant, reason);
	struct ig_drop_stat *d, zero = {};

	d = bpf_map_lookup_elem(&ig_tn_drops, &key);
	if (!d) {
		/* The agent creates a tenant's entries when it adds the tenant;
		 * this covers tenant 0 and a tenant added without them. */
		bpf_map_update_elem(&ig_tn_drops, &key, &zero, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&ig_tn_drops, &key);
		if (!d)
			return;
	}
	d->packets += 1;
	d->bytes += bytes;
}

#endif /* __IG_STATS_BPF_H */
