/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ring-buffer records (ig_events): sampled steering decisions and drops. */
#ifndef __IG_MAPS_EVENTS_H
#define __IG_MAPS_EVENTS_H

#include "maps/common.h"

enum ig_event_type {
	IG_EV_DECISION = 1, /* a new flow was steered to a backend */
	IG_EV_DROP = 2, /* a packet was dropped; reason = enum ig_drop_reason */
};

struct ig_event {
	__u64 ts_ns;
	__u8 saddr[IG_ADDR_LEN];
	__u8 daddr[IG_ADDR_LEN];
	__be16 sport;
	__be16 dport;
	__u32 service;
	__u32 backend;
	__u32 tenant;
	__u32 ifindex;
	__u8 type; /* enum ig_event_type */
	__u8 reason; /* enum ig_drop_reason */
	__u8 proto;
	__u8 policy;
};
IG_ASSERT_SIZE(struct ig_event, 64);

#endif /* __IG_MAPS_EVENTS_H */
