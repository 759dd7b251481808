/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every BPF map definition, in one place. Included by the BPF programs only
 * (the .bpf.h suffix means "never from userspace"); userspace opens the same
 * maps through the skeletons or by pin path. maps/README.md has one row each. */
#ifndef __IG_MAPS_BPF_H
#define __IG_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps/ig_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_config);
} ig_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_SERVICE_MAX);
	__type(key, struct ig_service_key);
	__type(value, struct ig_service);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ig_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_BACKEND_MAX);
	__type(key, __u32);
	__type(value, struct ig_backend);
} ig_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_BACKEND_MAX);
	__type(key, __u32);
	__type(value, struct ig_backend_load);
} ig_be_load SEC(".maps");

/* Open connections per backend, maintained by the datapath (atomic adds). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_BACKEND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ig_inflight SEC(".maps");

/* Each service's backend list, for round-robin and least-conn. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_SERVICE_MAX);
	__type(key, __u32);
	__type(value, struct ig_svc_backends);
} ig_svc_backends SEC(".maps");

/* One Maglev table per service: slot 0 holds the table size M, slots 1..M the
 * backend ids. The agent builds a new inner array and swaps it in with one
 * update of the outer map, so a packet sees the old table or the new one. */
struct ig_maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* BPF_F_INNER_MAP (5.10): inner tables may differ in size from this one.
	 * BPF_F_MMAPABLE (5.5): the agent fills a new table with one memcpy
	 * instead of a syscall per slot (18 ms -> 0.2 ms at M = 65521). */
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, IG_MAGLEV_DEFAULT + 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, IG_SERVICE_MAX);
	__type(key, __u32);
	__array(values, struct ig_maglev_table);
} ig_maglev SEC(".maps");

/* The connection table: buckets of IG_CONN_WAYS ways (maps/conn.h). An
 * array, so an insert is a few stores and no global LRU lock; mmapable, so
 * the agent's sweep frees a way with the same compare-and-swap on its tag
 * the datapath uses. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_CONN_BUCKETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ig_conn_bucket);
} ig_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_TENANT_MAX);
	__type(key, __u32);
	__type(value, struct ig_tenant);
} ig_tenants SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_DROP__MAX);
	__type(key, __u32);
	__type(value, struct ig_drop_stat);
} ig_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} ig_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_SERVICE_MAX);
	__type(key, __u32);
	__type(value, struct ig_traffic);
} ig_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_BACKEND_MAX);
	__type(key, __u32);
	__type(value, struct ig_traffic);
} ig_be_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_TENANT_MAX);
	__type(key, __u32);
	__type(value, struct ig_traffic);
} ig_tn_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_flood);
} ig_flood SEC(".maps");

/* Governance (govern.h): token buckets and open connections per tenant, shed
 * level per service, response usage per tenant and flow on GPU hosts. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_TENANT_MAX);
	__type(key, __u32);
	__type(value, struct ig_tn_usage);
} ig_tn_usage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_TENANT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ig_tn_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_SERVICE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ig_shed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_TENANT_MAX);
	__type(key, __u32);
	__type(value, struct ig_traffic);
} ig_tn_resp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IG_FLOW_RESP_MAX);
	__type(key, struct ig_conn_key);
	__type(value, struct ig_flow_usage);
} ig_flow_resp SEC(".maps");

/* Underlay interfaces the gateway redirects to (key = value = ifindex). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} ig_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IG_EVENTS_BYTES);
} ig_events SEC(".maps");

/* GPU hosts (maps/host.h): VNI -> tenant, the reverse of ig_tenants' VNI; the
 * datapath checks that the tenant's own entry agrees. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_VNI_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ig_vni_tenants SEC(".maps");

/* {VTEP address, VNI} pairs allowed, in both directions. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_VTEP_MAX);
	__type(key, struct ig_vtep_key);
	__type(value, __u32);
} ig_vteps SEC(".maps");

/* Every tenant address a host must know: its own workloads and VIPs (local),
 * the tenant's workloads on other hosts (remote), other tenants' addresses. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_ENDPOINT_MAX);
	__type(key, struct ig_endpoint_key);
	__type(value, struct ig_endpoint);
} ig_endpoints SEC(".maps");

/* The workload behind each host-side interface (key: its ifindex). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_WORKLOAD_MAX);
	__type(key, __u32);
	__type(value, struct ig_workload);
} ig_workloads SEC(".maps");

/* Drops per tenant and reason (key IG_TN_DROP_KEY). A per-CPU hash: only the
 * pairs that occur take memory; the agent creates a tenant's entries when it
 * adds the tenant, so the datapath rarely inserts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, IG_TN_DROP_MAX);
	__type(key, __u32);
	__type(value, struct ig_drop_stat);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ig_tn_drops SEC(".maps");

/* The operator's maps (operator.h): no program reads them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_NAMES_MAX);
	__type(key, struct ig_name_key);
	__type(value, struct ig_name);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ig_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_BACKEND_MAX);
	__type(key, __u32);
	__type(value, struct ig_operator);
} ig_operator SEC(".maps");

/* The GPU host's own addresses (VTEPs) and infrastructure prefixes. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IG_HOST_ADDR_MAX);
	__type(key, struct ig_host_addr_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ig_host_addrs SEC(".maps");

/* Traffic per workload interface (the agent creates and deletes entries). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, IG_WORKLOAD_MAX);
	__type(key, __u32);
	__type(value, struct ig_wl_stats);
} ig_wl_stats SEC(".maps");

/* The gateway's connection decisions for its peers (maps/connsync.h): written
 * only while IG_CFG_SYNC is set; the agent reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IG_SYNC_BYTES);
} ig_sync SEC(".maps");

/* Records ig_sync had no room for. A map of its own: a counter appended to
 * ig_counters would change its size, and an agent could no longer adopt the
 * pins of the datapath it upgrades. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ig_sync_lost SEC(".maps");

#endif /* __IG_MAPS_BPF_H */
