// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The governor: token governance at run time (governor.h). Tenant limits
 * into ig_tenants, shed levels into ig_shed from each service's saturation,
 * and runaway control from the response counters of the GPU-host datapaths
 * named in governance.host_maps (ig_tn_resp per tenant, ig_flow_resp per
 * flow). gov.c decides; this module reads the counters, writes the maps
 * (through user/lib/dp), logs and counts each action. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "user/agent/governor.h"
#include "user/lib/addr.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"
#include "user/lib/names.h"

#define GOV_FLOW_BATCH 4096

static const char *const gov_shed_names[] = {
	[IG_SHED_NONE] = "none",
	[IG_SHED_BATCH] = "batch",
	[IG_SHED_STANDARD] = "batch and standard",
};

/* The refusals governance counts per tenant, in the order they are shown. */
static const __u32 gov_reasons[] = {
	IG_DROP_TN_CONN_RATE, IG_DROP_TN_MAX_CONNS,  IG_DROP_TN_BANDWIDTH, IG_DROP_TN_THROTTLED,
	IG_DROP_SHED_BATCH,   IG_DROP_SHED_STANDARD, IG_DROP_RUNAWAY_CUT,
};

/* ---- tenant entries ---- */

/* The whole entry: VNI, class, limits, refusal style and throttle state. */
static int governor_write_tenant(struct governor *g, const struct gov_tenant *t)
{
	const struct config_tenant *ct = t->cfg;
	const struct config_limits *l = &ct->limits;
	struct ig_tenant v = { .vni = ct->vni, .flags = IG_TENANT_F_ACTIVE, .prio = ct->prio };
	int err;

	if (l->refuse == CONFIG_REFUSE_RST)
		v.flags |= IG_TENANT_F_RST;
	if (t->usage.over)
		v.flags |= IG_TENANT_F_THROTTLED;
	err = dp_tenant_limits(&v, l->conn_rate, l->conn_burst, l->max_conns, l->bandwidth,
			       l->bandwidth_burst);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "tenant %s: limits out of range", ct->name);
		return err;
	}
	return dp_tenant_put(g->maps, ct->id, &v);
}

/* ---- GPU-host maps ---- */

static void governor_host_close(struct gov_host *h)
{
	if (h->open && !h->local)
		dp_close(&h->maps);
	h->open = false;
	h->last_ns = 0;
	h->tn_base = false;
	free(h->flows);
	h->flows = NULL;
	h->n_flows = 0;
}

static int governor_host_open(struct gov_host *h)
{
	__u32 id = 0;
	int err;

	err = dp_open_pinned(&h->maps, h->dir);
	if (!err && (err = dp_map_id(h->maps.tn_resp, &id)))
		dp_close(&h->maps);
	if (err) {
		if (!h->warned)
			log_errno(LOG_LVL_WARN, err,
				  "governance: host maps %s not usable (its runaway control "
				  "pauses; retried every interval)",
				  h->dir);
		h->warned = true;
		return err;
	}
	if (h->warned)
		log_info("governance: host maps %s usable again", h->dir);
	h->warned = false;
	h->open = true;
	h->resp_id = id;
	h->last_ns = 0; /* the first read is a baseline */
	h->tn_base = false;
	return 0;
}

/* A host datapath that went away or was reloaded leaves our fds on maps
 * nobody counts into any more: compare the pinned map with ours. */
static void governor_host_check(struct gov_host *h)
{
	__u32 id;

	if (h->local)
		return;
	if (h->open) {
		if (!dp_pinned_map_id(h->dir, "ig_tn_resp", &id) && id == h->resp_id)
			return;
		log_warn("governance: host maps %s were removed or replaced; reopening", h->dir);
		governor_host_close(h);
	}
	governor_host_open(h);
}

/* ---- start and reload ---- */

/* A throttle in force (left by the previous agent or configuration) is
 * adopted and lifted by the usual rule once the tenant is under budget; at
 * once when the tenant has no budget any more. */
static void governor_adopt(struct governor *g, struct gov_tenant *t)
{
	struct ig_tenant cur;

	if (dp_tenant_get(g->maps, t->cfg->id, &cur) || !(cur.flags & IG_TENANT_F_THROTTLED))
		return;
	if (!t->cfg->budget.tokens) {
		log_info("tenant %s: throttle lifted: it has no token budget any more",
			 t->cfg->name);
		g->runaway[GOV_TENANT_RELEASED]++;
		return;
	}
	t->usage.over = true;
	log_info("tenant %s: throttled as a runaway already; lifted after a full window under "
		 "budget",
		 t->cfg->name);
}

int governor_apply(struct governor *g, const struct ig_cfg *cfg, const struct dp_maps *maps,
		   const bool *svc_telemetry)
{
	const struct config_governance *gc = &cfg->governance;
	int err = 0;

	governor_free(g);
	g->cfg = cfg;
	g->maps = maps;
	g->tn = calloc(cfg->n_tenants ? cfg->n_tenants : 1, sizeof(*g->tn));
	g->hosts = calloc(gc->n_host_maps + 1, sizeof(*g->hosts));
	g->svc = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*g->svc));
	if (!g->tn || !g->hosts || !g->svc)
		return -ENOMEM;
	g->n_tn = cfg->n_tenants;
	for (unsigned int i = 0; !err && i < g->n_tn; i++) {
		struct gov_tenant *t = &g->tn[i];

		t->cfg = &cfg->tenants[i];
		governor_adopt(g, t);
		err = governor_write_tenant(g, t) ?: dp_tenant_drops_init(maps, t->cfg->id);
	}
	g->n_hosts = gc->n_host_maps;
	for (unsigned int i = 0; !err && i < g->n_hosts; i++) {
		struct gov_host *h = &g->hosts[i];

		snprintf(h->dir, sizeof(h->dir), "%s", gc->host_maps[i]);
		h->tn_bytes = calloc(IG_TENANT_MAX, sizeof(*h->tn_bytes));
		if (!h->tn_bytes)
			return -ENOMEM;
		governor_host_open(h); /* a dead one is retried each step */
	}
	if (!err && g->local_flows) {
		struct gov_host *h = &g->hosts[g->n_hosts++];

		snprintf(h->dir, sizeof(h->dir), "local");
		h->maps = *maps;
		h->maps.owned = false;
		h->local = h->open = true;
		h->tn_bytes = calloc(IG_TENANT_MAX, sizeof(*h->tn_bytes));
		if (!h->tn_bytes)
			return -ENOMEM;
	}
	err = err ?: govnet_apply(&g->net, cfg, g->sc);
	g->n_svc = cfg->n_services;
	for (unsigned int s = 0; !err && s < g->n_svc; s++) {
		struct gov_service *sv = &g->svc[s];
		__u32 level = IG_SHED_NONE;

		sv->cfg = &cfg->services[s];
		sv->telemetry = svc_telemetry[s];
		dp_shed_get(maps, sv->cfg->id, &level);
		sv->shed = level < IG_SHED__MAX ? level : IG_SHED_NONE;
	}
	g->since_ns = 0; /* from the first step, when the first scrapes start */
	g->last_ns = 0;
	return err;
}

void governor_free(struct governor *g)
{
	for (unsigned int i = 0; g->hosts && i < g->n_hosts; i++) {
		governor_host_close(&g->hosts[i]);
		free(g->hosts[i].tn_bytes);
	}
	free(g->hosts);
	free(g->tn);
	free(g->svc);
	govnet_free(&g->net);
	g->hosts = NULL;
	g->tn = NULL;
	g->svc = NULL;
	g->n_hosts = g->n_tn = g->n_svc = 0;
}

/* ---- load shedding ---- */

/* Telemetry that never arrived counts as saturated, so levels move only
 * once it has had time to (stale_ns after a start or reload); a service
 * without any metrics source has no saturation and is never shed. */
static void governor_shed(struct governor *g, __u64 now, const double *saturation)
{
	bool settled;

	if (!g->since_ns)
		g->since_ns = now;
	settled = now - g->since_ns >= g->cfg->scoring.stale_ns;
	for (unsigned int i = 0; i < g->n_svc; i++) {
		struct gov_service *s = &g->svc[i];
		unsigned int level;

		s->saturation = saturation[i];
		if (s->telemetry && !settled)
			continue;
		level = s->telemetry ? gov_shed_level(&g->cfg->governance, s->saturation, s->shed) :
				       IG_SHED_NONE;
		if (level == s->shed || dp_shed_set(g->maps, s->cfg->id, level))
			continue;
		if (level > s->shed)
			log_warn("service %s: saturation %.2f: new %s connections refused",
				 s->cfg->name, s->saturation, gov_shed_names[level]);
		else if (level)
			log_info("service %s: saturation %.2f: only new %s connections refused now",
				 s->cfg->name, s->saturation, gov_shed_names[level]);
		else
			log_info("service %s: saturation %.2f: shedding ends", s->cfg->name,
				 s->saturation);
		s->shed = level;
		s->shed_changes++;
	}
}

/* ---- runaway tenants ---- */

static void governor_tenant(struct governor *g, struct gov_tenant *t, double tokens, __u64 now)
{
	const struct config_budget *b = &t->cfg->budget;
	char win[32];

	config_format_duration(b->window_ns, win, sizeof(win));
	switch (gov_judge(&t->usage, tokens, b->tokens, b->window_ns, now)) {
	case GOV_ENGAGE:
		log_warn("tenant %s: runaway: about %.0f response tokens per %s (%.0f measured), "
			 "budget %llu: new connections refused (tenant-throttled) until back under "
			 "budget",
			 t->cfg->name, tokens, win, t->tok_measured, (unsigned long long)b->tokens);
		g->runaway[GOV_TENANT_THROTTLED]++;
		break;
	case GOV_LIFT:
		log_info("tenant %s: %.0f response tokens per %s, a full window under budget "
			 "%llu: throttle lifted",
			 t->cfg->name, tokens, win, (unsigned long long)b->tokens);
		g->runaway[GOV_TENANT_RELEASED]++;
		break;
	default:
		return;
	}
	governor_write_tenant(g, t);
}

/* Each tenant's response tokens per window: the bytes of every host_maps
 * directory since the last step (a host's first read, or a counter that
 * went backwards: a new datapath, is a baseline) at bytes_per_token, and
 * the rates of governance.hosts. A tenant a silent host serves is not
 * judged: missing data neither throttles nor releases it, and a throttle
 * then needs a full window of data under budget again. */
static void governor_tenants(struct governor *g, __u64 now)
{
	__u64 dt = g->last_ns && now > g->last_ns ? now - g->last_ns : 0;

	for (unsigned int i = 0; i < g->n_tn; i++) {
		struct gov_tenant *t = &g->tn[i];
		__u32 id = t->cfg->id;
		__u64 delta = 0, total = 0, win = t->cfg->budget.window_ns;
		double m, e, local;
		bool known;

		for (unsigned int k = 0; k < g->n_hosts; k++) {
			struct gov_host *h = &g->hosts[k];
			__u64 bytes, packets;

			if (h->local || !h->open || dp_tenant_resp(&h->maps, id, &bytes, &packets))
				continue;
			total += bytes;
			if (h->tn_base && bytes >= h->tn_bytes[id])
				delta += bytes - h->tn_bytes[id];
			h->tn_bytes[id] = bytes;
		}
		t->resp_bytes = total;
		t->est_total += delta / g->cfg->governance.bytes_per_token;
		known = govnet_tenant(&g->net, i, now, &m, &e);
		t->unknown = !known;
		if (!dt && !g->net.n)
			continue;
		local = dt ? gov_tokens_per_window(delta, g->cfg->governance.bytes_per_token, dt,
						   win) :
			     0;
		t->tok_measured = m * (win / 1e9);
		t->tok_estimated = e * (win / 1e9) + local;
		if (!known) {
			t->usage.tokens = t->tok_measured + t->tok_estimated;
			if (t->usage.over)
				t->usage.under_since_ns = 0;
			continue;
		}
		governor_tenant(g, t, t->tok_measured + t->tok_estimated, now);
	}
	for (unsigned int k = 0; k < g->n_hosts; k++)
		g->hosts[k].tn_base = g->hosts[k].open;
}

void governor_runaway(struct governor *g, __u64 now)
{
	governor_tenants(g, now);
	g->last_ns = now;
}

/* ---- runaway flows ---- */

static int governor_flow_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct gov_flow *)x)->key, &((const struct gov_flow *)y)->key,
		      sizeof(struct ig_conn_key));
}

struct flow_read {
	struct gov_flow *f;
	unsigned int n, cap;
};

static int governor_read_flow(const void *key, const void *val, void *ctx)
{
	const struct ig_flow_usage *u = val;
	struct flow_read *r = ctx;
	struct gov_flow *tmp;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : GOV_FLOW_BATCH;
		tmp = realloc(r->f, r->cap * sizeof(*r->f));
		if (!tmp)
			return -ENOMEM;
		r->f = tmp;
	}
	r->f[r->n] =
		(struct gov_flow){ .key = *(const struct ig_conn_key *)key, .bytes = u->bytes };
	r->f[r->n++].usage.over = u->flags & IG_FLOW_F_CUT;
	return 0;
}

/* Every entry of the host's ig_flow_resp, sorted by key. */
static int governor_read_flows(struct gov_host *h, struct gov_flow **out, unsigned int *n)
{
	struct flow_read r = {};
	int err = dp_flow_resp_walk(&h->maps, governor_read_flow, &r);

	if (err) {
		free(r.f);
		return err;
	}
	if (r.n)
		qsort(r.f, r.n, sizeof(*r.f), governor_flow_cmp);
	*out = r.f;
	*n = r.n;
	return 0;
}

/* Returns false when the map write failed (the verdict is tried again). */
static bool governor_flow_act(struct governor *g, struct gov_host *h, struct gov_flow *f,
			      const struct gov_tenant *t, enum gov_action act)
{
	const struct config_budget *b = &t->cfg->budget;
	bool cut = g->cfg->governance.cut_runaway_flows;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], win[32];
	int err;

	config_format_duration(b->window_ns, win, sizeof(win));
	addr_str(f->key.saddr, src, sizeof(src));
	addr_str(f->key.daddr, dst, sizeof(dst));
	if (act == GOV_ENGAGE) {
		err = cut ? dp_flow_cut(&h->maps, &f->key, true) : 0;
		if (err)
			return false;
		log_warn("tenant %s: runaway flow %s:%u -> %s:%u: about %.0f response tokens per "
			 "%s, flow budget %llu: %s",
			 t->cfg->name, src, ntohs(f->key.sport), dst, ntohs(f->key.dport),
			 f->usage.tokens, win, (unsigned long long)b->flow_tokens,
			 cut ? "cut at the host (runaway-flow-cut)" : "flagged (cutting is off)");
		g->runaway[cut ? GOV_FLOW_CUT : GOV_FLOW_FLAGGED]++;
		return true;
	}
	err = dp_flow_cut(&h->maps, &f->key, false);
	if (err && err != -ENOENT)
		return false;
	log_info("tenant %s: flow %s:%u -> %s:%u a full window under its budget: %s", t->cfg->name,
		 src, ntohs(f->key.sport), dst, ntohs(f->key.dport),
		 cut ? "cut lifted" : "no longer flagged");
	g->runaway[GOV_FLOW_RELEASED]++;
	return true;
}

/* Flows judged on the bytes they sent since the last read of their host; a
 * flow whose action failed is tried again at the next step. */
static void governor_flows(struct governor *g, struct gov_host *h, struct gov_tenant **by_id,
			   __u64 now)
{
	struct gov_flow *flows, *old;
	unsigned int n;

	if (governor_read_flows(h, &flows, &n))
		return;
	for (unsigned int i = 0; h->last_ns && i < n; i++) {
		struct gov_flow *f = &flows[i];
		struct gov_tenant *t = f->key.tenant < IG_TENANT_MAX ? by_id[f->key.tenant] : NULL;
		const struct config_budget *b;
		struct gov_usage before;
		__u64 delta = f->bytes;
		enum gov_action act;

		old = h->n_flows ? bsearch(f, h->flows, h->n_flows, sizeof(*f), governor_flow_cmp) :
				   NULL;
		if (old) {
			f->usage.tokens = old->usage.tokens;
			f->usage.under_since_ns = old->usage.under_since_ns;
			f->usage.over = f->usage.over || old->usage.over;
			delta = f->bytes >= old->bytes ? f->bytes - old->bytes : f->bytes;
		}
		if (!t)
			continue;
		b = &t->cfg->budget;
		before = f->usage;
		act = gov_judge(
			&f->usage,
			gov_tokens_per_window(delta,
					      g->flow_bpt ? g->flow_bpt(g->flow_ctx, f->key.saddr) :
							    g->cfg->governance.bytes_per_token,
					      now - h->last_ns, b->window_ns),
			b->flow_tokens, b->window_ns, now);
		if (act != GOV_KEEP && !governor_flow_act(g, h, f, t, act))
			f->usage = before;
	}
	free(h->flows);
	h->flows = flows;
	h->n_flows = n;
}

/* ---- the step ---- */

void governor_step(struct governor *g, __u64 now, const double *saturation)
{
	struct gov_tenant **by_id;

	governor_shed(g, now, saturation);
	for (unsigned int k = 0; k < g->n_hosts; k++)
		governor_host_check(&g->hosts[k]);
	governor_tenants(g, now);
	by_id = calloc(IG_TENANT_MAX, sizeof(*by_id));
	for (unsigned int i = 0; by_id && i < g->n_tn; i++)
		by_id[g->tn[i].cfg->id] = &g->tn[i];
	for (unsigned int k = 0; by_id && k < g->n_hosts; k++) {
		struct gov_host *h = &g->hosts[k];

		if (!h->open)
			continue;
		governor_flows(g, h, by_id, now);
		h->last_ns = now;
	}
	free(by_id);
	g->last_ns = now;
}

/* ---- the /metrics page ---- */

/* One family per limit, each in its own unit (0 = unlimited): the limits as
 * written to the datapath, bursts' defaults resolved. */
static void governor_render_limits(const struct governor *g, struct mbuf *m)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "infergate_tenant_connection_rate_limit",
		  "New connections per second the tenant may open (0 = unlimited)." },
		{ "infergate_tenant_connection_burst_limit",
		  "New connections the tenant may open at once (its bucket's depth)." },
		{ "infergate_tenant_max_connections",
		  "Open connections the tenant may hold (0 = unlimited)." },
		{ "infergate_tenant_bandwidth_limit_bytes_per_second",
		  "Request-direction bytes per second of the tenant (0 = unlimited)." },
		{ "infergate_tenant_bandwidth_burst_bytes",
		  "Request-direction bytes the tenant may send at once (its bucket's depth)." },
	};

	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mbuf_family(m, fam[f].name, "gauge", fam[f].help);
		for (unsigned int i = 0; i < g->n_tn; i++) {
			const struct config_tenant *t = g->tn[i].cfg;
			const struct config_limits *l = &t->limits;
			struct ig_tenant v = {};
			__u64 val[] = { 0, 0, 0, 0, 0 };

			dp_tenant_limits(&v, l->conn_rate, l->conn_burst, l->max_conns,
					 l->bandwidth, l->bandwidth_burst);
			val[0] = v.conn_rate;
			val[1] = v.conn_burst;
			val[2] = v.max_conns;
			val[3] = v.bw_rate;
			val[4] = v.bw_burst;
			mbuf_printf(m, "%s{tenant=\"%s\"} %llu\n", fam[f].name, t->name,
				    (unsigned long long)val[f]);
		}
	}
	mbuf_family(m, "infergate_tenant_refuse_rst", "gauge",
		    "1 when the tenant's refused TCP connections get a RST, 0 when dropped.");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_refuse_rst{tenant=\"%s\"} %d\n",
			    g->tn[i].cfg->name, g->tn[i].cfg->limits.refuse == CONFIG_REFUSE_RST);
}

/* Refusals of the gateway and runaway cuts of the hosts, per reason. */
static void governor_render_refusals(const struct governor *g, struct mbuf *m)
{
	mbuf_family(m, "infergate_tenant_refusals_total", "counter",
		    "Packets refused by governance, per tenant and reason (gateway and hosts).");
	for (unsigned int i = 0; i < g->n_tn; i++) {
		for (size_t r = 0; r < sizeof(gov_reasons) / sizeof(gov_reasons[0]); r++) {
			__u64 sum = 0, n = 0;

			if (!dp_tenant_drops(g->maps, g->tn[i].cfg->id, gov_reasons[r], &n))
				sum += n;
			for (unsigned int k = 0; k < g->n_hosts; k++)
				if (g->hosts[k].open &&
				    !dp_tenant_drops(&g->hosts[k].maps, g->tn[i].cfg->id,
						     gov_reasons[r], &n))
					sum += n;
			mbuf_printf(m,
				    "infergate_tenant_refusals_total{tenant=\"%s\",reason=\"%s\"} "
				    "%llu\n",
				    g->tn[i].cfg->name, drop_reason_str(gov_reasons[r]),
				    (unsigned long long)sum);
		}
	}
}

static void governor_render_tenants(const struct governor *g, struct mbuf *m)
{
	mbuf_family(m, "infergate_tenant_open_connections", "gauge",
		    "Open connections of the tenant in the connection table, as of the last "
		    "sweep (every 5 s).");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_open_connections{tenant=\"%s\"} %llu\n",
			    g->tn[i].cfg->name, (unsigned long long)g->tn[i].open_conns);
	mbuf_family(m, "infergate_tenant_capped_connections", "gauge",
		    "Open connections counted against the tenant's max_conns, live "
		    "(ig_tn_conns; 0 without a cap).");
	for (unsigned int i = 0; i < g->n_tn; i++) {
		__u64 n = 0;

		dp_tenant_conns(g->maps, g->tn[i].cfg->id, &n);
		mbuf_printf(m, "infergate_tenant_capped_connections{tenant=\"%s\"} %llu\n",
			    g->tn[i].cfg->name, (unsigned long long)n);
	}
	mbuf_family(m, "infergate_tenant_throttled", "gauge",
		    "1 while the tenant's new connections are refused as a runaway.");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_throttled{tenant=\"%s\"} %d\n", g->tn[i].cfg->name,
			    g->tn[i].usage.over);
	mbuf_family(m, "infergate_tenant_response_bytes_total", "counter",
		    "Response bytes the GPU hosts in governance.host_maps counted for the tenant.");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_response_bytes_total{tenant=\"%s\"} %llu\n",
			    g->tn[i].cfg->name, (unsigned long long)g->tn[i].resp_bytes);
	mbuf_family(m, "infergate_tenant_response_tokens", "gauge",
		    "Response tokens per budget window runaway control judged last (measured "
		    "plus estimated).");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_response_tokens{tenant=\"%s\"} %.0f\n",
			    g->tn[i].cfg->name, g->tn[i].usage.tokens);
	mbuf_family(m, "infergate_tenant_tokens_per_window", "gauge",
		    "The last per-window rate by source: measured (the hosts' inference "
		    "servers' counters) or estimated (response bytes / bytes_per_token).");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(
			m,
			"infergate_tenant_tokens_per_window{tenant=\"%s\",source=\"measured\"} "
			"%.0f\n"
			"infergate_tenant_tokens_per_window{tenant=\"%s\",source=\"estimated\"} "
			"%.0f\n",
			g->tn[i].cfg->name, g->tn[i].tok_measured, g->tn[i].cfg->name,
			g->tn[i].tok_estimated);
	mbuf_family(m, "infergate_tenant_tokens_total", "counter",
		    "Response tokens counted for the tenant since the start, by source.");
	for (unsigned int i = 0; i < g->n_tn; i++) {
		double me = g->net.n ? g->net.total[HOSTPAGE_MEASURED][i] : 0,
		       es = (g->net.n ? g->net.total[HOSTPAGE_ESTIMATED][i] : 0) +
			    g->tn[i].est_total;

		mbuf_printf(m,
			    "infergate_tenant_tokens_total{tenant=\"%s\",source=\"measured\"} "
			    "%.0f\n"
			    "infergate_tenant_tokens_total{tenant=\"%s\",source=\"estimated\"} "
			    "%.0f\n",
			    g->tn[i].cfg->name, me, g->tn[i].cfg->name, es);
	}
	mbuf_family(m, "infergate_tenant_usage_known", "gauge",
		    "0 while a GPU host serving the tenant has no current token count: it is "
		    "then neither throttled nor released.");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_usage_known{tenant=\"%s\"} %d\n",
			    g->tn[i].cfg->name, !g->tn[i].unknown);
	mbuf_family(m, "infergate_tenant_token_budget", "gauge",
		    "Token budget per window, of the tenant and of each single flow (0 = none).");
	for (unsigned int i = 0; i < g->n_tn; i++) {
		const struct config_tenant *t = g->tn[i].cfg;

		mbuf_printf(m,
			    "infergate_tenant_token_budget{tenant=\"%s\",scope=\"tenant\"} %llu\n"
			    "infergate_tenant_token_budget{tenant=\"%s\",scope=\"flow\"} %llu\n",
			    t->name, (unsigned long long)t->budget.tokens, t->name,
			    (unsigned long long)t->budget.flow_tokens);
	}
	mbuf_family(m, "infergate_tenant_budget_window_seconds", "gauge",
		    "The window the token budget is counted over.");
	for (unsigned int i = 0; i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_budget_window_seconds{tenant=\"%s\"} %g\n",
			    g->tn[i].cfg->name, g->tn[i].cfg->budget.window_ns / 1e9);
}

static void governor_render_flows(const struct governor *g, struct mbuf *m)
{
	unsigned int *cut = calloc(IG_TENANT_MAX, sizeof(*cut));
	char dir[2 * CONFIG_PATH_MAX];

	for (unsigned int k = 0; cut && k < g->n_hosts; k++) {
		for (unsigned int f = 0; f < g->hosts[k].n_flows; f++) {
			const struct gov_flow *fl = &g->hosts[k].flows[f];

			if (fl->usage.over && fl->key.tenant < IG_TENANT_MAX)
				cut[fl->key.tenant]++;
		}
	}
	mbuf_family(m, "infergate_tenant_flows_cut", "gauge",
		    "The tenant's response flows cut (or flagged) as runaways now.");
	for (unsigned int i = 0; cut && i < g->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_flows_cut{tenant=\"%s\"} %u\n", g->tn[i].cfg->name,
			    cut[g->tn[i].cfg->id]);
	free(cut);
	mbuf_family(m, "infergate_runaway_actions_total", "counter",
		    "Runaway control actions taken by the agent.");
	for (unsigned int c = 0; c < GOV__MAX; c++)
		mbuf_printf(m, "infergate_runaway_actions_total{action=\"%s\"} %llu\n",
			    gov_counter_str(c), (unsigned long long)g->runaway[c]);
	mbuf_family(m, "infergate_host_maps_up", "gauge",
		    "1 when the GPU-host maps of governance.host_maps are open and read.");
	for (unsigned int k = 0; k < g->n_hosts; k++)
		if (!g->hosts[k].local)
			mbuf_printf(m, "infergate_host_maps_up{dir=\"%s\"} %d\n",
				    mbuf_label(dir, sizeof(dir), g->hosts[k].dir),
				    g->hosts[k].open);
}

static void governor_render_services(const struct governor *g, struct mbuf *m)
{
	mbuf_family(m, "infergate_service_shed_level", "gauge",
		    "New connections refused by class: 0 none, 1 batch, 2 batch and standard.");
	for (unsigned int s = 0; s < g->n_svc; s++)
		mbuf_printf(m, "infergate_service_shed_level{service=\"%s\"} %u\n",
			    g->svc[s].cfg->name, g->svc[s].shed);
	mbuf_family(m, "infergate_service_shed_changes_total", "counter",
		    "Changes of the service's shed level.");
	for (unsigned int s = 0; s < g->n_svc; s++)
		mbuf_printf(m, "infergate_service_shed_changes_total{service=\"%s\"} %llu\n",
			    g->svc[s].cfg->name, (unsigned long long)g->svc[s].shed_changes);
}

void governor_render(const struct governor *g, struct mbuf *m)
{
	governor_render_tenants(g, m);
	governor_render_limits(g, m);
	governor_render_refusals(g, m);
	governor_render_flows(g, m);
	governor_render_services(g, m);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		govnet_render(&g->net, m, (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	}
}
