// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* llmsim's /metrics: Prometheus text exposition with vLLM's metric names,
 * summed over the simulated GPUs of one server (the KV usage is the share of
 * all their blocks in use), so the agent's telemetry scraper reads it as it
 * reads a real vLLM. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>

#include "tools/lab/llmsim/engine.h"

struct out {
	char *buf;
	size_t len;
	size_t pos;
	int err;
};

static void __attribute__((format(printf, 2, 3))) emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->err = -ENOSPC;
		return;
	}
	o->pos += n;
}

static void header(struct out *o, const char *name, const char *type, const char *help)
{
	emit(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(struct out *o, const char *model, const char *name, const char *type,
		  const char *help, double v)
{
	header(o, name, type, help);
	emit(o, "%s{model_name=\"%s\"} %.9g\n", name, model, v);
}

static void histogram(struct out *o, const char *model, const char *name, const char *help,
		      struct sim_engine *const *es, int n, size_t off)
{
	const struct sim_hist *h0 = (const void *)((const char *)es[0] + off);
	uint64_t cum = 0, count = 0;
	double sum = 0;

	header(o, name, "histogram", help);
	for (int b = 0; b <= h0->n; b++) {
		for (int i = 0; i < n; i++)
			cum += ((const struct sim_hist *)((const char *)es[i] + off))->counts[b];
		if (b < h0->n)
			emit(o, "%s_bucket{le=\"%g\",model_name=\"%s\"} %llu\n", name,
			     h0->bounds[b], model, (unsigned long long)cum);
		else
			emit(o, "%s_bucket{le=\"+Inf\",model_name=\"%s\"} %llu\n", name, model,
			     (unsigned long long)cum);
	}
	for (int i = 0; i < n; i++) {
		const struct sim_hist *h = (const void *)((const char *)es[i] + off);

		count += h->count;
		sum += h->sum;
	}
	emit(o, "%s_sum{model_name=\"%s\"} %.9g\n", name, model, sum);
	emit(o, "%s_count{model_name=\"%s\"} %llu\n", name, model, (unsigned long long)count);
}

struct totals {
	double running, waiting, preemptions, prompt, gen, finished, used, blocks;
	double pc_queries, pc_hits;
};

static void sum_engines(struct sim_engine *const *es, int n, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < n; i++) {
		t->running += es[i]->nrun;
		t->waiting += es[i]->nwait;
		t->preemptions += es[i]->preemptions;
		t->prompt += es[i]->prompt_tokens;
		t->gen += es[i]->gen_tokens;
		t->finished += es[i]->finished;
		t->used += es[i]->cfg.kv_blocks - es[i]->free_blocks;
		t->blocks += es[i]->cfg.kv_blocks;
		t->pc_queries += es[i]->pc_queries;
		t->pc_hits += es[i]->pc_hits;
	}
}

int engine_metrics_format(struct sim_engine *const *es, int n, const char *model, char *buf,
			  size_t len)
{
	struct out o = { buf, len, 0, 0 };
	struct totals t;
	double kv;

	sum_engines(es, n, &t);
	kv = t.blocks ? t.used / t.blocks : 0;
	gauge(&o, model, "vllm:num_requests_running", "gauge",
	      "Number of requests in model execution batches.", t.running);
	gauge(&o, model, "vllm:num_requests_waiting", "gauge",
	      "Number of requests waiting to be processed.", t.waiting);
	gauge(&o, model, "vllm:kv_cache_usage_perc", "gauge",
	      "KV-cache usage. 1 means 100 percent usage.", kv);
	gauge(&o, model, "vllm:gpu_cache_usage_perc", "gauge",
	      "GPU KV-cache usage. 1 means 100 percent usage.", kv);
	gauge(&o, model, "vllm:num_preemptions_total", "counter",
	      "Cumulative number of preemption from the engine.", t.preemptions);
	gauge(&o, model, "vllm:prompt_tokens_total", "counter",
	      "Number of prefill tokens processed.", t.prompt);
	gauge(&o, model, "vllm:generation_tokens_total", "counter",
	      "Number of generation tokens processed.", t.gen);
	gauge(&o, model, "vllm:request_success_total", "counter",
	      "Count of successfully processed requests.", t.finished);
	gauge(&o, model, "vllm:prefix_cache_queries_total", "counter",
	      "Prefix cache queries, in terms of number of queried tokens.", t.pc_queries);
	gauge(&o, model, "vllm:prefix_cache_hits_total", "counter",
	      "Prefix cache hits, in terms of number of cached tokens.", t.pc_hits);
	histogram(&o, model, "vllm:time_to_first_token_seconds",
		  "Histogram of time to first token in seconds.", es, n,
		  offsetof(struct sim_engine, ttft));
	histogram(&o, model, "vllm:e2e_request_latency_seconds",
		  "Histogram of end to end request latency in seconds.", es, n,
		  offsetof(struct sim_engine, e2e));
	return o.err ? o.err : (int)o.pos;
}
