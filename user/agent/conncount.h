/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What one ig_conns entry counts for in the agent's sweep: an open
 * connection (in-flight on its backend, and on its tenant's cap), a
 * handshake that never completed (on its tenant's cap only: not counting
 * it there would let quiet real connections past the cap), or an entry to
 * remove. The recount is what keeps ig_inflight honest. */
#ifndef __IG_CONNCOUNT_H
#define __IG_CONNCOUNT_H

#include <linux/types.h>

#include "maps/config.h"
#include "maps/conn.h"

/* A TCP entry whose last_ns has not moved from first_ns this long after its
 * SYN is counted as a handshake that never completed: a spoofed SYN flood
 * fills the table with them. It is kept, not removed: last_ns is the
 * coarse clock (one tick, 1-4 ms), and a real connection whose handshake
 * and request fell in one tick and that then waits for a long response
 * looks the same; removing its entry would let a table change re-steer it. */
#define CONN_EMBRYONIC_NS (10 * 1000000000ULL)

enum conn_class {
	CONN_OPEN, /* counts */
	CONN_CLOSING, /* FIN or RST seen: the datapath released it already */
	CONN_IDLE, /* past gateway.tcp_idle or udp_idle: removed */
	CONN_EMBRYONIC, /* a SYN and nothing since, for CONN_EMBRYONIC_NS: not in flight */
};

/* now: CLOCK_MONOTONIC_COARSE, as the datapath's bpf_ktime_get_coarse_ns(). */
enum conn_class conn_classify(const struct ig_config *c, const struct ig_conn_key *k,
			      const struct ig_conn *v, __u64 now);

#endif /* __IG_CONNCOUNT_H */
