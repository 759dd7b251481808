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

#endif /* __IG_MAPS_ABI_H */
