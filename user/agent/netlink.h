/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Netlink (libnl) for the agent: the underlay next hop of each backend VTEP
 * (egress interface, its MAC, the next hop's MAC from the neighbour table,
 * with resolution triggered when missing). The only module that includes
 * libnl headers; its NLE_* codes become negative errnos here. */
#ifndef __IG_NETLINK_H
#define __IG_NETLINK_H

#include <stdbool.h>
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

/* Link events (RTNLGRP_LINK) on a socket of their own: returns its fd, for
 * the event loop's poll set; netlink_link_drain reads what is pending (never
 * blocks) and returns how many link messages came (>= 0) or a negative
 * errno. The caller then looks at the interfaces it cares about. */
int netlink_link_watch(struct netlink *nl);
int netlink_link_drain(struct netlink *nl);

/* An interface as a GPU host sees it. */
struct netlink_link {
	__u8 mac[6];
	bool veth; /* a veth: peer_* name its other end */
	int peer_ifindex; /* 0: unknown */
	int peer_nsid; /* the peer's namespace id here; -1: this namespace */
};
int netlink_link_get(struct netlink *nl, int ifindex, struct netlink_link *out);
/* The MAC of the veth peer of ifindex, read in the peer's namespace through
 * IFLA_TARGET_NETNSID (4.20). -ENOENT when ifindex is no veth. */
int netlink_peer_mac(struct netlink *nl, int ifindex, __u8 mac[6]);
/* The IPv4 and IPv6 addresses of ifindex with their prefix lengths:
 * addrs[i] 16 bytes (IPv4-mapped), lens[i] in that 128-bit space. Returns
 * how many (at most max) or a negative errno. Link-local ones are left out. */
int netlink_if_addrs(struct netlink *nl, int ifindex, __u8 (*addrs)[16], unsigned int *lens,
		     int max);

/* VIP announcement (user/agent/announce.h): a blackhole host route for dst
 * (16 bytes, IPv4-mapped for IPv4) in table, with protocol proto and
 * priority metric; FRR imports the table and announces it. Adding replaces
 * (an existing route is fine); deleting a missing route is -ENOENT. */
struct netlink_vip_route {
	__u32 table;
	__u8 proto;
	__u32 metric;
};
int netlink_vip_add(struct netlink *nl, const struct netlink_vip_route *r, const __u8 dst[16]);
int netlink_vip_del(struct netlink *nl, const struct netlink_vip_route *r, const __u8 dst[16]);
/* Every host route in r->table with protocol r->proto (the agent's own,
 * perhaps a previous run's): fn(dst, ctx) for each. >= 0 (how many) or -errno. */
int netlink_vip_list(struct netlink *nl, const struct netlink_vip_route *r,
		     void (*fn)(const __u8 dst[16], void *ctx), void *ctx);
/* ---- EVPN (user/agent/evpn.c): the kernel objects zebra reads ---- */

/* One VNI's objects, created as needed and re-asserted on each call: a
 * bridge igb<vni> (no IPv6 address generated: it sends nothing), a vxlan
 * device igv<vni> (id vni, local vtep, UDP port, no learning) and a veth
 * igp<vni> (peer igq<vni>) that holds the local workloads' MACs, both bridge
 * ports with learning off. The vxlan port is in state disabled: the bridge
 * forwards nothing between it and the rest, either way; the port veth stays
 * forwarding (it gives the bridge its carrier, which zebra needs). Every
 * device up (zebra advertises a VNI whose vxlan device is up). ifindexes in
 * out. */
struct netlink_evpn_ifs {
	int br, vx, port;
};
int netlink_evpn_vni_up(struct netlink *nl, __u32 vni, const __u8 vtep[16], __u16 port,
			struct netlink_evpn_ifs *out);
/* Remove VNI vni's objects (zebra withdraws its routes). */
void netlink_evpn_vni_down(struct netlink *nl, __u32 vni);
/* A previous run's objects: every igb/igv/igp/igq<vni> of the kind the
 * agent makes (bridge, vxlan with id vni, veth) whose vni keep refuses is
 * removed (logged). Returns how many or a negative errno. */
int netlink_evpn_leftovers(struct netlink *nl, bool (*keep)(__u32 vni, void *ctx), void *ctx);
/* A local workload for zebra: a static FDB entry for mac on the port veth
 * (ifindex port), and with addr (16 bytes, IPv4-mapped; NULL: none) a
 * permanent neighbour addr -> mac on the bridge br. del removes them. */
int netlink_evpn_fdb(struct netlink *nl, int port, const __u8 mac[6], bool del);
int netlink_evpn_neigh(struct netlink *nl, int br, const __u8 addr[16], const __u8 mac[6],
		       bool del);

/* A neighbour or FDB entry as an event or a dump reports it. */
struct netlink_neigh {
	bool del; /* RTM_DELNEIGH */
	int family; /* AF_BRIDGE: an FDB entry; AF_INET, AF_INET6: a neighbour */
	int ifindex;
	__u16 state; /* NUD_* */
	__u8 flags; /* NTF_* */
	bool has_mac, has_dst;
	__u8 mac[6];
	/* FDB: NDA_DST, the remote VTEP; neighbour: the address. 16 bytes,
	 * IPv4-mapped for IPv4. */
	__u8 dst[16];
};
/* One RTM_NEWNEIGH/RTM_DELNEIGH message of len bytes: 0, or -EINVAL for
 * anything malformed (and -ENOENT for another message type). */
int netlink_neigh_parse(const void *msg, size_t len, struct netlink_neigh *out);
typedef void (*netlink_neigh_cb)(const struct netlink_neigh *n, void *ctx);
/* Neighbour events (RTNLGRP_NEIGH) on the link-event socket (opened if
 * needed; its fd is netlink_link_watch's): netlink_link_drain hands each to
 * cb. Then the current FDB and neighbour tables are dumped through cb. */
int netlink_neigh_watch(struct netlink *nl, netlink_neigh_cb cb, void *ctx);
/* The tables dumped again through netlink_neigh_watch's cb. */
int netlink_neigh_dump(struct netlink *nl);
/* Events were lost since the last call (the event socket's receive buffer
 * overran, seen by netlink_link_drain, which then read on to the end of
 * the queue): dump the tables again. Clears the flag. */
bool netlink_neigh_lost(struct netlink *nl);

#endif /* __IG_NETLINK_H */
