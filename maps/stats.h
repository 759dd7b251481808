/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counters (per-CPU arrays): drops by reason, datapath events, and traffic per
 * service, backend and tenant. Userspace sums the per-CPU values. The reason
 * and counter lists are X-macros so userspace builds its name tables from the
 * same source (see user/lib/names.c); the enum values are ABI. */
#ifndef __IG_MAPS_STATS_H
#define __IG_MAPS_STATS_H

#include "maps/common.h"

/* X(name, "string shown to operators") -- append only; values are ABI. */
#define IG_DROP_REASONS(X)                            \
	X(NONE, "none")                               \
	X(ETH_TRUNC, "eth-truncated")                 \
	X(VLAN_TRUNC, "vlan-truncated")               \
	X(VLAN_DEPTH, "vlan-too-many-tags")           \
	X(IP4_TRUNC, "ipv4-truncated")                \
	X(IP4_VERSION, "ipv4-bad-version")            \
	X(IP4_IHL, "ipv4-ihl-too-small")              \
	X(IP4_OPT_TRUNC, "ipv4-options-truncated")    \
	X(IP4_LEN, "ipv4-bad-total-length")           \
	X(IP6_TRUNC, "ipv6-truncated")                \
	X(IP6_VERSION, "ipv6-bad-version")            \
	X(IP6_LEN, "ipv6-bad-payload-length")         \
	X(IP6_EXT_TRUNC, "ipv6-ext-header-truncated") \
	X(IP6_EXT_DEPTH, "ipv6-ext-chain-too-long")   \
	X(TCP_TRUNC, "tcp-truncated")                 \
	X(TCP_DOFF, "tcp-data-offset-too-small")      \
	X(TCP_OPT_TRUNC, "tcp-options-truncated")     \
	X(UDP_TRUNC, "udp-truncated")                 \
	X(UDP_LEN, "udp-bad-length")                  \
	X(ICMP_TRUNC, "icmp-truncated")               \
	X(VXLAN_TRUNC, "vxlan-truncated")             \
	X(VXLAN_FLAGS, "vxlan-bad-flags")             \
	X(FRAGMENT, "fragment-to-vip")                \
	X(NO_BACKEND, "no-backend")                   \
	X(NO_TENANT, "no-tenant")                     \
	X(ENCAP_FAILED, "encap-failed")               \
	X(NO_TX_PORT, "no-tx-port")                   \
	X(VXLAN_VNI, "vxlan-unknown-vni")             \
	X(VXLAN_VTEP, "vxlan-vtep-not-allowed")       \
	X(VXLAN_INNER, "vxlan-inner-not-ip")          \
	X(EP_UNKNOWN, "endpoint-unknown")             \
	X(EP_TENANT, "endpoint-other-tenant")         \
	X(EP_NOT_LOCAL, "endpoint-not-local")         \
	X(SPOOF, "source-spoofed")                    \
	X(WL_UNKNOWN, "workload-unregistered")        \
	X(WL_PROTO, "workload-not-ip")                \
	X(NEIGH_IGNORED, "neigh-not-answered")        \
	X(DECAP_FAILED, "decap-failed")               \
	X(TN_CONN_RATE, "tenant-conn-rate")           \
	X(TN_MAX_CONNS, "tenant-max-conns")           \
	X(TN_BANDWIDTH, "tenant-bandwidth")           \
	X(TN_THROTTLED, "tenant-throttled")           \
	X(SHED_BATCH, "shed-batch")                   \
	X(SHED_STANDARD, "shed-standard")             \
	X(RUNAWAY_CUT, "runaway-flow-cut")            \
	X(VXLAN_FRAG, "vxlan-fragmented")             \
	X(ICMP_QUOTE, "icmp-bad-quote")               \
	X(TOO_BIG, "too-big-for-underlay")            \
	X(VXLAN_DST, "vxlan-not-our-vtep")            \
	X(IP4_CSUM, "ipv4-bad-checksum")              \
	X(INFRA, "infrastructure-address")            \
	X(IP6_MAPPED, "ipv6-v4-mapped-address")

#define IG_DROP_ENUM_(name, str) IG_DROP_##name,
enum ig_drop_reason { IG_DROP_REASONS(IG_DROP_ENUM_) IG_DROP__MAX };
#undef IG_DROP_ENUM_

/* Datapath event counters (ig_counters, index = enum ig_counter). */
#define IG_COUNTERS(X)                              \
	X(RX, "rx-packets")                         \
	X(PASS, "pass")                             \
	X(DROP, "drop")                             \
	X(TX, "tx")                                 \
	X(REDIRECT, "redirect")                     \
	X(NOT_IP, "not-ip")                         \
	X(FRAGMENT, "fragments-seen")               \
	X(NEW_CONN, "new-connections")              \
	X(CONN_HIT, "conn-table-hits")              \
	X(RESTEER_NONSYN, "resteer-non-syn")        \
	X(RESTEER_DOWN, "resteer-backend-down")     \
	X(UDP_EXPIRED, "udp-flow-expired")          \
	X(CONN_CLOSED, "conn-closed")               \
	X(FLOOD_STATELESS, "flood-guard-stateless") \
	X(EVENTS_LOST, "events-lost")               \
	X(HOST_DECAP, "host-decap")                 \
	X(HOST_ENCAP, "host-encap")                 \
	X(HOST_LOCAL, "host-local-delivery")        \
	X(HOST_CLIENT, "host-to-client-side")       \
	X(HOST_NEIGH, "host-neigh-answered")        \
	X(GOV_REFUSED, "governance-refused")        \
	X(GOV_RST, "governance-rst-sent")           \
	X(GOV_POLICED, "governance-policed")        \
	X(HOST_RESP, "host-response-counted")       \
	X(DEEP, "beyond-parser-depth")              \
	X(PMTU_STEERED, "icmp-too-big-steered")     \
	X(TOO_BIG_SENT, "icmp-too-big-sent")        \
	X(CONN_EST, "conn-established")             \
	X(CONN_REPLACED, "conn-entry-replaced")     \
	X(CONN_FULL, "conn-bucket-full")

#define IG_CNT_ENUM_(name, str) IG_CNT_##name,
enum ig_counter { IG_COUNTERS(IG_CNT_ENUM_) IG_CNT__MAX };
#undef IG_CNT_ENUM_

struct ig_drop_stat {
	__u64 packets;
	__u64 bytes;
};
IG_ASSERT_SIZE(struct ig_drop_stat, 16);

/* The flood guard's per-CPU window (ig_flood). */
struct ig_flood {
	__u64 window_ns; /* start of the current one-second window */
	__u64 new_flows; /* flows inserted in this window on this CPU */
};
IG_ASSERT_SIZE(struct ig_flood, 16);

/* Per service, per backend and per tenant traffic (ig_svc_stats, ig_be_stats,
 * ig_tn_stats). */
struct ig_traffic {
	__u64 packets;
	__u64 bytes;
	__u64 new_conns;
	__u64 drops;
};
IG_ASSERT_SIZE(struct ig_traffic, 32);

#endif /* __IG_MAPS_STATS_H */
