/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent: keeps the datapath's maps in step with the configuration and
 * with live telemetry. Probes (metrics scrapes, health checks) run
 * concurrently; each completed scrape is scored and, when the weights move,
 * pushed to the service's Maglev table at once (incrementally when few slots
 * change). main.c owns the event loop and signals; this module owns state. */
#ifndef __IG_AGENT_H
#define __IG_AGENT_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/lib/dp.h"
#include "user/agent/gov.h"
#include "user/lib/loader.h"
#include "user/agent/metrics.h"
#include "user/agent/score.h"
#include "user/agent/scrape.h"
#include "user/agent/telemetry.h"

struct netlink;
struct nvml;

struct agent_backend {
	const struct config_backend *cfg;
	__u32 svc_id;
	struct score_state score;
	struct telemetry_sample last; /* aggregate of the last good scrape */
	__u64 last_ns; /* when it arrived; 0: never */
	unsigned int n_probes;
	struct probe *metrics; /* one per metrics source */
	struct probe health;
	__u64 health_next_ns;
	__u32 fails, oks; /* consecutive health results */
	bool up; /* health checks pass */
	bool reachable; /* the underlay next hop is resolved */
	bool draining; /* removed from the configuration */
	__u64 scrape_errors;
	__u64 health_errors;
};

struct agent_service {
	const struct config_service *cfg;
	unsigned int first, n; /* its backends in agent.be[] */
	__u32 *table; /* what the datapath holds now; NULL before the first push */
	bool stuck; /* no healthy backend: the last table stays */
	__u64 pushes, incremental;
	bool telemetry; /* a backend has a metrics source: saturation is known */
	unsigned int shed; /* enum ig_shed_level written to ig_shed */
	double saturation; /* as of the last governance step */
	__u64 shed_changes;
};

/* A tenant's runaway state: response bytes from every host, the estimate
 * and whether its new connections are throttled. */
struct agent_tenant {
	const struct config_tenant *cfg;
	struct gov_usage usage;
	__u64 resp_bytes; /* response bytes counted on every host, as last read */
	__u64 open_conns; /* open entries in ig_conns at the last sweep */
};

/* A response flow seen in a host's ig_flow_resp, kept sorted by key. */
struct agent_flow {
	struct ig_conn_key key;
	__u64 bytes;
	struct gov_usage usage;
};

/* The pinned maps of one GPU-host datapath on this machine
 * (governance.host_maps): response counters per tenant and per flow. */
struct agent_host {
	char dir[CONFIG_PATH_MAX];
	struct dp_maps maps;
	bool open;
	bool warned; /* its failure is logged once */
	__u32 resp_id; /* id of the ig_tn_resp map opened, to notice a new datapath */
	__u64 last_ns; /* when its counters were last read; 0: no baseline yet */
	__u64 *tn_bytes; /* response bytes per tenant id at that read */
	struct agent_flow *flows;
	unsigned int n_flows;
};

struct agent_opts {
	const char *config_path;
	const char *pin_root; /* NULL: IG_PIN_ROOT */
	unsigned int compat_flags;
};

/* Connection-table entries by state, as the sweep finds them (/metrics). */
enum agent_conn_state {
	AGENT_CONN_OPEN,
	AGENT_CONN_HALF_OPEN,
	AGENT_CONN_CLOSING,
	AGENT_CONN__MAX
};

struct agent {
	struct agent_opts opts;
	struct ig_cfg cfg;
	struct loader ld;
	struct netlink *nl;
	struct scraper sc;
	struct metrics_server *ms;
	struct nvml *nvml; /* NULL unless telemetry.nvml and the library loads */
	unsigned int n_be, n_svc, n_tn, n_hosts;
	struct agent_backend *be;
	struct agent_service *svc;
	struct agent_tenant *tn;
	struct agent_host *hosts;
	__u64 gov_since_ns; /* shed levels move only once telemetry had time to arrive */
	__u64 gov_last_ns; /* the last runaway step */
	__u64 runaway[GOV__MAX]; /* actions taken, by enum gov_counter */
	__u64 next_scrape_ns;
	__u64 next_sweep_ns;
	__u64 swept; /* idle connection entries removed */
	__u64 conns_by_state[AGENT_CONN__MAX]; /* entries at the last sweep */
	__u64 reloads, reload_errors;
	__u64 last_push_ns; /* for the telemetry-to-datapath latency */
};

/* Load the configuration, open or adopt the datapath, attach, fill the maps,
 * start the metrics endpoint. */
int agent_start(struct agent *a, const struct agent_opts *opts);
/* Re-read the configuration (SIGHUP). A bad file changes nothing. */
int agent_reload(struct agent *a);
/* Start the probes that are due; returns ms until the next one is due. */
int agent_tick(struct agent *a, __u64 now_ns);
/* Remove expired entries from ig_conns (closed after gateway.conn_linger,
 * half-open after syn_timeout, TCP after tcp_idle, UDP after udp_idle) and
 * set each backend's in-flight count, and each tenant's open connections
 * (ig_tn_conns), to the entries that remain open: half-open connections that
 * time out and connections closed without a FIN or RST the gateway saw
 * would otherwise leave them high. */
int agent_sweep(struct agent *a);
/* One governance step (every telemetry interval): each service's shed level
 * from its saturation; each tenant's and flow's response tokens against its
 * budget, throttling or cutting runaways and lifting them once back under. */
void agent_govern(struct agent *a, __u64 now_ns);
/* Governance runtime (agent_govern.c), from agent_apply() and on stop:
 * writes every tenant's entry (limits, refusal style, a throttle in force)
 * and its ig_tn_drops entries, opens the host maps, adopts shed levels. */
int agent_gov_apply(struct agent *a);
void agent_gov_free(struct agent *a);
/* The governance families of the /metrics page. */
void agent_gov_render(struct agent *a, struct mbuf *m);
/* Drive transfers and consume finished probes. */
void agent_perform(struct agent *a);
/* Render and publish the /metrics page. */
void agent_publish(struct agent *a);
/* Stop; with detach, remove the programs from their interfaces. */
void agent_stop(struct agent *a, bool detach);
__u64 agent_now_ns(void);
/* A service's saturation for shedding (score_service_saturation() over its
 * backends' scores; 1.0 when memory runs out). */
double agent_saturation(struct agent *a, const struct agent_service *s);

#endif /* __IG_AGENT_H */
