/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection-state sync (ig_sync, a ring buffer): the gateway's own
 * connection-table decisions, for the agent to send to its peer gateways
 * (docs/scale-out.md). Written only while IG_CFG_SYNC is set: a new entry
 * (the SYN's choice, or a flow met mid-stream), its handshake's ACK, the
 * first traffic after it, and its FIN or RST. */
#ifndef __IG_MAPS_CONNSYNC_H
#define __IG_MAPS_CONNSYNC_H

#include "maps/common.h"
#include "maps/conn.h"

#define IG_SYNC_BYTES (1024 * 1024)

enum ig_sync_op {
	IG_SYNC_NEW = 1, /* an entry was made (flags: its state) */
	IG_SYNC_EST = 2, /* the handshake's ACK, or the first traffic after it */
	IG_SYNC_CLOSE = 3, /* FIN or RST: the entry is closed */
};

struct ig_sync_ev {
	__u64 ts_ns; /* bpf_ktime_get_ns() at the decision */
	struct ig_conn_key key;
	__u32 backend;
	__u32 service;
	__u32 flags; /* enum ig_conn_flags after the event */
	__u8 op; /* enum ig_sync_op */
	__u8 prio;
	__u8 pad[6];
};
IG_ASSERT_SIZE(struct ig_sync_ev, 72);

#endif /* __IG_MAPS_CONNSYNC_H */
