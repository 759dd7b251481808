/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tenants (ig_tenants, array indexed by tenant id): each owns one VXLAN VNI. */
#ifndef __IG_MAPS_TENANT_H
#define __IG_MAPS_TENANT_H

#include "common.h"

enum ig_tenant_flags {
	IG_TENANT_F_ACTIVE = 1 << 0, /* entry is configured; id 0 is never a tenant */
};

struct ig_tenant {
	__u32 vni; /* 24-bit VXLAN network identifier */
	__u32 flags; /* enum ig_tenant_flags */
	__u8 prio; /* default enum ig_prio of the tenant's services */
	__u8 pad[7];
};
IG_ASSERT_SIZE(struct ig_tenant, 16);

#endif /* __IG_MAPS_TENANT_H */
