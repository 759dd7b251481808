/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection-state sync (docs/scale-out.md): the connection table's own
 * decisions, written to ig_sync for the agent to send to the peer gateways.
 * Off (one test of a flag) unless the agent set IG_CFG_SYNC. A full ring
 * drops the record and counts it (sync-ring-full): the packet's verdict never
 * depends on sync. */
#ifndef __IG_SYNC_BPF_H
#define __IG_SYNC_BPF_H

#include "maps/maps.bpf.h"
#include "bpf/lib/stats.bpf.h"

static __always_inline void sync_emit(const struct ig_conn_key *key, const struct ig_conn *ct,
				      __u8 op)
{
	struct ig_sync_ev *e = bpf_ringbuf_reserve(&ig_sync, sizeof(*e), 0);

	if (!e) {
		count(IG_CNT_SYNC_LOST);
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
