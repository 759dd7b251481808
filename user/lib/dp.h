/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The map writer: the one place userspace writes the datapath's maps. The
 * agent, infergatectl and the tests all go through it. Maps come from a
 * loaded object (skeleton) or from their pins. */
#ifndef __IG_DP_H
#define __IG_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#include "maps/ig_abi.h"

struct dp_maps {
	int config, services, backends, be_load, inflight, svc_backends, maglev, conns, tenants;
	int drops, counters, svc_stats, be_stats, tn_stats, flood, tx_ports, events;
	int vni_tenants, vteps, endpoints, workloads, tn_drops; /* GPU hosts */
	int tn_usage, tn_conns, shed, tn_resp, flow_resp; /* governance */
	int host_addrs; /* GPU hosts: own VTEPs and infrastructure prefixes */
	int wl_stats; /* GPU hosts: traffic per workload interface */
	int names, operator; /* operator.h: names for tools, standing requests */
	int sync, sync_lost; /* connsync.h: decisions for the peer gateways, and
			      * those the ring had no room for */
	bool owned; /* fds were opened from pins and are closed by dp_close() */
};

/* Names of the maps in struct dp_maps order, for pinning and tools. */
extern const char *const dp_map_names[];
extern const size_t dp_map_count;

/* Borrow the fds of a loaded object (the object keeps ownership). */
int dp_from_object(struct dp_maps *m, struct bpf_object *obj);
/* Open every map pinned under dir (e.g. IG_PIN_MAPS). -ENOENT names none.
 * Maps added within the ABI version (ig_host_addrs, ig_wl_stats) may be
 * missing from older pins: their fds are then -1. */
int dp_open_pinned(struct dp_maps *m, const char *dir);
void dp_close(struct dp_maps *m);

int dp_config_get(const struct dp_maps *m, struct ig_config *cfg);
int dp_config_set(const struct dp_maps *m, const struct ig_config *cfg);

/* Add or replace a service; also writes the VIP's marker entry (port 0,
 * protocol 0) that lets the datapath recognise fragments to the VIP. */
int dp_service_set(const struct dp_maps *m, const struct ig_service_key *k,
		   const struct ig_service *svc);
/* Remove a service, and the VIP marker when no other service uses the VIP. */
int dp_service_del(const struct dp_maps *m, const struct ig_service_key *k);
int dp_service_key(struct ig_service_key *k, const char *vip, unsigned int port,
		   unsigned int proto);

int dp_backend_set(const struct dp_maps *m, __u32 id, const struct ig_backend *be);
int dp_backend_get(const struct dp_maps *m, __u32 id, struct ig_backend *be);
int dp_backend_set_state(const struct dp_maps *m, __u32 id, enum ig_backend_state state);
int dp_backend_set_load(const struct dp_maps *m, __u32 id, __u32 score, __u32 capacity);
int dp_backend_inflight(const struct dp_maps *m, __u32 id, __u64 *inflight);
/* Replace the datapath's count (the agent's recount after its sweep). */
int dp_backend_inflight_set(const struct dp_maps *m, __u32 id, __u64 inflight);
int dp_backend_load_get(const struct dp_maps *m, __u32 id, struct ig_backend_load *load);
int dp_service_get(const struct dp_maps *m, const struct ig_service_key *k, struct ig_service *svc);

/* A walk of a hash map calls cb() for every entry (key, value) until cb
 * returns non-zero, which the walk then returns. */
typedef int (*dp_walk_cb)(const void *key, const void *val, void *ctx);
/* Every response flow a GPU host counts (ig_flow_resp: struct ig_conn_key,
 * struct ig_flow_usage). */
int dp_flow_resp_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx);
/* Every ig_services entry (struct ig_service_key, struct ig_service), the
 * VIP markers (port 0, protocol 0) included. */
int dp_services_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx);

/* A service's backend list for round-robin and least-conn (at most
 * IG_SVC_BE_MAX ids); the datapath's round-robin cursor is kept. */
int dp_svc_backends_set(const struct dp_maps *m, __u32 service, const __u32 *ids, __u32 n);

int dp_tenant_set(const struct dp_maps *m, __u32 id, __u32 vni, __u8 prio);
/* Write or read a tenant's whole entry (limits and flags included). */
int dp_tenant_put(const struct dp_maps *m, __u32 id, const struct ig_tenant *t);
int dp_tenant_get(const struct dp_maps *m, __u32 id, struct ig_tenant *t);

/* Governance (maps/govern.h). Limits into a tenant entry: rates per second,
 * bursts (0 = one second's worth), 0 = unlimited; fills the buckets' costs
 * and depths and IG_TENANT_F_LIMITED. -EINVAL outside IG_CONN_RATE_MAX,
 * IG_BW_RATE_MIN..IG_BW_RATE_MAX, or a burst over IG_BURST_SECONDS_MAX
 * seconds' worth. */
int dp_tenant_limits(struct ig_tenant *t, __u32 conn_rate, __u32 conn_burst, __u32 max_conns,
		     __u64 bw_rate, __u64 bw_burst);
/* Which classes the service's new connections are refused for. */
int dp_shed_set(const struct dp_maps *m, __u32 service, enum ig_shed_level level);
int dp_shed_get(const struct dp_maps *m, __u32 service, __u32 *level);
/* Open connections of a tenant as the gateway counts them; set replaces it
 * (the agent's recount after a sweep). */
int dp_tenant_conns(const struct dp_maps *m, __u32 tenant, __u64 *n);
int dp_tenant_conns_set(const struct dp_maps *m, __u32 tenant, __u64 n);
/* Response bytes a GPU host's workloads of tenant sent, summed over CPUs. */
int dp_tenant_resp(const struct dp_maps *m, __u32 tenant, __u64 *bytes, __u64 *packets);
/* Mark a response flow as cut (dropped at the host) or let it flow again.
 * -ENOENT when the host has no entry for it. */
int dp_flow_cut(const struct dp_maps *m, const struct ig_conn_key *k, bool cut);
int dp_tx_port_add(const struct dp_maps *m, __u32 ifindex);

/* Replace a service's whole Maglev table in one step: a new inner map is
 * filled, then swapped in with one update of ig_maglev, so a packet sees the
 * old table or the new one, never a mix. table has msize entries. */
int dp_maglev_swap(const struct dp_maps *m, __u32 service, const __u32 *table, __u32 msize);
/* Rewrite n slots of the current table in place (each slot is atomic; use
 * for small changes). slots are 0-based table indexes. */
int dp_maglev_update(const struct dp_maps *m, __u32 service, const __u32 *slots, const __u32 *ids,
		     size_t n);
/* Copy the current table out (up to cap entries); *msize gets its size. */
int dp_maglev_read(const struct dp_maps *m, __u32 service, __u32 *table, __u32 cap, __u32 *msize);

/* GPU hosts (maps/host.h). Map vni to tenant: the reverse of the tenant's
 * ig_tenants entry, which must carry the same VNI (the datapath checks). Also
 * creates the tenant's ig_tn_drops entries (dp_tenant_drops_init). */
int dp_vni_set(const struct dp_maps *m, __u32 vni, __u32 tenant);
int dp_vni_del(const struct dp_maps *m, __u32 vni);
int dp_vni_get(const struct dp_maps *m, __u32 vni, __u32 *tenant);
/* Allow, or stop allowing, VXLAN with vni from and to the VTEP at addr. */
int dp_vtep_allow(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN]);
int dp_vtep_deny(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN]);
/* The same with the entry's source (enum ig_vtep_flags), and reading it. */
int dp_vtep_allow_flags(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN],
			__u32 flags);
int dp_vtep_flags(int vteps_fd, const struct ig_vtep_key *k, __u32 *flags);
/* A tenant address: local (ifindex set), remote (vtep set) or neither. */
int dp_endpoint_set(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN],
		    const struct ig_endpoint *ep);
int dp_endpoint_del(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN]);
/* The workload behind the host-side interface ifindex. */
int dp_workload_set(const struct dp_maps *m, __u32 ifindex, const struct ig_workload *wl);
int dp_workload_del(const struct dp_maps *m, __u32 ifindex);
/* ig_wl_stats: dp_workload_set creates the entry (keeping existing
 * counts), dp_workload_del removes it; dp_wl_stats sums it over CPUs. */
int dp_wl_stats_init(const struct dp_maps *m, __u32 ifindex);
int dp_wl_stats(const struct dp_maps *m, __u32 ifindex, struct ig_wl_stats *sum);
int dp_endpoint_get(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], struct ig_endpoint *ep);
int dp_workload_get(const struct dp_maps *m, __u32 ifindex, struct ig_workload *wl);
/* Up to max keys of a hash map (ig_endpoints, ig_vteps, ig_vni_tenants,
 * ig_workloads) into keys, key_size bytes each: the agent's view of what a
 * datapath it adopts holds, and infergatectl's listings. Returns how many
 * (a map that changes meanwhile may be walked partly twice or not at all). */
int dp_keys(int map_fd, size_t key_size, void *keys, unsigned int max);
/* ig_host_addrs: the prefix addr/prefixlen (0..128 over the 16-byte form;
 * IPv4 is 96 + its length) with enum ig_host_addr_flags. */
int dp_host_addr_set(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen,
		     __u32 flags);
int dp_host_addr_del(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen);
int dp_host_addr_get(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen,
		     __u32 *flags);
/* Create zeroed ig_tn_drops entries for every reason of tenant (existing
 * counts are kept), so the datapath never allocates under a flood. */
int dp_tenant_drops_init(const struct dp_maps *m, __u32 tenant);
/* Packets tenant dropped for reason, summed over CPUs (0 if none yet). */
int dp_tenant_drops(const struct dp_maps *m, __u32 tenant, __u32 reason, __u64 *packets);
/* Before obj is loaded: make its maps m's, so the programs of one host (tc
 * on the underlay and on every workload interface) share one set. */
int dp_reuse_maps(struct bpf_object *obj, const struct dp_maps *m);

/* Names (maps/operator.h) the agent publishes for tools: set (a name too
 * long is cut to IG_NAME_LEN - 1), look up, delete; the walk sees struct
 * ig_name_key, struct ig_name. */
int dp_name_set(const struct dp_maps *m, __u32 kind, __u32 id, const char *name);
int dp_name_get(const struct dp_maps *m, __u32 kind, __u32 id, char name[IG_NAME_LEN]);
int dp_name_del(const struct dp_maps *m, __u32 kind, __u32 id);
int dp_names_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx);
/* An operator's standing requests on a backend (all-zero: none). */
int dp_operator_get(const struct dp_maps *m, __u32 backend, struct ig_operator *op);
int dp_operator_set(const struct dp_maps *m, __u32 backend, const struct ig_operator *op);

/* The kernel's id of the map behind fd, or of the map pinned as name under
 * dir: the same id means the same map (a datapath reloaded in between gets
 * new ones). */
int dp_map_id(int fd, __u32 *id);
int dp_pinned_map_id(const char *dir, const char *name, __u32 *id);

/* The connection table (ig_conns, maps/conn.h). One entry as a walk sees
 * it: a consistent copy of its way. */
struct dp_conn {
	struct ig_conn_key key;
	struct ig_conn val;
	__u32 bucket, way, tag;
};
/* Return 1 to delete the entry (freed with a compare-and-swap of its tag,
 * so an entry the datapath replaced or refreshed meanwhile stays), 0 to go
 * on, a negative errno to stop the walk with it. */
typedef int (*dp_conn_fn)(struct dp_conn *c, void *arg);
/* Every entry of the table, through its mmap (no syscall per entry);
 * *deleted (may be NULL) counts the entries freed. */
int dp_conns_walk(const struct dp_maps *m, dp_conn_fn fn, void *arg, __u64 *deleted);
/* The entry of k; -ENOENT when the table has none. */
int dp_conn_get(const struct dp_maps *m, const struct ig_conn_key *k, struct ig_conn *v);
/* Add or replace the entry of k (tools and tests; the datapath makes its
 * own): its hash is filled in. -ENOSPC when every way of its bucket is taken. */
int dp_conn_put(const struct dp_maps *m, const struct ig_conn_key *k, const struct ig_conn *v);

/* Connection-state sync (docs/scale-out.md): entries made from a peer
 * gateway's decisions, through one long-lived mapping of the table. */
struct dp_conns;
int dp_conns_open(const struct dp_maps *m, struct dp_conns **out);
void dp_conns_close(struct dp_conns *t);
/* Put a peer's entry for k: the existing entry of k is rewritten (its
 * first-seen time kept), else an empty, expired, closed or half-open way is
 * taken, never a live established one (the datapath's own rule,
 * docs/conntable.md); -ENOSPC when there is none. v->hash is filled in.
 * Counts are not touched: the agent's sweep recounts in-flight and tenant
 * counts from the entries. */
int dp_conn_sync_put(struct dp_conns *t, const struct ig_conn_key *k, const struct ig_conn *v,
		     const struct ig_config *cfg, __u64 now);
/* The entry of k through the mapping; -ENOENT when there is none. */
int dp_conns_get(struct dp_conns *t, const struct ig_conn_key *k, struct ig_conn *v);
/* Mark the entry of k closed (a peer saw its FIN or RST); its last-seen
 * time becomes now, so it lingers like the datapath's own. -ENOENT: none. */
int dp_conn_sync_close(struct dp_conns *t, const struct ig_conn_key *k, __u64 now);
/* Free the entry of k because a peer expired it: only a peer's entry
 * (IG_CONN_F_SYNCED) that has been idle here for half its own timeout
 * (closed and half-open ones at once; established TCP never with tcp_idle
 * 0), so a flow that moved to this gateway keeps its entry. -ENOENT: none
 * freed. */
int dp_conn_sync_delete(struct dp_conns *t, const struct ig_conn_key *k,
			const struct ig_config *cfg, __u64 now);

/* The sync ring (ig_sync): cb() gets each record (struct ig_sync_ev), as
 * libbpf's ring_buffer does. dp_sync_ring_fd() is an epoll fd to wait on. */
struct dp_sync_ring;
typedef int (*dp_sync_cb)(void *ctx, void *data, size_t size);
int dp_sync_ring_open(const struct dp_maps *m, dp_sync_cb cb, void *ctx, struct dp_sync_ring **out);
int dp_sync_ring_fd(const struct dp_sync_ring *r);
/* Consume what is there; a callback's negative return stops it. Returns the
 * records consumed or a negative errno. */
int dp_sync_ring_consume(struct dp_sync_ring *r);
void dp_sync_ring_close(struct dp_sync_ring *r);
/* Records the datapath could not write to ig_sync (its ring was full). */
int dp_sync_lost(const struct dp_maps *m, __u64 *n);

/* Sum a u64 at field_off of a per-CPU map's value at key over all CPUs. */
int dp_percpu_sum(int map_fd, __u32 key, __u32 field_off, __u64 *sum);

#endif /* __IG_DP_H */
