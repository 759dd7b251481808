/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* loadgen's per-request oracle: before every request it reads each backend's
 * live vLLM /metrics and sends the request straight to the least-loaded one,
 * bypassing any gateway: the upper bound for a per-request L7 picker. The
 * parsing and the choice are pure functions, unit-tested. */
#ifndef __IG_LOADGEN_ORACLE_H
#define __IG_LOADGEN_ORACLE_H

#include <stdbool.h>

struct oracle_load {
	bool ok; /* the scrape answered and named the running and waiting gauges */
	double running; /* vllm:num_requests_running, summed over label sets */
	double waiting; /* vllm:num_requests_waiting */
	double kv; /* vllm:kv_cache_usage_perc (0..1), the highest label set's */
};

/* Fill l from a Prometheus text exposition; 0, or -EINVAL when either
 * request gauge is missing (l->ok is set accordingly). */
int oracle_parse(const char *text, struct oracle_load *l);
/* Lower is better: a waiting request costs two running ones (it has not
 * even started its prefill); KV usage breaks ties. */
double oracle_cost(const struct oracle_load *l);
/* The index of the cheapest backend that answered, ties to the first at or
 * after start (so an idle cluster is visited in turn); -1 when none did. */
int oracle_pick(const struct oracle_load *l, int n, unsigned int start);

#endif /* __IG_LOADGEN_ORACLE_H */
