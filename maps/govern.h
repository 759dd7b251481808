/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Token governance: the live token buckets per tenant (ig_tn_usage, exact
 * across CPUs without a lock), connections counted against each tenant's
 * cap (ig_tn_conns), the shed level per service (ig_shed), and on GPU
 * hosts the response bytes per tenant (ig_tn_resp) and per flow
 * (ig_flow_resp) the agent turns into token estimates. The limits themselves
 * live in the tenant's entry (tenant.h). */
#ifndef __IG_MAPS_GOVERN_H
#define __IG_MAPS_GOVERN_H

#include "maps/common.h"

/* Bucket time: 1/16 ns since boot (the coarse monotonic clock x 16), so a
 * byte at 16 GB/s is still one unit; 64 bits last 36 years of uptime. */
#define IG_GOV_SHIFT 4
#define IG_GOV_UNITS_PER_SEC (1000000000ULL << IG_GOV_SHIFT)
#define IG_GOV_COST_FRAC 16 /* bytes' cost is 16.16 fixed point */
/* Limits the arithmetic is exact enough for (checked by dp_tenant_limits()
 * and the configuration): a connection costs at least 160 units (error
 * under 1%), a byte between 1 and 2^24 units, a bucket holds at most a
 * day's worth. */
#define IG_CONN_RATE_MAX 100000000U /* new connections per second */
#define IG_BW_RATE_MIN 1024ULL /* bytes per second */
#define IG_BW_RATE_MAX 16000000000ULL
#define IG_BURST_SECONDS_MAX 86400ULL
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

/* The token buckets of one tenant, as GCRA (the virtual-scheduling form of
 * a token bucket): each holds the theoretical arrival time of the next
 * conforming unit, in bucket time. A packet conforms when
 * max(tat, now) + cost - now <= depth, and then moves tat there, with one
 * compare-and-swap: exact across CPUs, no lock. 0 means never used: the
 * bucket is full. */
struct ig_tn_usage {
	__u64 conn_tat; /* new connections */
	__u64 bw_tat; /* request-direction bytes */
};
IG_ASSERT_SIZE(struct ig_tn_usage, 16);

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
