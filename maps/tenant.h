/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tenants (ig_tenants, array indexed by tenant id): each owns one VXLAN VNI. */
#ifndef __IG_MAPS_TENANT_H
#define __IG_MAPS_TENANT_H

#include "maps/common.h"

enum ig_tenant_flags {
	IG_TENANT_F_ACTIVE = 1 << 0, /* entry is configured; id 0 is never a tenant */
	IG_TENANT_F_RST = 1 << 1, /* refuse a new TCP connection with a RST, not a drop */
	IG_TENANT_F_THROTTLED = 1 << 2, /* runaway: the agent refuses its new connections */
	IG_TENANT_F_LIMITED = 1 << 3, /* any of the limits below is set */
};

/* Limits (maps/govern.h has the buckets): 0 means unlimited. Costs and
 * depths are in bucket time (govern.h), computed by dp_tenant_limits() so
 * the datapath needs no division. */
struct ig_tenant {
	__u32 vni; /* 24-bit VXLAN network identifier */
	__u32 flags; /* enum ig_tenant_flags */
	__u8 prio; /* default enum ig_prio of the tenant's services */
	__u8 pad[3];
	__u32 max_conns; /* open connections */
	__u32 conn_rate; /* new connections per second */
	__u32 conn_burst; /* bucket size in connections */
	__u64 conn_cost; /* one connection: IG_GOV_UNITS_PER_SEC / conn_rate */
	__u64 conn_depth; /* conn_burst x conn_cost */
	__u64 bw_rate; /* request-direction bytes per second */
	__u64 bw_burst; /* bucket size in bytes */
	__u64 bw_cost; /* one byte, 16.16 fixed point: (IG_GOV_UNITS_PER_SEC << 16) / bw_rate */
	__u64 bw_depth; /* bw_burst bytes */
};
IG_ASSERT_SIZE(struct ig_tenant, 72);

#endif /* __IG_MAPS_TENANT_H */
