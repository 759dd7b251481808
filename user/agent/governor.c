// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's token governance: tenant limits into ig_tenants, shed levels
 * into ig_shed from each service's saturation, and runaway control from the
 * response counters of the GPU-host datapaths named in governance.host_maps
 * (ig_tn_resp per tenant, ig_flow_resp per flow). govern.c decides; this
 * module reads the counters, writes the maps, logs and counts each action. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "user/agent/agent.h"
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
static int agent_gov_write_tenant(struct agent *a, const struct agent_tenant *t)
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
	return dp_tenant_put(&a->ld.maps, ct->id, &v);
}

/* ---- GPU-host maps ---- */

static void agent_host_close(struct agent_host *h)
{
	if (h->open)
		dp_close(&h->maps);
	h->open = false;
	h->last_ns = 0;
	free(h->flows);
	h->flows = NULL;
	h->n_flows = 0;
}

static int agent_host_open(struct agent_host *h)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = dp_open_pinned(&h->maps, h->dir);
	if (!err && bpf_obj_get_info_by_fd(h->maps.tn_resp, &info, &len)) {
		err = -errno;
		dp_close(&h->maps);
	}
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
	h->resp_id = info.id;
	h->last_ns = 0; /* the first read is a baseline */
	return 0;
}

/* A host datapath that went away or was reloaded leaves our fds on maps
 * nobody counts into any more: compare the pinned map with ours. */
static void agent_host_check(struct agent_host *h)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[CONFIG_PATH_MAX + 16];
	int fd;

	if (h->open) {
		snprintf(path, sizeof(path), "%s/ig_tn_resp", h->dir);
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == h->resp_id) {
			close(fd);
			return;
		}
		if (fd >= 0)
			close(fd);
		log_warn("governance: host maps %s were removed or replaced; reopening", h->dir);
		agent_host_close(h);
	}
	agent_host_open(h);
}

/* ---- start and reload ---- */

/* A throttle in force (left by the previous agent or configuration) is
 * adopted and lifted by the usual rule once the tenant is under budget; at
 * once when the tenant has no budget any more. */
static void agent_gov_adopt(struct agent *a, struct agent_tenant *t)
{
	struct ig_tenant cur;

	if (dp_tenant_get(&a->ld.maps, t->cfg->id, &cur) || !(cur.flags & IG_TENANT_F_THROTTLED))
		return;
	if (!t->cfg->budget.tokens) {
		log_info("tenant %s: throttle lifted: it has no token budget any more",
			 t->cfg->name);
		a->runaway[GOV_TENANT_RELEASED]++;
		return;
	}
	t->usage.over = true;
	log_info("tenant %s: throttled as a runaway already; lifted after a full window under "
		 "budget",
		 t->cfg->name);
}

/* Tenants' entries with their limits, and runtime for the governance step. */
int agent_gov_apply(struct agent *a)
{
	const struct config_governance *g = &a->cfg.governance;
	int err = 0;

	a->tn = calloc(a->cfg.n_tenants ? a->cfg.n_tenants : 1, sizeof(*a->tn));
	a->hosts = calloc(g->n_host_maps ? g->n_host_maps : 1, sizeof(*a->hosts));
	if (!a->tn || !a->hosts)
		return -ENOMEM;
	a->n_tn = a->cfg.n_tenants;
	for (unsigned int i = 0; !err && i < a->n_tn; i++) {
		struct agent_tenant *t = &a->tn[i];

		t->cfg = &a->cfg.tenants[i];
		agent_gov_adopt(a, t);
		err = agent_gov_write_tenant(a, t) ?: dp_tenant_drops_init(&a->ld.maps, t->cfg->id);
	}
	a->n_hosts = g->n_host_maps;
	for (unsigned int i = 0; !err && i < a->n_hosts; i++) {
		struct agent_host *h = &a->hosts[i];

		snprintf(h->dir, sizeof(h->dir), "%s", g->host_maps[i]);
		h->tn_bytes = calloc(IG_TENANT_MAX, sizeof(*h->tn_bytes));
		if (!h->tn_bytes)
			return -ENOMEM;
		agent_host_open(h); /* a dead one is retried each step */
	}
	for (unsigned int s = 0; !err && s < a->n_svc; s++) {
		struct agent_service *sv = &a->svc[s];
		__u32 level = IG_SHED_NONE;

		for (unsigned int i = 0; i < sv->n; i++)
			sv->telemetry |= a->be[sv->first + i].cfg->n_metrics > 0;
		dp_shed_get(&a->ld.maps, sv->cfg->id, &level);
		sv->shed = level < IG_SHED__MAX ? level : IG_SHED_NONE;
	}
	a->gov_since_ns = 0; /* from the first step, when the first scrapes start */
	a->gov_last_ns = 0;
	return err;
}

void agent_gov_free(struct agent *a)
{
	for (unsigned int i = 0; a->hosts && i < a->n_hosts; i++) {
		agent_host_close(&a->hosts[i]);
		free(a->hosts[i].tn_bytes);
	}
	free(a->hosts);
	free(a->tn);
	a->hosts = NULL;
	a->tn = NULL;
	a->n_hosts = a->n_tn = 0;
}

/* ---- load shedding ---- */

/* Telemetry that never arrived counts as saturated, so levels move only
 * once it has had time to (stale_ns after a start or reload); a service
 * without any metrics source has no saturation and is never shed. */
static void agent_gov_shed(struct agent *a, __u64 now)
{
	bool settled;

	if (!a->gov_since_ns)
		a->gov_since_ns = now;
	settled = now - a->gov_since_ns >= a->cfg.scoring.stale_ns;
	for (unsigned int i = 0; i < a->n_svc; i++) {
		struct agent_service *s = &a->svc[i];
		unsigned int level;

		s->saturation = agent_saturation(a, s);
		if (s->telemetry && !settled)
			continue;
		level = s->telemetry ? gov_shed_level(&a->cfg.governance, s->saturation, s->shed) :
				       IG_SHED_NONE;
		if (level == s->shed || dp_shed_set(&a->ld.maps, s->cfg->id, level))
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

static void agent_gov_tenant(struct agent *a, struct agent_tenant *t, __u64 delta, __u64 dt,
			     __u64 now)
{
	const struct config_budget *b = &t->cfg->budget;
	double tokens =
		gov_tokens_per_window(delta, a->cfg.governance.bytes_per_token, dt, b->window_ns);
	char win[32];

	config_format_duration(b->window_ns, win, sizeof(win));
	switch (gov_judge(&t->usage, tokens, b->tokens, b->window_ns, now)) {
	case GOV_ENGAGE:
		log_warn("tenant %s: runaway: about %.0f response tokens per %s, budget %llu: "
			 "new connections refused (tenant-throttled) until back under budget",
			 t->cfg->name, tokens, win, (unsigned long long)b->tokens);
		a->runaway[GOV_TENANT_THROTTLED]++;
		break;
	case GOV_LIFT:
		log_info("tenant %s: %.0f response tokens per %s, a full window under budget "
			 "%llu: throttle lifted",
			 t->cfg->name, tokens, win, (unsigned long long)b->tokens);
		a->runaway[GOV_TENANT_RELEASED]++;
		break;
	default:
		return;
	}
	agent_gov_write_tenant(a, t);
}

/* Each tenant's response bytes over every host since the last step. A
 * host's first read (or a counter that went backwards: a new datapath)
 * is a baseline. */
static void agent_gov_tenants(struct agent *a, __u64 now)
{
	__u64 dt = a->gov_last_ns ? now - a->gov_last_ns : 0;

	for (unsigned int i = 0; i < a->n_tn; i++) {
		struct agent_tenant *t = &a->tn[i];
		__u32 id = t->cfg->id;
		__u64 delta = 0, total = 0;

		for (unsigned int k = 0; k < a->n_hosts; k++) {
			struct agent_host *h = &a->hosts[k];
			__u64 bytes, packets;

			if (!h->open || dp_tenant_resp(&h->maps, id, &bytes, &packets))
				continue;
			total += bytes;
			if (h->last_ns && bytes >= h->tn_bytes[id])
				delta += bytes - h->tn_bytes[id];
			h->tn_bytes[id] = bytes;
		}
		t->resp_bytes = total;
		if (dt)
			agent_gov_tenant(a, t, delta, dt, now);
	}
}

/* ---- runaway flows ---- */

static int agent_flow_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct agent_flow *)x)->key, &((const struct agent_flow *)y)->key,
		      sizeof(struct ig_conn_key));
}

/* Every entry of the host's ig_flow_resp, sorted by key. */
static int agent_gov_read_flows(struct agent_host *h, struct agent_flow **out, unsigned int *n)
{
	struct ig_conn_key keys[64];
	struct ig_flow_usage vals[64];
	struct agent_flow *f = NULL, *tmp;
	unsigned int cnt = 0, cap = 0;
	bool first = true, done = false;
	__u64 batch = 0;
	int err = 0;

	while (!done) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 got = 64;

		err = bpf_map_lookup_batch(h->maps.flow_resp, first ? NULL : &batch, &batch, keys,
					   vals, &got, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		done = err != 0; /* ENOENT: the last batch */
		err = 0;
		first = false;
		if (cnt + got > cap) {
			cap = cap ? 2 * cap : GOV_FLOW_BATCH;
			tmp = realloc(f, cap * sizeof(*f));
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
			f = tmp;
		}
		for (__u32 i = 0; i < got; i++, cnt++) {
			f[cnt] = (struct agent_flow){ .key = keys[i], .bytes = vals[i].bytes };
			f[cnt].usage.over = vals[i].flags & IG_FLOW_F_CUT;
		}
	}
	if (err) {
		free(f);
		return err;
	}
	if (cnt)
		qsort(f, cnt, sizeof(*f), agent_flow_cmp);
	*out = f;
	*n = cnt;
	return 0;
}

/* Returns false when the map write failed (the verdict is tried again). */
static bool agent_gov_flow_act(struct agent *a, struct agent_host *h, struct agent_flow *f,
			       const struct agent_tenant *t, enum gov_action act)
{
	const struct config_budget *b = &t->cfg->budget;
	bool cut = a->cfg.governance.cut_runaway_flows;
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
		a->runaway[cut ? GOV_FLOW_CUT : GOV_FLOW_FLAGGED]++;
		return true;
	}
	err = dp_flow_cut(&h->maps, &f->key, false);
	if (err && err != -ENOENT)
		return false;
	log_info("tenant %s: flow %s:%u -> %s:%u a full window under its budget: %s", t->cfg->name,
		 src, ntohs(f->key.sport), dst, ntohs(f->key.dport),
		 cut ? "cut lifted" : "no longer flagged");
	a->runaway[GOV_FLOW_RELEASED]++;
	return true;
}

/* Flows judged on the bytes they sent since the last read of their host; a
 * flow whose action failed is tried again at the next step. */
static void agent_gov_flows(struct agent *a, struct agent_host *h, struct agent_tenant **by_id,
			    __u64 now)
{
	struct agent_flow *flows, *old;
	unsigned int n;

	if (agent_gov_read_flows(h, &flows, &n))
		return;
	for (unsigned int i = 0; h->last_ns && i < n; i++) {
		struct agent_flow *f = &flows[i];
		struct agent_tenant *t = f->key.tenant < IG_TENANT_MAX ? by_id[f->key.tenant] :
									 NULL;
		const struct config_budget *b;
		struct gov_usage before;
		__u64 delta = f->bytes;
		enum gov_action act;

		old = h->n_flows ? bsearch(f, h->flows, h->n_flows, sizeof(*f), agent_flow_cmp) :
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
		act = gov_judge(&f->usage,
				gov_tokens_per_window(delta, a->cfg.governance.bytes_per_token,
						      now - h->last_ns, b->window_ns),
				b->flow_tokens, b->window_ns, now);
		if (act != GOV_KEEP && !agent_gov_flow_act(a, h, f, t, act))
			f->usage = before;
	}
	free(h->flows);
	h->flows = flows;
	h->n_flows = n;
}

/* ---- the step ---- */

void agent_govern(struct agent *a, __u64 now)
{
	struct agent_tenant **by_id;

	agent_gov_shed(a, now);
	for (unsigned int k = 0; k < a->n_hosts; k++)
		agent_host_check(&a->hosts[k]);
	agent_gov_tenants(a, now);
	by_id = calloc(IG_TENANT_MAX, sizeof(*by_id));
	for (unsigned int i = 0; by_id && i < a->n_tn; i++)
		by_id[a->tn[i].cfg->id] = &a->tn[i];
	for (unsigned int k = 0; by_id && k < a->n_hosts; k++) {
		struct agent_host *h = &a->hosts[k];

		if (!h->open)
			continue;
		agent_gov_flows(a, h, by_id, now);
		h->last_ns = now;
	}
	free(by_id);
	a->gov_last_ns = now;
}

/* ---- the /metrics page ---- */

static void agent_gov_render_limits(struct agent *a, struct mbuf *m)
{
	mbuf_family(m, "infergate_tenant_limit", "gauge",
		    "Configured tenant limits (0 = unlimited): connections/s, bucket sizes, open "
		    "connections, request bytes/s.");
	for (unsigned int i = 0; i < a->n_tn; i++) {
		const struct config_tenant *t = a->tn[i].cfg;
		const struct config_limits *l = &t->limits;
		struct ig_tenant v = {};

		/* The bursts as written to the datapath, defaults resolved. */
		dp_tenant_limits(&v, l->conn_rate, l->conn_burst, l->max_conns, l->bandwidth,
				 l->bandwidth_burst);
		mbuf_printf(
			m,
			"infergate_tenant_limit{tenant=\"%s\",limit=\"conn_rate\"} %u\n"
			"infergate_tenant_limit{tenant=\"%s\",limit=\"conn_burst\"} %u\n"
			"infergate_tenant_limit{tenant=\"%s\",limit=\"max_conns\"} %u\n"
			"infergate_tenant_limit{tenant=\"%s\",limit=\"bandwidth\"} %llu\n"
			"infergate_tenant_limit{tenant=\"%s\",limit=\"bandwidth_burst\"} %llu\n",
			t->name, v.conn_rate, t->name, v.conn_burst, t->name, v.max_conns, t->name,
			(unsigned long long)v.bw_rate, t->name, (unsigned long long)v.bw_burst);
	}
	mbuf_family(m, "infergate_tenant_refuse_rst", "gauge",
		    "1 when the tenant's refused TCP connections get a RST, 0 when dropped.");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_refuse_rst{tenant=\"%s\"} %d\n",
			    a->tn[i].cfg->name, a->tn[i].cfg->limits.refuse == CONFIG_REFUSE_RST);
}

/* Refusals of the gateway and runaway cuts of the hosts, per reason. */
static void agent_gov_render_refusals(struct agent *a, struct mbuf *m)
{
	mbuf_family(m, "infergate_tenant_refusals_total", "counter",
		    "Packets refused by governance, per tenant and reason (gateway and hosts).");
	for (unsigned int i = 0; i < a->n_tn; i++) {
		for (size_t r = 0; r < sizeof(gov_reasons) / sizeof(gov_reasons[0]); r++) {
			__u64 sum = 0, n = 0;

			if (!dp_tenant_drops(&a->ld.maps, a->tn[i].cfg->id, gov_reasons[r], &n))
				sum += n;
			for (unsigned int k = 0; k < a->n_hosts; k++)
				if (a->hosts[k].open &&
				    !dp_tenant_drops(&a->hosts[k].maps, a->tn[i].cfg->id,
						     gov_reasons[r], &n))
					sum += n;
			mbuf_printf(m,
				    "infergate_tenant_refusals_total{tenant=\"%s\",reason=\"%s\"} "
				    "%llu\n",
				    a->tn[i].cfg->name, drop_reason_str(gov_reasons[r]),
				    (unsigned long long)sum);
		}
	}
}

static void agent_gov_render_tenants(struct agent *a, struct mbuf *m)
{
	mbuf_family(m, "infergate_tenant_open_connections", "gauge",
		    "Open connections of the tenant in the connection table, as of the last "
		    "sweep (every 5 s).");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_open_connections{tenant=\"%s\"} %llu\n",
			    a->tn[i].cfg->name, (unsigned long long)a->tn[i].open_conns);
	mbuf_family(m, "infergate_tenant_capped_connections", "gauge",
		    "Open connections counted against the tenant's max_conns, live "
		    "(ig_tn_conns; 0 without a cap).");
	for (unsigned int i = 0; i < a->n_tn; i++) {
		__u64 n = 0;

		dp_tenant_conns(&a->ld.maps, a->tn[i].cfg->id, &n);
		mbuf_printf(m, "infergate_tenant_capped_connections{tenant=\"%s\"} %llu\n",
			    a->tn[i].cfg->name, (unsigned long long)n);
	}
	mbuf_family(m, "infergate_tenant_throttled", "gauge",
		    "1 while the tenant's new connections are refused as a runaway.");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_throttled{tenant=\"%s\"} %d\n", a->tn[i].cfg->name,
			    a->tn[i].usage.over);
	mbuf_family(m, "infergate_tenant_response_bytes_total", "counter",
		    "Response bytes the GPU hosts in governance.host_maps counted for the tenant.");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_response_bytes_total{tenant=\"%s\"} %llu\n",
			    a->tn[i].cfg->name, (unsigned long long)a->tn[i].resp_bytes);
	mbuf_family(m, "infergate_tenant_response_tokens", "gauge",
		    "Estimated response tokens per budget window, from the last interval.");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_response_tokens{tenant=\"%s\"} %.0f\n",
			    a->tn[i].cfg->name, a->tn[i].usage.tokens);
	mbuf_family(m, "infergate_tenant_token_budget", "gauge",
		    "Token budget per window, of the tenant and of each single flow (0 = none).");
	for (unsigned int i = 0; i < a->n_tn; i++) {
		const struct config_tenant *t = a->tn[i].cfg;

		mbuf_printf(m,
			    "infergate_tenant_token_budget{tenant=\"%s\",scope=\"tenant\"} %llu\n"
			    "infergate_tenant_token_budget{tenant=\"%s\",scope=\"flow\"} %llu\n",
			    t->name, (unsigned long long)t->budget.tokens, t->name,
			    (unsigned long long)t->budget.flow_tokens);
	}
	mbuf_family(m, "infergate_tenant_budget_window_seconds", "gauge",
		    "The window the token budget is counted over.");
	for (unsigned int i = 0; i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_budget_window_seconds{tenant=\"%s\"} %g\n",
			    a->tn[i].cfg->name, a->tn[i].cfg->budget.window_ns / 1e9);
}

static void agent_gov_render_flows(struct agent *a, struct mbuf *m)
{
	unsigned int *cut = calloc(IG_TENANT_MAX, sizeof(*cut));

	for (unsigned int k = 0; cut && k < a->n_hosts; k++) {
		for (unsigned int f = 0; f < a->hosts[k].n_flows; f++) {
			const struct agent_flow *fl = &a->hosts[k].flows[f];

			if (fl->usage.over && fl->key.tenant < IG_TENANT_MAX)
				cut[fl->key.tenant]++;
		}
	}
	mbuf_family(m, "infergate_tenant_flows_cut", "gauge",
		    "The tenant's response flows cut (or flagged) as runaways now.");
	for (unsigned int i = 0; cut && i < a->n_tn; i++)
		mbuf_printf(m, "infergate_tenant_flows_cut{tenant=\"%s\"} %u\n", a->tn[i].cfg->name,
			    cut[a->tn[i].cfg->id]);
	free(cut);
	mbuf_family(m, "infergate_runaway_actions_total", "counter",
		    "Runaway control actions taken by the agent.");
	for (unsigned int c = 0; c < GOV__MAX; c++)
		mbuf_printf(m, "infergate_runaway_actions_total{action=\"%s\"} %llu\n",
			    gov_counter_str(c), (unsigned long long)a->runaway[c]);
	mbuf_family(m, "infergate_host_maps_up", "gauge",
		    "1 when the GPU-host maps of governance.host_maps are open and read.");
	for (unsigned int k = 0; k < a->n_hosts; k++)
		mbuf_printf(m, "infergate_host_maps_up{dir=\"%s\"} %d\n", a->hosts[k].dir,
			    a->hosts[k].open);
}

static void agent_gov_render_services(struct agent *a, struct mbuf *m)
{
	mbuf_family(m, "infergate_service_shed_level", "gauge",
		    "New connections refused by class: 0 none, 1 batch, 2 batch and standard.");
	for (unsigned int s = 0; s < a->n_svc; s++)
		mbuf_printf(m, "infergate_service_shed_level{service=\"%s\"} %u\n",
			    a->svc[s].cfg->name, a->svc[s].shed);
	mbuf_family(m, "infergate_service_shed_changes_total", "counter",
		    "Changes of the service's shed level.");
	for (unsigned int s = 0; s < a->n_svc; s++)
		mbuf_printf(m, "infergate_service_shed_changes_total{service=\"%s\"} %llu\n",
			    a->svc[s].cfg->name, (unsigned long long)a->svc[s].shed_changes);
}

void agent_gov_render(struct agent *a, struct mbuf *m)
{
	agent_gov_render_tenants(a, m);
	agent_gov_render_limits(a, m);
	agent_gov_render_refusals(a, m);
	agent_gov_render_flows(a, m);
	agent_gov_render_services(a, m);
}
