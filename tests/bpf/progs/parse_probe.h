/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What parse_probe.bpf.c reports of one parse, for the parser fixtures. */
#ifndef __IG_PARSE_PROBE_H
#define __IG_PARSE_PROBE_H

#include <linux/types.h>

struct parse_result {
	__s32 err; /* 0 or a negative enum ig_drop_reason */
	__u32 vni;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 l3_off;
	__u16 l4_off;
	__u16 payload_off;
	__u16 l3_len;
	__be16 sport;
	__be16 dport;
	__be16 vlan_tci[2];
	__u16 eth_proto;
	__u16 inner_off;
	__u8 vlan_depth;
	__u8 family;
	__u8 proto;
	__u8 flags;
	__u8 tcp_flags;
	__u8 ttl;
	__u8 pad[6];
};
_Static_assert(sizeof(struct parse_result) == 72, "parse_result layout");

#endif /* __IG_PARSE_PROBE_H */
