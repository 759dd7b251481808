/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection table (ig_conns, LRU hash): an established flow follows its entry. */
#ifndef __IG_MAPS_CONN_H
#define __IG_MAPS_CONN_H

#include "maps/common.h"

struct ig_conn_key {
	__u8 saddr[IG_ADDR_LEN];
	__u8 daddr[IG_ADDR_LEN];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
	__u32 tenant;
};
IG_ASSERT_SIZE(struct ig_conn_key, 44);

enum ig_conn_flags {
	IG_CONN_F_CLOSING = 1 << 0, /* FIN or RST seen; in-flight already released */
	IG_CONN_F_COUNTED = 1 << 1, /* counted in ig_tn_conns against the tenant's cap */
};

struct ig_conn {
	__u64 first_ns;
	__u64 last_ns;
	__u32 backend;
	__u32 service;
	__u8 prio;
	__u8 flags; /* enum ig_conn_flags */
	__u16 pad0;
	__u32 hash; /* the flow hash (maps/flowhash.h), kept so later packets skip it */
};
IG_ASSERT_SIZE(struct ig_conn, 32);

#endif /* __IG_MAPS_CONN_H */
