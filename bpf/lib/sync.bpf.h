/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection-state sync (docs/scale-out.md): the connection table's own
 * decisions, written to ig_sync for the agent to send to the peer gateways.
 * Off (one test of a flag) unless the agent set IG_CFG_SYNC. A full ring
 * drops the record and counts it (ig_sync_lost): the packet's verdict never
 * depends on sync. */
#ifndef __IG_SYNC_BPF_H
#define __IG_SYNC_BPF_H

#include "maps/maps.bpf.h"

/* The record of one decision on key's entry. */
static __always_inline void sync_emit_rec(const struct ig_conn_key *key, __u32 backend,
					  __u32 service, __u32 flags, __u8 prio, __u8 op)
{
	struct ig_sync_ev *e = bpf_ringbuf_reserve(&ig_sync, sizeof(*e), 0);
	__u32 zero = 0;
	__u64 *lost;

	if (!e) {
		lost = bpf_map_lookup_elem(&ig_sync_lost, &zero);
		if (lost)
			(*lost)++; /* per CPU */
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&e->key, key, sizeof(*key));
	e->backend = backend;
	e->service = service;
	e->flags = flags;
	e->op = op;
	e->prio = prio;
	bpf_ringbuf_submit(e, 0);
}

/* The record of an existing entry, from its way's slot (ABI 3: backend,
 * service and flags; the prio is in the way's cold record, which no
 * packet reads, so the caller passes it). */
static __always_inline void sync_emit(const struct ig_conn_key *key, const struct ig_conn_slot *s,
				      __u8 prio, __u8 op)
{
	sync_emit_rec(key, s->backend, s->service, s->flags, prio, op);
}

#endif /* __IG_SYNC_BPF_H */
