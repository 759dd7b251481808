/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Runaway control across machines, the gateway's side (docs/governance.md,
 * "Across machines"): the agent scrapes every GPU host of governance.hosts
 * (their agents' /metrics, hostpage.h) every telemetry interval, with the
 * scraper and timeouts of backend telemetry, and turns each host's token
 * counters into per-tenant rates over the host's own clock. A host that does
 * not answer is reported (infergate_governance_host_up 0, its age, one log
 * line per failure streak) and never counts as zero usage: while any host
 * that serves a tenant has no current rate, that tenant is neither
 * throttled nor released (govnet_tenant() says so). */
#ifndef __IG_GOVNET_H
#define __IG_GOVNET_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/hostpage.h"
#include "user/agent/metrics.h"
#include "user/agent/scrape.h"
#include "user/lib/log.h"

/* One host's last good page and the rates taken from it. */
struct govnet_host {
	const struct config_gov_host *cfg;
	struct probe probe;
	bool up; /* its last scrape was good */
	bool ever; /* it answered since the agent (or its entry) started */
	__u64 last_ok_ns; /* when its last good scrape arrived; 0: never */
	double updated_s; /* its clock at the counts last seen */
	bool rated; /* rate[] is from two consecutive samples of its clock */
	__u64 scrapes, errors;
	struct log_streak log;
	/* Per tenant of the configuration (cfg->tenants order). */
	bool *serves; /* on its page */
	double *last[HOSTPAGE__SRC]; /* the counters last seen */
	double *rate[HOSTPAGE__SRC]; /* tokens per second between its last two samples */
};

struct govnet {
	const struct ig_cfg *cfg;
	struct scraper *sc;
	unsigned int n;
	struct govnet_host *h;
	/* Per tenant of the configuration: tokens counted over every host. */
	double *total[HOSTPAGE__SRC];
	struct hostpage *page; /* parse buffer */
	struct config_gov_host *vteps; /* hosts from backends' VTEPs (host_metrics_port) */
};

int govnet_apply(struct govnet *g, const struct ig_cfg *cfg, struct scraper *sc);
void govnet_free(struct govnet *g);
/* Start every host's scrape (each telemetry interval). */
void govnet_start(struct govnet *g);
/* A host's scrape finished (its probe's owner is the govnet_host). */
void govnet_done(struct govnet *g, struct probe *p, __u64 now_ns);
/* Tenant i's response tokens per second over every host, measured and
 * estimated. Returns false when a host that serves it (or any host that
 * never answered) has no current rate: its usage is then unknown. A rate
 * is current when the host answered within two intervals and its last two
 * samples were consecutive. */
bool govnet_tenant(const struct govnet *g, unsigned int i, __u64 now_ns, double *measured,
		   double *estimated);
void govnet_render(const struct govnet *g, struct mbuf *m, __u64 now_ns);

#endif /* __IG_GOVNET_H */
