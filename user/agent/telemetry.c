// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Telemetry extraction: runs the Prometheus parser over one scrape and folds
 * the metrics that matter for steering into one sample per model or GPU
 * series. The table below says which server exports what, under which label
 * and in which unit; everything else in the scrape is ignored. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "user/agent/telemetry.h"

/* Which labels name a sample's series. */
enum telem_key {
	KEY_NONE, /* TGI serves one model and labels none */
	KEY_MODEL_NAME, /* vLLM, SGLang */
	KEY_MODEL, /* Triton; its "version" label is summed over */
	KEY_GPU_UUID, /* Triton's GPU metrics */
	KEY_DCGM, /* UUID, else gpu (index); plus GPU_I_ID for a MIG instance */
};

struct telem_metric {
	const char *name;
	enum telemetry_source src;
	enum telemetry_field field;
	enum telem_key key;
	double div; /* to the unit of the field */
};

static const struct telem_metric telem_metrics[] = {
	{ "vllm:num_requests_waiting", TELEM_SRC_VLLM, TELEM_WAITING, KEY_MODEL_NAME, 1 },
	{ "vllm:num_requests_running", TELEM_SRC_VLLM, TELEM_RUNNING, KEY_MODEL_NAME, 1 },
	/* Both are fractions despite "perc": "1 means 100 percent usage". The
	 * gpu_ name is V0's; V1 renamed it kv_. */
	{ "vllm:kv_cache_usage_perc", TELEM_SRC_VLLM, TELEM_KV_USAGE, KEY_MODEL_NAME, 1 },
	{ "vllm:gpu_cache_usage_perc", TELEM_SRC_VLLM, TELEM_KV_USAGE, KEY_MODEL_NAME, 1 },
	{ "sglang:num_queue_reqs", TELEM_SRC_SGLANG, TELEM_WAITING, KEY_MODEL_NAME, 1 },
	{ "sglang:num_running_reqs", TELEM_SRC_SGLANG, TELEM_RUNNING, KEY_MODEL_NAME, 1 },
	/* Share of the KV token pool in use, 0..1. */
	{ "sglang:token_usage", TELEM_SRC_SGLANG, TELEM_KV_USAGE, KEY_MODEL_NAME, 1 },
	/* Generated (output) tokens, counters: what runaway control counts
	 * (user/agent/hosttok.c). Triton exports none in general. */
	{ "vllm:generation_tokens_total", TELEM_SRC_VLLM, TELEM_GEN_TOKENS, KEY_MODEL_NAME, 1 },
	{ "sglang:generation_tokens_total", TELEM_SRC_SGLANG, TELEM_GEN_TOKENS, KEY_MODEL_NAME, 1 },
	{ "tgi_request_generated_tokens_sum", TELEM_SRC_TGI, TELEM_GEN_TOKENS, KEY_NONE, 1 },
	/* Time to first token (histograms): the scorer's TTFT estimate. */
	{ "vllm:time_to_first_token_seconds_sum", TELEM_SRC_VLLM, TELEM_TTFT_SUM, KEY_MODEL_NAME,
	  1 },
	{ "vllm:time_to_first_token_seconds_count", TELEM_SRC_VLLM, TELEM_TTFT_COUNT,
	  KEY_MODEL_NAME, 1 },
	{ "sglang:time_to_first_token_seconds_sum", TELEM_SRC_SGLANG, TELEM_TTFT_SUM,
	  KEY_MODEL_NAME, 1 },
	{ "sglang:time_to_first_token_seconds_count", TELEM_SRC_SGLANG, TELEM_TTFT_COUNT,
	  KEY_MODEL_NAME, 1 },
	{ "tgi_queue_size", TELEM_SRC_TGI, TELEM_WAITING, KEY_NONE, 1 },
	{ "tgi_batch_current_size", TELEM_SRC_TGI, TELEM_RUNNING, KEY_NONE, 1 },
	{ "nv_inference_pending_request_count", TELEM_SRC_TRITON, TELEM_WAITING, KEY_MODEL, 1 },
	/* "GPU utilization rate [0.0 - 1.0)" */
	{ "nv_gpu_utilization", TELEM_SRC_TRITON, TELEM_GPU_UTIL, KEY_GPU_UUID, 1 },
	{ "nv_gpu_memory_used_bytes", TELEM_SRC_TRITON, TELEM_FB_USED, KEY_GPU_UUID, 1 << 20 },
	{ "nv_gpu_power_usage", TELEM_SRC_TRITON, TELEM_POWER, KEY_GPU_UUID, 1 },
	/* DCGM: utilization in percent, SM activity a ratio, memory in MiB,
	 * power in W; XID_ERRORS is the last XID code, not a count. */
	{ "DCGM_FI_DEV_GPU_UTIL", TELEM_SRC_DCGM, TELEM_GPU_UTIL, KEY_DCGM, 100 },
	{ "DCGM_FI_PROF_SM_ACTIVE", TELEM_SRC_DCGM, TELEM_SM_ACTIVE, KEY_DCGM, 1 },
	{ "DCGM_FI_DEV_FB_USED", TELEM_SRC_DCGM, TELEM_FB_USED, KEY_DCGM, 1 },
	{ "DCGM_FI_DEV_FB_FREE", TELEM_SRC_DCGM, TELEM_FB_FREE, KEY_DCGM, 1 },
	{ "DCGM_FI_DEV_POWER_USAGE", TELEM_SRC_DCGM, TELEM_POWER, KEY_DCGM, 1 },
	{ "DCGM_FI_DEV_XID_ERRORS", TELEM_SRC_DCGM, TELEM_XID, KEY_DCGM, 1 },
};

static const size_t telem_field_off[TELEM_FIELD_MAX] = {
	[TELEM_WAITING] = offsetof(struct telemetry_sample, waiting),
	[TELEM_RUNNING] = offsetof(struct telemetry_sample, running),
	[TELEM_KV_USAGE] = offsetof(struct telemetry_sample, kv_usage),
	[TELEM_GPU_UTIL] = offsetof(struct telemetry_sample, gpu_util),
	[TELEM_SM_ACTIVE] = offsetof(struct telemetry_sample, sm_active),
	[TELEM_FB_USED] = offsetof(struct telemetry_sample, fb_used_mib),
	[TELEM_FB_FREE] = offsetof(struct telemetry_sample, fb_free_mib),
	[TELEM_POWER] = offsetof(struct telemetry_sample, power_w),
	[TELEM_XID] = offsetof(struct telemetry_sample, xid_last),
	[TELEM_GEN_TOKENS] = offsetof(struct telemetry_sample, gen_tokens),
	[TELEM_TTFT_SUM] = offsetof(struct telemetry_sample, ttft_sum),
	[TELEM_TTFT_COUNT] = offsetof(struct telemetry_sample, ttft_count),
};

static const char *const telem_field_names[TELEM_FIELD_MAX] = {
	[TELEM_WAITING] = "waiting",	 [TELEM_RUNNING] = "running",
	[TELEM_KV_USAGE] = "kv_usage",	 [TELEM_GPU_UTIL] = "gpu_util",
	[TELEM_SM_ACTIVE] = "sm_active", [TELEM_FB_USED] = "fb_used_mib",
	[TELEM_FB_FREE] = "fb_free_mib", [TELEM_POWER] = "power_w",
	[TELEM_XID] = "xid_last",	 [TELEM_GEN_TOKENS] = "gen_tokens",
	[TELEM_TTFT_SUM] = "ttft_sum",	 [TELEM_TTFT_COUNT] = "ttft_count",
};

static const char *const telem_source_names[TELEM_SRC_MAX] = {
	[TELEM_SRC_VLLM] = "vllm",     [TELEM_SRC_SGLANG] = "sglang", [TELEM_SRC_TGI] = "tgi",
	[TELEM_SRC_TRITON] = "triton", [TELEM_SRC_DCGM] = "dcgm",
};

static const struct telem_metric *telem_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(telem_metrics) / sizeof(telem_metrics[0]); i++)
		if (prom_str_eq(name, len, telem_metrics[i].name))
			return &telem_metrics[i];
	return NULL;
}

/* Append src to the key string dst (used bytes so far); false if it would
 * not fit with its NUL. */
static bool key_append(char *dst, size_t *used, const char *src, size_t len)
{
	if (len >= TELEMETRY_NAME_MAX - *used)
		return false;
	memcpy(dst + *used, src, len);
	*used += len;
	dst[*used] = '\0';
	return true;
}

/* The value of a label that is present and not empty, or NULL. */
static const struct prom_label *label_nonempty(const struct prom_sample *s, const char *name)
{
	const struct prom_label *l = prom_sample_label(s, name);

	return l && l->value_len ? l : NULL;
}

static bool key_label(const struct prom_sample *s, const char *name, char *dst)
{
	const struct prom_label *l = prom_sample_label(s, name);
	size_t used = 0;

	return !l || key_append(dst, &used, l->value, l->value_len);
}

static bool key_dcgm(const struct prom_sample *s, char *dst)
{
	const struct prom_label *gpu = label_nonempty(s, "UUID") ?: label_nonempty(s, "gpu");
	const struct prom_label *mig = label_nonempty(s, "GPU_I_ID");
	size_t used = 0;

	if (gpu && !key_append(dst, &used, gpu->value, gpu->value_len))
		return false;
	if (mig &&
	    !(key_append(dst, &used, "/", 1) && key_append(dst, &used, mig->value, mig->value_len)))
		return false;
	return true;
}

/* The series key of a sample; false when a part of it is too long. */
static bool telem_key(const struct prom_sample *s, enum telem_key key, char *model, char *gpu)
{
	model[0] = '\0';
	gpu[0] = '\0';
	switch (key) {
	case KEY_NONE:
		return true;
	case KEY_MODEL_NAME:
		return key_label(s, "model_name", model);
	case KEY_MODEL:
		return key_label(s, "model", model);
	case KEY_GPU_UUID:
		return key_label(s, "gpu_uuid", gpu);
	case KEY_DCGM:
		return key_dcgm(s, gpu);
	}
	return false;
}

static struct telemetry_sample *telem_series(struct telemetry_set *set, const char *model,
					     const char *gpu)
{
	struct telemetry_sample *ser;
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		ser = &set->series[i];
		if (!strcmp(ser->model, model) && !strcmp(ser->gpu, gpu))
			return ser;
	}
	if (set->n == TELEMETRY_SERIES_MAX)
		return NULL;
	ser = &set->series[set->n++];
	memset(ser, 0, sizeof(*ser));
	strcpy(ser->model, model);
	strcpy(ser->gpu, gpu);
	return ser;
}

static double telem_clamp(enum telemetry_field field, double v)
{
	bool ratio = field == TELEM_KV_USAGE || field == TELEM_GPU_UTIL || field == TELEM_SM_ACTIVE;

	if (v < 0)
		return 0;
	return ratio && v > 1 ? 1 : v;
}

static void telem_apply(struct telemetry_sample *ser, const struct telem_metric *m, double v)
{
	double *slot = (double *)((char *)ser + telem_field_off[m->field]);
	unsigned int bit = TELEM_HAVE(m->field);

	v = telem_clamp(m->field, v / m->div);
	if (!(ser->have & bit))
		*slot = v;
	else if (m->field == TELEM_WAITING || m->field == TELEM_RUNNING ||
		 m->field == TELEM_GEN_TOKENS || m->field == TELEM_TTFT_SUM ||
		 m->field == TELEM_TTFT_COUNT)
		*slot += v; /* data-parallel engines, model versions: queues add up */
	else if (v > *slot)
		*slot = v; /* the same GPU listed once per pod, or the fullest engine */
	ser->have |= bit;
	ser->sources |= 1u << m->src;
}

static int telem_on_sample(const struct prom_sample *s, void *ctx)
{
	const struct telem_metric *m = telem_lookup(s->name, s->name_len);
	char model[TELEMETRY_NAME_MAX], gpu[TELEMETRY_NAME_MAX];
	struct telemetry_set *set = ctx;
	struct telemetry_sample *ser;

	if (!m)
		return 0;
	if (!isfinite(s->value) || !telem_key(s, m->key, model, gpu)) {
		set->skipped++;
		return 0;
	}
	ser = telem_series(set, model, gpu);
	if (!ser) {
		set->dropped++;
		return 0;
	}
	telem_apply(ser, m, s->value);
	return 0;
}

int telemetry_parse_metrics(const char *buf, size_t len, struct telemetry_set *out,
			    struct prom_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = prom_parse(buf, len, PROM_F_LENIENT, telem_on_sample, out, err);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Absent fields are 0 and present ones never negative, so sums and maxima
 * need no have checks; means count only the series that have the field. */
void telemetry_aggregate(const struct telemetry_set *set, struct telemetry_sample *agg)
{
	unsigned int i, n_util = 0, n_sm = 0;

	memset(agg, 0, sizeof(*agg));
	for (i = 0; i < set->n && i < TELEMETRY_SERIES_MAX; i++) {
		const struct telemetry_sample *s = &set->series[i];

		agg->waiting += s->waiting;
		agg->running += s->running;
		agg->gen_tokens += s->gen_tokens;
		agg->ttft_sum += s->ttft_sum;
		agg->ttft_count += s->ttft_count;
		agg->kv_usage = s->kv_usage > agg->kv_usage ? s->kv_usage : agg->kv_usage;
		agg->gpu_util += s->gpu_util;
		n_util += !!(s->have & TELEM_HAVE(TELEM_GPU_UTIL));
		agg->sm_active += s->sm_active;
		n_sm += !!(s->have & TELEM_HAVE(TELEM_SM_ACTIVE));
		agg->fb_used_mib += s->fb_used_mib;
		agg->fb_free_mib += s->fb_free_mib;
		agg->power_w += s->power_w;
		agg->xid_last = s->xid_last > agg->xid_last ? s->xid_last : agg->xid_last;
		agg->have |= s->have;
		agg->sources |= s->sources;
	}
	if (n_util)
		agg->gpu_util /= n_util;
	if (n_sm)
		agg->sm_active /= n_sm;
}

const struct telemetry_sample *telemetry_find(const struct telemetry_set *set, const char *model,
					      const char *gpu)
{
	unsigned int i;

	for (i = 0; i < set->n && i < TELEMETRY_SERIES_MAX; i++)
		if (!strcmp(set->series[i].model, model) && !strcmp(set->series[i].gpu, gpu))
			return &set->series[i];
	return NULL;
}

const char *telemetry_field_str(enum telemetry_field field)
{
	return (unsigned int)field < TELEM_FIELD_MAX ? telem_field_names[field] : "unknown";
}

const char *telemetry_source_str(enum telemetry_source src)
{
	return (unsigned int)src < TELEM_SRC_MAX ? telem_source_names[src] : "unknown";
}
