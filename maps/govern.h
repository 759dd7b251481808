/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Token governance: the live token buckets per tenant (ig_tn_usage, with a
 * bpf_spin_lock for exact accounting across CPUs), open connections per
 * tenant (ig_tn_conns), the shed level per service (ig_shed), and on GPU
 * hosts the response bytes per tenant (ig_tn_resp) and per flow
 * (ig_flow_resp) the agent turns into token estimates. The limits themselves
 * live in the tenant's entry (tenant.h). */
#ifndef __IG_MAPS_GOVERN_H
#define __IG_MAPS_GOVERN_H

#include <linux/bpf.h> /* struct bpf_spin_lock */
#include "common.h"

#define IG_NSEC_PER_SEC 1000000000ULL
/* Largest burst (connections or bytes) a bucket holds: credit is kept in
 * units x 1e9, and burst x 1e9 must fit in 64 bits. */
#define IG_BURST_MAX 10000000000ULL
#define IG_FLOW_RESP_MAX 65536

/* ig_shed, per service: which classes new connections are refused for.
 * Interactive (and agentic) connections are never shed. Established
 * connections are never cut by shedding. */
enum ig_shed_level {
	IG_SHED_NONE = 0,
	IG_SHED_BATCH = 1, /* new batch connections refused */
	IG_SHED_STANDARD = 2, /* new batch and standard connections refused */
	IG_SHED__MAX,
};

/* Token buckets of one tenant. A bucket's credit is in units x 1e9 so that
 * a refill is elapsed_ns x rate with no division: one connection costs 1e9,
 * one byte 1e9; the bucket holds burst x 1e9 at most and is full again once
 * fill_ns (from the tenant's entry) has passed. A zero timestamp means
 * "never used": the first packet finds the bucket full. */
struct ig_tn_usage {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 conn_credit; /* new-connection bucket */
	__u64 conn_ns; /* its last refill */
	__u64 bw_credit; /* request-direction byte bucket */
	__u64 bw_ns;
};
IG_ASSERT_SIZE(struct ig_tn_usage, 40);

/* ig_tn_resp (per-CPU array by tenant) counts response traffic leaving a
 * GPU host's workloads with struct ig_traffic (stats.h). ig_flow_resp holds
 * the same per flow: key = struct ig_conn_key of the response direction
 * (source = the workload or VIP, destination = the client). */
enum ig_flow_flags {
	IG_FLOW_F_CUT = 1 << 0, /* set by the agent: a runaway, dropped at the host */
};

struct ig_flow_usage {
	__u64 bytes;
	__u64 packets;
	__u64 first_ns;
	__u64 last_ns;
	__u32 flags; /* enum ig_flow_flags */
	__u32 pad;
};
IG_ASSERT_SIZE(struct ig_flow_usage, 40);

#endif /* __IG_MAPS_GOVERN_H */
