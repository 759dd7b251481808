/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection-state sync (docs/scale-out.md): the connection table's own
 * decisions, written to ig_sync for the agent to send to the peer gateways.
 * Off (one test of a flag) unless the agent set IG_CFG_SYNC. A full ring
 * drops the record and counts it (ig_sync_lost): the packet's verdict never
 * depends on sync. */
#ifndef __IG_SYNC_BPF_H
#define __IG_SYNC_BPF_H

#include "maps/maps.bpf.h"

static __always_inline void sync_emit(const struct ig_conn_key *key, const struct ig_conn *ct,
				      __u8 op)
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
	e->backend = ct->backend;
	e->service = ct->service;
	e->flags = ct->flags;
	e->op = op;
	e->prio = ct->prio;
	bpf_ringbuf_submit(e, 0);
}

#endif /* __IG_SYNC_BPF_H */
