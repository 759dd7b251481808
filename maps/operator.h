/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the operator sees and asks for, beside the datapath's own state:
 * the names the configuration gives tenants, services and backends
 * (published by the agent for infergatectl), and an operator's standing
 * requests on a backend (drain, a pinned weight), which the agent honours
 * until they are lifted, across its restarts. No program reads these maps:
 * they are pinned with the others, so they live as long as the datapath. */
#ifndef __IG_MAPS_OPERATOR_H
#define __IG_MAPS_OPERATOR_H

#include "maps/common.h"

enum ig_name_kind {
	IG_NAME_TENANT = 1,
	IG_NAME_SERVICE = 2,
	IG_NAME_BACKEND = 3,
};

#define IG_NAME_LEN 64 /* NUL included, as the configuration's names */
#define IG_NAMES_MAX 8192

struct ig_name_key {
	__u32 kind; /* enum ig_name_kind */
	__u32 id;
};
IG_ASSERT_SIZE(struct ig_name_key, 8);

struct ig_name {
	char name[IG_NAME_LEN];
};
IG_ASSERT_SIZE(struct ig_name, IG_NAME_LEN);

#define IG_OP_F_DRAIN 0x1u /* keep the backend draining: no new connections */
#define IG_OP_F_WEIGHT 0x2u /* use weight instead of the one telemetry gives */

/* ig_operator, by backend id; all-zero: no request. */
struct ig_operator {
	__u32 flags; /* IG_OP_F_* */
	__u32 weight; /* with IG_OP_F_WEIGHT: the Maglev weight to use (0 = no new connections) */
};
IG_ASSERT_SIZE(struct ig_operator, 8);

#endif /* __IG_MAPS_OPERATOR_H */
