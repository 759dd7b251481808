/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's YAML configuration (deploy/infergate.example.yaml documents the
 * schema): parsed with libfyaml, checked completely (types, ranges, unknown
 * and duplicate keys, duplicate ids, names and VIPs, cross references) and
 * turned into plain C data. Every error names file:line:col and the field. */
#ifndef __IG_CONFIG_H
#define __IG_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "maps/ig_abi.h"
#include "user/agent/cfgtree.h"
#include "user/agent/conf_evpn.h"
#include "user/agent/conf_host.h"
#include "user/agent/score.h"
#include "user/agent/telemetry.h"

#define CONFIG_NAME_MAX 64 /* tenant, service, backend names, NUL included */
#define CONFIG_URL_MAX 256
#define CONFIG_HTTP_PATH_MAX 128
#define CONFIG_METRICS_PORT 9469

enum config_role {
	CONFIG_ROLE_GATEWAY, /* XDP steering and VXLAN encapsulation */
	CONFIG_ROLE_HOST, /* GPU host: tc VXLAN delivery and isolation */
	CONFIG_ROLE__MAX,
};

enum config_xdp_mode {
	CONFIG_XDP_AUTO, /* native, falling back to generic */
	CONFIG_XDP_NATIVE,
	CONFIG_XDP_GENERIC,
	CONFIG_XDP__MAX,
};

enum config_health_type {
	CONFIG_HEALTH_TCP, /* connect() succeeds */
	CONFIG_HEALTH_HTTP, /* GET path answers 2xx */
	CONFIG_HEALTH_NONE, /* no checks: the backend counts as up */
	CONFIG_HEALTH__MAX,
};

/* Metrics formats are enum telemetry_source, or this for "detect it". */
#define CONFIG_FORMAT_AUTO TELEM_SRC_MAX

struct config_iface {
	char name[CONFIG_IFNAME_MAX];
	unsigned int role; /* enum config_role */
	unsigned int xdp_mode; /* enum config_xdp_mode */
};

struct config_gateway {
	struct config_addr vtep; /* underlay source address of the gateway */
	__u64 udp_idle_ns; /* UDP flow idle timeout */
	__u64 tcp_idle_ns; /* established TCP entries expire; 0 = never */
	__u64 syn_timeout_ns; /* half-open entries expire (and leave the tenant's cap) */
	__u64 linger_ns; /* closed entries kept for retransmits */
	__u32 flood_rate; /* new flows per second per CPU; 0 = no flood guard */
	__u32 event_sample; /* 1 in N decisions as events; 0 = none */
	__u16 underlay_mtu; /* underlay interface MTU; 0 = no check */
};

/* How a tenant's new connections over a limit are refused. */
enum config_refuse {
	CONFIG_REFUSE_DROP, /* the SYN is dropped: the client retries after its RTO */
	CONFIG_REFUSE_RST, /* a TCP RST: the client fails at once */
	CONFIG_REFUSE__MAX,
};

/* A tenant's limits at the gateway (tenants[].limits); 0 = unlimited. */
struct config_limits {
	__u32 conn_rate; /* new connections per second */
	__u32 conn_burst; /* bucket size; 0: one second's worth */
	__u32 max_conns; /* open connections */
	__u64 bandwidth; /* request-direction bytes per second */
	__u64 bandwidth_burst; /* bucket size in bytes; 0: one second's worth */
	unsigned int refuse; /* enum config_refuse */
};

/* A tenant's token budget (tenants[].budget), estimated from the response
 * bytes GPU hosts count: tokens = bytes / governance.bytes_per_token. */
struct config_budget {
	__u64 tokens; /* per window for the whole tenant; 0 = no budget */
	__u64 window_ns;
	__u64 flow_tokens; /* per single flow per window; 0 = none */
};

struct config_tenant {
	char name[CONFIG_NAME_MAX];
	__u32 id; /* 1..IG_TENANT_MAX-1 */
	__u32 vni; /* 1..2^24-1, unique */
	unsigned int prio; /* enum ig_prio */
	struct config_limits limits;
	struct config_budget budget;
};

/* A GPU host whose agent publishes its token counts (governance.hosts):
 * the gateway's agent scrapes url (its /metrics) every telemetry interval. */
struct config_gov_host {
	char name[CONFIG_NAME_MAX];
	char url[CONFIG_URL_MAX]; /* http://host:port/metrics, or file:///path */
};

/* The governance: section: load shedding and runaway control. */
struct config_governance {
	double shed_batch_at; /* saturation that sheds new batch connections */
	double shed_standard_at; /* and new standard ones; >= shed_batch_at */
	double shed_hysteresis; /* a level is left only below its threshold minus this */
	double bytes_per_token; /* response bytes that count as one token */
	bool cut_runaway_flows; /* cut a flow over its budget at the host, not just log it */
	unsigned int n_host_maps;
	char (*host_maps)[CONFIG_PATH_MAX]; /* pinned map dirs of GPU-host datapaths */
	unsigned int n_hosts;
	struct config_gov_host *hosts; /* GPU-host agents scraped for token counts */
	/* Non-zero: every backend's VTEP is a host too, its agent's /metrics on
	 * this port (http://VTEP:PORT/metrics), unless hosts lists that URL. */
	__u16 host_metrics_port;
};

struct config_metrics_src {
	char url[CONFIG_URL_MAX]; /* http://host[:port]/path, or file:///path (file source) */
	unsigned int format; /* enum telemetry_source or CONFIG_FORMAT_AUTO */
};

struct config_health {
	unsigned int type; /* enum config_health_type */
	__u16 port; /* on the backend's address; default: the service port */
	char path[CONFIG_HTTP_PATH_MAX]; /* http only */
	__u64 interval_ns;
	__u64 timeout_ns; /* <= interval_ns */
	__u32 fall; /* consecutive failures that mark it down */
	__u32 rise; /* consecutive successes that mark it up again */
};

struct config_backend {
	char name[CONFIG_NAME_MAX]; /* unique within its service */
	__u32 id; /* 1..IG_BACKEND_MAX-1, unique across services */
	struct config_addr vtep; /* GPU host's underlay address, gateway.vtep's family;
				  * backends (one per GPU) may share it */
	__u32 capacity; /* concurrent connections it serves well, 1..SCORE_CAPACITY_MAX */
	__u32 weight; /* static weight in capacity units, when has_weight */
	bool has_weight;
	bool drain; /* drain: true: kept draining (no new connections) */
	/* Inner destination MAC: the host's VXLAN device for the tenant, when
	 * the host decapsulates with the kernel's vxlan driver (which accepts
	 * only frames to its own MAC); all-zero keeps the client's frame MAC. */
	char inner_mac_str[18];
	__u8 inner_mac[6];
	unsigned int n_metrics;
	struct config_metrics_src *metrics;
	struct config_health health;
};

struct config_service {
	char name[CONFIG_NAME_MAX];
	__u32 id; /* 1..IG_SERVICE_MAX-1 */
	struct config_addr vip;
	__u16 port; /* host order */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	unsigned int policy; /* enum ig_policy */
	unsigned int prio; /* enum ig_prio; default: the tenant's */
	char tenant[CONFIG_NAME_MAX];
	unsigned int tenant_idx; /* index into ig_cfg.tenants */
	__u32 tenant_id;
	__u32 maglev_size; /* prime <= IG_MAGLEV_MAX */
	bool announce; /* its VIP is announced (announce: section); default true */
	/* affinity: (maglev only): a client's connections share a backend
	 * within a load bound (IG_SVC_F_AFFINITY, docs/datapath.md). */
	bool affinity;
	double balance; /* bound, x the backend's share of the load; 0 = none */
	__u32 port_block; /* source ports per client group; 0 = the address alone */
	unsigned int n_backends; /* >= 1 */
	struct config_backend *backends;
};

struct config_telemetry {
	__u64 interval_ns; /* scrape period */
	__u64 timeout_ns; /* per scrape, <= interval_ns */
	__u32 stale_after; /* intervals without a sample before it is stale */
	bool nvml; /* read the local GPUs through libnvidia-ml.so.1 */
};

struct config_listen {
	struct config_addr addr;
	__u16 port;
};

/* The sync: section (docs/scale-out.md): connection-state sync with the
 * peer gateways, over UDP on the underlay. Absent: no sync. */
#define CONFIG_SYNC_PEERS_MAX 32
struct config_sync {
	bool enabled; /* the section is present */
	struct config_listen listen; /* where this gateway receives */
	unsigned int n_peers;
	struct config_listen *peers; /* where its peers receive */
	__u32 batch; /* records per datagram, 1..SYNC_BATCH_MAX */
	__u32 queue; /* records waiting to be sent, at most; more are dropped */
	__u64 refresh_ns; /* established entries with traffic are sent again; 0 = never */
};

/* The announce: section (docs/scale-out.md): the VIPs this gateway serves
 * become blackhole host routes in a kernel routing table that the local FRR
 * imports (zebra's `ip import-table`) and announces with BGP. */
struct config_announce {
	bool present; /* the file has an announce: section */
	__u32 table; /* kernel routing table, 1..252 (what `ip import-table` takes) */
	__u8 protocol; /* rtnetlink protocol of the agent's routes: finds its own */
	__u32 metric; /* the routes' priority */
	__u64 withdraw_grace_ns; /* --detach: wait after withdrawing before detaching */
	__u64 hold_ns; /* after start, announce nothing (and change no route) this long */
};

#define CONFIG_ANNOUNCE_PROTO 240 /* default protocol: none of iproute2's or FRR's */

struct ig_cfg {
	unsigned int n_ifaces;
	struct config_iface *ifaces;
	struct config_gateway gateway;
	unsigned int n_tenants;
	struct config_tenant *tenants;
	unsigned int n_services;
	struct config_service *services;
	struct config_telemetry telemetry;
	/* scoring: section, with stale_ns = telemetry interval x stale_after */
	struct score_params scoring;
	struct config_listen metrics;
	struct config_governance governance;
	struct config_host host; /* host: section (GPU hosts) */
	struct config_sync sync; /* sync: section (gateways) */
	struct config_announce announce;
	struct config_evpn evpn; /* evpn: section (docs/evpn.md) */
};

/* Parse and check the file at path into out. Returns 0, or a negative errno
 * with err filled (and out left empty): the error of open() or -ENOMEM,
 * -EFBIG above CFG_FILE_MAX, -ETIMEDOUT when parsing runs over
 * CFG_PARSE_DEADLINE_MS (it runs in a child process first), and -EINVAL for
 * anything wrong in the file, a path that is not a regular file included.
 * Only the first error is reported; it never quotes more than a short,
 * escaped token of the file. */
int config_load(const char *path, struct ig_cfg *out, struct config_error *err);
/* The same checks and parse on len bytes in memory, in this process, named
 * name in errors (the fuzzer's entry point). */
int config_load_mem(const char *name, const char *buf, size_t len, struct ig_cfg *out,
		    struct config_error *err);
void config_free(struct ig_cfg *cfg);

/* `infergated --check-config FILE`: prints "FILE: OK (...)" or the error to
 * out; returns 0 when the file is valid, 1 otherwise. */
int config_check_file(const char *path, FILE *out);

/* "ADDRESS:PORT" ("198.18.0.1:9469", "[2001:db8::1]:9469") as metrics.listen
 * takes it; -EINVAL otherwise. */
int config_listen_parse(const char *s, struct config_listen *l);

const char *config_role_str(unsigned int role);
const char *config_xdp_mode_str(unsigned int mode);
const char *config_health_type_str(unsigned int type);
const char *config_format_str(unsigned int format);
const char *config_proto_str(unsigned int proto); /* NULL for all but tcp and udp */
const char *config_refuse_str(unsigned int refuse);

#endif /* __IG_CONFIG_H */
