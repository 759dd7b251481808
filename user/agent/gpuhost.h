/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The GPU host's datapath as the agent runs it (docs/hosts.md): loads
 * tc_host_ingress, tc_workload and tc_host_egress on the loader's maps,
 * attaches them (underlay, every workload interface present), and keeps the
 * host maps equal to the host: section. Every change, whether a reload, a
 * workload interface that appears or goes, or a next hop resolved, goes
 * through one reconcile step that writes only the entries that differ, so a
 * workload's traffic is never touched by another's change. */
#ifndef __IG_GPUHOST_H
#define __IG_GPUHOST_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/metrics.h"
#include "user/lib/loader.h"

struct netlink;
struct evpn;

/* A workload of the configuration and where it is now. */
struct host_wl {
	char name[CONFIG_NAME_MAX];
	char ifname[CONFIG_IFNAME_MAX];
	const struct config_workload *cfg;
	int ifindex; /* 0: its interface does not exist (yet) */
	bool mac_known; /* configured, or read from the veth peer */
	struct ig_workload val; /* its ig_workloads entry, when ifindex && mac_known */
	struct loader_link link;
	bool attached;
};

/* The host maps' content, as last written (or found, when adopting). */
struct host_ep {
	__u8 addr[IG_ADDR_LEN];
	struct ig_endpoint ep;
};
struct host_wlv {
	__u32 ifindex;
	struct ig_workload v;
};
struct host_vni {
	__u32 vni, tenant;
};
struct host_ha {
	struct ig_host_addr_key k;
	__u32 flags;
};
struct host_state {
	struct host_ha *has; /* ig_host_addrs */
	unsigned int n_has;
	struct host_ep *eps; /* sorted by address */
	unsigned int n_eps;
	struct ig_vtep_key *vteps;
	__u32 *vtep_flags; /* each one's value: enum ig_vtep_flags (its source) */
	unsigned int n_vteps;
	struct host_vni *vnis;
	unsigned int n_vnis;
	struct host_wlv *wls;
	unsigned int n_wls;
};

/* A remote VTEP's underlay next hop (the outer destination MAC). */
struct host_nh {
	__u8 vtep[IG_ADDR_LEN];
	__u8 mac[6];
	bool ok;
	bool warned; /* "no route" is logged once, until it is resolved */
};

struct host {
	struct loader *ld;
	struct netlink *nl;
	unsigned int compat_flags;
	const struct config_host *cfg;
	int underlay; /* ifindex */
	__u8 underlay_mac[6];
	struct loader_link ul_in, ul_out;
	bool ul_in_on, ul_out_on;
	struct host_wl *wl;
	unsigned int n_wl;
	struct host_state cur;
	struct host_nh *nh;
	unsigned int n_nh;
	bool unresolved; /* a remote next hop is unknown: the tick retries */
	bool no_route; /* ... and one has no route: retry slowly */
	__u64 retry_ns; /* when the tick retries (CLOCK_MONOTONIC) */
	int fd; /* link events */
	__u64 link_events, syncs, attaches, detaches, writes, errors;
	struct evpn *evpn; /* learned VTEPs and endpoints, or NULL */
	unsigned int evpn_shadowed; /* learned addresses the configuration has */
};

/* Load the host programs on ld's maps and find the underlay (cfg->underlay).
 * Attaches nothing yet. */
int host_start(struct host **out, struct loader *ld, struct netlink *nl, unsigned int compat_flags,
	       const struct config_host *cfg);
/* The host's part of ig_config: VTEP address and MAC, underlay ifindex. */
void host_fill_config(const struct host *h, struct ig_config *c);
/* Mirror what evpn learns (remote VTEPs, endpoints) into the maps, give it
 * the local workloads, and reconcile when it learns something (docs/evpn.md).
 * Configured entries win over learned ones. */
void host_set_evpn(struct host *h, struct evpn *evpn);
/* Take cfg (at start and on every reload) and reconcile. */
int host_apply(struct host *h, const struct config_host *cfg);
/* The link-event socket for the event loop, or -1. */
int host_fd(const struct host *h);
/* Read pending link events; reconcile when an interface came or went. */
void host_events(struct host *h);
/* Retry what waits on the kernel (next hops); returns ms until it wants to
 * run again (INT_MAX: nothing waits). */
int host_tick(struct host *h);
/* The host families of the /metrics page; tenants name the ids. */
void host_render(struct host *h, struct mbuf *m, const struct ig_cfg *cfg);
/* The interface of the workload of that name while it is registered in
 * ig_wl_stats (its interface exists and its MAC is known), else 0. */
int host_wl_ifindex(const struct host *h, const char *name);
/* Close; with detach, the programs leave their interfaces. */
void host_stop(struct host *h, bool detach);

#endif /* __IG_GPUHOST_H */
