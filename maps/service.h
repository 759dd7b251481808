/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Services (VIP:port/proto), backends and their load, and the Maglev tables. */
#ifndef __IG_MAPS_SERVICE_H
#define __IG_MAPS_SERVICE_H

#include "maps/common.h"

enum ig_policy {
	IG_POLICY_MAGLEV = 0, /* weighted consistent hashing */
	IG_POLICY_LEAST_LOADED = 1, /* power of two choices on score and in-flight */
	IG_POLICY_ROUND_ROBIN = 2, /* the service's backends in turn (ig_svc_backends) */
	IG_POLICY_LEAST_CONN = 3, /* fewest in-flight connections (ig_inflight only) */
	IG_POLICY__MAX,
};

enum ig_prio {
	IG_PRIO_STANDARD = 0,
	IG_PRIO_INTERACTIVE = 1, /* interactive and agentic: never shed while capacity remains */
	IG_PRIO_BATCH = 2, /* shed first */
	IG_PRIO__MAX,
};

struct ig_service_key {
	__u8 addr[IG_ADDR_LEN]; /* VIP, IPv4-mapped for IPv4 */
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
IG_ASSERT_SIZE(struct ig_service_key, 20);

/* ig_service.flags */
enum ig_service_flags {
	/* Client affinity (IG_POLICY_MAGLEV only): a new connection's Maglev
	 * slot comes from the client's address (and its source port's block of
	 * port_block ports, when set) instead of the 5-tuple, so a client's
	 * connections share a backend (its KV and prefix cache); with balance
	 * set, a backend whose load would pass balance/100 of its share of the
	 * service's load gets none, and the next backends in the table's order
	 * are tried (consistent hashing with bounded loads). */
	IG_SVC_F_AFFINITY = 1 << 0,
};

struct ig_service {
	__u32 id; /* 1..IG_SERVICE_MAX-1: index of ig_maglev, ig_svc_stats */
	__u32 tenant; /* the VNI comes from this tenant's entry, never from the packet */
	__u8 policy; /* enum ig_policy */
	__u8 prio; /* enum ig_prio */
	__u16 flags; /* enum ig_service_flags */
	__u16 balance; /* affinity's load bound, in hundredths of the fair share; 0 = none */
	__u16 port_block; /* affinity: source ports per group; 0 = the address alone */
};
IG_ASSERT_SIZE(struct ig_service, 16);

enum ig_backend_state {
	IG_BE_ACTIVE = 0,
	IG_BE_DRAINING = 1, /* keeps its connections, gets no new ones */
	IG_BE_DOWN = 2, /* its connections are re-steered */
	IG_BE_STATE__MAX,
};

struct ig_backend {
	__u8 addr[IG_ADDR_LEN]; /* VTEP (underlay) address of the GPU host */
	__u8 mac[6]; /* next-hop MAC toward addr (outer destination) */
	__u8 smac[6]; /* MAC of the underlay egress interface (outer source) */
	__u8 inner_mac[6]; /* inner destination MAC (the host's VTEP device); 0 = keep */
	__u8 state; /* enum ig_backend_state */
	__u8 flags;
	__u32 ifindex; /* underlay egress interface: XDP_TX if it is the ingress one */
	__u32 service; /* owning service id */
	__u32 weight; /* agent's current weight (informational for the datapath) */
};
IG_ASSERT_SIZE(struct ig_backend, 48);

/* Written by the agent only. The in-flight count the datapath maintains lives
 * in its own map (ig_inflight), so a score update never races with it. */
struct ig_backend_load {
	__u32 score; /* telemetry load, 0 (idle) .. IG_SCORE_SCALE (saturated) */
	__u32 capacity; /* concurrent connections the backend serves well */
};
IG_ASSERT_SIZE(struct ig_backend_load, 8);

#define IG_SCORE_SCALE 1000000

/* A service's backends in configuration order, for the policies that walk
 * them (round-robin, least-conn). The agent writes count and ids; next is
 * the round-robin cursor the datapath advances (the agent keeps it). */
#define IG_SVC_BE_MAX 32

struct ig_svc_backends {
	__u32 next;
	__u32 count; /* ids[0..count-1] are valid */
	__u32 ids[IG_SVC_BE_MAX];
};
IG_ASSERT_SIZE(struct ig_svc_backends, 136);

#endif /* __IG_MAPS_SERVICE_H */
