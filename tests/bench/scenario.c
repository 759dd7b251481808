// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The routing benchmark's scenario files: the schema, as field tables for the
 * agent's configuration engine (user/agent/cfgtree.h), and the checks across
 * fields. docs/benchmarks.md describes every key. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/scenario.h"
#include "tools/lab/loadgen/dist.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const policy_names[SC_P__MAX] = {
	"kube-proxy", "round-robin", "least-conn", "maglev", "least-loaded", "affinity", "oracle",
};
static const char *const action_names[SC_ACTION__MAX] = { "kill", "restart", "drain", "undrain" };
static const char *const class_names[SC_CLASS__MAX] = { "interactive", "standard", "batch" };
static const char *const profile_names[] = { "fast", "slow" };

const char *sc_policy_name(unsigned int p)
{
	return p < SC_P__MAX ? policy_names[p] : NULL;
}

const char *sc_action_name(unsigned int a)
{
	return a < SC_ACTION__MAX ? action_names[a] : NULL;
}

const char *sc_class_name(unsigned int c)
{
	return c < SC_CLASS__MAX ? class_names[c] : NULL;
}

static const char *profile_name(unsigned int p)
{
	return p < N_OF(profile_names) ? profile_names[p] : NULL;
}

/* ---- hosts ---- */

static int cfg_background(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	static const struct cfg_field f[] = {
		CFG_FIELD(struct sc_host, "rate", CT_DOUBLE, bg_rate, 0, 0, 1000),
		CFG_FIELD(struct sc_host, "prompt", CT_UINT, bg_prompt, 0, 1, 1000000),
		CFG_FIELD(struct sc_host, "output", CT_UINT, bg_output, 0, 1, 1000000),
	};

	return cfg_map(c, v, f, N_OF(f), obj);
}

static const struct cfg_field host_fields[] = {
	CFG_ENUM(struct sc_host, "profile", profile, 0, profile_name, N_OF(profile_names)),
	CFG_FIELD(struct sc_host, "gpus", CT_UINT, gpus, 0, 1, 8),
	CFG_FIELD(struct sc_host, "kv_blocks", CT_UINT, kv_blocks, 0, 16, 1u << 24),
	CFG_FIELD(struct sc_host, "block_size", CT_UINT, block_size, 0, 1, 1024),
	CFG_FIELD(struct sc_host, "step_base", CT_DOUBLE, step_base, 0, 0, 60),
	CFG_FIELD(struct sc_host, "step_per_seq", CT_DOUBLE, step_per_seq, 0, 0, 60),
	CFG_FIELD(struct sc_host, "step_per_ctx_token", CT_DOUBLE, step_per_ctx_token, 0, 0, 60),
	CFG_FIELD(struct sc_host, "prefill_per_token", CT_DOUBLE, prefill_per_token, 0, 0, 60),
	CFG_FIELD(struct sc_host, "prefill_base", CT_DOUBLE, prefill_base, 0, 0, 60),
	CFG_FIELD(struct sc_host, "prefill_floor", CT_DOUBLE, prefill_floor, 0, 0, 60),
	CFG_FIELD(struct sc_host, "max_batched_tokens", CT_UINT, max_batched_tokens, 0, 1,
		  1u << 24),
	CFG_FIELD(struct sc_host, "max_seqs", CT_UINT, max_seqs, 0, 1, 65536),
	CFG_FIELD(struct sc_host, "prefix_cache_blocks", CT_DOUBLE, prefix_cache_blocks, 0, 0,
		  1u << 24),
	CFG_FIELD(struct sc_host, "capacity", CT_DOUBLE, capacity, CF_GT_MIN, 0, 1e6),
	CFG_CUSTOM("background", 0, cfg_background),
};

static int cfg_host(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct sc_host *h = obj;

	(void)i;
	*h = (struct sc_host){ .gpus = 1,
			       .kv_blocks = 2048,
			       .block_size = 16,
			       .step_base = SC_UNSET,
			       .step_per_seq = SC_UNSET,
			       .step_per_ctx_token = SC_UNSET,
			       .prefill_per_token = SC_UNSET,
			       .prefill_base = SC_UNSET,
			       .prefill_floor = SC_UNSET,
			       .prefix_cache_blocks = SC_UNSET,
			       .capacity = 32,
			       .bg_prompt = 1024,
			       .bg_output = 192 };
	return cfg_map(c, v, host_fields, N_OF(host_fields), h);
}

/* Copy a parsed sequence into the scenario, up to max items. */
static int seq_into(struct cfg_ctx *c, const struct cfg_node *v, size_t size, unsigned int max,
		    void **arr, unsigned int *n,
		    int (*item)(struct cfg_ctx *, const struct cfg_node *, void *, unsigned int))
{
	int err;

	if (v->kind == CN_SEQ && v->n > max)
		return cfg_fail(c, v, "%u items: at most %u", v->n, max);
	err = cfg_seq(c, v, size, arr, n, item);
	return err;
}

static int cfg_hosts(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct scenario *sc = obj;

	return seq_into(c, v, sizeof(*sc->hosts), SC_HOSTS_MAX, (void **)&sc->hosts, &sc->n_hosts,
			cfg_host);
}

/* ---- the workload ---- */

static const struct cfg_field tenant_fields[] = {
	CFG_FIELD(struct sc_tenant, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct sc_tenant, "share", CT_DOUBLE, share, 0, 0, 1e6),
	CFG_ENUM(struct sc_tenant, "class", cls, 0, sc_class_name, SC_CLASS__MAX),
	CFG_FIELD(struct sc_tenant, "slo_ttft", CT_DURATION, slo_ttft_ns, 0, 0, CFG_HOUR),
	CFG_FIELD(struct sc_tenant, "slo_tpot", CT_DURATION, slo_tpot_ns, 0, 0, CFG_HOUR),
};

static int cfg_tenant(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct sc_tenant *t = obj;
	const struct sc_tenant *prev = *(struct sc_tenant **)c->data;
	int err;

	*t = (struct sc_tenant){ .share = 1, .cls = SC_STANDARD };
	err = cfg_map(c, v, tenant_fields, N_OF(tenant_fields), t);
	if (!err && !(t->share > 0))
		err = cfg_fail_key(c, v, "share", "must be more than 0");
	for (unsigned int j = 0; !err && j < i; j++)
		if (!strcmp(prev[j].name, t->name))
			err = cfg_fail_key(c, v, "name", "'%s' is already tenants[%u]", t->name, j);
	return err;
}

static int cfg_tenants(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct scenario *sc = obj;
	void *saved = c->data;
	int err;

	/* cfg_tenant sees the items parsed so far through c->data */
	c->data = &sc->tenants;
	err = seq_into(c, v, sizeof(*sc->tenants), SC_TENANTS_MAX, (void **)&sc->tenants,
		       &sc->n_tenants, cfg_tenant);
	c->data = saved;
	return err;
}

static int cfg_sessions(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	static const struct cfg_field f[] = {
		CFG_FIELD(struct scenario, "count", CT_UINT, sessions, CF_REQ, 1, 1024),
		CFG_FIELD(struct scenario, "turns", CT_STR, turns, 0, 0, 0),
		CFG_FIELD(struct scenario, "think", CT_STR, think, 0, 0, 0),
		CFG_FIELD(struct scenario, "stagger", CT_DURATION, stagger_ns, 0, 0, CFG_HOUR),
	};

	return cfg_map(c, v, f, N_OF(f), obj);
}

static const struct cfg_field workload_fields[] = {
	CFG_FIELD(struct scenario, "arrival", CT_STR, arrival, 0, 0, 0),
	CFG_FIELD(struct scenario, "rate", CT_DOUBLE, rate, CF_GT_MIN, 0, 100000),
	CFG_FIELD(struct scenario, "prompt", CT_STR, prompt, 0, 0, 0),
	CFG_FIELD(struct scenario, "output", CT_STR, output, 0, 0, 0),
	CFG_FIELD(struct scenario, "system_prompt", CT_UINT, system_prompt, 0, 0, 1000000),
	CFG_FIELD(struct scenario, "max_context", CT_UINT, max_context, 0, 2, 10000000),
	CFG_FIELD(struct scenario, "new_connection", CT_BOOL, new_connection, 0, 0, 0),
	CFG_FIELD(struct scenario, "slo_ttft", CT_DURATION, slo_ttft_ns, 0, 0, CFG_HOUR),
	CFG_FIELD(struct scenario, "slo_tpot", CT_DURATION, slo_tpot_ns, 0, 0, CFG_HOUR),
	CFG_CUSTOM("tenants", 0, cfg_tenants),
	CFG_CUSTOM("sessions", 0, cfg_sessions),
};

static int cfg_workload(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	return cfg_map(c, v, workload_fields, N_OF(workload_fields), obj);
}

/* ---- the batch tenant ---- */

static const struct cfg_field batch_fields[] = {
	CFG_FIELD(struct sc_batch, "name", CT_NAME, name, 0, 0, 0),
	CFG_ENUM(struct sc_batch, "class", cls, 0, sc_class_name, SC_CLASS__MAX),
	CFG_FIELD(struct sc_batch, "rate", CT_DOUBLE, rate, CF_REQ | CF_GT_MIN, 0, 100000),
	CFG_FIELD(struct sc_batch, "arrival", CT_STR, arrival, 0, 0, 0),
	CFG_FIELD(struct sc_batch, "prompt", CT_STR, prompt, 0, 0, 0),
	CFG_FIELD(struct sc_batch, "output", CT_STR, output, 0, 0, 0),
	CFG_FIELD(struct sc_batch, "new_connection", CT_BOOL, new_connection, 0, 0, 0),
};

static int cfg_batch(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct scenario *sc = obj;

	return cfg_map(c, v, batch_fields, N_OF(batch_fields), &sc->batch);
}

/* ---- the comparison ---- */

static const struct cfg_field event_fields[] = {
	CFG_FIELD(struct sc_event, "at", CT_DURATION, at_ns, CF_REQ, 0, CFG_HOUR),
	CFG_FIELD(struct sc_event, "host", CT_UINT, host, CF_REQ, 1, SC_HOSTS_MAX),
	CFG_ENUM(struct sc_event, "action", action, CF_REQ, sc_action_name, SC_ACTION__MAX),
};

static int cfg_event(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	(void)i;
	return cfg_map(c, v, event_fields, N_OF(event_fields), obj);
}

static int cfg_events(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct scenario *sc = obj;

	return seq_into(c, v, sizeof(*sc->events), SC_EVENTS_MAX, (void **)&sc->events,
			&sc->n_events, cfg_event);
}

/* A sequence of plain scalars, each checked by one(); at most max. */
static int scalars(struct cfg_ctx *c, const struct cfg_node *v, unsigned int max,
		   int (*one)(struct cfg_ctx *c, const struct cfg_node *s, void *obj,
			      unsigned int i),
		   void *obj)
{
	int err = 0;

	if (v->kind != CN_SEQ || !v->n)
		return cfg_fail(c, v, "a non-empty list is needed");
	if (v->n > max)
		return cfg_fail(c, v, "%u items: at most %u", v->n, max);
	for (unsigned int i = 0; !err && i < v->n; i++) {
		size_t old = cfg_push(c, "[%u]", i);

		err = v->kids[i]->kind != CN_SCALAR ?
			      cfg_fail(c, v->kids[i], "a single value is needed") :
		      cfg_need_text(c, v->kids[i], "a value") ?:
								one(c, v->kids[i], obj, i);
		cfg_pop(c, old);
	}
	return err;
}

static int one_policy(struct cfg_ctx *c, const struct cfg_node *s, void *obj, unsigned int i)
{
	struct scenario *sc = obj;

	(void)i;
	for (unsigned int p = 0; p < SC_P__MAX; p++) {
		if (strcmp(s->str, policy_names[p]))
			continue;
		if (sc->policies & (1u << p))
			return cfg_fail(c, s, "'%s' is listed twice", s->str);
		sc->policies |= 1u << p;
		return 0;
	}
	return cfg_fail(c, s,
			"'%s' is not one of: kube-proxy, round-robin, least-conn, maglev, "
			"least-loaded, oracle",
			cfg_token(c, s->str));
}

static int cfg_policies(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	((struct scenario *)obj)->policies = 0;
	return scalars(c, v, SC_P__MAX, one_policy, obj);
}

static int one_seed(struct cfg_ctx *c, const struct cfg_node *s, void *obj, unsigned int i)
{
	struct scenario *sc = obj;
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s->str, &end, 10);
	if (!s->plain || *end || errno || *s->str == '-' || !*s->str)
		return cfg_fail(c, s, "'%s' is not a seed (a non-negative integer)",
				cfg_token(c, s->str));
	for (unsigned int j = 0; j < i; j++)
		if (sc->seeds[j] == x)
			return cfg_fail(c, s, "seed %llu is listed twice", x);
	sc->seeds[i] = x;
	sc->n_seeds = i + 1;
	return 0;
}

static int cfg_seeds(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	return scalars(c, v, SC_SEEDS_MAX, one_seed, obj);
}

static int one_load(struct cfg_ctx *c, const struct cfg_node *s, void *obj, unsigned int i)
{
	struct scenario *sc = obj;
	char *end;
	double x;

	errno = 0;
	x = strtod(s->str, &end);
	if (!s->plain || *end || errno || !isfinite(x) || !(x > 0) || x > 100)
		return cfg_fail(c, s, "'%s' is not a load multiple (more than 0, at most 100)",
				cfg_token(c, s->str));
	sc->sweep[i] = x;
	sc->n_sweep = i + 1;
	return 0;
}

static int cfg_sweep(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	return scalars(c, v, SC_SWEEP_MAX, one_load, obj);
}

static const struct cfg_field root_fields[] = {
	CFG_FIELD(struct scenario, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct scenario, "title", CT_STR, title, 0, 0, 0),
	CFG_FIELD(struct scenario, "time_scale", CT_DOUBLE, time_scale, CF_GT_MIN, 0, 100),
	CFG_FIELD(struct scenario, "duration", CT_DURATION, duration_ns, 0, CFG_MS, CFG_HOUR),
	CFG_FIELD(struct scenario, "settle", CT_DURATION, settle_ns, 0, 0, CFG_HOUR),
	CFG_FIELD(struct scenario, "drain", CT_DURATION, drain_ns, 0, CFG_S, CFG_HOUR),
	CFG_CUSTOM("hosts", CF_REQ, cfg_hosts),
	CFG_CUSTOM("workload", CF_REQ, cfg_workload),
	CFG_CUSTOM("batch", 0, cfg_batch),
	CFG_CUSTOM("events", 0, cfg_events),
	CFG_CUSTOM("policies", 0, cfg_policies),
	CFG_CUSTOM("seeds", 0, cfg_seeds),
	CFG_CUSTOM("sweep", 0, cfg_sweep),
};

static void sc_defaults(struct scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->time_scale = 0.25;
	sc->duration_ns = 10 * CFG_S;
	sc->settle_ns = 3 * CFG_S;
	sc->drain_ns = 40 * CFG_S;
	snprintf(sc->arrival, sizeof(sc->arrival), "poisson");
	snprintf(sc->prompt, sizeof(sc->prompt), "lognormal:6,0.5");
	snprintf(sc->output, sizeof(sc->output), "lognormal:5,0.5");
	snprintf(sc->turns, sizeof(sc->turns), "4");
	snprintf(sc->think, sizeof(sc->think), "1");
	sc->max_context = 8192;
	sc->policies = (1u << SC_P__MAX) - 1;
	sc->n_seeds = 1;
	sc->seeds[0] = 7;
	sc->n_sweep = 1;
	sc->sweep[0] = 1;
	sc->batch = (struct sc_batch){ .name = "batch", .cls = SC_BATCH, .new_connection = true };
	snprintf(sc->batch.arrival, sizeof(sc->batch.arrival), "poisson");
	snprintf(sc->batch.prompt, sizeof(sc->batch.prompt), "lognormal:6,0.5");
	snprintf(sc->batch.output, sizeof(sc->batch.output), "lognormal:6,0.5");
}

/* "file:PATH" and "trace:PATH" relative to the scenario's directory. */
static int resolve_path(struct cfg_ctx *c, const struct cfg_node *root, const char *section,
			const char *key, const char *dir, char *spec, size_t len)
{
	const char *prefixes[] = { "file:", "trace:" };
	char tmp[SC_SPEC_MAX];

	for (size_t i = 0; i < N_OF(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);

		if (strncmp(spec, prefixes[i], pl) || spec[pl] == '/')
			continue;
		if (!spec[pl] || snprintf(tmp, sizeof(tmp), "%s%s/%s", prefixes[i], dir,
					  spec + pl) >= (int)len) {
			cfg_push(c, "%s", section);
			return cfg_fail_key(c, cfg_get(root, section), key,
					    "'%s': no path, or the path is too long",
					    cfg_token(c, spec));
		}
		snprintf(spec, len, "%s", tmp);
	}
	return 0;
}

/* A length distribution as loadgen will read it (files included); 0, or
 * the error on node's key. */
static int check_len(struct cfg_ctx *c, const struct cfg_node *node, const char *key,
		     const char *spec)
{
	struct len_dist d;
	int err = len_dist_parse(spec, &d);

	len_dist_free(&d);
	if (!err)
		return 0;
	return cfg_fail_key(c, node, key,
			    "'%s' is not a length distribution (fixed:N, lognormal:MU,SIGMA, "
			    "file:PATH with one length a line): %s",
			    cfg_token(c, spec), strerror(-err));
}

/* The workload's distributions as loadgen will read them (files included),
 * so a bad one is named here, with its line, not after the lab is up. */
static int check_specs(struct cfg_ctx *c, const struct cfg_node *root, const struct scenario *sc)
{
	const struct cfg_node *wl = cfg_get(root, "workload"), *ses = cfg_get(wl, "sessions");
	const char *lens[2] = { sc->prompt, sc->output }, *keys[2] = { "prompt", "output" };
	struct len_dist d;
	struct time_dist t;
	struct arrival a;
	struct trace tr;
	char buf[SC_SPEC_MAX + 8];
	int line, err;

	cfg_push(c, "workload");
	for (int i = 0; i < 2; i++) {
		err = check_len(c, wl, keys[i], lens[i]);
		if (err)
			return err;
	}
	if (!strncmp(sc->arrival, "trace:", 6)) {
		err = trace_load(sc->arrival + 6, &tr, &line);
		trace_free(&tr);
		if (err)
			return cfg_fail_key(c, wl, "arrival", "%s:%d: %s", sc->arrival + 6, line,
					    err == -EINVAL ?
						    "not a trace line (T [PROMPT [OUTPUT]])" :
						    strerror(-err));
	} else if (arrival_parse(sc->arrival, 1, &a)) {
		return cfg_fail_key(c, wl, "arrival", "'%s' is not poisson, gamma:CV or trace:PATH",
				    cfg_token(c, sc->arrival));
	}
	if (!sc->sessions)
		return 0;
	cfg_push(c, ".sessions");
	snprintf(buf, sizeof(buf), "%s%s",
		 strspn(sc->turns, "0123456789") == strlen(sc->turns) ? "fixed:" : "", sc->turns);
	err = len_dist_parse(buf, &d);
	len_dist_free(&d);
	if (err)
		return cfg_fail_key(c, ses, "turns", "'%s' is not N or a length distribution",
				    cfg_token(c, sc->turns));
	if (time_dist_parse(sc->think, &t))
		return cfg_fail_key(c, ses, "think",
				    "'%s' is not seconds, fixed:S, exp:MEAN or uniform:A,B",
				    cfg_token(c, sc->think));
	return 0;
}

/* The batch tenant's distributions and name, as check_specs() does the
 * workload's. */
static int check_batch(struct cfg_ctx *c, const struct cfg_node *root, struct scenario *sc)
{
	const struct cfg_node *bn = cfg_get(root, "batch");
	char *lens[2] = { sc->batch.prompt, sc->batch.output };
	const char *keys[2] = { "prompt", "output" };
	struct arrival a;
	int err;

	if (!bn)
		return 0;
	for (int i = 0; i < 2; i++) {
		err = resolve_path(c, root, "batch", keys[i], sc->dir, lens[i], SC_SPEC_MAX);
		cfg_pop(c, 0);
		if (err)
			return err;
	}
	cfg_push(c, "batch");
	for (int i = 0; i < 2; i++) {
		err = check_len(c, bn, keys[i], lens[i]);
		if (err)
			return err;
	}
	if (!strncmp(sc->batch.arrival, "trace:", 6) || arrival_parse(sc->batch.arrival, 1, &a))
		return cfg_fail_key(c, bn, "arrival", "'%s' is not poisson or gamma:CV",
				    cfg_token(c, sc->batch.arrival));
	for (unsigned int i = 0; i < sc->n_tenants; i++)
		if (!strcmp(sc->tenants[i].name, sc->batch.name))
			return cfg_fail_key(c, bn, "name", "'%s' is already workload.tenants[%u]",
					    sc->batch.name, i);
	cfg_pop(c, 0);
	return 0;
}

/* What no single field says: sessions or an arrival rate, known hosts in
 * events, an oracle that needs the hosts' own metrics. */
static int sc_resolve(struct cfg_ctx *c, const struct cfg_node *root, struct scenario *sc)
{
	const struct cfg_node *wl = cfg_get(root, "workload");
	int err;

	if (!sc->n_tenants) {
		sc->tenants = calloc(1, sizeof(*sc->tenants));
		if (!sc->tenants)
			return -ENOMEM;
		sc->n_tenants = 1;
		sc->tenants[0] =
			(struct sc_tenant){ .name = "default", .share = 1, .cls = SC_STANDARD };
	}
	if (sc->n_sweep > 1 && !sc->rate)
		return cfg_fail_key(c, root, "sweep", "a load sweep needs an open-loop rate");
	for (unsigned int i = 0; i < sc->n_events; i++) {
		if (sc->events[i].host > sc->n_hosts) {
			cfg_push(c, "events[%u]", i);
			return cfg_fail_key(c, cfg_get(root, "events")->kids[i], "host",
					    "host %u: there are %u hosts", sc->events[i].host,
					    sc->n_hosts);
		}
		sc->events[i].host--; /* 0-based from here */
	}
	cfg_push(c, "workload");
	if (!sc->sessions && !sc->rate && strncmp(sc->arrival, "trace:", 6))
		return cfg_fail(c, wl, "give rate (open loop), sessions or a trace arrival");
	if (sc->sessions && sc->rate)
		return cfg_fail_key(c, wl, "rate", "sessions are closed-loop: no rate with them");
	cfg_pop(c, 0);
	err = resolve_path(c, root, "workload", "prompt", sc->dir, sc->prompt, sizeof(sc->prompt));
	cfg_pop(c, 0);
	err = err   ?:
		      resolve_path(c, root, "workload", "output", sc->dir, sc->output,
				   sizeof(sc->output));
	cfg_pop(c, 0);
	err = err   ?:
		      resolve_path(c, root, "workload", "arrival", sc->dir, sc->arrival,
				   sizeof(sc->arrival));
	cfg_pop(c, 0);
	err = err ?: check_specs(c, root, sc);
	return err ?: check_batch(c, root, sc);
}

int scenario_load_mem(const char *name, const char *dir, const char *buf, size_t len,
		      struct scenario *sc, struct config_error *err)
{
	struct cfg_ctx c = { .file = name, .err = err, .data = sc };
	struct cfg_node *root = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	sc_defaults(sc);
	snprintf(sc->dir, sizeof(sc->dir), "%s", dir);
	ret = cfg_check_bytes(&c, buf, len);
	ret = ret ?: cfg_parse(&c, buf, len, &root);
	if (!ret)
		ret = cfg_map(&c, root, root_fields, N_OF(root_fields), sc);
	if (!ret)
		ret = sc_resolve(&c, root, sc);
	cfg_close(&c);
	if (ret)
		scenario_free(sc);
	return ret;
}

int scenario_load(const char *path, struct scenario *sc, struct config_error *err)
{
	struct cfg_ctx c = { .file = path, .err = err };
	char *buf = NULL, *copy, dir[CONFIG_PATH_MAX];
	size_t len = 0;
	int ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	memset(sc, 0, sizeof(*sc));
	ret = cfg_read_file(&c, path, &buf, &len);
	if (ret)
		return ret;
	copy = strdup(path);
	if (!copy) {
		free(buf);
		return -ENOMEM;
	}
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	free(copy);
	ret = scenario_load_mem(path, dir, buf, len, sc, err);
	free(buf);
	return ret;
}

void scenario_free(struct scenario *sc)
{
	free(sc->hosts);
	free(sc->tenants);
	free(sc->events);
	sc->hosts = NULL;
	sc->tenants = NULL;
	sc->events = NULL;
	sc->n_hosts = sc->n_tenants = sc->n_events = 0;
}
