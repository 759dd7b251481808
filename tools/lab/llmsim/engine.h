/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* llmsim's engine: one simulated GPU doing iteration-level continuous batching
 * (one decode token per running sequence per step, prompts prefilled under a
 * token budget, a paged KV cache with preemption by recomputation). Pure: no
 * threads, no clock; simulated time advances only by engine_complete(). */
#ifndef __IG_LLMSIM_ENGINE_H
#define __IG_LLMSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_HIST_MAX 20
#define SIM_PREFIX_KEYS 2 /* a shared system prompt, then the session's context */

/* Step time, seconds: beta0 + beta_seq*D + beta_ctx*C + beta_prefill*P, plus
 * prefill_base and at least prefill_floor when P > 0 (D decode sequences, C
 * their context tokens, P prefill tokens). */
struct sim_profile {
	const char *name;
	double beta0;
	double beta_seq;
	double beta_ctx;
	double beta_prefill;
	double prefill_base;
	double prefill_floor;
};

struct sim_config {
	struct sim_profile prof;
	int kv_blocks;
	int block_size;
	int max_batched_tokens;
	int max_seqs;
	int pool;
	int prefix_blocks; /* automatic prefix cache, in KV blocks; 0: none */
};

/* A prompt's known prefixes: key (non-zero) names the content of its first
 * tokens; a later key extends an earlier one. A conversation's key (whole)
 * names the whole sequence: its prompt and, once it finishes, its answer are
 * cached under it for the next turn, whose first tokens they are. */
struct sim_prefix {
	uint64_t key;
	int tokens;
	bool whole;
};

/* vLLM's automatic prefix caching, reduced: an LRU of (prefix key, full
 * blocks) up to prefix_blocks; a prompt whose prefix is cached prefills only
 * the rest. The cached blocks are held apart from the KV pool (vLLM keeps them
 * among its free blocks until it needs them), so a hit saves prefill time,
 * not cache room. */
struct sim_prefix_entry {
	uint64_t key;
	int blocks;
	uint64_t used; /* LRU stamp */
};

enum seq_state { SEQ_FREE, SEQ_WAITING, SEQ_RUNNING, SEQ_DONE };

struct sim_seq {
	uint64_t id;
	enum seq_state state;
	int prompt;
	int max_tokens;
	int generated;
	int blocks;
	int preemptions;
	bool prefill; /* prefilled in the planned step */
	int cached; /* prompt tokens the prefix cache held at its last admission */
	struct sim_prefix prefix[SIM_PREFIX_KEYS];
	bool detached; /* no owner: released when it finishes */
	bool aborted;
	double t_arrival;
	double t_first;
	double t_done;
};

struct sim_hist {
	const double *bounds;
	int n;
	uint64_t counts[SIM_HIST_MAX + 1];
	uint64_t count;
	double sum;
};

struct sim_engine {
	struct sim_config cfg;
	double now;
	struct sim_seq *seqs;
	int *running; /* admission order: the youngest is last */
	int nrun;
	int *waiting; /* FIFO; preempted sequences go back to the front */
	int nwait;
	int free_blocks;
	uint64_t next_id;
	/* the planned step */
	int step_prefill;
	int step_decode;
	long step_ctx;
	double step_time;
	/* counters */
	uint64_t steps;
	uint64_t preemptions;
	uint64_t prompt_tokens;
	uint64_t gen_tokens;
	uint64_t finished;
	struct sim_hist ttft;
	struct sim_hist e2e;
	/* the prefix cache */
	struct sim_prefix_entry *pc;
	int npc;
	int pc_blocks; /* held now */
	uint64_t pc_clock;
	uint64_t pc_queries; /* prompt tokens looked up (vLLM's prefix_cache_queries) */
	uint64_t pc_hits; /* of them, found cached (prefix_cache_hits) */
};

/* "fast" (published single-GPU figures) or "slow" (every constant doubled). */
int sim_profile_get(const char *name, struct sim_profile *p);
void sim_config_default(struct sim_config *c, const struct sim_profile *p);

int engine_init(struct sim_engine *e, const struct sim_config *c);
void engine_fini(struct sim_engine *e);

/* Queue a request arriving at simulated time t; returns its handle (>= 0),
 * -EAGAIN when the pool is full, -E2BIG when it can never fit, -EINVAL. */
int engine_submit(struct sim_engine *e, int prompt, int max_tokens, bool detached, double t);
/* The same, with the prompt's prefixes (NULL: none; a zero key ends the
 * list; tokens are clamped to the prompt). */
int engine_submit_prefix(struct sim_engine *e, int prompt, int max_tokens, bool detached, double t,
			 const struct sim_prefix *prefix);
/* Cached tokens of key (whole blocks); 0 when absent. */
int engine_prefix_cached(const struct sim_engine *e, uint64_t key);
/* The owner goes away: waiting sequences are dropped now, running ones at the
 * next step, finished ones released. */
void engine_abort(struct sim_engine *e, int h);
void engine_release(struct sim_engine *e, int h);
/* Simulated time never runs behind the wall clock of an idle server. */
void engine_advance(struct sim_engine *e, double t);

/* Plan the next step (preempt, admit) and return its duration; 0: idle. */
double engine_schedule(struct sim_engine *e);
/* Run the planned step: time advances, every batched sequence gets a token,
 * finished ones leave. Returns the number of tokens produced. */
int engine_complete(struct sim_engine *e);
/* engine_schedule + engine_complete. */
double engine_step(struct sim_engine *e);

double sim_step_time(const struct sim_profile *p, int prefill, int decode, long ctx);
static inline int sim_blocks(int tokens, int bs)
{
	return (tokens + bs - 1) / bs;
}
double engine_kv_usage(const struct sim_engine *e);

/* Prometheus text with vLLM's metric names over n engines (GPUs) of one
 * model. Returns the length written, or -ENOSPC. */
int engine_metrics_format(struct sim_engine *const *es, int n, const char *model, char *buf,
			  size_t len);

#endif /* __IG_LLMSIM_ENGINE_H */
