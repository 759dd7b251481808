/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* GPU-host maps: which tenant a VNI carries (ig_vni_tenants), which VTEPs may
 * send a VNI (ig_vteps), where each tenant address lives (ig_endpoints), the
 * workload behind each host-side interface (ig_workloads), drops per tenant
 * and reason (ig_tn_drops), and the host's own addresses and infrastructure
 * prefixes (ig_host_addrs). Read by tc_host_ingress and tc_workload. */
#ifndef __IG_MAPS_HOST_H
#define __IG_MAPS_HOST_H

#include "maps/common.h"

#define IG_VNI_MAX 4096 /* VNIs (tenants) one host carries */
#define IG_VTEP_MAX 16384 /* {VTEP, VNI} pairs allowed */
#define IG_ENDPOINT_MAX 65536 /* tenant addresses known to one host */
#define IG_WORKLOAD_MAX 1024 /* workload interfaces on one host */

/* ig_tn_drops key: tenant in the upper bits, drop reason in the low byte, so
 * `bpftool map dump` reads as tenant:reason in hex. Tenant 0 holds drops that
 * belong to no tenant (an unknown VNI). */
#define IG_TN_DROP_REASONS 64 /* room for drop reasons (IG_DROP__MAX must fit) */
#define IG_TN_DROP_KEY(tenant, reason) ((__u32)(tenant) << 8 | (__u32)(reason))
#define IG_TN_DROP_MAX (IG_TENANT_MAX * IG_TN_DROP_REASONS)

/* ig_vteps key: VXLAN from addr may carry vni. The value is a __u32 of
 * enum ig_vtep_flags (where the entry comes from; the datapath reads only
 * the key). The host's own east-west encapsulation checks the same pair, so
 * it never sends a VNI to a VTEP that is not a member. */
struct ig_vtep_key {
	__u8 addr[IG_ADDR_LEN]; /* outer source address, IPv4-mapped for IPv4 */
	__u32 vni; /* 24-bit, host order */
};
IG_ASSERT_SIZE(struct ig_vtep_key, 20);

enum ig_vtep_flags {
	/* Learned from BGP EVPN (a type-3 route zebra installed); 0: the
	 * agent's configuration. For tools; the datapath does not read it. */
	IG_VTEP_F_EVPN = 1 << 0,
};

struct ig_endpoint_key {
	__u8 addr[IG_ADDR_LEN]; /* workload address or VIP, IPv4-mapped for IPv4 */
};
IG_ASSERT_SIZE(struct ig_endpoint_key, 16);

enum ig_endpoint_flags {
	/* On this host: delivered to ifindex (its ig_workloads entry). */
	IG_EP_F_LOCAL = 1 << 0,
	/* On another host: sent encapsulated in the tenant's VNI to vtep. */
	IG_EP_F_REMOTE = 1 << 1,
	/* A service VIP (a workload may send from it: direct server return). */
	IG_EP_F_VIP = 1 << 2,
	/* Learned from BGP EVPN (a type-2 route zebra installed), not from the
	 * configuration. For tools; the datapath does not read it. */
	IG_EP_F_EVPN = 1 << 3,
	/* Neither local nor remote: the address belongs to the tenant (e.g. a VIP
	 * served on other hosts only); other tenants are kept from it, its own
	 * tenant reaches it through the client side. */
};

struct ig_endpoint {
	__u8 vtep[IG_ADDR_LEN]; /* remote: its host's VTEP address; else zero */
	__u8 nh_mac[6]; /* remote: next hop toward vtep (outer destination MAC) */
	__u8 flags; /* enum ig_endpoint_flags */
	__u8 pad;
	__u32 tenant;
	__u32 ifindex; /* local: the workload's host-side interface */
};
IG_ASSERT_SIZE(struct ig_endpoint, 32);

enum ig_workload_flags {
	/* ifindex is a veth whose peer sits in the workload's namespace: deliver
	 * with bpf_redirect_peer (straight into that namespace's ingress, no
	 * second trip through a backlog queue). Otherwise (tap, macvtap, a veth
	 * in this namespace) deliver to the interface's egress. */
	IG_WL_F_PEER = 1 << 0,
};

/* ig_workloads, key: ifindex of the workload's host-side interface. */
struct ig_workload {
	__u8 mac[6]; /* the workload's own MAC: destination of what it is sent */
	__u8 node_mac[6]; /* the host-side interface's MAC: source of what the
			   * workload is sent, and the answer to its ARP and ND */
	__u32 tenant;
	__u32 flags; /* enum ig_workload_flags */
	__u32 pad;
};
IG_ASSERT_SIZE(struct ig_workload, 24);

/* ig_host_addrs (LPM trie): the host's own addresses and the prefixes no
 * workload may reach. A lookup of a full address returns the longest prefix
 * that holds it. */
#define IG_HOST_ADDR_MAX 256

struct ig_host_addr_key {
	__u32 prefixlen; /* 0..128, over addr (IPv4: 96 + its length) */
	__u8 addr[IG_ADDR_LEN]; /* IPv4-mapped for IPv4 */
};
IG_ASSERT_SIZE(struct ig_host_addr_key, 20);

enum ig_host_addr_flags {
	/* VXLAN may be addressed to it (besides ig_config.vtep_addr). */
	IG_HA_F_VTEP = 1 << 0,
	/* Infrastructure: what a workload sends to it is dropped. */
	IG_HA_F_INFRA = 1 << 1,
};

/* ig_wl_stats (per-CPU hash), key: ifindex of a workload's host-side
 * interface. The agent creates the entry with the workload and deletes it
 * with it; the datapath only adds to an entry that exists. */
struct ig_wl_stats {
	__u64 rx_packets, rx_bytes; /* delivered to the workload */
	__u64 tx_packets, tx_bytes; /* sent by it and forwarded (any destination) */
	__u64 resp_packets, resp_bytes; /* of those, toward the client side */
	__u64 drops; /* packets it sent that were dropped */
};
IG_ASSERT_SIZE(struct ig_wl_stats, 56);

#endif /* __IG_MAPS_HOST_H */
