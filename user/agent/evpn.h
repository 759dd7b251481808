/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BGP EVPN through the kernel (docs/evpn.md). The agent never speaks BGP:
 * a daemon on the machine (FRR's zebra and bgpd) does. The agent gives it
 * the kernel objects it advertises from (per VNI a bridge, a vxlan device
 * with local = the VTEP, a port veth holding the local workloads' MACs, and
 * their neighbour entries), none of which forwards a packet, and on a GPU
 * host mirrors what zebra installs there (FDB entries with a remote VTEP,
 * extern_learn neighbours), read through netlink events, into the host's
 * allowlist and endpoints (user/agent/gpuhost.c). */
#ifndef __IG_EVPN_H
#define __IG_EVPN_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf_evpn.h"
#include "user/agent/netlink.h"

struct mbuf;

/* ---- what zebra installed: the mirror, without the kernel ---- */

#define EVPN_TABLE_MAX 65536 /* entries of each kind; more are ignored (counted) */

/* An FDB entry on a VNI's vxlan device: mac at vtep; mac all-zero is the
 * flood entry of a type-3 route (vtep serves the VNI). */
struct evpn_fdb {
	__u32 vni;
	__u8 mac[6];
	__u8 vtep[16];
};
/* A remote neighbour (type-2 MAC+IP): addr is mac's, in the VNI. */
struct evpn_nb {
	__u32 vni;
	__u8 addr[16];
	__u8 mac[6];
	__u64 seq; /* when it was first learned: the oldest wins a conflict */
};
struct evpn_table {
	struct evpn_fdb *fdb;
	unsigned int n_fdb, cap_fdb;
	struct evpn_nb *nb;
	unsigned int n_nb, cap_nb;
	__u64 seq;
};

/* Add or remove an entry. 1: the table changed, 0: it did not, -ENOSPC: full. */
int evpn_table_fdb(struct evpn_table *t, bool add, __u32 vni, const __u8 mac[6],
		   const __u8 vtep[16]);
int evpn_table_neigh(struct evpn_table *t, bool add, __u32 vni, const __u8 addr[16],
		     const __u8 mac[6]);
/* Make t hold exactly now's entries (a dump of the kernel's tables): the
 * ones gone removed, new ones added; a neighbour in both keeps when it was
 * first learned. 1: t changed, 0: it did not, -ENOSPC: full. */
int evpn_table_sync(struct evpn_table *t, const struct evpn_table *now);
/* Forget a VNI (its objects were made anew or removed). */
void evpn_table_drop_vni(struct evpn_table *t, __u32 vni);
/* vtep has a type-3 route for vni. */
bool evpn_table_member(const struct evpn_table *t, __u32 vni, const __u8 vtep[16]);
/* The i-th member (VNI, VTEP), i from 0; false past the last. */
bool evpn_table_vtep(const struct evpn_table *t, unsigned int i, __u32 *vni, __u8 vtep[16]);

/* A remote endpoint: a neighbour whose MAC is at a VTEP that is a member of
 * the VNI. An address learned in several VNIs is one tenant's only: the one
 * learned first; the others are left out and counted in *conflicts. */
struct evpn_ep {
	__u8 addr[16];
	__u32 vni;
	__u8 vtep[16];
};
/* Into out (max entries, sorted by address); returns how many. */
unsigned int evpn_table_endpoints(const struct evpn_table *t, struct evpn_ep *out, unsigned int max,
				  unsigned int *conflicts);
void evpn_table_free(struct evpn_table *t);

/* ---- the agent's part on the machine ---- */

struct evpn_vni {
	__u32 vni, tenant;
	struct netlink_evpn_ifs ifs;
	bool up; /* its objects exist as wanted */
	bool failing; /* making them failed (logged once per streak) */
};
/* An entry the agent gives zebra: the FDB entry of a local workload's MAC
 * (has_addr false) or its neighbour entry for addr. */
struct evpn_local {
	__u32 vni;
	__u8 mac[6];
	__u8 addr[16];
	bool has_addr;
};
struct evpn {
	struct netlink *nl;
	struct config_evpn cfg;
	__u8 vtep[16];
	struct evpn_vni *vnis;
	unsigned int n_vnis;
	struct evpn_table learned;
	struct evpn_local *have, *want; /* in the kernel (its events); wanted */
	unsigned int n_have, cap_have, n_want, cap_want;
	bool watching, changed;
	bool started; /* a previous run's leftovers were removed */
	bool resync, dumping; /* the tables to dump again; a dump into fresh */
	struct evpn_table fresh;
	__u64 events, ignored, errors, resyncs;
	unsigned int conflicts; /* at the last mirror */
};

int evpn_start(struct evpn **out, struct netlink *nl);
/* The machine's VTEP and the VNIs it serves (vnis[i] is tenants[i]'s):
 * their objects are made, checked and re-asserted, those of VNIs no longer
 * served removed (at the first call: a previous run's devices of VNIs not
 * served). 0 or the first error (every VNI is tried; a failed one again
 * at each evpn_tick). */
int evpn_apply(struct evpn *e, const struct config_evpn *cfg, const __u8 vtep[16],
	       const __u32 *vnis, const __u32 *tenants, unsigned int n);
/* Follow the kernel's FDB and neighbour tables (a host): netlink events on
 * the link-event socket, drained by netlink_link_drain. */
int evpn_watch(struct evpn *e);
/* After netlink_link_drain: events lost (an overrun) or devices made anew
 * dump the tables again and rebuild what was learned. */
void evpn_events(struct evpn *e);
/* The periodic reconcile: a VNI whose objects failed is tried again. */
void evpn_tick(struct evpn *e);
/* The local workloads' entries: begin, add each, commit (writes the
 * difference). addr NULL: the MAC's FDB entry. */
void evpn_local_begin(struct evpn *e);
int evpn_local_add(struct evpn *e, __u32 tenant, const __u8 mac[6], const __u8 *addr);
void evpn_local_commit(struct evpn *e);
/* What was learned changed since the last call. */
bool evpn_take_changed(struct evpn *e);
/* The tenant of vni among the served ones, or 0. */
__u32 evpn_tenant(const struct evpn *e, __u32 vni);
/* The evpn families of /metrics. */
void evpn_render(const struct evpn *e, struct mbuf *m);
/* Close. The kernel objects stay: zebra keeps advertising while the agent
 * restarts, and the new agent finds them. */
void evpn_stop(struct evpn *e);

#endif /* __IG_EVPN_H */
