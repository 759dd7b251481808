/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The connection-state sync wire format (docs/scale-out.md): one UDP
 * datagram carries a header and up to SYNC_BATCH_MAX fixed-size records, in
 * network byte order. Pure code, no I/O: the parser takes untrusted bytes
 * from the underlay and checks every field (tests/unit/test_sync.c,
 * tests/fuzz/fuzz_sync.c); sync.c does the sockets and the table. */
#ifndef __IG_SYNCWIRE_H
#define __IG_SYNCWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps/ig_abi.h"

#define SYNC_MAGIC 0x49475359U /* "IGSY" */
#define SYNC_VERSION 1
#define SYNC_TYPE_ENTRIES 1
#define SYNC_HDR_LEN 32
#define SYNC_REC_LEN 56
#define SYNC_BATCH_MAX 1024 /* records per datagram: 57376 bytes, under 64 KiB */

/* What a record asks of the peer. */
enum sync_wire_op {
	SYNC_OP_PUT = 1, /* an entry in the state of flags (new, or established) */
	SYNC_OP_CLOSE = 2, /* FIN or RST: mark it closed */
	SYNC_OP_DELETE = 3, /* the sender expired it */
	SYNC_OP__MAX,
};

/* Record flags on the wire (not the table's bits: those may change). */
enum sync_wire_flags {
	SYNC_WF_EST = 1 << 0,
	SYNC_WF_CONFIRMED = 1 << 1,
	SYNC_WF__ALL = (1 << 2) - 1,
};

/* Why a datagram or record was refused: /metrics' reason label. */
#define SYNC_REJECTS(X)               \
	X(SHORT, "short")             \
	X(MAGIC, "magic")             \
	X(VERSION, "version")         \
	X(TYPE, "type")               \
	X(LENGTH, "length")           \
	X(PEER, "unknown-peer")       \
	X(OP, "op")                   \
	X(PROTO, "proto")             \
	X(FLAGS, "flags")             \
	X(SERVICE, "unknown-service") \
	X(BACKEND, "unknown-backend") \
	X(TENANT, "tenant")           \
	X(TABLE_FULL, "table-full")

#define SYNC_REJ_ENUM_(n, s) SYNC_REJ_##n,
/* From 1: the parsers return 0 or -(enum sync_reject). */
enum sync_reject { SYNC_REJ_NONE_, SYNC_REJECTS(SYNC_REJ_ENUM_) SYNC_REJ__MAX };
#undef SYNC_REJ_ENUM_
const char *sync_reject_str(unsigned int r);

struct sync_hdr {
	__u64 epoch; /* the sender's run: random at its start */
	__u64 seq; /* the first record's sequence number */
	__u64 sent_ns; /* CLOCK_REALTIME at sending */
	__u16 count; /* records that follow */
};

/* One decision, host order but ports (network order, as in the key). */
struct sync_rec {
	__u8 op; /* enum sync_wire_op */
	__u8 flags; /* enum sync_wire_flags */
	__u8 prio;
	struct ig_conn_key key;
	__u32 service;
	__u32 backend;
	__u32 age_us; /* from the datapath's decision to the send */
	__u64 ts_ns; /* the sender's: CLOCK_MONOTONIC of the decision (not sent) */
};

/* What the receiving gateway serves, to check records against: a record
 * is applied only for a service of the same VIP, port, protocol and tenant
 * here, and a backend of that service. */
struct sync_known {
	struct {
		__u8 vip[IG_ADDR_LEN];
		__be16 port;
		__u8 proto;
		bool present;
		__u32 tenant;
	} svc[IG_SERVICE_MAX];
	__u32 svc_of_backend[IG_BACKEND_MAX]; /* 0: no such backend */
};

/* Encode: the header at buf, record i at buf + SYNC_HDR_LEN + i * REC_LEN. */
void sync_hdr_put(void *buf, const struct sync_hdr *h);
void sync_rec_put(void *buf, const struct sync_rec *r);

/* Check a datagram's header and its length: 0 with *h filled, or
 * -(enum sync_reject). */
int sync_hdr_parse(const void *buf, size_t len, struct sync_hdr *h);
/* Decode record i (< h->count) of a datagram sync_hdr_parse accepted and
 * check it, against known when it is not NULL: 0, or -(enum sync_reject). */
int sync_rec_parse(const void *buf, unsigned int i, const struct sync_known *known,
		   struct sync_rec *r);

/* The sequence state of one peer. */
struct sync_seq {
	__u64 epoch;
	__u64 next; /* the sequence number expected next */
	bool started;
};
/* A datagram's header arrived: returns the records lost before it (a gap),
 * and counts a new epoch (the peer restarted) in *restarts and one that
 * goes back (reordered or duplicated) in *late. */
__u64 sync_seq_note(struct sync_seq *s, const struct sync_hdr *h, __u64 *restarts, __u64 *late);

#endif /* __IG_SYNCWIRE_H */
