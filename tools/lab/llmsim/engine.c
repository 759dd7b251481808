// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* llmsim's continuous-batching engine, after the published simulators (Vidur,
 * LLMServingSim): a vLLM-like scheduler over a paged KV cache whose step
 * time is linear in prefill tokens, decode sequences and their context.
 * Pure functions over struct sim_engine, so unit tests check exact values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lab/llmsim/engine.h"

/* vLLM's default buckets for these two histograms. */
static const double ttft_bounds[] = { 0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
				      0.25,  0.5,   0.75, 1.0,	2.5,  5.0,  7.5,  10.0 };
static const double e2e_bounds[] = { 0.3,  0.5,	 0.8,  1.0,  1.5,  2.0,	 2.5, 5.0,
				     10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0 };

/* Prefill ~ max(40 ms, 6.77e-5 s * T + 19.7 ms); decode step ~ 14 ms +
 * 5.35e-7 s * T_kv + 0.103 ms * batch (published A100 Llama-class fits). The
 * decode base is shared, so a prefill adds 5.7 ms to reach 19.7 ms. */
static const struct sim_profile profiles[] = {
	{ "fast", 14e-3, 0.103e-3, 5.35e-7, 6.77e-5, 5.7e-3, 40e-3 },
	{ "slow", 28e-3, 0.206e-3, 1.07e-6, 1.354e-4, 11.4e-3, 80e-3 },
};

int sim_profile_get(const char *name, struct sim_profile *p)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (!strcmp(profiles[i].name, name)) {
			*p = profiles[i];
			return 0;
		}
	}
	return -ENOENT;
}

void sim_config_default(struct sim_config *c, const struct sim_profile *p)
{
	memset(c, 0, sizeof(*c));
	c->prof = *p;
	c->kv_blocks = 8192;
	c->block_size = 16;
	c->max_batched_tokens = 8192;
	c->max_seqs = 256;
	c->pool = 4096;
	c->prefix_blocks = c->kv_blocks / 4;
}

int engine_init(struct sim_engine *e, const struct sim_config *c)
{
	if (c->kv_blocks < 1 || c->block_size < 1 || c->max_batched_tokens < 1 || c->max_seqs < 1 ||
	    c->pool < 1 || c->prefix_blocks < 0)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->cfg = *c;
	e->seqs = calloc(c->pool, sizeof(*e->seqs));
	e->running = calloc(c->pool, sizeof(*e->running));
	e->waiting = calloc(c->pool, sizeof(*e->waiting));
	/* every entry holds at least one block */
	e->pc = calloc(c->prefix_blocks ? c->prefix_blocks : 1, sizeof(*e->pc));
	if (!e->seqs || !e->running || !e->waiting || !e->pc) {
		engine_fini(e);
		return -ENOMEM;
	}
	e->free_blocks = c->kv_blocks;
	e->next_id = 1;
	e->ttft.bounds = ttft_bounds;
	e->ttft.n = sizeof(ttft_bounds) / sizeof(ttft_bounds[0]);
	e->e2e.bounds = e2e_bounds;
	e->e2e.n = sizeof(e2e_bounds) / sizeof(e2e_bounds[0]);
	return 0;
}

void engine_fini(struct sim_engine *e)
{
	free(e->seqs);
	free(e->running);
	free(e->waiting);
	free(e->pc);
	e->pc = NULL;
	e->seqs = NULL;
	e->running = e->waiting = NULL;
}

static void hist_observe(struct sim_hist *h, double v)
{
	int i = 0;

	while (i < h->n && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

double sim_step_time(const struct sim_profile *p, int prefill, int decode, long ctx)
{
	double t;

	if (!prefill && !decode)
		return 0;
	t = p->beta0 + p->beta_seq * decode + p->beta_ctx * ctx + p->beta_prefill * prefill;
	if (prefill) {
		t += p->prefill_base;
		if (t < p->prefill_floor)
			t = p->prefill_floor;
	}
	return t;
}

double engine_kv_usage(const struct sim_engine *e)
{
	return (double)(e->cfg.kv_blocks - e->free_blocks) / e->cfg.kv_blocks;
}

static struct sim_prefix_entry *prefix_find(const struct sim_engine *e, uint64_t key)
{
	for (int i = 0; i < e->npc; i++)
		if (e->pc[i].key == key)
			return &e->pc[i];
	return NULL;
}

int engine_prefix_cached(const struct sim_engine *e, uint64_t key)
{
	const struct sim_prefix_entry *pe = key ? prefix_find(e, key) : NULL;

	return pe ? pe->blocks * e->cfg.block_size : 0;
}

/* Cache (or grow, and touch) key's first blocks, evicting the least recently
 * used entries to make room. */
static void prefix_insert(struct sim_engine *e, uint64_t key, int blocks)
{
	struct sim_prefix_entry *pe = prefix_find(e, key);

	if (blocks > e->cfg.prefix_blocks)
		blocks = e->cfg.prefix_blocks;
	if (!key || blocks < 1)
		return;
	if (pe) {
		pe->used = ++e->pc_clock;
		if (pe->blocks >= blocks)
			return;
		e->pc_blocks -= pe->blocks;
		pe->blocks = 0; /* out of the eviction below */
	}
	while (e->pc_blocks + blocks > e->cfg.prefix_blocks) {
		int lru = -1;

		for (int i = 0; i < e->npc; i++)
			if (&e->pc[i] != pe && e->pc[i].blocks &&
			    (lru < 0 || e->pc[i].used < e->pc[lru].used))
				lru = i;
		e->pc_blocks -= e->pc[lru].blocks;
		e->pc[lru] = e->pc[--e->npc];
		if (pe == &e->pc[e->npc])
			pe = &e->pc[lru];
	}
	if (!pe) {
		pe = &e->pc[e->npc++];
		pe->key = key;
	}
	pe->blocks = blocks;
	pe->used = ++e->pc_clock;
	e->pc_blocks += blocks;
}

/* The prefill a cached prefix saves: the longest cached prefix, in whole
 * blocks, never the whole prompt (its last token is always computed). */
static int engine_cached_hint(const struct sim_engine *e, const struct sim_seq *s)
{
	int bs = e->cfg.block_size, hit = 0;

	for (int i = 0; e->cfg.prefix_blocks && i < SIM_PREFIX_KEYS && s->prefix[i].key; i++) {
		int c = engine_prefix_cached(e, s->prefix[i].key);

		if (c > s->prefix[i].tokens)
			c = s->prefix[i].tokens / bs * bs;
		if (c > hit)
			hit = c;
	}
	return hit >= s->prompt ? (s->prompt - 1) / bs * bs : hit;
}

/* At admission: the tokens the cache saves; then the prompt's prefixes are
 * cached for whoever comes next. Only a first admission counts as a query. */
static int prefix_admit(struct sim_engine *e, struct sim_seq *s)
{
	int bs = e->cfg.block_size, hit;

	if (!e->cfg.prefix_blocks)
		return 0;
	hit = engine_cached_hint(e, s);
	if (!s->preemptions) {
		e->pc_queries += s->prompt;
		e->pc_hits += hit;
	}
	for (int i = 0; i < SIM_PREFIX_KEYS && s->prefix[i].key; i++)
		prefix_insert(e, s->prefix[i].key,
			      (s->prefix[i].whole ? s->prompt : s->prefix[i].tokens) / bs);
	return hit;
}

int engine_submit(struct sim_engine *e, int prompt, int max_tokens, bool detached, double t)
{
	return engine_submit_prefix(e, prompt, max_tokens, detached, t, NULL);
}

int engine_submit_prefix(struct sim_engine *e, int prompt, int max_tokens, bool detached, double t,
			 const struct sim_prefix *prefix)
{
	struct sim_seq *s;
	int h;

	if (prompt < 1 || max_tokens < 1)
		return -EINVAL;
	/* A sequence that could never be admitted would wait forever. */
	if (prompt + max_tokens > e->cfg.max_batched_tokens ||
	    sim_blocks(prompt + max_tokens, e->cfg.block_size) > e->cfg.kv_blocks)
		return -E2BIG;
	for (h = 0; h < e->cfg.pool; h++)
		if (e->seqs[h].state == SEQ_FREE)
			break;
	if (h == e->cfg.pool)
		return -EAGAIN;
	s = &e->seqs[h];
	memset(s, 0, sizeof(*s));
	s->id = e->next_id++;
	s->state = SEQ_WAITING;
	s->prompt = prompt;
	s->max_tokens = max_tokens;
	s->detached = detached;
	s->t_arrival = t > e->now ? t : e->now;
	s->t_first = -1;
	for (int i = 0; prefix && i < SIM_PREFIX_KEYS && prefix[i].key; i++) {
		s->prefix[i] = prefix[i];
		if (s->prefix[i].tokens > prompt)
			s->prefix[i].tokens = prompt;
	}
	e->waiting[e->nwait++] = h;
	return h;
}

static void list_remove(int *list, int *n, int h)
{
	for (int i = 0; i < *n; i++) {
		if (list[i] == h) {
			memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
			(*n)--;
			return;
		}
	}
}

void engine_release(struct sim_engine *e, int h)
{
	e->seqs[h].state = SEQ_FREE;
}

void engine_abort(struct sim_engine *e, int h)
{
	struct sim_seq *s = &e->seqs[h];

	s->aborted = true;
	s->detached = true;
	if (s->state == SEQ_WAITING) {
		list_remove(e->waiting, &e->nwait, h);
		engine_release(e, h);
	} else if (s->state == SEQ_DONE) {
		engine_release(e, h);
	}
}

void engine_advance(struct sim_engine *e, double t)
{
	if (t > e->now)
		e->now = t;
}

/* Recompute preemption, as vLLM does by default: the sequence gives back all
 * its blocks and goes to the front of the queue, to prefill prompt and
 * generated tokens again when it is readmitted. */
static void preempt(struct sim_engine *e, int h)
{
	struct sim_seq *s = &e->seqs[h];

	list_remove(e->running, &e->nrun, h);
	e->free_blocks += s->blocks;
	s->blocks = 0;
	s->state = SEQ_WAITING;
	s->preemptions++;
	e->preemptions++;
	memmove(&e->waiting[1], &e->waiting[0], e->nwait * sizeof(*e->waiting));
	e->waiting[0] = h;
	e->nwait++;
}

static void drop_aborted(struct sim_engine *e)
{
	for (int i = 0; i < e->nrun;) {
		struct sim_seq *s = &e->seqs[e->running[i]];

		if (!s->aborted) {
			i++;
			continue;
		}
		e->free_blocks += s->blocks;
		s->blocks = 0;
		engine_release(e, e->running[i]);
		list_remove(e->running, &e->nrun, e->running[i]);
	}
}

/* Every running sequence needs room for the token this step produces; when
 * the cache is full the youngest running sequence is preempted. Returns the
 * number of preemptions. */
static int plan_decode(struct sim_engine *e)
{
	int bs = e->cfg.block_size, npre = 0;

	for (int i = 0; i < e->nrun; i++) {
		struct sim_seq *s = &e->seqs[e->running[i]];
		int need = sim_blocks(s->prompt + s->generated + 1, bs) - s->blocks;

		while (need > e->free_blocks && e->nrun > i) {
			preempt(e, e->running[e->nrun - 1]);
			npre++;
		}
		if (i >= e->nrun)
			break;
		e->free_blocks -= need;
		s->blocks += need;
		s->prefill = false;
		e->step_decode++;
		e->step_ctx += s->prompt + s->generated;
	}
	return npre;
}

/* First come, first served, under the token budget, the sequence limit and
 * the free blocks; the queue head that does not fit blocks the others. */
static void plan_admit(struct sim_engine *e)
{
	int budget = e->cfg.max_batched_tokens - e->step_decode;

	while (e->nwait && e->nrun < e->cfg.max_seqs) {
		int h = e->waiting[0];
		struct sim_seq *s = &e->seqs[h];
		int tokens = s->prompt + s->generated;
		int need = sim_blocks(tokens + 1, e->cfg.block_size);

		if (tokens - engine_cached_hint(e, s) > budget || need > e->free_blocks)
			break;
		list_remove(e->waiting, &e->nwait, h);
		s->cached = prefix_admit(e, s);
		tokens -= s->cached;
		s->state = SEQ_RUNNING;
		s->prefill = true;
		s->blocks = need;
		e->free_blocks -= need;
		e->running[e->nrun++] = h;
		budget -= tokens;
		e->step_prefill += tokens;
	}
}

double engine_schedule(struct sim_engine *e)
{
	e->step_prefill = 0;
	e->step_decode = 0;
	e->step_ctx = 0;
	drop_aborted(e);
	/* As vLLM: no admission in a step that had to preempt. */
	if (!plan_decode(e))
		plan_admit(e);
	e->step_time = sim_step_time(&e->cfg.prof, e->step_prefill, e->step_decode, e->step_ctx);
	return e->step_time;
}

static void finish(struct sim_engine *e, int h)
{
	struct sim_seq *s = &e->seqs[h];

	for (int i = 0; e->cfg.prefix_blocks && i < SIM_PREFIX_KEYS && s->prefix[i].key; i++)
		if (s->prefix[i].whole)
			prefix_insert(e, s->prefix[i].key,
				      (s->prompt + s->generated) / e->cfg.block_size);
	list_remove(e->running, &e->nrun, h);
	e->free_blocks += s->blocks;
	s->blocks = 0;
	s->state = SEQ_DONE;
	s->t_done = e->now;
	e->finished++;
	hist_observe(&e->e2e, s->t_done - s->t_arrival);
	if (s->detached)
		engine_release(e, h);
}

int engine_complete(struct sim_engine *e)
{
	int produced = 0;

	if (e->step_time <= 0)
		return 0;
	e->now += e->step_time;
	e->steps++;
	for (int i = 0; i < e->nrun;) {
		int h = e->running[i];
		struct sim_seq *s = &e->seqs[h];

		if (s->prefill && !s->preemptions)
			e->prompt_tokens += s->prompt;
		s->prefill = false;
		s->generated++;
		e->gen_tokens++;
		produced++;
		if (s->t_first < 0) {
			s->t_first = e->now;
			hist_observe(&e->ttft, s->t_first - s->t_arrival);
		}
		if (s->generated >= s->max_tokens)
			finish(e, h);
		else
			i++;
	}
	e->step_time = 0;
	return produced;
}

double engine_step(struct sim_engine *e)
{
	double t = engine_schedule(e);

	engine_complete(e);
	return t;
}
