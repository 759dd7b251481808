/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Netlink (libnl) for the agent: the underlay next hop of each backend VTEP
 * (egress interface, its MAC, the next hop's MAC from the neighbour table,
 * with resolution triggered when missing). The only module that includes
 * libnl headers; its NLE_* codes become negative errnos here. */
#ifndef __IG_NETLINK_H
#define __IG_NETLINK_H

#include <linux/types.h>

struct netlink;

struct netlink_nexthop {
	int ifindex; /* egress interface toward the VTEP */
	__u8 smac[6]; /* that interface's MAC */
	__u8 dmac[6]; /* the next hop's MAC (the VTEP's own when on-link) */
};

int netlink_open(struct netlink **out);
void netlink_close(struct netlink *nl);
/* Route and neighbour lookup for dst (16 bytes, IPv4-mapped for IPv4).
 * -EAGAIN: the neighbour is not resolved yet (a datagram to the discard
 * port was sent to make the kernel resolve it; ask again later);
 * -ENETUNREACH: no route. */
int netlink_nexthop(struct netlink *nl, const __u8 dst[16], struct netlink_nexthop *out);
/* The MAC of an interface. */
int netlink_if_mac(struct netlink *nl, int ifindex, __u8 mac[6]);

#endif /* __IG_NETLINK_H */
