/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The whole kernel/userspace contract in one include. */
#ifndef __IG_MAPS_ABI_H
#define __IG_MAPS_ABI_H

#include "common.h"
#include "config.h"
#include "service.h"
#include "conn.h"
#include "tenant.h"
#include "stats.h"
#include "events.h"
#include "host.h"
#include "govern.h"

_Static_assert(IG_DROP__MAX <= IG_TN_DROP_REASONS, "ig_tn_drops keys have no room for a reason");

#endif /* __IG_MAPS_ABI_H */
