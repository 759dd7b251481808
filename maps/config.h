/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Runtime settings (ig_config, array of one). All-zero means "pass everything":
 * an object loaded by plain `bpftool prog loadall` is inert until configured. */
#ifndef __IG_MAPS_CONFIG_H
#define __IG_MAPS_CONFIG_H

#include "maps/common.h"

enum ig_config_flags {
	IG_CFG_ENABLED = 1 << 0, /* steer traffic to VIPs; off = XDP_PASS everything */
	IG_CFG_VTEP6 = 1 << 1, /* underlay is IPv6 (vtep_addr is not v4-mapped) */
	IG_CFG_SYNC = 1 << 2, /* write connection decisions to ig_sync (maps/connsync.h) */
};

struct ig_config {
	__u64 udp_idle_ns; /* UDP flow idle timeout; 0 = IG_UDP_IDLE_DEFAULT_NS */
	__u64 tcp_idle_ns; /* established TCP idle timeout; 0 = never */
	__u64 syn_timeout_ns; /* half-open entries; 0 = IG_SYN_TIMEOUT_DEFAULT_NS */
	__u64 linger_ns; /* closed entries kept for retransmits; 0 = IG_CONN_LINGER_DEFAULT_NS */
	__u8 vtep_addr[IG_ADDR_LEN]; /* gateway's underlay source address */
	__u8 vtep_mac[6]; /* gateway's underlay source MAC */
	/* Largest underlay IP packet (the underlay interface's MTU): a packet
	 * that would exceed it once encapsulated is answered with ICMP
	 * "fragmentation needed" / ICMPv6 "packet too big"; 0 = no check.
	 * Took the place of 2 bytes of padding: the layout is unchanged. */
	__u16 underlay_mtu;
	__u32 flags; /* enum ig_config_flags */
	__u32 flood_rate; /* new flows per second per CPU before the flood guard; 0 = off */
	__u32 event_sample; /* emit 1 in N decisions as events; 0 = none (drops always) */
	__u32 underlay_ifindex; /* ifindex the encapsulated packet leaves by */
};
IG_ASSERT_SIZE(struct ig_config, 72);

#define IG_UDP_IDLE_DEFAULT_NS (30ULL * 1000 * 1000 * 1000)

#endif /* __IG_MAPS_CONFIG_H */
