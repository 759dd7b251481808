/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inference-server and GPU telemetry from one Prometheus scrape: the metrics of
 * vLLM (V0 and V1), SGLang, TGI, Triton and the NVIDIA DCGM exporter, mapped
 * onto one normalised sample per model or GPU series, plus an endpoint-level
 * aggregate for the scoring module. Pure computation: no I/O. */
#ifndef __IG_TELEMETRY_H
#define __IG_TELEMETRY_H

#include <stddef.h>

#include "user/agent/prom.h"

#define TELEMETRY_SERIES_MAX 64
#define TELEMETRY_NAME_MAX 128 /* model and GPU strings, NUL included */

enum telemetry_field {
	TELEM_WAITING,
	TELEM_RUNNING,
	TELEM_KV_USAGE,
	TELEM_GPU_UTIL,
	TELEM_SM_ACTIVE,
	TELEM_FB_USED,
	TELEM_FB_FREE,
	TELEM_POWER,
	TELEM_XID,
	TELEM_GEN_TOKENS,
	TELEM_TTFT_SUM,
	TELEM_TTFT_COUNT,
	TELEM_FIELD_MAX,
};

#define TELEM_HAVE(field) (1u << (field))

enum telemetry_source {
	TELEM_SRC_VLLM,
	TELEM_SRC_SGLANG,
	TELEM_SRC_TGI,
	TELEM_SRC_TRITON,
	TELEM_SRC_DCGM,
	TELEM_SRC_MAX,
};

/* A field is meaningful only when its TELEM_HAVE() bit is set in have; it is 0
 * otherwise. Values are clamped: never negative, ratios never above 1. Within
 * a series, waiting and running add up over the labels that are not part of
 * the key (vLLM engine, Triton version); the other fields keep the maximum. */
struct telemetry_sample {
	double waiting; /* requests queued, not yet scheduled */
	double running; /* requests in the running batch */
	double kv_usage; /* KV-cache (SGLang: token pool) in use, 0..1 */
	double gpu_util; /* 0..1 */
	double sm_active; /* 0..1, DCGM profiling */
	double fb_used_mib;
	double fb_free_mib;
	double power_w;
	double xid_last; /* code of the last XID error (DCGM), 0 = none */
	/* Output tokens generated since the server started (a counter): vLLM
	 * and SGLang generation_tokens_total, TGI's generated-tokens histogram
	 * sum. Summed over the labels that are not part of the key. */
	double gen_tokens;
	/* The time-to-first-token histogram's _sum (seconds) and _count since
	 * the server started (vLLM, SGLang): counters, summed over the labels
	 * that are not part of the key. The scorer's TTFT estimate reads them. */
	double ttft_sum;
	double ttft_count;
	unsigned int have; /* TELEM_HAVE() bits */
	unsigned int sources; /* 1u << enum telemetry_source */
	char model[TELEMETRY_NAME_MAX]; /* served model; "" for GPU series */
	char gpu[TELEMETRY_NAME_MAX]; /* GPU UUID ("/GPU_I_ID" for MIG), else index; "" otherwise */
};

struct telemetry_set {
	unsigned int n;
	/* Recognised samples not stored: dropped for want of a series slot,
	 * skipped for a NaN or infinite value or a key of TELEMETRY_NAME_MAX
	 * bytes or more. */
	unsigned int dropped;
	unsigned int skipped;
	struct telemetry_sample series[TELEMETRY_SERIES_MAX];
};

/* Parse one scrape (leniently: see PROM_F_LENIENT; the caller hands over a
 * complete HTTP body) into out. Returns 0, or prom_parse()'s error with err
 * filled and out emptied. */
int telemetry_parse_metrics(const char *buf, size_t len, struct telemetry_set *out,
			    struct prom_error *err);

/* One endpoint-level sample: waiting, running, generated tokens, the TTFT
 * histogram's sum and count, memory and power summed, KV
 * usage and XID the maximum, GPU and SM activity the mean over the series
 * that have them; have and sources are the union. model and gpu are "". */
void telemetry_aggregate(const struct telemetry_set *set, struct telemetry_sample *agg);

/* The series with this model and GPU string ("" for none), or NULL. */
const struct telemetry_sample *telemetry_find(const struct telemetry_set *set, const char *model,
					      const char *gpu);

const char *telemetry_field_str(enum telemetry_field field);
const char *telemetry_source_str(enum telemetry_source src);

#endif /* __IG_TELEMETRY_H */
