// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of telemetry extraction (user/agent/telemetry.c): the real scrapes of
 * vLLM V0 and V1, SGLang, TGI, Triton and the DCGM exporter map onto the
 * expected series with exact values, and hand-written scrapes cover units,
 * clamping, multi-engine and multi-GPU folding, limits and the aggregate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/agent/telemetry.h"

#define TT_DATA "tests/data/metrics"
#define TT_QUEUE (TELEM_HAVE(TELEM_WAITING) | TELEM_HAVE(TELEM_RUNNING))
#define TT_LLM (TT_QUEUE | TELEM_HAVE(TELEM_KV_USAGE))
#define TT_TOK TELEM_HAVE(TELEM_GEN_TOKENS)
#define TT_TTFT (TELEM_HAVE(TELEM_TTFT_SUM) | TELEM_HAVE(TELEM_TTFT_COUNT))

static struct telemetry_set tt_set;

/* Parse s from a buffer of its exact size (no NUL), so ASan sees overreads. */
static int tt_parse_mem(const char *s, size_t len, struct prom_error *err)
{
	char *b = malloc(len ? len : 1);
	int rc;

	cr_assert_not_null(b);
	memcpy(b, s, len);
	rc = telemetry_parse_metrics(b, len, &tt_set, err);
	free(b);
	return rc;
}

static int tt_parse_str(const char *s, struct prom_error *err)
{
	return tt_parse_mem(s, strlen(s), err);
}

static void tt_parse_file(const char *name)
{
	const char *dir = getenv("IG_SRCDIR");
	struct prom_error err;
	char path[512], *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/" TT_DATA "/%s", dir && *dir ? dir : ".", name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (run from the repo root or set IG_SRCDIR)", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_gt(n, 0);
	rewind(f);
	b = malloc(n);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, n, f), (size_t)n);
	fclose(f);
	cr_assert_eq(telemetry_parse_metrics(b, n, &tt_set, &err), 0, "%s: %s", name, err.msg);
	cr_expect_eq(tt_set.dropped, 0);
	cr_expect_eq(tt_set.skipped, 0);
	free(b);
}

static const struct telemetry_sample *tt_get(const char *model, const char *gpu)
{
	const struct telemetry_sample *s = telemetry_find(&tt_set, model, gpu);

	cr_assert_not_null(s, "no series model '%s' gpu '%s' (%u series)", model, gpu, tt_set.n);
	return s;
}

/* ---- the real scrapes ---------------------------------------------------- */

Test(telemetry_files, vllm_v0)
{
	const struct telemetry_sample *s;

	/* Datadog's fixture: no newline after the last line. */
	tt_parse_file("vllm-v0.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("facebook/opt-125m", "");
	cr_expect_eq(s->have, TT_LLM | TT_TOK | TT_TTFT);
	cr_expect_eq(s->sources, 1u << TELEM_SRC_VLLM);
	cr_expect_eq(s->gen_tokens, 7); /* vllm:generation_tokens_total */
	cr_expect_eq(s->ttft_count, 1); /* vllm:time_to_first_token_seconds_count */
	cr_expect_eq(s->ttft_sum, 0.31326723098754883);
	cr_expect_eq(s->waiting, 0);
	cr_expect_eq(s->running, 0);
	cr_expect_eq(s->kv_usage, 0); /* vllm:gpu_cache_usage_perc */

	tt_parse_file("vllm-v0-aibrix.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("Qwen/Qwen2.5-Coder-1.5B-Instruct", "");
	cr_expect_eq(s->have, TT_LLM | TT_TOK, "AIBrix's scrape has no TTFT histogram");
	cr_expect_eq(s->gen_tokens, 955);
}

Test(telemetry_files, vllm_v1)
{
	const struct telemetry_sample *s;

	tt_parse_file("vllm-v1.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("Qwen/Qwen2.5-0.5B-Instruct", "");
	cr_expect_eq(s->have, TT_LLM | TT_TOK | TT_TTFT); /* kv_cache_usage_perc, engine="0" */
	cr_expect_eq(s->waiting + s->running + s->kv_usage + s->ttft_sum + s->ttft_count, 0);
}

Test(telemetry_files, sglang)
{
	const struct telemetry_sample *s;

	tt_parse_file("sglang.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("meta-llama/Llama-3.1-8B-Instruct", "");
	cr_expect_eq(s->have, TT_LLM | TT_TOK | TT_TTFT);
	cr_expect_eq(s->gen_tokens, 7557572);
	cr_expect_eq(s->ttft_count, 11008);
	cr_expect_eq(s->ttft_sum, 2.3518979474117756e+06);
	cr_expect_eq(s->sources, 1u << TELEM_SRC_SGLANG);
	cr_expect_eq(s->waiting, 2826);
	cr_expect_eq(s->running, 162);
	cr_expect_eq(s->kv_usage, 0.28);

	tt_parse_file("sglang-v0.5.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("facebook/opt-125m", ""); /* tp_rank="0" is not part of the key */
	cr_expect_eq(s->have, TT_LLM | TT_TOK | TT_TTFT);
	cr_expect_eq(s->ttft_sum, 0.02);
	cr_expect_eq(s->gen_tokens, 32);
	cr_expect_eq(s->waiting, 0);
	cr_expect_eq(s->kv_usage, 0.25);
}

Test(telemetry_files, tgi)
{
	const struct telemetry_sample *s;

	tt_parse_file("tgi.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("", "");
	cr_expect_eq(s->have, TT_QUEUE);
	cr_expect_eq(s->sources, 1u << TELEM_SRC_TGI);
	cr_expect_eq(s->waiting, 0);
	cr_expect_eq(s->running, 0);
}

Test(telemetry_files, triton)
{
	static const char *const models[] = { "simple_string",	    "simple_sequence",
					      "simple_int8",	    "simple_identity",
					      "densenet_onnx",	    "simple_dyna_sequence",
					      "inception_graphdef", "simple" };
	const struct telemetry_sample *s;
	unsigned int i;

	tt_parse_file("triton.prom");
	cr_expect_eq(tt_set.n, 9);
	for (i = 0; i < 8; i++) {
		s = tt_get(models[i], "");
		cr_expect_eq(s->have, TELEM_HAVE(TELEM_WAITING), "%s", models[i]);
		cr_expect_eq(s->waiting, 0);
	}
	s = tt_get("", "GPU-951eeeeb-d284-d263-688e-d98a5306389b");
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_FB_USED) |
				      TELEM_HAVE(TELEM_POWER));
	cr_expect_eq(s->sources, 1u << TELEM_SRC_TRITON);
	cr_expect_eq(s->gpu_util, 0);
	cr_expect_eq(s->fb_used_mib, 254); /* 266338304 bytes */
	cr_expect_eq(s->power_w, 32.09);
}

Test(telemetry_files, dcgm_single_gpu)
{
	const struct telemetry_sample *s;

	tt_parse_file("dcgm-exporter.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("", "GPU-c2f76b33-7953-256e-8f33-1343419b1a1c");
	/* No DCGM_FI_PROF_SM_ACTIVE and no XID_ERRORS in this scrape. */
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_FB_USED) |
				      TELEM_HAVE(TELEM_FB_FREE) | TELEM_HAVE(TELEM_POWER));
	cr_expect_eq(s->sources, 1u << TELEM_SRC_DCGM);
	cr_expect_eq(s->gpu_util, 0);
	cr_expect_eq(s->fb_free_mib, 22563);
	cr_expect_eq(s->fb_used_mib, 0);
	cr_expect_eq(s->power_w, 16.365);
	cr_expect_eq(s->sm_active, 0);

	tt_parse_file("dcgm-exporter-legacy.prom");
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("", "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e");
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_FB_USED) |
				      TELEM_HAVE(TELEM_FB_FREE) | TELEM_HAVE(TELEM_POWER) |
				      TELEM_HAVE(TELEM_XID));
	cr_expect_eq(s->power_w, 8.969);
	cr_expect_eq(s->fb_free_mib, 15109);
	cr_expect_eq(s->xid_last, 0);
}

Test(telemetry_files, dcgm_multi_gpu)
{
	static const struct {
		const char *uuid;
		double power_w;
	} gpus[] = {
		{ "GPU-c4529c8d-69c4-b61d-e0bc-7b2460096005", 113.611 },
		{ "GPU-bc5610b9-79c8-fedd-8899-07539c7f868a", 68.347 },
		{ "GPU-fbc2c554-4d37-8938-0032-f923bad0f716", 65.709 },
		{ "GPU-a65a773d-52bb-bcc1-a8ee-f78c3faa2e2d", 67.316 },
		{ "GPU-82e45d1b-1618-559f-144c-eab51545030b", 68.717 },
		{ "GPU-39e28159-8c62-ee71-64db-b748edd61e15", 65.742 },
		{ "GPU-e64d69ca-b4b3-59b2-e78c-94f26c4db365", 67.328 },
		{ "GPU-04d228d3-3b5a-3534-f5cf-969706647d56", 66.997 },
	};
	const struct telemetry_sample *s;
	struct telemetry_sample agg;
	unsigned int i;

	tt_parse_file("dcgm-exporter-8gpu.prom");
	cr_expect_eq(tt_set.n, 8);
	for (i = 0; i < 8; i++) {
		s = tt_get("", gpus[i].uuid);
		cr_expect_eq(s->have, TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_POWER));
		cr_expect_eq(s->power_w, gpus[i].power_w, "%s", gpus[i].uuid);
		cr_expect_eq(s->gpu_util, 0);
	}
	telemetry_aggregate(&tt_set, &agg);
	cr_expect_float_eq(agg.power_w, 583.767, 1e-9);
	cr_expect_eq(agg.gpu_util, 0);
	cr_expect_eq(agg.have, TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_POWER));

	/* Pod attribution on one GPU, empty pod labels on the other. */
	tt_parse_file("dcgm-exporter-multigpu.prom");
	cr_expect_eq(tt_set.n, 2);
	s = tt_get("", "GPU-84412445-5790-0b3f-f714-da8aa3b2c0b0");
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_SM_ACTIVE));
	s = tt_get("", "GPU-4812b59b-1f1a-430f-d8a4-69d2ee8c18bb");
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_SM_ACTIVE));
	cr_expect_eq(s->sm_active, 0);
}

Test(telemetry_files, dcgm_datadog_fixture)
{
	const struct telemetry_sample *s;

	/* Two hosts' worth of metrics, dummy samples without labels, no final newline.
	 * The second host's GPU shows only metrics that are not extracted. */
	tt_parse_file("dcgm-exporter-datadog-fixture.prom");
	cr_expect_eq(tt_set.n, 2);
	s = tt_get("", "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e");
	cr_expect_eq(s->power_w, 8.969);
	s = tt_get("", ""); /* DCGM_FI_PROF_SM_ACTIVE 0, no labels */
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_SM_ACTIVE));
	cr_expect_null(telemetry_find(&tt_set, "", "GPU-9ef1b6d0-3643-5dd7-b823-c0ec20dcf2d5"));
}

Test(telemetry_files, unrelated_exporter)
{
	tt_parse_file("prometheus-demo-server.prom");
	cr_expect_eq(tt_set.n, 0);
}

/* ---- hand-written scrapes --------------------------------------------------- */

Test(telemetry, vllm_engines_and_models)
{
	static const char in[] = "# TYPE vllm:num_requests_waiting gauge\n"
				 "vllm:num_requests_waiting{engine=\"0\",model_name=\"a\"} 3\n"
				 "vllm:num_requests_waiting{engine=\"1\",model_name=\"a\"} 4\n"
				 "vllm:num_requests_running{engine=\"0\",model_name=\"a\"} 10\n"
				 "vllm:num_requests_running{engine=\"1\",model_name=\"a\"} 12\n"
				 "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"a\"} 0.25\n"
				 "vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"a\"} 0.75\n"
				 "vllm:num_requests_waiting{engine=\"0\",model_name=\"b\"} 1\n"
				 "vllm:gpu_cache_usage_perc{model_name=\"b\"} 0.5\n"
				 "vllm:num_requests_waiting 2\n";
	const struct telemetry_sample *s;
	struct telemetry_sample agg;
	struct prom_error err;

	cr_assert_eq(tt_parse_str(in, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_set.n, 3);
	s = tt_get("a", "");
	cr_expect_eq(s->waiting, 7); /* engines add up */
	cr_expect_eq(s->running, 22);
	cr_expect_eq(s->kv_usage, 0.75); /* the fullest engine */
	cr_expect_eq(s->have, TT_LLM);
	s = tt_get("b", "");
	cr_expect_eq(s->waiting, 1);
	cr_expect_eq(s->kv_usage, 0.5);
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_WAITING) | TELEM_HAVE(TELEM_KV_USAGE));
	cr_expect_eq(s->running, 0);
	s = tt_get("", ""); /* no model_name label */
	cr_expect_eq(s->waiting, 2);

	telemetry_aggregate(&tt_set, &agg);
	cr_expect_eq(agg.waiting, 10);
	cr_expect_eq(agg.running, 22);
	cr_expect_eq(agg.kv_usage, 0.75);
	cr_expect_eq(agg.have, TT_LLM);
	cr_expect_eq(agg.sources, 1u << TELEM_SRC_VLLM);
	cr_expect_str_eq(agg.model, "");
}

/* Generated tokens, runaway control's count: counters summed over engines
 * and over a host's models; TGI's comes from its histogram's sum. */
Test(telemetry, generated_tokens)
{
	static const char vllm[] =
		"vllm:generation_tokens_total{engine=\"0\",model_name=\"a\"} 100\n"
		"vllm:generation_tokens_total{engine=\"1\",model_name=\"a\"} 50\n"
		"sglang:generation_tokens_total{model_name=\"b\"} 7\n"
		"vllm:generation_tokens_total{model_name=\"c\"} -3\n";
	static const char tgi[] = "tgi_request_generated_tokens_bucket{le=\"+Inf\"} 3\n"
				  "tgi_request_generated_tokens_sum 321\n"
				  "tgi_request_generated_tokens_count 3\n";
	struct telemetry_sample agg;
	struct prom_error err;

	cr_assert_eq(tt_parse_str(vllm, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_get("a", "")->gen_tokens, 150);
	cr_expect_eq(tt_get("b", "")->gen_tokens, 7);
	cr_expect_eq(tt_get("c", "")->gen_tokens, 0); /* clamped, never negative */
	telemetry_aggregate(&tt_set, &agg);
	cr_expect_eq(agg.gen_tokens, 157);
	cr_expect(agg.have & TELEM_HAVE(TELEM_GEN_TOKENS));
	cr_assert_eq(tt_parse_str(tgi, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_get("", "")->gen_tokens, 321);
	cr_expect_eq(tt_get("", "")->sources, 1u << TELEM_SRC_TGI);
}

Test(telemetry, dcgm_units_clamps_and_keys)
{
	static const char in[] =
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-a\"} 87\n"
		"DCGM_FI_DEV_XID_ERRORS{gpu=\"0\",UUID=\"GPU-a\"} 79\n"
		"DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-b\"} 150\n"
		"DCGM_FI_DEV_POWER_USAGE{gpu=\"1\",UUID=\"GPU-b\"} -5\n"
		"DCGM_FI_PROF_SM_ACTIVE{gpu=\"1\",UUID=\"GPU-b\"} 0.5\n"
		"DCGM_FI_DEV_FB_USED{gpu=\"2\",UUID=\"\",GPU_I_ID=\"3\"} 100\n"
		"DCGM_FI_DEV_FB_USED{gpu=\"2\",UUID=\"GPU-c\",GPU_I_ID=\"3\"} 200\n"
		"DCGM_FI_DEV_FB_USED{gpu=\"2\",UUID=\"GPU-c\",GPU_I_ID=\"\"} 300\n"
		"DCGM_FI_DEV_GPU_UTIL{UUID=\"GPU-d\",pod=\"p1\"} 40\n"
		"DCGM_FI_DEV_GPU_UTIL{UUID=\"GPU-d\",pod=\"p2\"} 40\n";
	const struct telemetry_sample *s;
	struct prom_error err;

	cr_assert_eq(tt_parse_str(in, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_set.n, 6);
	s = tt_get("", "GPU-a");
	cr_expect_eq(s->gpu_util, 0.87); /* percent */
	cr_expect_eq(s->xid_last, 79);
	s = tt_get("", "GPU-b");
	cr_expect_eq(s->gpu_util, 1);
	cr_expect_eq(s->power_w, 0);
	cr_expect_eq(s->sm_active, 0.5);
	cr_expect(s->have & TELEM_HAVE(TELEM_POWER));
	cr_expect_eq(tt_get("", "2/3")->fb_used_mib, 100); /* MIG instance, no UUID */
	cr_expect_eq(tt_get("", "GPU-c/3")->fb_used_mib, 200);
	cr_expect_eq(tt_get("", "GPU-c")->fb_used_mib, 300);
	/* One GPU listed once per pod: not twice as busy. */
	cr_expect_eq(tt_get("", "GPU-d")->gpu_util, 0.4);
}

Test(telemetry, aggregate_mixed_endpoint)
{
	static const char in[] = "sglang:num_queue_reqs{model_name=\"m\"} 5\n"
				 "sglang:num_running_reqs{model_name=\"m\"} 2\n"
				 "sglang:token_usage{model_name=\"m\"} 0.9\n"
				 "sglang:generation_tokens_total{model_name=\"m\"} 12\n"
				 "sglang:time_to_first_token_seconds_sum{model_name=\"m\"} 3.5\n"
				 "sglang:time_to_first_token_seconds_count{model_name=\"m\"} 7\n"
				 "DCGM_FI_DEV_GPU_UTIL{UUID=\"GPU-a\"} 50\n"
				 "DCGM_FI_DEV_GPU_UTIL{UUID=\"GPU-b\"} 100\n"
				 "DCGM_FI_PROF_SM_ACTIVE{UUID=\"GPU-a\"} 0.2\n"
				 "DCGM_FI_DEV_FB_USED{UUID=\"GPU-a\"} 1000\n"
				 "DCGM_FI_DEV_FB_USED{UUID=\"GPU-b\"} 500\n"
				 "DCGM_FI_DEV_FB_FREE{UUID=\"GPU-b\"} 7\n"
				 "DCGM_FI_DEV_POWER_USAGE{UUID=\"GPU-a\"} 300\n"
				 "DCGM_FI_DEV_POWER_USAGE{UUID=\"GPU-b\"} 250.5\n"
				 "DCGM_FI_DEV_XID_ERRORS{UUID=\"GPU-b\"} 48\n";
	struct telemetry_sample agg;
	struct prom_error err;

	cr_assert_eq(tt_parse_str(in, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_set.n, 3);
	telemetry_aggregate(&tt_set, &agg);
	cr_expect_eq(agg.waiting, 5);
	cr_expect_eq(agg.running, 2);
	cr_expect_eq(agg.kv_usage, 0.9);
	cr_expect_eq(agg.gpu_util, 0.75); /* mean of the two GPUs, not of three series */
	cr_expect_eq(agg.sm_active, 0.2); /* only GPU-a reports it */
	cr_expect_eq(agg.fb_used_mib, 1500);
	cr_expect_eq(agg.fb_free_mib, 7);
	cr_expect_eq(agg.power_w, 550.5);
	cr_expect_eq(agg.xid_last, 48);
	cr_expect_eq(agg.gen_tokens, 12);
	cr_expect_eq(agg.ttft_sum, 3.5);
	cr_expect_eq(agg.ttft_count, 7);
	cr_expect_eq(agg.have, (1u << TELEM_FIELD_MAX) - 1);
	cr_expect_eq(agg.sources, (1u << TELEM_SRC_SGLANG) | (1u << TELEM_SRC_DCGM));
}

Test(telemetry, missing_and_non_finite)
{
	static const char in[] = "vllm:num_requests_waiting{model_name=\"a\"} NaN\n"
				 "vllm:num_requests_running{model_name=\"a\"} +Inf\n"
				 "vllm:kv_cache_usage_perc{model_name=\"a\"} 0.125\n"
				 "tgi_queue_size NaN\n";
	const struct telemetry_sample *s;
	struct telemetry_sample agg;
	struct prom_error err;

	cr_assert_eq(tt_parse_str(in, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_set.skipped, 3);
	cr_expect_eq(tt_set.n, 1);
	s = tt_get("a", "");
	cr_expect_eq(s->have, TELEM_HAVE(TELEM_KV_USAGE));
	cr_expect_eq(s->waiting, 0);
	cr_expect_eq(s->kv_usage, 0.125);

	cr_assert_eq(tt_parse_str("", &err), 0);
	cr_expect_eq(tt_set.n, 0);
	telemetry_aggregate(&tt_set, &agg);
	cr_expect_eq(agg.have, 0);
	cr_expect_eq(agg.gpu_util, 0);
}

Test(telemetry, series_limit)
{
	size_t size = 128 * 64, len = 0;
	char *in = malloc(size);
	struct prom_error err;
	unsigned int i;

	cr_assert_not_null(in);
	for (i = 0; i < 100; i++)
		len += snprintf(in + len, size - len,
				"vllm:num_requests_waiting{model_name=\"m%u\"} %u\n", i, i);
	/* A series that exists already still takes samples. */
	len += snprintf(in + len, size - len, "vllm:num_requests_running{model_name=\"m3\"} 9\n");
	cr_assert_eq(tt_parse_mem(in, len, &err), 0, "%s", err.msg);
	cr_expect_eq(tt_set.n, TELEMETRY_SERIES_MAX);
	cr_expect_eq(tt_set.dropped, 100 - TELEMETRY_SERIES_MAX);
	cr_expect_eq(tt_get("m63", "")->waiting, 63);
	cr_expect_null(telemetry_find(&tt_set, "m64", ""));
	cr_expect_eq(tt_get("m3", "")->running, 9);
	free(in);
}

Test(telemetry, long_names)
{
	char name[TELEMETRY_NAME_MAX + 1], in[512];
	struct prom_error err;

	memset(name, 'x', TELEMETRY_NAME_MAX - 1);
	name[TELEMETRY_NAME_MAX - 1] = '\0';
	snprintf(in, sizeof(in), "sglang:num_queue_reqs{model_name=\"%s\"} 1\n", name);
	cr_assert_eq(tt_parse_str(in, &err), 0);
	cr_expect_eq(tt_set.n, 1);
	cr_expect_str_eq(tt_set.series[0].model, name);

	strcat(name, "y"); /* would need TELEMETRY_NAME_MAX + 1 bytes */
	snprintf(in, sizeof(in), "sglang:num_queue_reqs{model_name=\"%s\"} 1\n", name);
	cr_assert_eq(tt_parse_str(in, &err), 0);
	cr_expect_eq(tt_set.n, 0);
	cr_expect_eq(tt_set.skipped, 1);

	/* The MIG suffix must fit as well. */
	memset(name, 'g', TELEMETRY_NAME_MAX - 2);
	name[TELEMETRY_NAME_MAX - 2] = '\0';
	snprintf(in, sizeof(in), "DCGM_FI_DEV_FB_USED{UUID=\"%s\",GPU_I_ID=\"1\"} 1\n", name);
	cr_assert_eq(tt_parse_str(in, &err), 0);
	cr_expect_eq(tt_set.skipped, 1);
}

Test(telemetry, syntax_error_empties_the_set)
{
	struct prom_error err;

	cr_expect_eq(tt_parse_str("tgi_queue_size 4\ntgi_batch_current_size{\n", &err), -EINVAL);
	cr_expect_eq(err.line, 2);
	cr_expect_eq(tt_set.n, 0);
	cr_expect_eq(tt_parse_str("tgi_queue_size 4 5 6\n", &err), -EINVAL);
	cr_expect_eq(tt_parse_str("\x01\x02garbage", &err), -EINVAL);
	cr_expect_eq(err.line, 1);
}

Test(telemetry, lenient_input)
{
	struct prom_error err;

	/* CRLF, no final newline, a second TYPE line: all tolerated. */
	cr_assert_eq(tt_parse_str("# TYPE tgi_queue_size gauge\r\n# TYPE tgi_queue_size gauge\r\n"
				  "tgi_queue_size 5\r\ntgi_batch_current_size 2",
				  &err),
		     0, "%s", err.msg);
	cr_expect_eq(tt_get("", "")->waiting, 5);
	cr_expect_eq(tt_get("", "")->running, 2);
}

Test(telemetry, names)
{
	cr_expect_str_eq(telemetry_field_str(TELEM_KV_USAGE), "kv_usage");
	cr_expect_str_eq(telemetry_field_str(TELEM_XID), "xid_last");
	cr_expect_str_eq(telemetry_field_str(TELEM_FIELD_MAX), "unknown");
	cr_expect_str_eq(telemetry_source_str(TELEM_SRC_DCGM), "dcgm");
	cr_expect_str_eq(telemetry_source_str(TELEM_SRC_MAX), "unknown");
}
