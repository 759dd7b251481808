/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The whole kernel/userspace contract in one include. */
#ifndef __IG_MAPS_ABI_H
#define __IG_MAPS_ABI_H

#include "maps/common.h"
#include "maps/config.h"
#include "maps/service.h"
#include "maps/conn.h"
#include "maps/tenant.h"
#include "maps/stats.h"
#include "maps/events.h"
#include "maps/connsync.h"
#include "maps/host.h"
#include "maps/govern.h"
#include "maps/operator.h"

_Static_assert(IG_DROP__MAX <= IG_TN_DROP_REASONS, "ig_tn_drops keys have no room for a reason");

#endif /* __IG_MAPS_ABI_H */
