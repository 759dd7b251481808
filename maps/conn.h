/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Connection table (ig_conns): a set-associative flow table in an array of
 * buckets (docs/conntable.md). A flow lives in bucket hash % buckets, in one
 * of IG_CONN_WAYS ways; each way's tag word (0 empty, IG_CONN_TAG_BUSY while
 * a writer owns it, else the flow hash | 1) is what writers compare-and-swap.
 * Replacement prefers expired and closed entries, then half-open ones, and
 * never takes a live established entry. */
#ifndef __IG_MAPS_CONN_H
#define __IG_MAPS_CONN_H

#include "maps/common.h"

#define IG_CONN_WAYS_BITS 3
#define IG_CONN_WAYS (1 << IG_CONN_WAYS_BITS)
#define IG_CONN_BUCKETS (IG_CONN_MAX / IG_CONN_WAYS) /* a power of two */
#define IG_CONN_TAG_EMPTY 0U
#define IG_CONN_TAG_BUSY 2U /* even: never a flow's tag */
#define IG_CONN_TAG(hash) ((hash) | 1U)
/* A flow's home way (the hash's top bits; the bucket takes the low ones):
 * a new entry takes it when it is empty, and lookups read it first. */
#define IG_CONN_HOME(tag) ((tag) >> (32 - IG_CONN_WAYS_BITS))

/* Half-open entries and closed ones past these (0 in ig_config) go first. */
#define IG_SYN_TIMEOUT_DEFAULT_NS (5ULL * 1000 * 1000 * 1000)
#define IG_CONN_LINGER_DEFAULT_NS (5ULL * 1000 * 1000 * 1000)

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

/* The entry's state is in its flags: half-open until IG_CONN_F_EST,
 * closed once IG_CONN_F_CLOSING (set with an atomic or, so whoever sets it
 * releases the in-flight and tenant counts exactly once). */
enum ig_conn_flags {
	IG_CONN_F_CLOSING = 1 << 0, /* FIN or RST seen (or re-steered, replaced); released */
	IG_CONN_F_COUNTED = 1 << 1, /* counted in ig_tn_conns against the tenant's cap */
	IG_CONN_F_EST = 1 << 2, /* the handshake's ACK (TCP) or any UDP packet seen */
	IG_CONN_F_CONFIRMED = 1 << 3, /* traffic after the handshake: a live session */
	IG_CONN_F_SYNCED = 1 << 4, /* made by the agent from a peer gateway's sync */
};

/* An entry as userspace sees it (dp_conn_get, dp_conn_put, dp_conns_walk):
 * dp.c assembles it from the way's slot and its cold record. */
struct ig_conn {
	__u64 first_ns;
	__u64 last_ns;
	__u32 backend;
	__u32 service;
	__u32 flags; /* enum ig_conn_flags; 32 bits for the datapath's atomic or */
	__u32 hash; /* the flow hash (maps/flowhash.h) */
	__u8 prio;
	__u8 pad[7];
};
IG_ASSERT_SIZE(struct ig_conn, 40);

/* One way: everything a packet reads or writes, in one 64-byte cache line
 * (ABI 3; ABI 2 had an 88-byte slot across two or three lines). */
struct ig_conn_slot {
	struct ig_conn_key key;
	__u32 backend;
	__u32 flags; /* enum ig_conn_flags; 32 bits for the datapath's atomic or */
	__u32 service;
	__u64 last_ns; /* refreshed at most every IG_CONN_REFRESH_NS */
};
IG_ASSERT_SIZE(struct ig_conn_slot, 64);

/* What no packet reads: written when the entry is made. */
struct ig_conn_cold {
	__u64 first_ns;
	__u32 hash; /* the flow hash (maps/flowhash.h) */
	__u8 prio;
	__u8 pad[3];
};
IG_ASSERT_SIZE(struct ig_conn_cold, 16);

/* A packet's last_ns is stored only when the stored one is older than this
 * (2^24 ns, about 17 ms), so a busy flow's line stays clean; the shortest
 * timeout it is compared with is 100 ms. */
#define IG_CONN_REFRESH_NS (1ULL << 24)

/* ig_conns' value, 11 cache lines (the array's values are page-aligned:
 * BPF_F_MMAPABLE): the tags' line, then one line per way, then the ways'
 * cold records. A lookup reads the tags' line and the matching way's. */
struct ig_conn_bucket {
	__u32 tags[IG_CONN_WAYS];
	__u32 pad[IG_CONN_WAYS];
	struct ig_conn_slot ways[IG_CONN_WAYS];
	struct ig_conn_cold cold[IG_CONN_WAYS];
};
IG_ASSERT_SIZE(struct ig_conn_bucket, 64 + 64 * IG_CONN_WAYS + 16 * IG_CONN_WAYS);

#endif /* __IG_MAPS_CONN_H */
