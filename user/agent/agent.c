// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's state and its map writes: configuration into ig_config,
 * ig_tenants, ig_services and ig_backends; telemetry and health into scores
 * and Maglev tables. Weights never reach the datapath as all-zero: a service
 * without a healthy backend keeps its last table and says so. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "user/agent/agent.h"
#include "user/agent/conncount.h"
#include "user/agent/evpn.h"
#include "user/agent/gpuhost.h"
#include "user/agent/netlink.h"
#include "user/agent/nvml.h"
#include "user/lib/addr.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"
#include "user/lib/maglev.h"
#include "user/lib/names.h"

/* Fewer changed slots than this fraction of the table: update in place. */
#define AGENT_INCREMENTAL_DIV 8
/* The sweep walks the table's mmap (about 5 ms for 256k entries): every
 * second, so a half-open entry's count against its tenant's cap ends within
 * a second of its SYN timeout. */
#define SWEEP_PERIOD_NS (1 * 1000000000ULL)

__u64 agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- runtime state from the configuration ---- */

static int agent_backend_init(struct agent_backend *b, const struct config_backend *cb,
			      const struct config_service *cs, const struct ig_cfg *cfg)
{
	char host[64];

	b->cfg = cb;
	b->svc_id = cs->id;
	b->up = true; /* until health checks say otherwise */
	score_init(&b->score, cb->capacity);
	b->score.fixed = cb->has_weight;
	b->score.fixed_weight = cb->weight;
	b->n_probes = cb->n_metrics;
	b->metrics = calloc(cb->n_metrics ? cb->n_metrics : 1, sizeof(*b->metrics));
	b->serves = calloc(cb->n_metrics ? cb->n_metrics : 1, sizeof(*b->serves));
	if (!b->metrics || !b->serves)
		return -ENOMEM;
	for (unsigned int i = 0; i < cb->n_metrics; i++) {
		b->metrics[i].kind = PROBE_METRICS;
		b->metrics[i].owner = b;
		b->metrics[i].timeout_ms = cfg->telemetry.timeout_ns / 1000000;
		snprintf(b->metrics[i].url, sizeof(b->metrics[i].url), "%s", cb->metrics[i].url);
	}
	addr_str(cb->vtep.addr, host, sizeof(host));
	b->health.kind = cb->health.type == CONFIG_HEALTH_HTTP ? PROBE_HTTP : PROBE_TCP;
	b->health.owner = b;
	b->health.timeout_ms = cb->health.timeout_ns / 1000000;
	snprintf(b->health.url, sizeof(b->health.url), "http://%s%s%s:%u%s",
		 cb->vtep.family == AF_INET6 ? "[" : "", host,
		 cb->vtep.family == AF_INET6 ? "]" : "",
		 cb->health.port ? cb->health.port : cs->port,
		 cb->health.type == CONFIG_HEALTH_HTTP ? cb->health.path : "/");
	return 0;
}

static void agent_free_runtime(struct agent *a)
{
	for (unsigned int i = 0; i < a->n_be; i++) {
		for (unsigned int j = 0; j < a->be[i].n_probes; j++) {
			scraper_cancel(&a->sc, &a->be[i].metrics[j]);
			probe_reset(&a->be[i].metrics[j]);
		}
		scraper_cancel(&a->sc, &a->be[i].health);
		probe_reset(&a->be[i].health);
		free(a->be[i].metrics);
		free(a->be[i].serves);
	}
	for (unsigned int i = 0; i < a->n_svc; i++)
		free(a->svc[i].table);
	governor_free(&a->gov);
	free(a->be);
	free(a->svc);
	a->be = NULL;
	a->svc = NULL;
	a->n_be = a->n_svc = 0;
}

/* A host-only agent loads no gateway program, and scrapes, health-checks
 * and resolves no backend, whatever services its file lists. */
static bool agent_is_gateway(const struct agent *a)
{
	for (unsigned int i = 0; i < a->cfg.n_ifaces; i++)
		if (a->cfg.ifaces[i].role == CONFIG_ROLE_GATEWAY)
			return true;
	return false;
}

static int agent_build_runtime(struct agent *a)
{
	unsigned int n = 0, k = 0, nsvc = agent_is_gateway(a) ? a->cfg.n_services : 0;
	int err = 0;

	for (unsigned int s = 0; s < nsvc; s++)
		n += a->cfg.services[s].n_backends;
	a->be = calloc(n ? n : 1, sizeof(*a->be));
	a->svc = calloc(nsvc ? nsvc : 1, sizeof(*a->svc));
	if (!a->be || !a->svc)
		return -ENOMEM;
	a->n_svc = nsvc;
	for (unsigned int s = 0; !err && s < nsvc; s++) {
		const struct config_service *cs = &a->cfg.services[s];

		a->svc[s] = (struct agent_service){ .cfg = cs, .first = k, .n = cs->n_backends };
		for (unsigned int i = 0; !err && i < cs->n_backends; i++, a->n_be++)
			err = agent_backend_init(&a->be[k++], &cs->backends[i], cs, &a->cfg);
	}
	return err;
}

/* ---- configuration into the maps ---- */

static int agent_write_config(struct agent *a)
{
	struct ig_config c = { .flags = IG_CFG_ENABLED };
	const struct config_gateway *g = &a->cfg.gateway;

	memcpy(c.vtep_addr, g->vtep.addr, sizeof(c.vtep_addr));
	if (g->vtep.family == AF_INET6)
		c.flags |= IG_CFG_VTEP6;
	c.udp_idle_ns = g->udp_idle_ns;
	c.tcp_idle_ns = g->tcp_idle_ns;
	c.syn_timeout_ns = g->syn_timeout_ns;
	c.linger_ns = g->linger_ns;
	c.flood_rate = g->flood_rate;
	c.event_sample = g->event_sample;
	c.underlay_mtu = g->underlay_mtu;
	if (a->sync_on)
		c.flags |= IG_CFG_SYNC;
	if (a->host)
		host_fill_config(a->host, &c);
	return dp_config_set(&a->ld.maps, &c);
}

static bool agent_healthy(const struct agent_backend *b)
{
	return b->up && b->reachable && !b->scrape_refused;
}

/* Drained: by the configuration (drain: true), by the operator
 * (infergatectl drain, kept in ig_operator), or removed from the file. */
static bool agent_drained(const struct agent_backend *b)
{
	return b->draining || b->cfg->drain || (b->op.flags & IG_OP_F_DRAIN);
}

/* A VIP is announced while a service on it (not opted out) has a backend
 * that can take new connections here: healthy and not drained. */
static void agent_announce(struct agent *a)
{
	if (!a->an.on)
		return;
	announce_clear(&a->an);
	for (unsigned int s = 0; s < a->n_svc; s++) {
		const struct agent_service *svc = &a->svc[s];
		bool ok = false;

		for (unsigned int i = 0; svc->cfg->announce && !ok && i < svc->n; i++)
			ok = agent_healthy(&a->be[svc->first + i]) &&
			     !agent_drained(&a->be[svc->first + i]);
		if (ok)
			announce_want(&a->an, &svc->cfg->vip);
	}
	announce_commit(&a->an, a->nl);
}

/* The weight the datapath gets: the operator's pinned one, else telemetry's. */
static __u32 agent_weight(const struct agent_backend *b)
{
	return b->op.flags & IG_OP_F_WEIGHT ? b->op.weight : b->score.weight;
}

/* A backend's entry, with the underlay next hop from the kernel's tables.
 * An unresolved neighbour keeps the MACs it had: the kernel is asked to
 * resolve it and the next tick tries again. A backend never resolved cannot
 * be reached and is down. */
static int agent_write_backend(struct agent *a, struct agent_backend *b)
{
	static const __u8 zero[6];
	struct ig_backend be = {};
	struct netlink_nexthop nh;
	char host[64];
	int err;

	dp_backend_get(&a->ld.maps, b->cfg->id, &be);
	err = netlink_nexthop(a->nl, b->cfg->vtep.addr, &nh);
	if (!err) {
		be.ifindex = nh.ifindex;
		memcpy(be.mac, nh.dmac, 6);
		memcpy(be.smac, nh.smac, 6);
		dp_tx_port_add(&a->ld.maps, nh.ifindex);
		log_streak_ok(&b->route_log, LOG_LVL_INFO, agent_now_ns(),
			      "backend %s: its VTEP has a route again", b->cfg->name);
	} else if (err != -EAGAIN) {
		log_streak_fail(&b->route_log, LOG_LVL_WARN, agent_now_ns(),
				"backend %s (%s): no route to its VTEP: %s", b->cfg->name,
				addr_str(b->cfg->vtep.addr, host, sizeof(host)), strerror(-err));
	}
	b->reachable = memcmp(be.mac, zero, 6) && be.ifindex;
	memcpy(be.addr, b->cfg->vtep.addr, sizeof(be.addr));
	memcpy(be.inner_mac, b->cfg->inner_mac, sizeof(be.inner_mac));
	be.service = b->svc_id;
	be.state = agent_drained(b) ? IG_BE_DRAINING : agent_healthy(b) ? IG_BE_ACTIVE : IG_BE_DOWN;
	be.weight = agent_weight(b);
	return dp_backend_set(&a->ld.maps, b->cfg->id, &be);
}

/* At start every VTEP's neighbour is resolved before the tables are built,
 * so the first table holds only backends the gateway can reach. */
static void agent_resolve_all(struct agent *a)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned int missing = 0;

	for (int round = 0; round < 40; round++) {
		missing = 0;
		for (unsigned int i = 0; i < a->n_be; i++) {
			if (!a->be[i].reachable)
				agent_write_backend(a, &a->be[i]);
			missing += !a->be[i].reachable;
		}
		if (!missing)
			return;
		nanosleep(&ts, NULL);
	}
	log_warn("%u backends have no resolved next hop yet: down until they do", missing);
}

/* The backend list round-robin and least-conn walk; the datapath checks
 * each backend's state, so it changes only with the configuration. */
static int agent_write_svc_backends(struct agent *a, const struct agent_service *s)
{
	__u32 ids[IG_SVC_BE_MAX];
	unsigned int n = s->n < IG_SVC_BE_MAX ? s->n : IG_SVC_BE_MAX;

	if (s->n > n && s->cfg->policy != IG_POLICY_MAGLEV &&
	    s->cfg->policy != IG_POLICY_LEAST_LOADED)
		log_warn("service %s: %s walks only its first %u backends", s->cfg->name,
			 policy_str(s->cfg->policy), n);
	for (unsigned int i = 0; i < n; i++)
		ids[i] = a->be[s->first + i].cfg->id;
	return dp_svc_backends_set(&a->ld.maps, s->cfg->id, ids, n);
}

static double agent_flow_bpt(const void *tok, const __u8 saddr[IG_ADDR_LEN])
{
	return hosttok_bpt(tok, saddr);
}

static int agent_write_services(struct agent *a)
{
	bool *telemetry = calloc(a->n_svc ? a->n_svc : 1, sizeof(*telemetry));
	int err = telemetry ? 0 : -ENOMEM;

	for (unsigned int s = 0; !err && s < a->n_svc; s++)
		for (unsigned int i = 0; i < a->svc[s].n; i++)
			telemetry[s] |= a->be[a->svc[s].first + i].cfg->n_metrics > 0;
	/* The tenants, with their limits, and the shed levels. A GPU host's
	 * agent judges its own flows, with its calibrated bytes per token. */
	a->gov.sc = &a->sc;
	a->gov.local_flows = a->host && !agent_is_gateway(a);
	a->gov.flow_bpt = a->gov.local_flows ? agent_flow_bpt : NULL;
	a->gov.flow_ctx = &a->tok;
	err = err ?: governor_apply(&a->gov, &a->cfg, &a->ld.maps, telemetry);
	free(telemetry);

	for (unsigned int s = 0; !err && s < a->n_svc; s++) {
		const struct config_service *cs = a->svc[s].cfg;
		struct ig_service v = { .id = cs->id,
					.tenant = cs->tenant_id,
					.policy = cs->policy,
					.prio = cs->prio,
					.flags = cs->affinity ? IG_SVC_F_AFFINITY : 0,
					.balance = (__u16)lround(cs->balance * 100),
					.port_block = (__u16)cs->port_block };
		struct ig_service_key k = { .port = htons(cs->port), .proto = cs->proto };

		memcpy(k.addr, cs->vip.addr, sizeof(k.addr));
		err = dp_service_set(&a->ld.maps, &k, &v);
		err = err ?: agent_write_svc_backends(a, &a->svc[s]);
	}
	for (unsigned int i = 0; !err && i < a->n_be; i++) {
		err = agent_write_backend(a, &a->be[i]);
		err = err   ?:
			      dp_backend_set_load(&a->ld.maps, a->be[i].cfg->id,
						  a->be[i].score.score, a->be[i].cfg->capacity);
	}
	return err;
}

/* ---- weights into Maglev tables ---- */

static int agent_push_table(struct agent *a, struct agent_service *s, __u32 *table)
{
	__u32 m = s->cfg->maglev_size, *slots, *ids;
	__u64 t0 = agent_now_ns();
	size_t n;
	int err;

	if (!s->table) {
		err = dp_maglev_swap(&a->ld.maps, s->cfg->id, table, m);
		goto out;
	}
	slots = malloc(m * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	n = maglev_diff(s->table, table, m, slots);
	if (!n) {
		free(slots);
		return 0;
	}
	if (n < m / AGENT_INCREMENTAL_DIV) {
		ids = malloc(n * sizeof(*ids));
		err = ids ? 0 : -ENOMEM;
		for (size_t i = 0; !err && i < n; i++)
			ids[i] = table[slots[i]];
		err = err ?: dp_maglev_update(&a->ld.maps, s->cfg->id, slots, ids, n);
		free(ids);
		s->incremental += !err;
	} else {
		err = dp_maglev_swap(&a->ld.maps, s->cfg->id, table, m);
	}
	free(slots);
out:
	if (err)
		return err;
	s->pushes++;
	a->last_push_ns = agent_now_ns();
	hist_observe(&a->h_push, (a->last_push_ns - t0) / 1e9);
	memcpy(s->table ? s->table : (s->table = malloc(m * sizeof(*table))), table,
	       m * sizeof(*table));
	return 0;
}

/* Maglev input for a service's backends from their published weights.
 * Returns false when no backend can take a connection. */
static bool agent_weights(struct agent *a, struct agent_service *s, struct maglev_backend *mb)
{
	const struct score_state **st = malloc(s->n * sizeof(*st));
	__u32 *w = malloc(s->n * sizeof(*w));
	bool ok = st && w, any = false;

	for (unsigned int i = 0; ok && i < s->n; i++)
		st[i] = &a->be[s->first + i].score;
	ok = ok && score_service_weights(st, s->n, w);
	/* The operator's and the file's requests over telemetry's weights. */
	for (unsigned int i = 0; ok && i < s->n; i++) {
		const struct agent_backend *b = &a->be[s->first + i];

		if (agent_drained(b))
			w[i] = 0;
		else if (b->op.flags & IG_OP_F_WEIGHT)
			w[i] = agent_healthy(b) ? b->op.weight : 0;
		any |= w[i] > 0;
	}
	ok = ok && any;
	for (unsigned int i = 0; ok && i < s->n; i++) {
		const struct config_backend *cb = a->be[s->first + i].cfg;

		mb[i] = (struct maglev_backend){ .id = cb->id, .weight = w[i] };
		memcpy(mb[i].addr, cb->vtep.addr, sizeof(mb[i].addr));
		/* Two backends of a service may share a GPU host's VTEP (one
		 * server per GPU): the id keeps their permutations apart. Every
		 * gateway reads the same configuration, so tables still agree. */
		mb[i].addr[0] ^= cb->id >> 8;
		mb[i].addr[1] ^= cb->id & 0xff;
	}
	free(st);
	free(w);
	return ok;
}

static int agent_rebuild_service(struct agent *a, struct agent_service *s)
{
	struct maglev_backend *mb = malloc(s->n * sizeof(*mb));
	__u32 *table = malloc(s->cfg->maglev_size * sizeof(*table));
	int err;

	if (!mb || !table) {
		err = -ENOMEM;
		goto out;
	}
	if (!agent_weights(a, s, mb)) {
		if (!s->stuck)
			log_warn("service %s: no healthy backend: the gateway drops its new and "
				 "re-steered connections (no-backend) until one passes its health "
				 "checks",
				 s->cfg->name);
		s->stuck = true;
		err = 0;
		goto out;
	}
	if (s->stuck)
		log_info("service %s: a backend is healthy again", s->cfg->name);
	s->stuck = false;
	err = maglev_build(mb, s->n, s->cfg->maglev_size, table);
	err = err ?: agent_push_table(a, s, table);
	if (err)
		log_streak_fail(&s->push_log, LOG_LVL_WARN, agent_now_ns(),
				"service %s: table push failed: %s", s->cfg->name, strerror(-err));
	else
		log_streak_ok(&s->push_log, LOG_LVL_INFO, agent_now_ns(),
			      "service %s: table pushes work again", s->cfg->name);
out:
	free(mb);
	free(table);
	return err;
}

static struct agent_service *agent_service_of(struct agent *a, const struct agent_backend *b)
{
	for (unsigned int s = 0; s < a->n_svc; s++)
		if (a->svc[s].cfg->id == b->svc_id)
			return &a->svc[s];
	return NULL;
}

/* The service's lowest time per queue position, for the TTFT estimate of
 * the backend about to be scored (score_service_ttft_ref()). */
static void agent_ttft_ref(struct agent *a, struct agent_service *s)
{
	struct score_state **st = malloc(s->n * sizeof(*st));

	if (!st)
		return;
	for (unsigned int i = 0; i < s->n; i++)
		st[i] = &a->be[s->first + i].score;
	score_service_ttft_ref(st, s->n);
	free(st);
}

/* Score one backend; on a change publish its score and rebuild its table. */
static void agent_rescore(struct agent *a, struct agent_backend *b, bool fresh, __u64 now)
{
	struct agent_service *s = agent_service_of(a, b);

	if (s)
		agent_ttft_ref(a, s);
	if (!score_update(&a->cfg.scoring, &b->score, fresh ? &b->last : NULL, now,
			  agent_healthy(b)))
		return;
	dp_backend_set_load(&a->ld.maps, b->cfg->id, b->score.score, b->cfg->capacity);
	if (s)
		agent_rebuild_service(a, s);
}

/* ---- probes ---- */

/* A refused connection is an answer: nothing listens on the port, so the
 * backend leaves new-connection steering now, not after `fall` rounds (the
 * fall count is for timeouts and errors, which may be passing trouble). */
static void agent_refused(struct agent *a, struct agent_backend *b, const struct probe *p)
{
	bool was = agent_healthy(b);

	b->refusals++;
	if (p->kind == PROBE_METRICS) {
		b->scrape_refused = true;
	} else {
		b->oks = 0;
		if (b->fails < b->cfg->health.fall)
			b->fails = b->cfg->health.fall;
		b->up = false;
	}
	if (!was || agent_healthy(b))
		return;
	log_warn("backend %s is down (%s refused the connection: out of new-connection "
		 "steering at once)",
		 b->cfg->name, p->url);
	agent_write_backend(a, b);
	agent_rescore(a, b, false, agent_now_ns());
}

/* Whether a refused scrape of this source means the server is gone: an
 * inference server serves its metrics on its own port, a GPU exporter (DCGM)
 * does not speak for the server. An auto-detected source counts once a good
 * scrape has shown it is a server's. */
static bool agent_source_serves(const struct config_metrics_src *src,
				const struct telemetry_set *set)
{
	unsigned int seen = 0;

	if (src->format != CONFIG_FORMAT_AUTO)
		return src->format != TELEM_SRC_DCGM;
	for (unsigned int i = 0; set && i < set->n; i++)
		seen |= set->series[i].sources;
	return seen && !(seen & (1u << TELEM_SRC_DCGM));
}

static void agent_metrics_done(struct agent *a, struct agent_backend *b, struct probe *p)
{
	struct telemetry_set *set;
	struct prom_error perr = {};
	__u64 now = agent_now_ns();
	unsigned int src = (unsigned int)(p - b->metrics);
	int err;

	hist_observe(&a->h_scrape, p->seconds);
	if (!p->ok) {
		b->scrape_errors++;
		if (p->refused &&
		    (b->serves[src] || agent_source_serves(&b->cfg->metrics[src], NULL)))
			agent_refused(a, b, p);
		log_streak_fail(
			&b->scrape_log, LOG_LVL_WARN, now,
			"backend %s: scrape of %s failed: %s (its load is held or rises toward "
			"neutral while this lasts)",
			b->cfg->name, p->url, p->error);
		return;
	}
	set = calloc(1, sizeof(*set));
	if (!set)
		return;
	err = telemetry_parse_metrics(p->body ? p->body : "", p->len, set, &perr);
	if (err) {
		b->scrape_errors++;
		log_streak_fail(&b->scrape_log, LOG_LVL_WARN, now, "backend %s: %s: line %d: %s",
				b->cfg->name, p->url, perr.line, perr.msg);
	} else {
		log_streak_ok(&b->scrape_log, LOG_LVL_INFO, now,
			      "backend %s: scrapes of %s work again", b->cfg->name, p->url);
		b->serves[src] = agent_source_serves(&b->cfg->metrics[src], set);
		telemetry_aggregate(set, &b->last);
		b->last_ns = now;
		if (b->scrape_refused) {
			b->scrape_refused = false;
			if (agent_healthy(b))
				log_warn("backend %s is up (%s answers again)", b->cfg->name,
					 p->url);
			agent_write_backend(a, b);
		}
		agent_rescore(a, b, true, now);
		if (a->last_push_ns > now) /* this sample moved a table */
			hist_observe(&a->h_delay, (a->last_push_ns - now) / 1e9);
	}
	free(set);
}

/* K failures take a backend down, M successes bring it back. */
static void agent_health_done(struct agent *a, struct agent_backend *b, struct probe *p)
{
	const struct config_health *h = &b->cfg->health;
	bool was = b->up;

	if (!p->ok && p->refused) {
		b->health_errors++;
		agent_refused(a, b, p);
		return;
	}
	if (p->ok) {
		hist_observe(&a->h_health, p->seconds);
		b->oks++;
		b->fails = 0;
		if (!b->up && b->oks >= h->rise)
			b->up = true;
	} else {
		b->fails++;
		b->oks = 0;
		b->health_errors++;
		if (b->up && b->fails >= h->fall)
			b->up = false;
	}
	if (b->up == was)
		return;
	/* The table changes now, not at the next tick. */
	log_warn("backend %s is %s (%s)", b->cfg->name, b->up ? "up" : "down",
		 p->ok ? "health checks pass" : p->error);
	agent_write_backend(a, b);
	agent_rescore(a, b, false, agent_now_ns());
}

/* Probes of the token governance across machines (probe.tag). */
enum { AGENT_PROBE_GOVNET = 1, AGENT_PROBE_HOSTTOK };

static void agent_probe_done(struct probe *p, void *ctx)
{
	struct agent_backend *b = p->owner;
	struct agent *a = ctx;

	if (p->tag == AGENT_PROBE_GOVNET) {
		govnet_done(&a->gov.net, p, agent_now_ns());
		governor_runaway(&a->gov, agent_now_ns());
	} else if (p->tag == AGENT_PROBE_HOSTTOK) {
		hosttok_done(&a->tok, p, agent_now_ns());
	} else if (p->kind == PROBE_METRICS)
		agent_metrics_done(ctx, b, p);
	else
		agent_health_done(ctx, b, p);
}

void agent_perform(struct agent *a)
{
	scraper_perform(&a->sc, agent_probe_done, a);
	host_events(a->host);
	if (a->sync_on)
		a->sync_more = sync_perform(&a->sync);
	if (a->tok.dirty) /* the gateways read a host's token counts fresh */
		agent_publish(a);
}

int agent_event_fd(const struct agent *a)
{
	return host_fd(a->host);
}

int agent_sync_fd(const struct agent *a)
{
	return a->sync_on ? sync_fd(&a->sync) : -1;
}

static bool agent_sync_same(const struct config_sync *x, const struct config_sync *y)
{
	if (x->enabled != y->enabled || x->n_peers != y->n_peers || x->batch != y->batch ||
	    x->queue != y->queue || x->refresh_ns != y->refresh_ns ||
	    memcmp(&x->listen, &y->listen, sizeof(x->listen)))
		return false;
	for (unsigned int i = 0; i < x->n_peers; i++)
		if (memcmp(&x->peers[i], &y->peers[i], sizeof(x->peers[i])))
			return false;
	return true;
}

/* Start, restart or stop sync for a->cfg (old: the configuration before a
 * reload, or NULL at start). A sync that cannot start fails the start; after
 * a reload it is logged and the gateway runs on without it. */
static int agent_sync_update(struct agent *a, const struct ig_cfg *old)
{
	int err;

	if (old && agent_sync_same(&old->sync, &a->cfg.sync)) {
		if (a->sync_on)
			sync_known_set(&a->sync, &a->cfg);
		return 0;
	}
	if (a->sync_on) {
		sync_stop(&a->sync);
		a->sync_on = false;
	}
	if (!a->cfg.sync.enabled || !agent_is_gateway(a))
		return 0;
	err = sync_start(&a->sync, &a->cfg, &a->ld.maps);
	a->sync_on = !err;
	return err;
}

/* ---- names and the operator's requests ---- */

struct names_prune {
	const struct dp_maps *maps;
	const struct ig_cfg *cfg;
};

static bool agent_name_known(const struct ig_cfg *cfg, const struct ig_name_key *k)
{
	for (unsigned int i = 0; k->kind == IG_NAME_TENANT && i < cfg->n_tenants; i++)
		if (cfg->tenants[i].id == k->id)
			return true;
	for (unsigned int s = 0; s < cfg->n_services; s++) {
		const struct config_service *cs = &cfg->services[s];

		if (k->kind == IG_NAME_SERVICE && cs->id == k->id)
			return true;
		for (unsigned int b = 0; k->kind == IG_NAME_BACKEND && b < cs->n_backends; b++)
			if (cs->backends[b].id == k->id)
				return true;
	}
	return false;
}

static int agent_name_prune(const void *key, const void *val, void *ctx)
{
	struct names_prune *p = ctx;

	(void)val;
	if (!agent_name_known(p->cfg, key))
		dp_name_del(p->maps, ((const struct ig_name_key *)key)->kind,
			    ((const struct ig_name_key *)key)->id);
	return 0;
}

/* What the configuration calls every tenant, service and backend, for
 * infergatectl (ig_names); names of objects no longer configured go. */
static void agent_publish_names(struct agent *a)
{
	struct names_prune p = { .maps = &a->ld.maps, .cfg = &a->cfg };
	int err = 0;

	for (unsigned int i = 0; i < a->cfg.n_tenants; i++)
		err = err   ?:
			      dp_name_set(&a->ld.maps, IG_NAME_TENANT, a->cfg.tenants[i].id,
					  a->cfg.tenants[i].name);
	for (unsigned int s = 0; s < a->n_svc; s++)
		err = err   ?:
			      dp_name_set(&a->ld.maps, IG_NAME_SERVICE, a->svc[s].cfg->id,
					  a->svc[s].cfg->name);
	for (unsigned int i = 0; i < a->n_be; i++)
		err = err   ?:
			      dp_name_set(&a->ld.maps, IG_NAME_BACKEND, a->be[i].cfg->id,
					  a->be[i].cfg->name);
	if (err)
		log_errno(LOG_LVL_WARN, err,
			  "publishing names to ig_names (infergatectl shows "
			  "ids until it works)");
	dp_names_walk(&a->ld.maps, agent_name_prune, &p);
}

static void agent_operator_log(const struct agent_backend *b, const struct ig_operator *was,
			       bool start)
{
	const struct ig_operator *op = &b->op;
	const char *when = start ? " (a standing request, kept from before this start)" : "";

	if ((op->flags ^ was->flags) & IG_OP_F_DRAIN)
		log_info("backend %s: %s by the operator%s", b->cfg->name,
			 op->flags & IG_OP_F_DRAIN ?
				 "drained (no new connections) until undrained" :
				 "undrained",
			 when);
	if (((op->flags ^ was->flags) & IG_OP_F_WEIGHT) ||
	    ((op->flags & IG_OP_F_WEIGHT) && op->weight != was->weight)) {
		if (op->flags & IG_OP_F_WEIGHT)
			log_info("backend %s: weight pinned to %u by the operator until unpinned%s",
				 b->cfg->name, op->weight, when);
		else
			log_info("backend %s: weight unpinned: telemetry weighs it again",
				 b->cfg->name);
	}
}

/* Read the operator's standing requests (ig_operator); at start, adopt
 * them; later, apply a change at once: the entry and the service's table.
 * Returns how many backends changed. */
static unsigned int agent_operator_read(struct agent *a, bool start)
{
	unsigned int changed = 0;

	for (unsigned int i = 0; i < a->n_be; i++) {
		struct agent_backend *b = &a->be[i];
		struct ig_operator op = {}, was = b->op;

		dp_operator_get(&a->ld.maps, b->cfg->id, &op);
		if (!memcmp(&op, &b->op, sizeof(op)))
			continue;
		b->op = op;
		agent_operator_log(b, &was, start);
		changed++;
		if (start)
			continue;
		agent_write_backend(a, b);
		if (agent_service_of(a, b))
			agent_rebuild_service(a, agent_service_of(a, b));
	}
	return changed;
}

/* The governance step, with every service's saturation. */
static void agent_govern(struct agent *a, __u64 now)
{
	double *sat = calloc(a->n_svc ? a->n_svc : 1, sizeof(*sat));

	for (unsigned int s = 0; sat && s < a->n_svc; s++)
		sat[s] = agent_saturation(a, &a->svc[s]);
	if (sat)
		governor_step(&a->gov, now, sat);
	free(sat);
}

int agent_tick(struct agent *a, __u64 now)
{
	__u64 next = a->next_scrape_ns;
	int hw;

	if (now >= a->next_scrape_ns) {
		a->next_scrape_ns = now + a->cfg.telemetry.interval_ns;
		next = a->next_scrape_ns;
		for (unsigned int i = 0; i < a->n_be; i++) {
			struct agent_backend *b = &a->be[i];

			for (unsigned int j = 0; j < b->n_probes; j++)
				scraper_start(&a->sc, &b->metrics[j]);
			/* No sample this round: staleness and decay move on. */
			agent_rescore(a, b, false, now);
			agent_write_backend(a, b); /* follows next-hop changes */
		}
		agent_operator_read(a, false);
		agent_govern(a, now);
		govnet_start(&a->gov.net);
		hosttok_step(&a->tok, now);
	}
	if (now >= a->next_sweep_ns) {
		a->next_sweep_ns = now + SWEEP_PERIOD_NS;
		agent_sweep(a);
		announce_reconcile(&a->an, a->nl);
		evpn_tick(a->evpn); /* a VNI whose objects failed, again */
	}
	agent_announce(a); /* health results since the last tick */
	for (unsigned int i = 0; i < a->n_be; i++) {
		struct agent_backend *b = &a->be[i];

		if (b->cfg->health.type == CONFIG_HEALTH_NONE)
			continue; /* up as long as it is configured */
		if (now >= b->health_next_ns) {
			b->health_next_ns = now + b->cfg->health.interval_ns;
			scraper_start(&a->sc, &b->health);
		}
		if (b->health_next_ns < next)
			next = b->health_next_ns;
	}
	if (a->sync_more)
		return 0; /* the ring or the socket had more than one call's budget */
	hw = host_tick(a->host);
	if (next > now && (__u64)hw < (next - now) / 1000000)
		return hw;
	return next > now ? (int)((next - now) / 1000000) + 1 : 0;
}

/* ---- the connection table ---- */

static __u64 coarse_now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct sweep {
	struct ig_config cfg;
	struct sync *sync; /* NULL without sync */
	__u64 now;
	__u64 *open_per_be, *open_per_tn, *counted_per_tn;
	__u64 by_state[AGENT_CONN__MAX];
};

/* One entry of the walk: delete it (return 1) when it expired, else count
 * it (conncount.c) as the datapath does: open and half-open entries are in
 * flight on their backend and count on their tenant's cap (the datapath
 * gives both back when it replaces or closes the entry), closed ones not. */
static int agent_sweep_entry(struct dp_conn *c, void *arg)
{
	struct sweep *sw = arg;
	enum conn_class cl = conn_classify(&sw->cfg, &c->key, &c->val, sw->now);

	if (sw->sync)
		sync_sweep_entry(sw->sync, c, cl == CONN_IDLE, cl == CONN_OPEN, sw->now);
	if (cl == CONN_IDLE)
		return 1;
	sw->by_state[cl == CONN_CLOSING	  ? AGENT_CONN_CLOSING :
		     cl == CONN_EMBRYONIC ? AGENT_CONN_HALF_OPEN :
					    AGENT_CONN_OPEN]++;
	if (cl == CONN_CLOSING)
		return 0;
	if (c->val.backend < IG_BACKEND_MAX)
		sw->open_per_be[c->val.backend]++;
	if (c->key.tenant >= IG_TENANT_MAX)
		return 0;
	sw->open_per_tn[c->key.tenant]++;
	if (c->val.flags & IG_CONN_F_COUNTED)
		sw->counted_per_tn[c->key.tenant]++;
	return 0;
}

int agent_sweep(struct agent *a)
{
	__u64 *open = calloc(IG_BACKEND_MAX, sizeof(*open)), cur;
	__u64 *tn = calloc(IG_TENANT_MAX, sizeof(*tn)),
	      *capped = calloc(IG_TENANT_MAX, sizeof(*tn));
	int err = open && tn && capped ? 0 : -ENOMEM;

	struct sweep sw = { .now = coarse_now_ns(),
			    .open_per_be = open,
			    .open_per_tn = tn,
			    .counted_per_tn = capped };

	if (!err && a->sync_on) {
		sw.sync = &a->sync;
		sync_sweep_begin(&a->sync, sw.now);
	}
	if (!err) {
		dp_config_get(&a->ld.maps, &sw.cfg);
		err = dp_conns_walk(&a->ld.maps, agent_sweep_entry, &sw, &a->swept);
	}
	if (!err)
		memcpy(a->conns_by_state, sw.by_state, sizeof(sw.by_state));
	for (__u32 id = 1; !err && id < IG_BACKEND_MAX; id++) {
		/* A connection opened between the walk and this write is not
		 * counted until the next sweep: the count errs low by the
		 * connections of one sweep period at most. */
		if (!dp_backend_inflight(&a->ld.maps, id, &cur) && cur != open[id])
			dp_backend_inflight_set(&a->ld.maps, id, open[id]);
	}
	/* The same for the connections counted against the tenants' caps. */
	for (__u32 id = 1; !err && id < IG_TENANT_MAX; id++)
		if (!dp_tenant_conns(&a->ld.maps, id, &cur) && cur != capped[id])
			dp_tenant_conns_set(&a->ld.maps, id, capped[id]);
	for (unsigned int i = 0; !err && i < a->gov.n_tn; i++)
		a->gov.tn[i].open_conns = tn[a->gov.tn[i].cfg->id];
	free(open);
	free(tn);
	free(capped);
	return err;
}

/* ---- the /metrics page ---- */

static __u64 pc(int fd, __u32 key, size_t off)
{
	__u64 v = 0;

	dp_percpu_sum(fd, key, off, &v);
	return v;
}

static void agent_render_datapath(struct agent *a, struct mbuf *m)
{
	const struct dp_maps *d = &a->ld.maps;

	mbuf_family(m, "infergate_datapath_events_total", "counter",
		    "Datapath event counters (ig_counters), summed over CPUs.");
	for (__u32 c = 0; c < IG_CNT__MAX; c++)
		mbuf_printf(m, "infergate_datapath_events_total{event=\"%s\"} %llu\n",
			    counter_str(c), (unsigned long long)pc(d->counters, c, 0));
	mbuf_family(m, "infergate_drops_total", "counter", "Dropped packets by reason.");
	for (__u32 r = 1; r < IG_DROP__MAX; r++)
		mbuf_printf(m, "infergate_drops_total{reason=\"%s\"} %llu\n", drop_reason_str(r),
			    (unsigned long long)pc(d->drops, r, 0));
	mbuf_family(m, "infergate_tenant_packets_total", "counter", "Packets per tenant.");
	for (unsigned int i = 0; i < a->cfg.n_tenants; i++)
		mbuf_printf(m, "infergate_tenant_packets_total{tenant=\"%s\"} %llu\n",
			    a->cfg.tenants[i].name,
			    (unsigned long long)pc(d->tn_stats, a->cfg.tenants[i].id, 0));
	mbuf_family(m, "infergate_tenant_drops_total", "counter",
		    "Packets dropped or refused per tenant and reason (reasons that happened).");
	for (unsigned int i = 0; i < a->cfg.n_tenants; i++) {
		for (__u32 r = 1; r < IG_DROP__MAX; r++) {
			__u64 n = 0;

			if (dp_tenant_drops(d, a->cfg.tenants[i].id, r, &n) || !n)
				continue;
			mbuf_printf(
				m,
				"infergate_tenant_drops_total{tenant=\"%s\",reason=\"%s\"} %llu\n",
				a->cfg.tenants[i].name, drop_reason_str(r), (unsigned long long)n);
		}
	}
}

double agent_saturation(struct agent *a, const struct agent_service *s)
{
	const struct score_state **st = malloc(s->n * sizeof(*st));
	double sat;

	if (!st)
		return 1.0;
	for (unsigned int i = 0; i < s->n; i++)
		st[i] = &a->be[s->first + i].score;
	sat = score_service_saturation(st, s->n);
	free(st);
	return sat;
}

static void agent_render_services(struct agent *a, struct mbuf *m)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
		{ "packets", "Packets steered.", offsetof(struct ig_traffic, packets) },
		{ "bytes", "Bytes steered.", offsetof(struct ig_traffic, bytes) },
		{ "new_connections", "New connections.", offsetof(struct ig_traffic, new_conns) },
		{ "drops", "Drops.", offsetof(struct ig_traffic, drops) },
	};
	char name[96];

	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		snprintf(name, sizeof(name), "infergate_service_%s_total", f[k].name);
		mbuf_family(m, name, "counter", f[k].help);
		for (unsigned int s = 0; s < a->n_svc; s++)
			mbuf_printf(m, "%s{service=\"%s\"} %llu\n", name, a->svc[s].cfg->name,
				    (unsigned long long)pc(a->ld.maps.svc_stats, a->svc[s].cfg->id,
							   f[k].off));
	}
	mbuf_family(m, "infergate_service_no_healthy_backend", "gauge",
		    "1 while no backend of the service is healthy: its new and re-steered "
		    "connections are dropped (no-backend).");
	for (unsigned int s = 0; s < a->n_svc; s++)
		mbuf_printf(m, "infergate_service_no_healthy_backend{service=\"%s\"} %d\n",
			    a->svc[s].cfg->name, a->svc[s].stuck);
	mbuf_family(m, "infergate_service_saturation", "gauge",
		    "Mean saturation of the service's backends (stale counts as 1).");
	for (unsigned int s = 0; s < a->n_svc; s++)
		mbuf_printf(m, "infergate_service_saturation{service=\"%s\"} %.3f\n",
			    a->svc[s].cfg->name, agent_saturation(a, &a->svc[s]));
	mbuf_family(m, "infergate_service_table_pushes_total", "counter",
		    "Maglev tables pushed (whole or incremental).");
	for (unsigned int s = 0; s < a->n_svc; s++)
		mbuf_printf(m, "infergate_service_table_pushes_total{service=\"%s\"} %llu\n",
			    a->svc[s].cfg->name, (unsigned long long)a->svc[s].pushes);
}

enum be_field {
	BF_WEIGHT,
	BF_SCORE,
	BF_INFLIGHT,
	BF_UP,
	BF_NEW,
	BF_PKTS,
	BF_AGE,
	BF_SCRAPE_ERR,
	BF_HEALTH_ERR,
	BF_REFUSED,
	BF_WAITING,
	BF_RUNNING,
	BF_KV,
	BF_TTFT,
	BF_DRAINED,
	BF_PINNED,
	BF__MAX
};

static const struct {
	const char *name, *type, *help;
} be_fields[BF__MAX] = {
	[BF_WEIGHT] = { "infergate_backend_weight", "gauge", "Published Maglev weight." },
	[BF_SCORE] = { "infergate_backend_score", "gauge",
		       "Load score as a ratio, 0 idle .. 1 saturated (what the datapath compares)." },
	[BF_INFLIGHT] = { "infergate_backend_inflight", "gauge",
			  "Open connections counted by the datapath." },
	[BF_UP] = { "infergate_backend_up", "gauge",
		    "1 when health checks pass and its server's metrics port does not refuse." },
	[BF_NEW] = { "infergate_backend_new_connections_total", "counter", "New connections." },
	[BF_PKTS] = { "infergate_backend_packets_total", "counter", "Packets steered." },
	[BF_AGE] = { "infergate_telemetry_age_seconds", "gauge",
		     "Age of the last good scrape; -1 before the first." },
	[BF_SCRAPE_ERR] = { "infergate_scrape_errors_total", "counter", "Failed scrapes." },
	[BF_HEALTH_ERR] = { "infergate_health_errors_total", "counter", "Failed health checks." },
	[BF_REFUSED] = { "infergate_backend_refusals_total", "counter",
			 "Health checks and server scrapes refused (each takes the backend out "
			 "at once)." },
	/* The inputs of the score, from the last good scrape (backends whose
	 * server does not export one are left out). */
	[BF_WAITING] = { "infergate_backend_requests_waiting", "gauge",
			 "Requests queued at the inference server, as last scraped." },
	[BF_RUNNING] = { "infergate_backend_requests_running", "gauge",
			 "Requests in the server's running batch, as last scraped." },
	[BF_KV] = { "infergate_backend_kv_cache_usage_ratio", "gauge",
		    "KV-cache in use at the server, 0..1, as last scraped." },
	[BF_TTFT] = { "infergate_backend_ttft_estimate_seconds", "gauge",
		      "Estimated time to first token of a request sent now: the time per queue "
		      "position from the server's TTFT histogram, times the queue "
		      "(scoring.ttft_slo); absent until the server has answered requests." },
	[BF_DRAINED] = { "infergate_backend_drained", "gauge",
			 "1 while kept draining by request: drain: in the file, infergatectl "
			 "drain, or removed from the file." },
	[BF_PINNED] = { "infergate_backend_weight_pinned", "gauge",
			"1 while the operator pins the weight (infergatectl weight)." },
};

/* The telemetry field behind an input family, or -1. */
static int agent_be_input(enum be_field f)
{
	return f == BF_WAITING ? TELEM_WAITING :
	       f == BF_RUNNING ? TELEM_RUNNING :
	       f == BF_KV      ? TELEM_KV_USAGE :
				 -1;
}

static double agent_be_value(struct agent *a, struct agent_backend *b, enum be_field f, __u64 now)
{
	__u64 infl = 0;

	switch (f) {
	case BF_WEIGHT:
		return b->score.weight;
	case BF_SCORE:
		return b->score.score / (double)IG_SCORE_SCALE;
	case BF_INFLIGHT:
		dp_backend_inflight(&a->ld.maps, b->cfg->id, &infl);
		return infl;
	case BF_UP:
		return b->up && !b->scrape_refused;
	case BF_NEW:
		return pc(a->ld.maps.be_stats, b->cfg->id, offsetof(struct ig_traffic, new_conns));
	case BF_PKTS:
		return pc(a->ld.maps.be_stats, b->cfg->id, 0);
	case BF_AGE:
		return b->last_ns ? (now - b->last_ns) / 1e9 : -1.0;
	case BF_SCRAPE_ERR:
		return b->scrape_errors;
	case BF_REFUSED:
		return b->refusals;
	case BF_HEALTH_ERR:
		return b->health_errors;
	case BF_WAITING:
		return b->last.waiting;
	case BF_RUNNING:
		return b->last.running;
	case BF_KV:
		return b->last.kv_usage;
	case BF_TTFT:
		return b->score.ttft_est;
	case BF_DRAINED:
		return agent_drained(b);
	case BF_PINNED:
		return !!(b->op.flags & IG_OP_F_WEIGHT);
	default:
		return 0;
	}
}

/* One family at a time: the text format wants each family's lines together. */
static void agent_render_backends(struct agent *a, struct mbuf *m, __u64 now)
{
	for (int f = 0; f < BF__MAX; f++) {
		mbuf_family(m, be_fields[f].name, be_fields[f].type, be_fields[f].help);
		for (unsigned int i = 0; i < a->n_be; i++) {
			struct agent_backend *b = &a->be[i];
			int in = agent_be_input(f);

			if (in >= 0 && (!b->last_ns || !(b->last.have & TELEM_HAVE(in))))
				continue;
			if (f == BF_TTFT && !b->score.ttft_unit_seen)
				continue;
			mbuf_printf(m, "%s{service=\"%s\",backend=\"%s\"} %.15g\n",
				    be_fields[f].name, agent_service_of(a, b)->cfg->name,
				    b->cfg->name, agent_be_value(a, b, f, now));
		}
	}
}

/* The local GPUs, under the DCGM exporter's names (format: dcgm). */
static void agent_render_nvml(struct agent *a, struct mbuf *m)
{
	struct nvml_gpu gpus[NVML_GPUS_MAX];
	char host[64] = "";
	int n;

	if (!a->nvml)
		return;
	n = nvml_read(a->nvml, gpus, NVML_GPUS_MAX);
	if (n < 0)
		return;
	gethostname(host, sizeof(host) - 1);
	nvml_render(m, gpus, n, host);
}

static void agent_render_latency(struct agent *a, struct mbuf *m)
{
	mbuf_hist(m, "infergate_scrape_duration_seconds",
		  "Duration of backends' metrics scrapes, failed ones included.", &a->h_scrape);
	mbuf_hist(m, "infergate_health_check_duration_seconds",
		  "Round trip of health checks that passed.", &a->h_health);
	mbuf_hist(m, "infergate_table_push_duration_seconds",
		  "Time to push a service's Maglev table (whole swap or in-place slots).",
		  &a->h_push);
	mbuf_hist(m, "infergate_telemetry_to_datapath_seconds",
		  "From a scrape's arrival to the datapath holding the table it changed.",
		  &a->h_delay);
}

/* The connection table at the last sweep, and the flood guard's setting
 * (its work is infergate_datapath_events_total{event="flood-guard-stateless"}). */
static void agent_render_conns(struct agent *a, struct mbuf *m)
{
	static const char *const states[] = { [AGENT_CONN_OPEN] = "open",
					      [AGENT_CONN_HALF_OPEN] = "half_open",
					      [AGENT_CONN_CLOSING] = "closing" };

	mbuf_family(m, "infergate_conns", "gauge",
		    "Connection-table entries by state at the last sweep.");
	for (int i = 0; i < AGENT_CONN__MAX; i++)
		mbuf_printf(m, "infergate_conns{state=\"%s\"} %llu\n", states[i],
			    (unsigned long long)a->conns_by_state[i]);
	mbuf_family(m, "infergate_flood_guard_rate", "gauge",
		    "New flows per second per CPU above which new flows get no connection "
		    "entry (0: the flood guard is off).");
	mbuf_printf(m, "infergate_flood_guard_rate %u\n", a->cfg.gateway.flood_rate);
}

void agent_publish(struct agent *a)
{
	struct mbuf m = {};
	__u64 now = agent_now_ns();

	mbuf_family(&m, "infergate_build_info", "gauge", "Agent build and ABI version.");
	mbuf_printf(&m, "infergate_build_info{version=\"%s\",abi=\"%d\"} 1\n", IG_VERSION,
		    IG_ABI_VERSION);
	mbuf_family(&m, "infergate_config_reloads_total", "counter", "SIGHUP reloads.");
	mbuf_printf(&m, "infergate_config_reloads_total{result=\"ok\"} %llu\n",
		    (unsigned long long)a->reloads);
	mbuf_printf(&m, "infergate_config_reloads_total{result=\"rejected\"} %llu\n",
		    (unsigned long long)a->reload_errors);
	mbuf_family(&m, "infergate_conns_swept_total", "counter",
		    "Idle connection entries the agent removed.");
	mbuf_printf(&m, "infergate_conns_swept_total %llu\n", (unsigned long long)a->swept);
	mbuf_family(&m, "infergate_pins_restored_total", "counter",
		    "Map and link pins put back after they were removed under the agent.");
	mbuf_printf(&m, "infergate_pins_restored_total %llu\n",
		    (unsigned long long)a->pins_restored);
	agent_render_conns(a, &m);
	agent_render_datapath(a, &m);
	agent_render_services(a, &m);
	governor_render(&a->gov, &m);
	announce_render(&a->an, &m);
	agent_render_backends(a, &m, now);
	host_render(a->host, &m, &a->cfg);
	hosttok_render(&a->tok, &m);
	evpn_render(a->evpn, &m);
	agent_render_nvml(a, &m);
	agent_render_latency(a, &m);
	if (a->sync_on)
		sync_render(&a->sync, &m);
	mbuf_process(&m);
	if (!m.err && a->ms)
		metrics_publish(a->ms, m.buf, m.len);
	a->tok.dirty = false;
	mbuf_free(&m);
}

/* ---- start, reload, stop ---- */

static int agent_attach(struct agent *a)
{
	int err = 0;

	for (unsigned int i = 0; !err && i < a->cfg.n_ifaces; i++) {
		const struct config_iface *ifc = &a->cfg.ifaces[i];
		unsigned int flags = a->opts.compat_flags;

		if (ifc->role != CONFIG_ROLE_GATEWAY)
			continue; /* the host's underlay: user/agent/gpuhost.c */
		if (ifc->xdp_mode == CONFIG_XDP_GENERIC)
			flags |= COMPAT_F_FORCE_GENERIC;
		err = loader_attach_xdp(&a->ld, ifc->name, flags);
	}
	return err;
}

/* Maps and runtime for the current configuration; tables from capacity
 * until telemetry arrives (score_update publishes at its first step). */
static int agent_evpn_apply(struct agent *a);

static int agent_apply(struct agent *a)
{
	__u64 now = agent_now_ns();
	int err;

	err = agent_build_runtime(a);
	if (!err)
		agent_operator_read(a, true);
	err = err ?: agent_write_config(a) ?: agent_write_services(a);
	if (!err) {
		agent_publish_names(a);
		agent_resolve_all(a);
	}
	for (unsigned int i = 0; !err && i < a->n_be; i++)
		score_update(&a->cfg.scoring, &a->be[i].score, NULL, now, agent_healthy(&a->be[i]));
	for (unsigned int s = 0; !err && s < a->n_svc; s++)
		err = agent_rebuild_service(a, &a->svc[s]);
	a->next_scrape_ns = now;
	if (!err && a->evpn)
		err = agent_evpn_apply(a);
	if (!err && a->host)
		err = host_apply(a->host, &a->cfg.host) ?:
			      hosttok_apply(&a->tok, &a->cfg, &a->ld.maps, a->host, &a->sc);
	for (unsigned int i = 0; !err && i < a->gov.net.n; i++)
		a->gov.net.h[i].probe.tag = AGENT_PROBE_GOVNET;
	for (unsigned int i = 0; !err && i < a->tok.n_wl; i++)
		a->tok.wl[i].probe.tag = AGENT_PROBE_HOSTTOK;
	return err;
}

/* ---- EVPN (docs/evpn.md) ---- */

/* The VNIs this machine serves: a gateway every tenant's, a host those of
 * host.tenants; its VTEP is the host's (a box that is both has one). A host
 * follows the kernel's tables once its objects exist. A failed VNI is
 * logged and counted; the others and the datapath go on. */
static int agent_evpn_apply(struct agent *a)
{
	const struct ig_cfg *c = &a->cfg;
	unsigned int n = 0, cap = c->n_tenants + c->host.n_tenants + 1;
	__u32 *vnis = calloc(cap, sizeof(*vnis)), *tenants = calloc(cap, sizeof(*tenants));
	int err = vnis && tenants ? 0 : -ENOMEM;

	for (unsigned int i = 0; !err && agent_is_gateway(a) && i < c->n_tenants; i++) {
		tenants[n] = c->tenants[i].id;
		vnis[n++] = c->tenants[i].vni;
	}
	for (unsigned int i = 0; !err && c->host.present && i < c->host.n_tenants; i++) {
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= vnis[j] == c->host.tenants[i].vni;
		if (dup)
			continue;
		tenants[n] = c->host.tenants[i].id;
		vnis[n++] = c->host.tenants[i].vni;
	}
	if (!err)
		evpn_apply(a->evpn, &c->evpn,
			   c->host.present ? c->host.vtep.addr : c->gateway.vtep.addr, vnis,
			   tenants, n);
	free(vnis);
	free(tenants);
	if (!err && a->host && !a->evpn->watching)
		evpn_watch(a->evpn);
	return err;
}

/* --metrics-listen wins over the file's metrics.listen (a DaemonSet gives
 * each node its own address; main.c checked it). */
static void agent_listen_override(const struct agent *a, struct ig_cfg *cfg)
{
	if (a->opts.metrics_listen)
		config_listen_parse(a->opts.metrics_listen, &cfg->metrics);
}

int agent_start(struct agent *a, const struct agent_opts *opts)
{
	struct config_error cerr = {};
	int err;

	memset(a, 0, sizeof(*a));
	a->opts = *opts;
	err = config_load(opts->config_path, &a->cfg, &cerr);
	if (err) {
		log_err("%s", cerr.text);
		return err;
	}
	agent_listen_override(a, &a->cfg);
	err = scraper_init(&a->sc) ?: netlink_open(&a->nl);
	err = err   ?:
		      (agent_is_gateway(a) ? loader_open(&a->ld, opts->pin_root) :
					     loader_open_host_only(&a->ld, opts->pin_root));
	if (!err && a->cfg.host.present)
		err = host_start(&a->host, &a->ld, a->nl, opts->compat_flags, &a->cfg.host);
	err = err ?: agent_sync_update(a, NULL);
	if (!err && a->cfg.evpn.present)
		err = evpn_start(&a->evpn, a->nl);
	if (!err && a->host)
		host_set_evpn(a->host, a->evpn);
	err = err ?: agent_attach(a) ?: agent_apply(a);
	if (!err)
		agent_retire_stale(a);
	err = err ?: announce_configure(&a->an, &a->cfg, a->nl);
	if (!err) {
		announce_hold(&a->an, a->cfg.announce.hold_ns);
		agent_announce(a);
		announce_reconcile(&a->an, a->nl); /* a previous run's leftovers */
	}
	err = err ?: metrics_start(&a->ms, a->cfg.metrics.addr.addr, a->cfg.metrics.port);
	if (err)
		return err;
	if (a->cfg.telemetry.nvml && nvml_open(&a->nvml))
		log_warn("NVML: libnvidia-ml.so.1 not usable: local GPU telemetry disabled, the "
			 "agent runs on without it");
	log_info("infergated running: %u services, %u backends, metrics on port %u", a->n_svc,
		 a->n_be, metrics_port(a->ms));
	agent_publish(a);
	return 0;
}

/* Backends of the old configuration that the new one lacks: draining. */
static void agent_drain_removed(struct agent *a, const struct ig_cfg *old)
{
	for (unsigned int s = 0; s < old->n_services; s++) {
		for (unsigned int i = 0; i < old->services[s].n_backends; i++) {
			__u32 id = old->services[s].backends[i].id;
			bool kept = false;

			for (unsigned int j = 0; j < a->n_be && !kept; j++)
				kept = a->be[j].cfg->id == id;
			if (!kept && !dp_backend_set_state(&a->ld.maps, id, IG_BE_DRAINING))
				log_info("backend %s removed from the configuration: draining",
					 old->services[s].backends[i].name);
		}
	}
}

static void agent_delete_removed_services(struct agent *a, const struct ig_cfg *old)
{
	for (unsigned int s = 0; s < old->n_services; s++) {
		const struct config_service *os = &old->services[s];
		struct ig_service_key k = { .port = htons(os->port), .proto = os->proto };
		bool kept = false;

		for (unsigned int j = 0; j < a->n_svc && !kept; j++)
			kept = !memcmp(a->svc[j].cfg->vip.addr, os->vip.addr, 16) &&
			       a->svc[j].cfg->port == os->port && a->svc[j].cfg->proto == os->proto;
		memcpy(k.addr, os->vip.addr, sizeof(k.addr));
		if (!kept && !dp_service_del(&a->ld.maps, &k))
			log_info("service %s removed from the configuration", os->name);
	}
}

int agent_reload(struct agent *a)
{
	struct config_error cerr = {};
	struct ig_cfg next, old;
	int err;

	err = config_load(a->opts.config_path, &next, &cerr);
	if (err) {
		a->reload_errors++;
		log_err("reload rejected, the running configuration stays: %s", cerr.text);
		return err;
	}
	if (a->cfg.host.present != next.host.present || a->cfg.evpn.present != next.evpn.present) {
		a->reload_errors++;
		log_err("reload rejected: the host: and evpn: sections can only appear or go "
			"with a restart");
		config_free(&next);
		return -EINVAL;
	}
	agent_listen_override(a, &next);
	agent_free_runtime(a);
	old = a->cfg;
	a->cfg = next;
	if (agent_sync_update(a, &old))
		log_err("reload: sync could not start: this gateway runs without it");
	err = agent_apply(a);
	agent_drain_removed(a, &old);
	agent_delete_removed_services(a, &old);
	/* VIPs that left the file are withdrawn, the others decided again. */
	if (!announce_configure(&a->an, &a->cfg, a->nl)) {
		agent_announce(a);
		announce_reconcile(&a->an, a->nl);
	}
	config_free(&old);
	if (err)
		log_errno(LOG_LVL_ERR, err, "reload applied with errors");
	else
		log_info("configuration reloaded: %u services, %u backends", a->n_svc, a->n_be);
	a->reloads += !err;
	return err;
}

/* Graceful stop: the router stops sending here before anything else goes.
 * Before detaching, the routers get withdraw_grace to move the flows to the
 * other gateways; without --detach the datapath keeps serving anyway. */
static void agent_withdraw(struct agent *a, bool detach)
{
	__u64 grace = a->cfg.announce.withdraw_grace_ns;
	struct timespec ts = { .tv_sec = grace / 1000000000ULL, .tv_nsec = grace % 1000000000ULL };
	int n;

	if (!a->nl)
		return;
	n = announce_withdraw_all(&a->an, a->nl);
	if (n > 0)
		log_info("stopping: %d VIPs withdrawn", n);
	if (n > 0 && detach && grace) {
		log_info("waiting %llu ms for the routers before detaching",
			 (unsigned long long)grace / 1000000);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

void agent_stop(struct agent *a, bool detach)
{
	agent_withdraw(a, detach);
	announce_free(&a->an);
	if (a->sync_on)
		sync_stop(&a->sync);
	a->sync_on = false;
	metrics_stop(a->ms);
	a->ms = NULL;
	nvml_close(a->nvml);
	a->nvml = NULL;
	agent_free_runtime(a);
	hosttok_free(&a->tok);
	host_stop(a->host, detach);
	a->host = NULL;
	evpn_stop(a->evpn);
	a->evpn = NULL;
	if (detach && a->ld.gw)
		loader_detach(&a->ld);
	loader_close(&a->ld);
	netlink_close(a->nl);
	a->nl = NULL;
	scraper_fini(&a->sc);
	config_free(&a->cfg);
}
