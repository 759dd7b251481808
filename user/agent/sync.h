/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection-state sync between gateways (docs/scale-out.md), after the
 * Linux IPVS sync daemon and conntrackd: the datapath's own decisions
 * (ig_sync ring: new entries, handshake ACKs, FIN/RST) and the sweep's
 * expiries and refreshes are queued (bounded: more are dropped and
 * counted), batched into sequence-numbered UDP datagrams (syncwire.h) and
 * sent to every peer; the peers' datagrams are checked and applied to this
 * gateway's table through dp.c. Loss is tolerated and counted (sequence
 * gaps); nothing is retransmitted. Work per call is bounded, so a SYN
 * flood never starves the agent's loop. */
#ifndef __IG_SYNC_H
#define __IG_SYNC_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/metrics.h"
#include "user/agent/syncwire.h"
#include "user/lib/dp.h"

/* Per call of sync_perform(): ring records taken, datagrams read. */
#define SYNC_RING_BUDGET 8192
#define SYNC_RX_BUDGET 512

struct sync_peer {
	struct config_listen at;
	struct sync_seq seq;
	__u64 rx_dgrams, rx_entries, lost, restarts, late;
	__u64 tx_dgrams, tx_errors;
	__u64 last_rx_ns; /* CLOCK_MONOTONIC; 0: never */
};

struct sync_stats {
	__u64 ring; /* records read from ig_sync */
	__u64 queued, queue_drops;
	__u64 sent; /* records sent (each to every peer) */
	__u64 received, applied;
	__u64 rejects[SYNC_REJ__MAX];
	__u64 refreshed, expired; /* records the sweep queued */
};

struct sync {
	struct config_sync cfg; /* its peers point into the agent's ig_cfg */
	const struct dp_maps *maps;
	struct dp_conns *tbl;
	struct dp_sync_ring *ring;
	int sock, epfd;
	unsigned int n_peers;
	struct sync_peer *peers;
	struct sync_known *known;
	struct ig_config dpcfg; /* timeouts, for the entries applied */
	struct sync_rec *q; /* the send queue, a ring of cfg.queue records */
	__u32 q_head, q_len;
	unsigned int ring_taken; /* this call's ring budget used */
	__u64 epoch, seq;
	__u64 next_refresh_ns;
	bool refresh_now; /* this sweep sends entries with traffic again */
	struct sync_stats st;
	struct hist h_lag; /* a peer's decision to its entry here */
	__u8 *buf; /* one datagram */
};

/* Bind cs->listen, open the ring and the table. 0 or -errno (logged). */
int sync_start(struct sync *s, const struct ig_cfg *cfg, const struct dp_maps *m);
void sync_stop(struct sync *s);
/* After a reload: services, backends and timeouts to check and apply
 * against (peers and addresses change only with a restart of sync). */
void sync_known_set(struct sync *s, const struct ig_cfg *cfg);
/* The descriptor the event loop waits on (ring and socket), or -1. */
int sync_fd(const struct sync *s);
/* Read the ring, send the queue, apply what peers sent: each bounded.
 * Returns true when work was left for the next call. */
bool sync_perform(struct sync *s);
/* The sweep: before the walk (now: CLOCK_MONOTONIC_COARSE), each entry it
 * keeps or deletes (expired: it is deleted; open: established, not closed). */
void sync_sweep_begin(struct sync *s, __u64 now);
void sync_sweep_entry(struct sync *s, const struct dp_conn *c, bool expired, bool open, __u64 now);
/* The /metrics families. */
void sync_render(const struct sync *s, struct mbuf *m);
/* Queue one record (tests and benchmarks use it too); false when dropped. */
bool sync_queue(struct sync *s, const struct sync_rec *r);
/* Apply one checked record to the table; 0 or -(enum sync_reject). */
int sync_apply(struct sync *s, const struct sync_rec *r, __u64 now);

#endif /* __IG_SYNC_H */
