// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Generated tokens per tenant on a GPU host, and each workload's bytes per
 * token (hosttok.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/agent/gpuhost.h"
#include "user/agent/hosttok.h"
#include "user/agent/telemetry.h"

static double hosttok_clock_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double hosttok_sample(struct hosttok_wl *w, double gen, __u64 resp)
{
	double dg = gen - w->gen_last;
	bool counted = w->base && dg >= 0 && resp >= w->resp_last;

	if (counted && dg >= HOSTTOK_CALIB_MIN) {
		double ratio = (double)(resp - w->resp_last) / dg;

		w->bpt = w->bpt > 0 ? (1 - HOSTTOK_CALIB_WEIGHT) * w->bpt +
					      HOSTTOK_CALIB_WEIGHT * ratio :
				      ratio;
	}
	w->gen_last = gen;
	w->resp_last = resp;
	w->base = true;
	return counted ? dg : 0;
}

static void hosttok_wls_free(struct hosttok_wl *wl, unsigned int n, struct scraper *sc)
{
	for (unsigned int i = 0; wl && i < n; i++) {
		scraper_cancel(sc, &wl[i].probe);
		probe_reset(&wl[i].probe);
	}
	free(wl);
}

int hosttok_apply(struct hosttok *t, const struct ig_cfg *cfg, const struct dp_maps *maps,
		  struct host *host, struct scraper *sc)
{
	const struct config_host *hc = &cfg->host;
	struct hosttok_wl *wl = calloc(hc->n_workloads ? hc->n_workloads : 1, sizeof(*wl));

	if (!wl)
		return -ENOMEM;
	if (!t->measured) {
		t->measured = calloc(IG_TENANT_MAX, sizeof(*t->measured));
		t->estimated = calloc(IG_TENANT_MAX, sizeof(*t->estimated));
		t->tn_resp = calloc(IG_TENANT_MAX, sizeof(*t->tn_resp));
		t->tn_base = calloc(IG_TENANT_MAX, sizeof(*t->tn_base));
		if (!t->measured || !t->estimated || !t->tn_resp || !t->tn_base) {
			free(wl);
			return -ENOMEM;
		}
	}
	for (unsigned int i = 0; i < hc->n_workloads; i++) {
		struct hosttok_wl *w = &wl[i];

		for (unsigned int j = 0; j < t->n_wl; j++) {
			if (strcmp(t->wl[j].name, hc->workloads[i].name))
				continue;
			*w = t->wl[j]; /* its counts and calibration stay */
			scraper_cancel(sc, &t->wl[j].probe);
			probe_reset(&t->wl[j].probe);
			memset(&w->probe, 0, sizeof(w->probe));
			break;
		}
		snprintf(w->name, sizeof(w->name), "%s", hc->workloads[i].name);
		w->cfg = &hc->workloads[i];
		w->probe.kind = PROBE_METRICS;
		w->probe.owner = w;
		w->probe.timeout_ms = cfg->telemetry.timeout_ns / 1000000;
		snprintf(w->probe.url, sizeof(w->probe.url), "%s", w->cfg->metrics);
		if (!w->cfg->metrics[0])
			w->measured = false;
	}
	hosttok_wls_free(t->wl, t->n_wl, sc);
	t->wl = wl;
	t->n_wl = hc->n_workloads;
	t->cfg = cfg;
	t->maps = maps;
	t->host = host;
	t->sc = sc;
	t->pending = 0; /* the old round's scrapes were cancelled */
	t->dirty = true;
	return 0;
}

void hosttok_free(struct hosttok *t)
{
	hosttok_wls_free(t->wl, t->n_wl, t->sc);
	free(t->measured);
	free(t->estimated);
	free(t->tn_resp);
	free(t->tn_base);
	memset(t, 0, sizeof(*t));
}

static __u64 hosttok_wl_resp(const struct hosttok *t, const struct hosttok_wl *w)
{
	int ifindex = host_wl_ifindex(t->host, w->name);
	struct ig_wl_stats s = {};

	if (ifindex <= 0 || dp_wl_stats(t->maps, ifindex, &s))
		return 0;
	return s.resp_bytes;
}

static void hosttok_publish(struct hosttok *t);

/* The round's last scrape is in: the counts move, all at once. */
static void hosttok_round_done(struct hosttok *t)
{
	if (t->pending && !--t->pending)
		hosttok_publish(t);
}

void hosttok_done(struct hosttok *t, struct probe *p, __u64 now_ns)
{
	struct hosttok_wl *w = p->owner;
	struct telemetry_set *set;
	struct telemetry_sample agg;
	struct prom_error perr = {};
	int err = -EIO;

	set = p->ok ? calloc(1, sizeof(*set)) : NULL;
	if (set)
		err = telemetry_parse_metrics(p->body ? p->body : "", p->len, set, &perr);
	if (err) {
		w->errors++;
		log_streak_fail(&w->log, LOG_LVL_WARN, now_ns,
				"workload %s: token counter at %s not read: %s (after %u failures "
				"its tokens are estimated from bytes)",
				w->name, p->url, p->ok ? perr.msg : p->error, HOSTTOK_FAILS_MAX);
		/* A failure or two: the next good scrape counts the gap. */
		if (++w->fails >= HOSTTOK_FAILS_MAX) {
			w->measured = false;
			w->base = false;
		}
		free(set);
		hosttok_round_done(t);
		return;
	}
	w->fails = 0;
	log_streak_ok(&w->log, LOG_LVL_INFO, now_ns, "workload %s: token counter at %s read again",
		      w->name, p->url);
	telemetry_aggregate(set, &agg);
	free(set);
	if (!(agg.have & TELEM_HAVE(TELEM_GEN_TOKENS))) {
		log_streak_fail(&w->log, LOG_LVL_WARN, now_ns,
				"workload %s: %s has no generated-token counter: its tokens are "
				"estimated from bytes",
				w->name, p->url);
		w->errors++;
		w->measured = false;
		w->base = false;
		hosttok_round_done(t);
		return;
	}
	w->pending += hosttok_sample(w, agg.gen_tokens, hosttok_wl_resp(t, w));
	w->measured = true;
	hosttok_round_done(t);
}

/* Response bytes of each tenant that no token counter covered since the
 * last step, at the configured bytes per token. */
static void hosttok_estimate(struct hosttok *t)
{
	__u64 *covered = calloc(IG_TENANT_MAX, sizeof(*covered));

	if (!covered)
		return;
	for (unsigned int i = 0; i < t->n_wl; i++) {
		struct hosttok_wl *w = &t->wl[i];
		__u64 resp = hosttok_wl_resp(t, w);

		if (w->measured && resp >= w->step_resp && w->cfg->tenant_id < IG_TENANT_MAX)
			covered[w->cfg->tenant_id] += resp - w->step_resp;
		w->step_resp = resp;
	}
	for (unsigned int i = 0; i < t->cfg->n_tenants; i++) {
		__u32 id = t->cfg->tenants[i].id;
		__u64 bytes = 0, packets;

		if (dp_tenant_resp(t->maps, id, &bytes, &packets))
			continue;
		if (t->tn_base[id] && bytes >= t->tn_resp[id] &&
		    bytes - t->tn_resp[id] > covered[id])
			t->estimated[id] += (double)(bytes - t->tn_resp[id] - covered[id]) /
					    t->cfg->governance.bytes_per_token;
		t->tn_resp[id] = bytes;
		t->tn_base[id] = true;
	}
	free(covered);
}

/* Measured tokens of the round and the estimate move together, stamped
 * with one time: a gateway's rate is over the host's clock, so each move
 * must cover the time since the last. */
static void hosttok_publish(struct hosttok *t)
{
	for (unsigned int i = 0; i < t->n_wl; i++) {
		struct hosttok_wl *w = &t->wl[i];

		w->tokens += w->pending;
		if (w->cfg->tenant_id < IG_TENANT_MAX)
			t->measured[w->cfg->tenant_id] += w->pending;
		w->pending = 0;
	}
	hosttok_estimate(t);
	t->updated_s = hosttok_clock_s();
	t->pending = 0;
	t->dirty = true;
}

void hosttok_step(struct hosttok *t, __u64 now_ns)
{
	(void)now_ns;
	if (!t->cfg)
		return;
	if (t->pending) /* a round not over by the next: what came in counts */
		hosttok_publish(t);
	for (unsigned int i = 0; i < t->n_wl; i++)
		if (t->wl[i].cfg->metrics[0] && !scraper_start(t->sc, &t->wl[i].probe))
			t->pending++;
	if (!t->pending) /* nothing to wait for: the estimate alone */
		hosttok_publish(t);
}

static bool hosttok_addr_in(const struct config_addr *a, unsigned int n,
			    const __u8 addr[IG_ADDR_LEN])
{
	for (unsigned int i = 0; i < n; i++)
		if (!memcmp(a[i].addr, addr, IG_ADDR_LEN))
			return true;
	return false;
}

double hosttok_bpt(const struct hosttok *t, const __u8 saddr[IG_ADDR_LEN])
{
	if (!t->cfg)
		return 4; /* never called so: the agent asks only with a host: section */
	for (unsigned int i = 0; i < t->n_wl; i++) {
		const struct hosttok_wl *w = &t->wl[i];

		if (w->bpt > 0 && w->measured &&
		    (hosttok_addr_in(w->cfg->addrs, w->cfg->n_addrs, saddr) ||
		     hosttok_addr_in(w->cfg->vips, w->cfg->n_vips, saddr)))
			return w->bpt;
	}
	return t->cfg->governance.bytes_per_token;
}

void hosttok_render(const struct hosttok *t, struct mbuf *m)
{
	if (!t->cfg)
		return;
	mbuf_family(m, "infergate_host_tenant_tokens_total", "counter",
		    "Response tokens of the tenant on this host since the agent started: "
		    "measured (inference servers' generated-token counters) or estimated "
		    "(response bytes no counter covers / governance.bytes_per_token).");
	/* The tenants it serves: a gateway waits for a silent host's tenants. */
	for (unsigned int i = 0; i < t->cfg->host.n_tenants; i++) {
		const struct config_host_tenant *tn = &t->cfg->host.tenants[i];

		if (tn->id >= IG_TENANT_MAX)
			continue;
		mbuf_printf(
			m,
			"infergate_host_tenant_tokens_total{tenant=\"%s\",source=\"measured\"} "
			"%.0f\n"
			"infergate_host_tenant_tokens_total{tenant=\"%s\",source=\"estimated\"} "
			"%.0f\n",
			tn->name, t->measured[tn->id], tn->name, t->estimated[tn->id]);
	}
	mbuf_family(m, "infergate_host_tokens_updated_seconds", "gauge",
		    "The host's monotonic clock when its token counts last moved (the gateway "
		    "takes rates over it).");
	mbuf_printf(m, "infergate_host_tokens_updated_seconds %.6f\n", t->updated_s);
	mbuf_family(m, "infergate_host_workload_generated_tokens_total", "counter",
		    "Tokens the workload's inference server generated, as its counter says.");
	for (unsigned int i = 0; i < t->n_wl; i++)
		mbuf_printf(m,
			    "infergate_host_workload_generated_tokens_total{workload=\"%s\",tenant="
			    "\"%s\"} %.0f\n",
			    t->wl[i].name, t->wl[i].cfg->tenant, t->wl[i].tokens);
	mbuf_family(m, "infergate_host_workload_tokens_measured", "gauge",
		    "1 while the workload's tokens are counted by its server, 0 while they are "
		    "estimated from bytes (no metrics URL, no counter, or its scrape fails).");
	for (unsigned int i = 0; i < t->n_wl; i++)
		mbuf_printf(m, "infergate_host_workload_tokens_measured{workload=\"%s\"} %d\n",
			    t->wl[i].name, t->wl[i].measured);
	mbuf_family(m, "infergate_host_workload_bytes_per_token", "gauge",
		    "Response bytes per token the host's runaway-flow control uses for the "
		    "workload: calibrated from its counter, else the configured one.");
	for (unsigned int i = 0; i < t->n_wl; i++) {
		const struct hosttok_wl *w = &t->wl[i];
		bool cal = w->measured && w->bpt > 0;

		mbuf_printf(
			m,
			"infergate_host_workload_bytes_per_token{workload=\"%s\",source=\"%s\"} "
			"%.2f\n",
			w->name, cal ? "calibrated" : "configured",
			cal ? w->bpt : t->cfg->governance.bytes_per_token);
	}
	mbuf_family(m, "infergate_host_workload_token_scrape_errors_total", "counter",
		    "Scrapes of the workload's metrics that failed or had no token counter.");
	for (unsigned int i = 0; i < t->n_wl; i++)
		mbuf_printf(m,
			    "infergate_host_workload_token_scrape_errors_total{workload=\"%s\"} "
			    "%llu\n",
			    t->wl[i].name, (unsigned long long)t->wl[i].errors);
}
