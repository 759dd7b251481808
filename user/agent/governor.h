/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The governor: token governance at run time. It owns the governance state
 * (tenants' runaway usage, the GPU-host maps it reads, services' shed
 * levels) and writes ig_tenants, ig_shed and the hosts' cut flags through
 * user/lib/dp. The agent drives it (apply on start and reload, a step every
 * telemetry interval with each service's saturation, render for /metrics);
 * the governor knows nothing of the agent. gov.h holds the pure decisions. */
#ifndef __IG_GOVERNOR_H
#define __IG_GOVERNOR_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/gov.h"
#include "user/agent/govnet.h"
#include "user/agent/metrics.h"
#include "user/lib/dp.h"

/* A tenant's runaway state: response bytes from every host, the estimate
 * and whether its new connections are throttled. */
struct gov_tenant {
	const struct config_tenant *cfg;
	struct gov_usage usage;
	__u64 resp_bytes; /* response bytes counted on every host, as last read */
	/* The last estimate by source, tokens per window: measured by the hosts'
	 * inference servers, or estimated from bytes (governance.hosts' estimated
	 * counts and every host_maps directory). */
	double tok_measured, tok_estimated;
	double est_total; /* tokens estimated from host_maps bytes, since the start */
	bool unknown; /* a host serving it has no current count: not judged */
	__u64 open_conns; /* open entries in ig_conns at the agent's last sweep */
};

/* A response flow seen in a host's ig_flow_resp, kept sorted by key. */
struct gov_flow {
	struct ig_conn_key key;
	__u64 bytes;
	struct gov_usage usage;
};

/* The pinned maps of one GPU-host datapath on this machine
 * (governance.host_maps): response counters per tenant and per flow. */
struct gov_host {
	char dir[CONFIG_PATH_MAX];
	struct dp_maps maps;
	bool open;
	bool local; /* this agent's own maps (a GPU host judging its flows) */
	bool warned; /* its failure is logged once */
	__u32 resp_id; /* id of the ig_tn_resp map opened, to notice a new datapath */
	__u64 last_ns; /* when its flows were last read; 0: no baseline yet */
	bool tn_base; /* tn_bytes holds a read */
	__u64 *tn_bytes; /* response bytes per tenant id at that read */
	struct gov_flow *flows;
	unsigned int n_flows;
};

/* A service's shed level. */
struct gov_service {
	const struct config_service *cfg;
	bool telemetry; /* a backend has a metrics source: saturation is known */
	unsigned int shed; /* enum ig_shed_level written to ig_shed */
	double saturation; /* as of the last step */
	__u64 shed_changes;
};

struct governor {
	const struct ig_cfg *cfg;
	const struct dp_maps *maps; /* the gateway's */
	unsigned int n_tn, n_hosts, n_svc;
	struct gov_tenant *tn; /* cfg->tenants order */
	struct gov_host *hosts; /* cfg->governance.host_maps order */
	struct gov_service *svc; /* cfg->services order */
	__u64 since_ns; /* shed levels move only once telemetry had time to arrive */
	__u64 last_ns; /* the last runaway step */
	__u64 runaway[GOV__MAX]; /* actions taken, by enum gov_counter; kept across reloads */
	struct govnet net; /* governance.hosts: token counts from hosts over the network */
	/* Set by the agent before governor_apply, kept across it: */
	struct scraper *sc; /* for governance.hosts */
	/* A GPU host judges its own flows (on maps, as a host_maps entry) with
	 * bytes per token from flow_bpt (hosttok_bpt); a gateway does not. */
	bool local_flows;
	double (*flow_bpt)(const void *ctx, const __u8 saddr[IG_ADDR_LEN]);
	const void *flow_ctx;
};

/* From a (re)loaded configuration: writes every tenant's entry (limits,
 * refusal style, a throttle in force is adopted) and its ig_tn_drops
 * entries, opens the host maps, adopts the shed levels in the datapath.
 * svc_telemetry[i] tells whether cfg->services[i] has a metrics source. cfg
 * and maps must outlive the governor (until the next apply or free). */
int governor_apply(struct governor *g, const struct ig_cfg *cfg, const struct dp_maps *maps,
		   const bool *svc_telemetry);
void governor_free(struct governor *g);
/* One step (every telemetry interval): each service's shed level from its
 * saturation (saturation[i] for cfg->services[i]); each tenant's and flow's
 * response tokens against its budget, throttling or cutting runaways and
 * lifting them once back under. */
void governor_step(struct governor *g, __u64 now_ns, const double *saturation);
/* Tenants' runaway verdicts only, at once when a host's counts arrive. */
void governor_runaway(struct governor *g, __u64 now_ns);
/* The governance families of the /metrics page. */
void governor_render(const struct governor *g, struct mbuf *m);

#endif /* __IG_GOVERNOR_H */
