/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What one ig_conns entry is for the agent's sweep: open, half-open (both
 * in flight and on the tenant's cap, as the datapath counts them: it gives
 * the counts back when it closes or replaces the entry, so the recount must
 * match it), closed (released already), or expired (removed). The recount
 * is what keeps ig_inflight honest; the SYN timeout is what bounds a spoofed
 * flood's share of it. */
#ifndef __IG_CONNCOUNT_H
#define __IG_CONNCOUNT_H

#include <linux/types.h>

#include "maps/config.h"
#include "maps/conn.h"

enum conn_class {
	CONN_OPEN, /* established */
	CONN_CLOSING, /* FIN or RST seen: the datapath released it already */
	CONN_IDLE, /* expired (closed past the linger, half-open past the SYN timeout,
		    * established past udp_idle or tcp_idle): removed */
	CONN_EMBRYONIC, /* half-open, until its SYN timeout */
};

/* now: CLOCK_MONOTONIC_COARSE, as the datapath's bpf_ktime_get_coarse_ns(). */
enum conn_class conn_classify(const struct ig_config *c, const struct ig_conn_key *k,
			      const struct ig_conn *v, __u64 now);

#endif /* __IG_CONNCOUNT_H */
