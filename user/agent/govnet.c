// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The gateway collects the GPU hosts' token counts over the network
 * (govnet.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "user/agent/govnet.h"
#include "user/lib/addr.h"

static void govnet_host_free(struct govnet_host *h, struct scraper *sc)
{
	scraper_cancel(sc, &h->probe);
	probe_reset(&h->probe);
	free(h->serves);
	for (int s = 0; s < HOSTPAGE__SRC; s++) {
		free(h->last[s]);
		free(h->rate[s]);
	}
}

void govnet_free(struct govnet *g)
{
	for (unsigned int i = 0; g->h && i < g->n; i++)
		govnet_host_free(&g->h[i], g->sc);
	free(g->h);
	for (int s = 0; s < HOSTPAGE__SRC; s++)
		free(g->total[s]);
	free(g->page);
	free(g->vteps);
	memset(g, 0, sizeof(*g));
}

/* With governance.host_metrics_port, every backend's VTEP not listed in
 * governance.hosts (by URL) is a host, named by its address. */
static int govnet_vteps(struct govnet *g, const struct ig_cfg *cfg, unsigned int *n)
{
	const struct config_governance *gc = &cfg->governance;
	unsigned int cap = 0;

	*n = 0;
	for (unsigned int s = 0; gc->host_metrics_port && s < cfg->n_services; s++)
		cap += cfg->services[s].n_backends;
	if (!cap)
		return 0;
	g->vteps = calloc(cap, sizeof(*g->vteps));
	if (!g->vteps)
		return -ENOMEM;
	for (unsigned int s = 0; s < cfg->n_services; s++) {
		for (unsigned int b = 0; b < cfg->services[s].n_backends; b++) {
			const struct config_addr *a = &cfg->services[s].backends[b].vtep;
			struct config_gov_host h = {};
			bool dup = false;

			addr_str(a->addr, h.name, sizeof(h.name));
			snprintf(h.url, sizeof(h.url), "http://%s%s%s:%u/metrics",
				 a->family == AF_INET6 ? "[" : "", h.name,
				 a->family == AF_INET6 ? "]" : "", gc->host_metrics_port);
			for (unsigned int i = 0; !dup && i < gc->n_hosts; i++)
				dup = !strcmp(gc->hosts[i].url, h.url);
			for (unsigned int i = 0; !dup && i < *n; i++)
				dup = !strcmp(g->vteps[i].url, h.url);
			if (!dup)
				g->vteps[(*n)++] = h;
		}
	}
	return 0;
}

int govnet_apply(struct govnet *g, const struct ig_cfg *cfg, struct scraper *sc)
{
	const struct config_governance *gc = &cfg->governance;
	unsigned int nt = cfg->n_tenants ? cfg->n_tenants : 1, nv;
	int err;

	/* Every host starts again: a reload may change tenants (their order). */
	govnet_free(g);
	g->cfg = cfg;
	g->sc = sc;
	err = govnet_vteps(g, cfg, &nv);
	if (err)
		return err;
	g->n = gc->n_hosts + nv;
	g->h = calloc(g->n ? g->n : 1, sizeof(*g->h));
	g->page = calloc(1, sizeof(*g->page));
	if (!g->h || !g->page)
		return -ENOMEM;
	for (int s = 0; s < HOSTPAGE__SRC; s++)
		if (!(g->total[s] = calloc(nt, sizeof(double))))
			return -ENOMEM;
	for (unsigned int i = 0; i < g->n; i++) {
		struct govnet_host *h = &g->h[i];

		h->cfg = i < gc->n_hosts ? &gc->hosts[i] : &g->vteps[i - gc->n_hosts];
		h->probe.kind = PROBE_METRICS;
		h->probe.owner = h;
		h->probe.timeout_ms = cfg->telemetry.timeout_ns / 1000000;
		snprintf(h->probe.url, sizeof(h->probe.url), "%s", h->cfg->url);
		h->serves = calloc(nt, sizeof(*h->serves));
		if (!h->serves)
			return -ENOMEM;
		for (int s = 0; s < HOSTPAGE__SRC; s++) {
			h->last[s] = calloc(nt, sizeof(double));
			h->rate[s] = calloc(nt, sizeof(double));
			if (!h->last[s] || !h->rate[s])
				return -ENOMEM;
		}
	}
	return 0;
}

void govnet_start(struct govnet *g)
{
	for (unsigned int i = 0; i < g->n; i++)
		scraper_start(g->sc, &g->h[i].probe);
}

static void govnet_fail(struct govnet_host *h, __u64 now_ns, const char *why)
{
	h->errors++;
	h->up = false;
	log_streak_fail(&h->log, LOG_LVL_WARN, now_ns,
			"governance: host %s (%s) not read: %s (its tenants are neither "
			"throttled nor released until it is)",
			h->cfg->name, h->probe.url, why);
}

/* The page's counters into the host's rates: over the host's clock, from
 * two consecutive samples. A first sample, one after a gap, or a counter
 * that went backwards (the host agent restarted) is a new baseline. */
static void govnet_take(struct govnet *g, struct govnet_host *h, const struct hostpage *p,
			__u64 now_ns)
{
	double dt = p->updated_s - h->updated_s;
	__u64 gap = 2 * g->cfg->telemetry.interval_ns + g->cfg->telemetry.timeout_ns;
	bool consecutive = h->ever && h->up && now_ns - h->last_ok_ns <= gap && dt >= 0;

	if (consecutive && dt == 0)
		return; /* the same counts again: the rates stand */
	h->rated = consecutive;
	for (unsigned int i = 0; i < g->cfg->n_tenants; i++) {
		const struct hostpage_tenant *t = hostpage_find(p, g->cfg->tenants[i].name);

		h->serves[i] = t != NULL;
		for (int s = 0; s < HOSTPAGE__SRC; s++) {
			double v = t ? t->tokens[s] : 0, d = v - h->last[s][i];

			if (consecutive && d < 0)
				h->rated = false;
			h->rate[s][i] = consecutive && d > 0 ? d / dt : 0;
			if (consecutive && d > 0)
				g->total[s][i] += d;
			h->last[s][i] = v;
		}
	}
	if (!h->rated)
		for (int s = 0; s < HOSTPAGE__SRC; s++)
			memset(h->rate[s], 0, g->cfg->n_tenants * sizeof(double));
	h->updated_s = p->updated_s;
}

void govnet_done(struct govnet *g, struct probe *p, __u64 now_ns)
{
	struct govnet_host *h = p->owner;
	struct prom_error perr = {};
	char why[PROM_ERR_MSG_MAX + 32];

	h->scrapes++;
	if (!p->ok) {
		govnet_fail(h, now_ns, p->error);
		return;
	}
	if (hostpage_parse(p->body ? p->body : "", p->len, g->page, &perr)) {
		snprintf(why, sizeof(why), "line %u: %s", perr.line, perr.msg);
		govnet_fail(h, now_ns, why);
		return;
	}
	if (g->page->updated_s < 0) {
		govnet_fail(h, now_ns,
			    "no infergate_host_tokens_updated_seconds (not an "
			    "infergated host, or one without a host: section)");
		return;
	}
	log_streak_ok(&h->log, LOG_LVL_INFO, now_ns, "governance: host %s read again",
		      h->cfg->name);
	govnet_take(g, h, g->page, now_ns);
	h->up = true;
	h->ever = true;
	h->last_ok_ns = now_ns;
}

bool govnet_tenant(const struct govnet *g, unsigned int i, __u64 now_ns, double *measured,
		   double *estimated)
{
	__u64 stale = 2 * g->cfg->telemetry.interval_ns + g->cfg->telemetry.timeout_ns;
	bool known = true;

	*measured = *estimated = 0;
	for (unsigned int k = 0; k < g->n; k++) {
		const struct govnet_host *h = &g->h[k];
		bool current = h->up && h->rated && now_ns - h->last_ok_ns <= stale;

		if (h->ever && !h->serves[i])
			continue;
		if (!current) {
			known = false;
			continue;
		}
		*measured += h->rate[HOSTPAGE_MEASURED][i];
		*estimated += h->rate[HOSTPAGE_ESTIMATED][i];
	}
	return known;
}

void govnet_render(const struct govnet *g, struct mbuf *m, __u64 now_ns)
{
	if (!g->n)
		return;
	mbuf_family(m, "infergate_governance_host_up", "gauge",
		    "1 when the last scrape of the GPU host's token counts (governance.hosts) "
		    "worked.");
	for (unsigned int k = 0; k < g->n; k++)
		mbuf_printf(m, "infergate_governance_host_up{host=\"%s\"} %d\n", g->h[k].cfg->name,
			    g->h[k].up);
	mbuf_family(m, "infergate_governance_host_age_seconds", "gauge",
		    "Age of the host's last good scrape; -1 before the first.");
	for (unsigned int k = 0; k < g->n; k++)
		mbuf_printf(m, "infergate_governance_host_age_seconds{host=\"%s\"} %.3f\n",
			    g->h[k].cfg->name,
			    g->h[k].ever ? (now_ns - g->h[k].last_ok_ns) / 1e9 : -1.0);
	mbuf_family(m, "infergate_governance_host_scrapes_total", "counter",
		    "Scrapes of the host's token counts, by result.");
	for (unsigned int k = 0; k < g->n; k++)
		mbuf_printf(m,
			    "infergate_governance_host_scrapes_total{host=\"%s\",result=\"ok\"} "
			    "%llu\n"
			    "infergate_governance_host_scrapes_total{host=\"%s\",result=\"error\"} "
			    "%llu\n",
			    g->h[k].cfg->name,
			    (unsigned long long)(g->h[k].scrapes - g->h[k].errors),
			    g->h[k].cfg->name, (unsigned long long)g->h[k].errors);
}
