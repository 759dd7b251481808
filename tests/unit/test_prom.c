// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the Prometheus text parser (user/agent/prom.c): every real scrape in
 * tests/data/metrics parses with exact values, every file in invalid/ is refused
 * at the right line, and hand-written cases cover numbers, escapes, limits,
 * truncation and garbage. Inputs are copied into buffers of their exact size,
 * without a NUL, so that ASan catches any read past the end. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/agent/prom.h"

#define PT_DATA "tests/data/metrics"

struct pt_buf {
	char *data;
	size_t len;
};

/* A sample to look for (name, then label name/value pairs it must carry) and
 * what was found. get names a label whose value is copied out. */
struct pt_want {
	const char *name;
	const char *labels[8];
	const char *get;
	unsigned int hits;
	double value;
	bool has_ts;
	int64_t ts;
	enum prom_type type;
	unsigned int nlabels;
	unsigned int line;
	char got[256];
	size_t got_len;
};

static struct pt_buf pt_from_mem(const void *s, size_t len)
{
	struct pt_buf b = { malloc(len ? len : 1), len };

	cr_assert_not_null(b.data);
	memcpy(b.data, s, len);
	return b;
}

static struct pt_buf pt_from_str(const char *s)
{
	return pt_from_mem(s, strlen(s));
}

static const char *pt_srcdir(void)
{
	const char *dir = getenv("IG_SRCDIR");

	return dir && *dir ? dir : ".";
}

static struct pt_buf pt_load(const char *name)
{
	struct pt_buf b;
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/" PT_DATA "/%s", pt_srcdir(), name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (run from the repo root or set IG_SRCDIR)", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	b.len = n;
	b.data = malloc(n ? n : 1);
	cr_assert_not_null(b.data);
	cr_assert_eq(fread(b.data, 1, b.len, f), b.len, "short read on %s", path);
	fclose(f);
	return b;
}

static int pt_count_cb(const struct prom_sample *s, void *ctx)
{
	(void)s;
	(*(unsigned int *)ctx)++;
	return 0;
}

static bool pt_has_label(const struct prom_sample *s, const char *name, const char *value)
{
	const struct prom_label *l = prom_sample_label(s, name);

	return l && prom_str_eq(l->value, l->value_len, value);
}

static int pt_want_cb(const struct prom_sample *s, void *ctx)
{
	struct pt_want *w = ctx;
	const struct prom_label *l;
	unsigned int i;

	if (!prom_str_eq(s->name, s->name_len, w->name))
		return 0;
	for (i = 0; i + 1 < 8 && w->labels[i]; i += 2)
		if (!pt_has_label(s, w->labels[i], w->labels[i + 1]))
			return 0;
	w->hits++;
	w->value = s->value;
	w->has_ts = s->has_ts;
	w->ts = s->ts_ms;
	w->type = s->type;
	w->nlabels = s->nlabels;
	w->line = s->line;
	l = w->get ? prom_sample_label(s, w->get) : NULL;
	if (l && l->value_len < sizeof(w->got)) {
		memcpy(w->got, l->value, l->value_len);
		w->got[l->value_len] = '\0';
		w->got_len = l->value_len;
	}
	return 0;
}

/* Parse buf for w; returns prom_parse()'s result. Frees buf. */
static int pt_find_buf(struct pt_buf b, unsigned int flags, struct pt_want *w,
		       struct prom_error *err)
{
	int rc = prom_parse(b.data, b.len, flags, pt_want_cb, w, err);

	free(b.data);
	return rc;
}

/* Look for w in a data file, which must parse (leniently if asked). */
static void pt_find(const char *file, unsigned int flags, struct pt_want *w)
{
	struct prom_error err;
	int rc = pt_find_buf(pt_load(file), flags, w, &err);

	cr_assert_eq(rc, 0, "%s: %d %s", file, rc, err.msg);
	cr_assert_eq(w->hits, 1, "%s: %s found %u times", file, w->name, w->hits);
}

static int pt_parse_str(const char *s, unsigned int flags, unsigned int *count,
			struct prom_error *err)
{
	struct pt_buf b = pt_from_str(s);
	int rc;

	*count = 0;
	rc = prom_parse(b.data, b.len, flags, pt_count_cb, count, err);
	free(b.data);
	return rc;
}

/* ---- the real scrapes ---------------------------------------------------- */

static const struct {
	const char *file;
	unsigned int samples;
	unsigned int unterminated_line; /* no '\n' after this last line */
} pt_valid[] = {
	{ "dcgm-exporter-8gpu.prom", 24, 0 },
	{ "dcgm-exporter-datadog-fixture.prom", 38, 116 },
	{ "dcgm-exporter-legacy.prom", 16, 0 },
	{ "dcgm-exporter-multigpu.prom", 6, 0 },
	{ "dcgm-exporter.prom", 23, 0 },
	{ "prometheus-demo-server.prom", 1857, 0 },
	{ "sglang-v0.5.prom", 43, 0 },
	{ "sglang.prom", 91, 0 },
	{ "tgi.prom", 378, 0 },
	{ "tricky-minimal.prom", 3, 0 },
	{ "tricky-summary-timestamps.prom", 12, 0 },
	{ "tricky-syntax.prom", 4, 0 },
	{ "triton.prom", 153, 0 },
	{ "vllm-v0-aibrix.prom", 13, 0 },
	{ "vllm-v0.prom", 120, 178 },
	{ "vllm-v1.prom", 395, 0 },
};

#define PT_NVALID (sizeof(pt_valid) / sizeof(pt_valid[0]))

Test(prom_files, every_sample_of_every_file)
{
	struct prom_error err;
	unsigned int i, n;
	int rc;

	for (i = 0; i < PT_NVALID; i++) {
		struct pt_buf b = pt_load(pt_valid[i].file);

		n = 0;
		rc = prom_parse(b.data, b.len, PROM_F_LENIENT, pt_count_cb, &n, &err);
		cr_expect_eq(rc, 0, "%s lenient: %s", pt_valid[i].file, err.msg);
		cr_expect_eq(n, pt_valid[i].samples, "%s lenient: %u samples", pt_valid[i].file, n);

		n = 0;
		rc = prom_parse(b.data, b.len, 0, pt_count_cb, &n, &err);
		if (!pt_valid[i].unterminated_line) {
			cr_expect_eq(rc, 0, "%s strict: %s", pt_valid[i].file, err.msg);
			cr_expect_eq(n, pt_valid[i].samples, "%s strict", pt_valid[i].file);
		} else {
			/* Everything but the unterminated last sample is delivered. */
			cr_expect_eq(rc, -EINVAL, "%s strict", pt_valid[i].file);
			cr_expect_eq(err.line, pt_valid[i].unterminated_line, "%s",
				     pt_valid[i].file);
			cr_expect_not_null(strstr(err.msg, "no newline"), "%s", err.msg);
			cr_expect_eq(n, pt_valid[i].samples - 1, "%s strict", pt_valid[i].file);
		}
		free(b.data);
	}
}

Test(prom_files, dcgm_exporter)
{
	struct pt_want w = { .name = "DCGM_FI_DEV_FB_FREE", .get = "modelName" };

	pt_find("dcgm-exporter.prom", 0, &w);
	cr_expect_eq(w.value, 22563);
	cr_expect_eq(w.type, PROM_GAUGE);
	cr_expect_eq(w.nlabels, 7);
	cr_expect_str_eq(w.got, "NVIDIA L4");

	w = (struct pt_want){ .name = "DCGM_FI_DEV_POWER_USAGE" };
	pt_find("dcgm-exporter.prom", 0, &w);
	cr_expect_eq(w.value, 16.365);

	w = (struct pt_want){ .name = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" };
	pt_find("dcgm-exporter.prom", 0, &w);
	cr_expect_eq(w.value, 4742776);
	cr_expect_eq(w.type, PROM_COUNTER);
}

Test(prom_files, dcgm_exporter_8gpu_no_metadata)
{
	struct pt_want w = { .name = "DCGM_FI_DEV_POWER_USAGE",
			     .labels = { "gpu", "0" },
			     .get = "pod_uid" };

	pt_find("dcgm-exporter-8gpu.prom", 0, &w);
	cr_expect_eq(w.value, 113.611);
	cr_expect_eq(w.type, PROM_UNTYPED); /* no TYPE lines in this sample */
	cr_expect_eq(w.nlabels, 11);
	cr_expect_eq(w.got_len, 0); /* pod_uid="" */

	w = (struct pt_want){ .name = "DCGM_FI_DEV_GPU_TEMP",
			      .labels = { "UUID", "GPU-04d228d3-3b5a-3534-f5cf-969706647d56" } };
	pt_find("dcgm-exporter-8gpu.prom", 0, &w);
	cr_expect_eq(w.value, 26);
	cr_expect_eq(w.nlabels, 7);
}

Test(prom_files, dcgm_exporter_multigpu_empty_labels)
{
	struct pt_want w = { .name = "DCGM_FI_PROF_SM_ACTIVE",
			     .labels = { "gpu", "1", "container", "", "pod", "" },
			     .get = "namespace" };

	pt_find("dcgm-exporter-multigpu.prom", 0, &w);
	cr_expect_eq(w.value, 0);
	cr_expect_eq(w.type, PROM_GAUGE);
	cr_expect_eq(w.got_len, 0);

	w = (struct pt_want){ .name = "DCGM_FI_PROF_SM_OCCUPANCY",
			      .labels = { "gpu", "0" },
			      .get = "pod" };
	pt_find("dcgm-exporter-multigpu.prom", 0, &w);
	cr_expect_str_eq(w.got, "triton-84d57987c9-kks4k");
}

Test(prom_files, dcgm_legacy_and_datadog_fixture)
{
	struct pt_want w = { .name = "DCGM_FI_DEV_POWER_USAGE", .get = "DCGM_FI_PROCESS_NAME" };

	pt_find("dcgm-exporter-legacy.prom", 0, &w);
	cr_expect_eq(w.value, 8.969);
	cr_expect_str_eq(w.got, "/usr/bin/dcgm-exporter");

	/* Dummy samples without labels, HELP lines without text. */
	w = (struct pt_want){ .name = "DCGM_FI_PROF_SM_ACTIVE" };
	pt_find("dcgm-exporter-datadog-fixture.prom", PROM_F_LENIENT, &w);
	cr_expect_eq(w.nlabels, 0);
	cr_expect_eq(w.type, PROM_GAUGE);

	/* The last line, which has no newline. */
	w = (struct pt_want){ .name = "DCGM_FI_PROF_DRAM_ACTIVE", .get = "pod" };
	pt_find("dcgm-exporter-datadog-fixture.prom", PROM_F_LENIENT, &w);
	cr_expect_eq(w.value, 0.000003);
	cr_expect_eq(w.line, 116);
	cr_expect_str_eq(w.got, "ray-1111111");
}

Test(prom_files, prometheus_demo_server)
{
	struct pt_want w = { .name = "go_gc_duration_seconds", .labels = { "quantile", "0" } };

	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect_eq(w.value, 7.6238e-05);
	cr_expect_eq(w.type, PROM_SUMMARY);

	w = (struct pt_want){ .name = "go_gc_duration_seconds_count" };
	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect_eq(w.value, 190932);
	cr_expect_eq(w.type, PROM_SUMMARY);

	w = (struct pt_want){ .name = "go_gc_gomemlimit_bytes" };
	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect_eq(w.value, 9.03676723e+08);

	w = (struct pt_want){ .name = "go_gc_heap_allocs_by_size_bytes_bucket",
			      .labels = { "le", "8.999999999999998" } };
	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect_eq(w.value, 2.279966416e+09);
	cr_expect_eq(w.type, PROM_HISTOGRAM);

	w = (struct pt_want){ .name = "prometheus_sd_consul_rpc_duration_seconds",
			      .labels = { "call", "service", "endpoint", "catalog", "quantile",
					  "0.99" } };
	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect(isnan(w.value));
	cr_expect_eq(w.line, 1742);

	w = (struct pt_want){ .name = "prometheus_rule_evaluations_total",
			      .labels = { "rule_group", "/etc/prometheus/rules/ansible_managed.yml;"
							"ansible managed alert rules" } };
	pt_find("prometheus-demo-server.prom", 0, &w);
	cr_expect_eq(w.type, PROM_COUNTER);
}

Test(prom_files, inference_servers)
{
	struct pt_want w = { .name = "sglang:num_queue_reqs" };

	pt_find("sglang.prom", 0, &w);
	cr_expect_eq(w.value, 2826);
	w = (struct pt_want){ .name = "sglang:prompt_tokens_total" };
	pt_find("sglang.prom", 0, &w);
	cr_expect_eq(w.value, 8.128902e+06);
	cr_expect_eq(w.type, PROM_COUNTER);
	w = (struct pt_want){ .name = "sglang:time_to_first_token_seconds_bucket",
			      .labels = { "le", "+Inf" } };
	pt_find("sglang.prom", 0, &w);
	cr_expect_eq(w.value, 11008);
	cr_expect_eq(w.type, PROM_HISTOGRAM);

	w = (struct pt_want){ .name = "sglang:max_total_num_tokens", .get = "tp_rank" };
	pt_find("sglang-v0.5.prom", 0, &w);
	cr_expect_eq(w.value, 430839);
	cr_expect_str_eq(w.got, "0");

	w = (struct pt_want){ .name = "tgi_request_skipped_tokens", .labels = { "quantile", "1" } };
	pt_find("tgi.prom", 0, &w);
	cr_expect_eq(w.type, PROM_SUMMARY);
	w = (struct pt_want){ .name = "tgi_request_skipped_tokens_count" };
	pt_find("tgi.prom", 0, &w);
	cr_expect_eq(w.value, 3423);
	w = (struct pt_want){ .name = "tgi_request_input_length_bucket",
			      .labels = { "le", "15.330000000000002" } };
	pt_find("tgi.prom", 0, &w);
	cr_expect_eq(w.value, 109);

	w = (struct pt_want){ .name = "nv_energy_consumption" };
	pt_find("triton.prom", 0, &w);
	cr_expect_eq(w.value, 4879631.328000044);
	w = (struct pt_want){ .name = "nv_inference_request_summary_us",
			      .labels = { "model", "simple_string", "quantile", "0.999" } };
	pt_find("triton.prom", 0, &w);
	cr_expect_eq(w.value, 3);
	cr_expect_eq(w.type, PROM_SUMMARY);
}

Test(prom_files, vllm)
{
	struct pt_want w = { .name = "vllm:num_requests_waiting",
			     .labels = { "engine", "0" },
			     .get = "model_name" };

	pt_find("vllm-v1.prom", 0, &w);
	cr_expect_eq(w.value, 0);
	cr_expect_str_eq(w.got, "Qwen/Qwen2.5-0.5B-Instruct");
	w = (struct pt_want){ .name = "process_start_time_seconds" };
	pt_find("vllm-v1.prom", 0, &w);
	cr_expect_eq(w.value, 1.7740113846e+09);
	/* prometheus_client gives _created its own gauge family. */
	w = (struct pt_want){ .name = "http_request_duration_highr_seconds_created" };
	pt_find("vllm-v1.prom", 0, &w);
	cr_expect_eq(w.value, 1.7740114615667598e+09);
	cr_expect_eq(w.type, PROM_GAUGE);

	w = (struct pt_want){ .name = "process_cpu_seconds_total" };
	pt_find("vllm-v0.prom", PROM_F_LENIENT, &w);
	cr_expect_eq(w.value, 10.950000000000001);
	w = (struct pt_want){ .name = "vllm:avg_generation_throughput_toks_per_s" };
	pt_find("vllm-v0.prom", PROM_F_LENIENT, &w);
	cr_expect_eq(w.value, 0);
	cr_expect_eq(w.line, 178);

	w = (struct pt_want){ .name = "vllm:lora_requests_info", .get = "running_lora_adapters" };
	pt_find("vllm-v0-aibrix.prom", 0, &w);
	cr_expect_eq(w.value, 1.7382173358407154e+09);
	cr_expect_eq(w.got_len, 0);
	w = (struct pt_want){ .name = "vllm:gpu_prefix_cache_hit_rate" };
	pt_find("vllm-v0-aibrix.prom", 0, &w);
	cr_expect_eq(w.value, -1.0);
	w = (struct pt_want){ .name = "vllm:cache_config_info", .get = "swap_space_bytes" };
	pt_find("vllm-v0-aibrix.prom", 0, &w);
	cr_expect_eq(w.type, PROM_GAUGE); /* TYPE without HELP */
	cr_expect_eq(w.nlabels, 12);
	cr_expect_str_eq(w.got, "4294967296");
}

Test(prom_files, tricky_syntax)
{
	struct pt_want w = { .name = "name", .labels = { "labelname", "val2" }, .get = "basename" };

	pt_find("tricky-syntax.prom", 0, &w);
	cr_expect_eq(w.value, 0.23);
	cr_expect(w.has_ts);
	cr_expect_eq(w.ts, 1234567890);
	cr_expect_eq(w.type, PROM_COUNTER);
	cr_expect_str_eq(w.got, "base\"v\\al\nue");

	w = (struct pt_want){ .name = "name", .labels = { "labelname", "val1" } };
	pt_find("tricky-syntax.prom", 0, &w);
	cr_expect(isnan(w.value));
	cr_expect(!w.has_ts);

	w = (struct pt_want){ .name = "name2",
			      .labels = { "labelname", "val2" },
			      .get = "basename" };
	pt_find("tricky-syntax.prom", 0, &w);
	cr_expect(isinf(w.value) && w.value > 0);
	cr_expect_eq(w.ts, 54321);
	cr_expect_eq(w.type, PROM_GAUGE);
	cr_expect_str_eq(w.got, "basevalue2");

	/* name2{ labelname = "val1" , }-Inf: trailing comma, no blank before the value */
	w = (struct pt_want){ .name = "name2", .labels = { "labelname", "val1" } };
	pt_find("tricky-syntax.prom", 0, &w);
	cr_expect(isinf(w.value) && w.value < 0);
	cr_expect_eq(w.nlabels, 1);
}

Test(prom_files, tricky_summary_and_minimal)
{
	struct pt_want w = { .name = "decoy" };

	pt_find("tricky-summary-timestamps.prom", 0, &w);
	cr_expect_eq(w.value, -1);
	cr_expect_eq(w.ts, -2);
	cr_expect_eq(w.type, PROM_UNTYPED);

	w = (struct pt_want){ .name = "my_summary_sum", .labels = { "n1", "val2" } };
	pt_find("tricky-summary-timestamps.prom", 0, &w);
	cr_expect_eq(w.value, 8); /* "08" */
	cr_expect_eq(w.ts, 15);
	cr_expect_eq(w.type, PROM_SUMMARY);

	w = (struct pt_want){ .name = "another_summary", .labels = { "quantile", ".3" } };
	pt_find("tricky-summary-timestamps.prom", 0, &w);
	cr_expect_eq(w.value, -1.2);

	w = (struct pt_want){ .name = "my_summary", .labels = { "quantile", "-12.34" } };
	pt_find("tricky-summary-timestamps.prom", 0, &w);
	cr_expect(isnan(w.value));
	cr_expect_eq(w.nlabels, 3);

	w = (struct pt_want){ .name = "fake_sum" };
	pt_find("tricky-summary-timestamps.prom", 0, &w);
	cr_expect_eq(w.type, PROM_UNTYPED);

	w = (struct pt_want){ .name = "another_metric" };
	pt_find("tricky-minimal.prom", 0, &w);
	cr_expect_eq(w.value, -3e3);
	cr_expect_eq(w.ts, 103948);
	w = (struct pt_want){ .name = "no_labels" };
	pt_find("tricky-minimal.prom", 0, &w);
	cr_expect_eq(w.value, 3);
	cr_expect_eq(w.nlabels, 0);
}

/* ---- what the Go reference parser refuses ---------------------------------- */

static const struct {
	const char *file;
	unsigned int line;
	const char *msg;
	bool lenient_ok; /* accepted with PROM_F_LENIENT */
} pt_invalid[] = {
	{ "prometheus-common-parse-error-0.prom", 1, "no newline after the last line", true },
	{ "prometheus-common-parse-error-1.prom", 1, "col 15: invalid escape sequence '\\t'",
	  true },
	{ "prometheus-common-parse-error-2.prom", 2, "label value not closed", false },
	{ "prometheus-common-parse-error-3.prom", 1, "expected label name, found '@'", false },
	{ "prometheus-common-parse-error-4.prom", 1, "label name '__name__' is reserved", false },
	{ "prometheus-common-parse-error-5.prom", 1,
	  "col 13: expected '=' after label name, found '+'", false },
	{ "prometheus-common-parse-error-6.prom", 1, "expected '\"' to open the label value",
	  false },
	{ "prometheus-common-parse-error-7.prom", 3, "label 'quantile', got 'bla'", true },
	{ "prometheus-common-parse-error-8.prom", 1, "expected ',' or '}' after label value",
	  false },
	{ "prometheus-common-parse-error-9.prom", 1, "invalid timestamp '2.72'", false },
	{ "prometheus-common-parse-error-10.prom", 1, "unexpected text after the timestamp",
	  false },
	{ "prometheus-common-parse-error-11.prom", 1, "invalid sample value 'blubb'", false },
	{ "prometheus-common-parse-error-12.prom", 3, "second HELP line", true },
	{ "prometheus-common-parse-error-13.prom", 3, "second TYPE line", true },
	{ "prometheus-common-parse-error-14.prom", 3, "TYPE line for metric family 'metric' after",
	  true },
	{ "prometheus-common-parse-error-15.prom", 2, "unknown metric type 'bla'", false },
	{ "prometheus-common-parse-error-16.prom", 2, "invalid metric name in TYPE line", false },
	{ "prometheus-common-parse-error-17.prom", 1, "expected metric name, found '@'", false },
	{ "prometheus-common-parse-error-18.prom", 1, "expected metric name, found '{'", false },
	{ "prometheus-common-parse-error-19.prom", 3, "label 'le', got 'bla'", true },
};

#define PT_NINVALID (sizeof(pt_invalid) / sizeof(pt_invalid[0]))

Test(prom_invalid, every_file_is_refused_at_its_line)
{
	struct prom_error err;
	char name[128];
	unsigned int i, n;
	int rc;

	for (i = 0; i < PT_NINVALID; i++) {
		struct pt_buf b;

		snprintf(name, sizeof(name), "invalid/%s", pt_invalid[i].file);
		b = pt_load(name);
		rc = prom_parse(b.data, b.len, 0, pt_count_cb, &n, &err);
		cr_expect_eq(rc, -EINVAL, "%s: strict rc %d", name, rc);
		cr_expect_eq(err.line, pt_invalid[i].line, "%s: line %u: %s", name, err.line,
			     err.msg);
		cr_expect_not_null(strstr(err.msg, pt_invalid[i].msg), "%s: '%s'", name, err.msg);
		cr_expect_geq(err.col, 1, "%s", name);

		rc = prom_parse(b.data, b.len, PROM_F_LENIENT, pt_count_cb, &n, &err);
		if (pt_invalid[i].lenient_ok) {
			cr_expect_eq(rc, 0, "%s: lenient: %s", name, err.msg);
		} else {
			cr_expect_eq(rc, -EINVAL, "%s: lenient rc %d", name, rc);
			cr_expect_eq(err.line, pt_invalid[i].line, "%s: lenient: %s", name,
				     err.msg);
		}
		free(b.data);
	}
}

/* A file added to invalid/ must be added to the table above. */
Test(prom_invalid, table_covers_the_folder)
{
	char path[512];
	struct dirent *de;
	unsigned int n = 0, i;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" PT_DATA "/invalid", pt_srcdir());
	d = opendir(path);
	cr_assert_not_null(d, "cannot open %s", path);
	while ((de = readdir(d))) {
		bool known = false;

		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < PT_NINVALID; i++)
			known |= !strcmp(de->d_name, pt_invalid[i].file);
		cr_expect(known, "invalid/%s is not in the test table", de->d_name);
		n++;
	}
	closedir(d);
	cr_expect_eq(n, PT_NINVALID);
}

Test(prom_invalid, lenient_keeps_unknown_escape_verbatim)
{
	struct pt_want w = { .name = "metric", .get = "label" };
	struct prom_error err;

	cr_assert_eq(pt_find_buf(pt_load("invalid/prometheus-common-parse-error-1.prom"),
				 PROM_F_LENIENT, &w, &err),
		     0);
	cr_expect_str_eq(w.got, "\\t");
	cr_expect_eq(w.value, 3.14);
}

/* ---- numbers ---------------------------------------------------------------- */

static int pt_value(const char *text, unsigned int flags, double *v, struct prom_error *err)
{
	struct pt_want w = { .name = "m" };
	char line[512];
	int rc;

	snprintf(line, sizeof(line), "m %s\n", text);
	rc = pt_find_buf(pt_from_str(line), flags, &w, err);
	*v = w.value;
	return rc;
}

Test(prom_numbers, accepted)
{
	static const struct {
		const char *text;
		double want;
	} ok[] = {
		{ "0", 0 },
		{ "08", 8 },
		{ "1e-05", 1e-05 },
		{ "1.5E+3", 1500 },
		{ "-3e3", -3000 },
		{ ".5", 0.5 },
		{ "5.", 5 },
		{ "+7", 7 },
		{ "0.1", 0.1 },
		{ "7.400757e+06", 7400757 },
		{ "1.7740114615667598e+09", 1.7740114615667598e+09 },
		{ "123456789012345678901234567890", 1.2345678901234568e+29 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "4.9e-324", 4.9e-324 },
		{ "1e-400", 0 }, /* underflow rounds to 0, as Go's ParseFloat does */
		{ "+Inf", INFINITY },
		{ "Inf", INFINITY },
		{ "inf", INFINITY },
		{ "-Inf", -INFINITY },
		{ "Infinity", INFINITY },
		{ "-infinity", -INFINITY },
	};
	struct prom_error err;
	unsigned int i;
	double v;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_expect_eq(pt_value(ok[i].text, 0, &v, &err), 0, "%s: %s", ok[i].text, err.msg);
		cr_expect_eq(v, ok[i].want, "%s: got %.17g", ok[i].text, v);
	}
	cr_expect_eq(pt_value("-0", 0, &v, &err), 0);
	cr_expect(v == 0 && signbit(v));
	cr_expect_eq(pt_value("NaN", 0, &v, &err), 0);
	cr_expect(isnan(v));
	cr_expect_eq(pt_value("nan", 0, &v, &err), 0);
	cr_expect(isnan(v));
}

Test(prom_numbers, refused)
{
	static const char *const bad[] = {
		"1e",	  "e5",	   "--1",      "+-1",  "1.2.3", "0x10",	  "1_000", "+NaN",
		"-nan",	  "Inf1",  "infinit",  "1,5",  ".",	"+",	  "1e+",   "1e400",
		"-1e400", "0x1p3", "\xd9\xa1", "1.5f", "1e5.5", "nan(1)", "NaN0",  "١",
	};
	struct prom_error err;
	unsigned int i;
	double v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pt_value(bad[i], 0, &v, &err), -EINVAL, "'%s' accepted", bad[i]);
		cr_expect_eq(pt_value(bad[i], PROM_F_LENIENT, &v, &err), -EINVAL, "'%s'", bad[i]);
		cr_expect_eq(err.line, 1);
		cr_expect_eq(err.col, 3, "'%s': %s", bad[i], err.msg);
	}
	cr_expect_eq(pt_value("1e400", 0, &v, &err), -EINVAL);
	cr_expect_not_null(strstr(err.msg, "out of range"), "%s", err.msg);
}

Test(prom_numbers, too_long)
{
	char text[PROM_NUMBER_MAX + 2];
	struct prom_error err;
	double v;

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cr_expect_eq(pt_value(text, 0, &v, &err), -E2BIG);
	cr_expect_not_null(strstr(err.msg, "longer than 128"), "%s", err.msg);
	text[sizeof(text) - 2] = '\0'; /* exactly PROM_NUMBER_MAX digits */
	cr_expect_eq(pt_value(text, 0, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v, 1.1111111111111112e+127);
}

Test(prom_numbers, timestamps)
{
	static const struct {
		const char *line;
		int rc;
		int64_t ts;
	} cases[] = {
		{ "m 1 -2\n", 0, -2 },
		{ "m 1 +5\n", 0, 5 },
		{ "m 1 0\n", 0, 0 },
		{ "m 1 9223372036854775807\n", 0, INT64_MAX },
		{ "m 1 -9223372036854775808\n", 0, INT64_MIN },
		{ "m 1 9223372036854775808\n", -EINVAL, 0 },
		{ "m 1 -9223372036854775809\n", -EINVAL, 0 },
		{ "m 1 1e3\n", -EINVAL, 0 },
		{ "m 1 0x10\n", -EINVAL, 0 },
		{ "m 1 -\n", -EINVAL, 0 },
		{ "m 1 12a\n", -EINVAL, 0 },
	};
	struct prom_error err;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_want w = { .name = "m" };
		int rc = pt_find_buf(pt_from_str(cases[i].line), 0, &w, &err);

		cr_expect_eq(rc, cases[i].rc, "%s", cases[i].line);
		if (!rc) {
			cr_expect(w.has_ts);
			cr_expect_eq(w.ts, cases[i].ts, "%s", cases[i].line);
		} else {
			cr_expect_eq(err.col, 5, "%s: %s", cases[i].line, err.msg);
		}
	}
}

/* ---- labels, escapes, names ---------------------------------------------------- */

Test(prom_labels, escapes)
{
	struct pt_want w = { .name = "m", .get = "a" };
	struct prom_error err;

	cr_assert_eq(pt_find_buf(pt_from_str("m{a=\"x\\\\y\\\"z\\nw\",b=\"\"} 1\n"), 0, &w, &err),
		     0, "%s", err.msg);
	cr_expect_eq(w.got_len, 7);
	cr_expect_str_eq(w.got, "x\\y\"z\nw");
	cr_expect_eq(w.nlabels, 2);

	cr_expect_eq(pt_find_buf(pt_from_str("m{a=\"\\x\"} 1\n"), 0, &w, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "line 1, col 6: invalid escape sequence '\\x' in label value");

	/* A backslash that escapes the closing quote leaves the value open. */
	cr_expect_eq(pt_find_buf(pt_from_str("m{a=\"abc\\\"} 1\n"), 0, &w, &err), -EINVAL);
	cr_expect_not_null(strstr(err.msg, "not closed"), "%s", err.msg);
	cr_expect_eq(pt_find_buf(pt_from_str("m{a=\"abc\\"), PROM_F_LENIENT, &w, &err), -EINVAL);
	cr_expect_eq(err.col, 5);
}

Test(prom_labels, help_escapes)
{
	struct prom_error err;
	unsigned int n;

	cr_expect_eq(pt_parse_str("# HELP m a\\nb \\\\ \\\" c\nm 1\n", 0, &n, &err), 0, "%s",
		     err.msg);
	cr_expect_eq(pt_parse_str("# HELP m a\\tb\n", 0, &n, &err), -EINVAL);
	cr_expect_eq(err.col, 11);
	cr_expect_eq(pt_parse_str("# HELP m a\\\n", 0, &n, &err), -EINVAL);
	cr_expect_eq(pt_parse_str("# HELP m a\\tb\n", PROM_F_LENIENT, &n, &err), 0);
}

Test(prom_labels, utf8_values)
{
	static const struct {
		const char *value;
		bool ok;
	} cases[] = {
		{ "caf\xc3\xa9", true },
		{ "\xf0\x9f\x98\x80", true },
		{ "\xef\xbf\xbf", true },
		{ "\xff", false },
		{ "\xc0\xaf", false },
		{ "\xed\xa0\x80", false },
		{ "\xf4\x90\x80\x80", false },
		{ "\xe2\x82", false },
		{ "\x80", false },
	};
	struct prom_error err;
	char line[64];
	unsigned int i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "m{a=\"%s\"} 1\n", cases[i].value);
		cr_expect_eq(pt_parse_str(line, 0, &n, &err), cases[i].ok ? 0 : -EINVAL, "case %u",
			     i);
		cr_expect_eq(pt_parse_str(line, PROM_F_LENIENT, &n, &err), 0, "case %u", i);
		cr_expect_eq(n, 1);
	}
}

Test(prom_labels, names_and_structure)
{
	static const struct {
		const char *in;
		int rc;
		unsigned int col;
		const char *msg;
	} cases[] = {
		{ "vllm:num_requests_waiting{model_name=\"m\"} 3\n", 0, 0, NULL },
		{ ":a_b:c 1\n", 0, 0, NULL },
		{ "m {a=\"1\"} 1\n", 0, 0, NULL },
		{ "m{a=\"1\",} 1\n", 0, 0, NULL },
		{ "m{} 1\n", 0, 0, NULL },
		{ "m{a=\"1\"}1\n", 0, 0, NULL },
		{ "m{_a=\"1\", B9 = \"2\"}\t1\n", 0, 0, NULL },
		{ "1m 1\n", -EINVAL, 1, "expected metric name, found '1'" },
		{ "m-x 1\n", -EINVAL, 2, "unexpected '-' after metric name" },
		{ "m{a:b=\"1\"} 1\n", -EINVAL, 4, "expected '=' after label name, found ':'" },
		{ "m{9=\"1\"} 1\n", -EINVAL, 3, "expected label name, found '9'" },
		{ "m{,} 1\n", -EINVAL, 3, "expected label name, found ','" },
		{ "m{a=\"1\" b=\"2\"} 1\n", -EINVAL, 9, "expected ',' or '}'" },
		{ "m{a=\"1\",a=\"2\"} 1\n", -EINVAL, 9, "duplicate label name 'a'" },
		{ "m{a=\"1\"\n", -EINVAL, 8, "expected ',' or '}' after label value, found end" },
		{ "m{a=\n", -EINVAL, 5,
		  "expected '\"' to open the label value, found end of line" },
		{ "m{a\n", -EINVAL, 4, "expected '=' after label name" },
		{ "m\n", -EINVAL, 2, "expected sample value, found end of line" },
		{ "m{a=\"1\"}\n", -EINVAL, 9, "expected sample value" },
		{ "m 1 2 3\n", -EINVAL, 7, "unexpected text after the timestamp, found '3'" },
		{ "m\x01 1\n", -EINVAL, 2, "unexpected byte 0x01 after metric name" },
	};
	struct prom_error err;
	unsigned int i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = pt_parse_str(cases[i].in, 0, &n, &err);

		cr_expect_eq(rc, cases[i].rc, "%s: %s", cases[i].in, err.msg);
		if (!cases[i].rc) {
			cr_expect_eq(n, 1, "%s", cases[i].in);
			continue;
		}
		cr_expect_eq(err.line, 1, "%s", cases[i].in);
		cr_expect_eq(err.col, cases[i].col, "%s: %s", cases[i].in, err.msg);
		cr_expect_not_null(strstr(err.msg, cases[i].msg), "%s: %s", cases[i].in, err.msg);
	}
}

Test(prom_labels, exact_error_message)
{
	struct prom_error err;
	unsigned int n;

	cr_assert_eq(pt_parse_str("# ok\nm 1\nm{a+=\"1\"} 1\n", 0, &n, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "line 3, col 4: expected '=' after label name, found '+'");
	cr_expect_eq(err.line, 3);
	cr_expect_eq(err.col, 4);
	cr_expect_eq(n, 1, "the sample before the error is delivered");
}

struct pt_labels_ctx {
	unsigned int nlabels;
	bool in_order;
};

static int pt_labels_cb(const struct prom_sample *s, void *ctx)
{
	struct pt_labels_ctx *c = ctx;
	char want[16];
	unsigned int i;

	c->nlabels = s->nlabels;
	c->in_order = true;
	for (i = 0; i < s->nlabels; i++) {
		snprintf(want, sizeof(want), "l%u", i);
		c->in_order &= prom_str_eq(s->labels[i].name, s->labels[i].name_len, want);
		snprintf(want, sizeof(want), "v%u", i);
		c->in_order &= prom_str_eq(s->labels[i].value, s->labels[i].value_len, want);
	}
	return 0;
}

static char *pt_many_labels(unsigned int n)
{
	char *s = malloc(32 + n * 24), *p = s;
	unsigned int i;

	cr_assert_not_null(s);
	p += sprintf(p, "m{");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%sl%u=\"v%u\"", i ? "," : "", i, i);
	sprintf(p, "} 1\n");
	return s;
}

Test(prom_limits, many_labels)
{
	struct pt_labels_ctx c = { 0 };
	struct prom_error err;
	char *s = pt_many_labels(PROM_LABELS_MAX);
	struct pt_buf b = pt_from_str(s);

	cr_expect_eq(prom_parse(b.data, b.len, 0, pt_labels_cb, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(c.nlabels, PROM_LABELS_MAX);
	cr_expect(c.in_order);
	free(b.data);
	free(s);

	s = pt_many_labels(PROM_LABELS_MAX + 1);
	b = pt_from_str(s);
	cr_expect_eq(prom_parse(b.data, b.len, PROM_F_LENIENT, pt_labels_cb, &c, &err), -E2BIG);
	cr_expect_eq(err.line, 1);
	cr_expect_not_null(strstr(err.msg, "more than 64 labels"), "%s", err.msg);
	free(b.data);
	free(s);
}

Test(prom_limits, huge_line)
{
	size_t big = 1 << 20, n;
	char *s = malloc(big + 64), *p;
	struct pt_want w = { .name = "m" };
	struct prom_error err;
	struct pt_buf b;

	cr_assert_not_null(s);
	p = s + sprintf(s, "m{a=\"");
	memset(p, 'x', big);
	p += big;
	n = p - s + sprintf(p, "\"} 42\n");
	b = pt_from_mem(s, n);
	cr_expect_eq(prom_parse(b.data, b.len, 0, pt_want_cb, &w, &err), 0, "%s", err.msg);
	cr_expect_eq(w.hits, 1);
	cr_expect_eq(w.value, 42);
	free(b.data);

	/* With an escape the value must be copied: over the scratch limit. */
	s[6] = '\\';
	s[7] = 'n';
	b = pt_from_mem(s, n);
	cr_expect_eq(prom_parse(b.data, b.len, 0, pt_want_cb, &w, &err), -E2BIG);
	cr_expect_eq(err.line, 1);
	free(b.data);
	free(s);
}

Test(prom_limits, families)
{
	size_t size = (PROM_FAMILIES_MAX + 1) * 16, len = 0;
	char *s = malloc(size);
	struct prom_error err;
	unsigned int i, n = 0;
	struct pt_buf b;

	cr_assert_not_null(s);
	for (i = 0; i <= PROM_FAMILIES_MAX; i++)
		len += snprintf(s + len, size - len, "m%u %u\n", i, i);
	b = pt_from_mem(s, len);
	cr_expect_eq(prom_parse(b.data, b.len, 0, pt_count_cb, &n, &err), -E2BIG);
	cr_expect_eq(err.line, PROM_FAMILIES_MAX + 1);
	cr_expect_eq(n, PROM_FAMILIES_MAX);
	n = 0;
	cr_expect_eq(prom_parse(b.data, b.len, PROM_F_LENIENT, pt_count_cb, &n, &err), 0);
	cr_expect_eq(n, PROM_FAMILIES_MAX + 1);
	free(b.data);
	free(s);
}

/* ---- lines, comments, families -------------------------------------------------- */

Test(prom_lines, empty_and_comment_only)
{
	struct prom_error err;
	unsigned int n;

	cr_expect_eq(prom_parse(NULL, 0, 0, pt_count_cb, &n, &err), 0);
	cr_expect_eq(prom_parse(NULL, 5, 0, pt_count_cb, &n, &err), -EINVAL);
	cr_expect_eq(prom_parse("m 1\n", 4, 0x80, pt_count_cb, &n, &err), -EINVAL);
	cr_expect_eq(prom_parse("m 1\n", 4, 0, NULL, NULL, NULL), 0);
	cr_expect_eq(prom_parse("m x\n", 4, 0, NULL, NULL, NULL), -EINVAL);
	cr_expect_eq(pt_parse_str("\n\n  \t\n# just a comment\n#\n", 0, &n, &err), 0);
	cr_expect_eq(n, 0);
	cr_expect_eq(pt_parse_str("   ", 0, &n, &err), 0, "trailing blanks need no newline");
	/* HELP or TYPE with nothing after the keyword or the name: comments. */
	cr_expect_eq(pt_parse_str("# HELP\n# HELP m\n# HELP m \n# TYPE m\n# TYPE \n# HELPER x y\n",
				  0, &n, &err),
		     0, "%s", err.msg);
}

Test(prom_lines, trailing_blanks_and_no_final_newline)
{
	struct pt_want w = { .name = "b" };
	struct prom_error err;
	unsigned int n;

	cr_expect_eq(pt_parse_str("a 1 \t\nb 2 3  \n", 0, &n, &err), 0, "%s", err.msg);
	cr_expect_eq(n, 2);
	cr_expect_eq(pt_find_buf(pt_from_str("a 1\nb 2.5"), PROM_F_LENIENT, &w, &err), 0);
	cr_expect_eq(w.value, 2.5);
	cr_expect_eq(pt_parse_str("a 1\nb 2.5", 0, &n, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "line 2, col 6: unexpected end of input: no newline after the "
				  "last line");
	cr_expect_eq(n, 1);
	/* A syntax error in the last line is named before the missing newline. */
	cr_expect_eq(pt_parse_str("a 1\nb{", 0, &n, &err), -EINVAL);
	cr_expect_not_null(strstr(err.msg, "expected label name"), "%s", err.msg);
	cr_expect_eq(pt_parse_str("# comment", 0, &n, &err), -EINVAL);
	cr_expect_eq(pt_parse_str("# comment", PROM_F_LENIENT, &n, &err), 0);
}

Test(prom_lines, crlf)
{
	struct pt_want w = { .name = "b" };
	struct prom_error err;
	unsigned int n;

	cr_expect_eq(pt_parse_str("a 1\r\nb 2\r\n", 0, &n, &err), -EINVAL);
	cr_expect_eq(err.line, 1);
	cr_expect_eq(err.col, 4);
	cr_expect_not_null(strstr(err.msg, "carriage return"), "%s", err.msg);
	cr_expect_eq(pt_find_buf(pt_from_str("# HELP b x\r\na 1\r\nb{l=\"v\"} 2 7\r\n"),
				 PROM_F_LENIENT, &w, &err),
		     0, "%s", err.msg);
	cr_expect_eq(w.value, 2);
	cr_expect_eq(w.ts, 7);
}

Test(prom_lines, nul_bytes)
{
	static const char in[] = "a 1\nb\0 2\n";
	struct pt_buf b = pt_from_mem(in, sizeof(in) - 1);
	struct prom_error err;
	unsigned int n = 0;

	cr_expect_eq(prom_parse(b.data, b.len, PROM_F_LENIENT, pt_count_cb, &n, &err), -EINVAL);
	cr_expect_eq(err.line, 2);
	cr_expect_eq(err.col, 2);
	cr_expect_not_null(strstr(err.msg, "NUL"), "%s", err.msg);
	cr_expect_eq(n, 1);
	free(b.data);

	b = pt_from_mem("m{a=\"x\0y\"} 1\n", 14);
	cr_expect_eq(prom_parse(b.data, b.len, PROM_F_LENIENT, pt_count_cb, &n, &err), -EINVAL);
	cr_expect_eq(err.col, 7);
	free(b.data);
}

Test(prom_lines, types_and_metadata)
{
	static const char in[] = "# TYPE h histogram\n"
				 "h_bucket{le=\"1\"} 1\n"
				 "h_bucket{le=\"+Inf\"} 2\n"
				 "h_sum 3\n"
				 "h_count 2\n"
				 "h_created 9\n"
				 "# TYPE s summary\n"
				 "s_bucket 1\n"
				 "s{quantile=\"0.5\"} 1\n"
				 "# TYPE g gauge\n"
				 "g{le=\"not a number\"} 1\n"
				 "g_count 1\n";
	static const struct {
		const char *name;
		enum prom_type type;
	} want[] = {
		{ "h_bucket", PROM_HISTOGRAM },
		{ "h_sum", PROM_HISTOGRAM },
		{ "h_count", PROM_HISTOGRAM },
		{ "h_created", PROM_UNTYPED },
		{ "s_bucket", PROM_UNTYPED },
		{ "s", PROM_SUMMARY },
		{ "g", PROM_GAUGE },
		{ "g_count", PROM_UNTYPED },
	};
	struct prom_error err;
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pt_want w = { .name = want[i].name };

		cr_expect_eq(pt_find_buf(pt_from_str(in), 0, &w, &err), 0, "%s", err.msg);
		cr_expect_geq(w.hits, 1, "%s", want[i].name);
		cr_expect_eq(w.type, want[i].type, "%s: %s", want[i].name, prom_type_str(w.type));
	}
}

Test(prom_lines, family_checks)
{
	static const struct {
		const char *in;
		unsigned int line; /* 0: valid in strict mode too */
	} cases[] = {
		{ "#HELP m a\n#HELP m b\n", 2 },
		{ "# HELP m a\nm 1\n# HELP m b\n", 3 },
		{ "# TYPE s summary\n# TYPE s_count counter\n", 2 }, /* s_count is s's */
		{ "# TYPE s counter\n# TYPE s_count counter\n", 0 },
		{ "m 1\n# HELP m late help is fine\n", 0 },
		{ "m_count 1\n# TYPE m summary\n", 0 }, /* another family then */
		{ "m 1\nx 2\nm 3\n# TYPE m gauge\n", 4 },
		{ "# TYPE m gauge extra\n", 1 },
		{ "# TYPE m Counter\n", 1 },
		{ "# TYPE m gauge_histogram\n", 1 },
		{ "# HELP 9m text\n", 1 },
		{ "# TYPE s summary\ns{quantile=\"x\"} 1\n", 2 },
		{ "# TYPE h histogram\nh_sum{le=\"x\"} 1\n", 2 },
	};
	struct prom_error err;
	unsigned int i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = pt_parse_str(cases[i].in, 0, &n, &err);

		cr_expect_eq(rc, cases[i].line ? -EINVAL : 0, "%s: %s", cases[i].in, err.msg);
		cr_expect_eq(err.line, cases[i].line, "%s: %s", cases[i].in, err.msg);
	}
}

struct pt_stop_ctx {
	unsigned int seen;
};

static int pt_stop_cb(const struct prom_sample *s, void *ctx)
{
	struct pt_stop_ctx *c = ctx;

	(void)s;
	return ++c->seen == 2 ? -ECANCELED : 0;
}

Test(prom_lines, callback_stops_the_parse)
{
	struct pt_stop_ctx c = { 0 };
	struct prom_error err;
	struct pt_buf b = pt_from_str("a 1\n# x\nb 2\nc 3\n");

	cr_expect_eq(prom_parse(b.data, b.len, 0, pt_stop_cb, &c, &err), -ECANCELED);
	cr_expect_eq(c.seen, 2);
	cr_expect_eq(err.line, 3);
	cr_expect_eq(err.col, 0);
	free(b.data);
}

Test(prom_lines, helpers)
{
	cr_expect_str_eq(prom_type_str(PROM_HISTOGRAM), "histogram");
	cr_expect_str_eq(prom_type_str(PROM_UNTYPED), "untyped");
	cr_expect_str_eq(prom_type_str(PROM_TYPE_MAX), "unknown");
	cr_expect(prom_str_eq("abc", 3, "abc"));
	cr_expect(!prom_str_eq("abc", 2, "abc"));
	cr_expect(!prom_str_eq("abd", 3, "abc"));
}

/* ---- robustness: truncation, mutation, garbage ---------------------------------- */

struct pt_check_ctx {
	const char *buf, *end;
};

/* Every name and label points into the input or the parser's scratch area;
 * names are well formed, values hold no NUL. */
static int pt_check_cb(const struct prom_sample *s, void *ctx)
{
	struct pt_check_ctx *c = ctx;
	unsigned int i;

	cr_assert(s->name >= c->buf && s->name + s->name_len <= c->end);
	cr_assert_geq(s->name_len, 1);
	cr_assert_leq(s->nlabels, PROM_LABELS_MAX);
	for (i = 0; i < s->nlabels; i++) {
		cr_assert(s->labels[i].name >= c->buf &&
			  s->labels[i].name + s->labels[i].name_len <= c->end);
		cr_assert_null(memchr(s->labels[i].value, '\0', s->labels[i].value_len));
	}
	return 0;
}

/* Parse in both modes; the result must be 0 or a filled error. */
static int pt_robust(const char *data, size_t len)
{
	struct pt_buf b = pt_from_mem(data, len);
	struct pt_check_ctx c = { b.data, b.data + len };
	struct prom_error err;
	unsigned int flags;
	int rc = 0, r;

	for (flags = 0; flags <= PROM_F_LENIENT; flags++) {
		r = prom_parse(b.data, b.len, flags, pt_check_cb, &c, &err);
		cr_assert(r == 0 || r == -EINVAL || r == -E2BIG, "rc %d", r);
		if (r) {
			cr_assert_geq(err.line, 1);
			cr_assert_geq(err.col, 1);
			cr_assert_eq(strncmp(err.msg, "line ", 5), 0, "%s", err.msg);
		}
		rc |= r && !flags;
	}
	free(b.data);
	return rc;
}

Test(prom_robust, every_prefix)
{
	static const char *const files[] = { "tricky-syntax.prom", "tricky-summary-timestamps.prom",
					     "vllm-v0-aibrix.prom", "sglang-v0.5.prom" };
	unsigned int i;
	size_t len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct pt_buf b = pt_load(files[i]);

		for (len = 0; len <= b.len; len++) {
			bool whole_lines = !len || b.data[len - 1] == '\n';
			int rc = pt_robust(b.data, len);

			/* Strict: cut at a line end it parses, cut inside a line it must not. */
			if (whole_lines)
				cr_assert_eq(rc, 0, "%s cut at %zu", files[i], len);
		}
		free(b.data);
	}
}

Test(prom_robust, mutations)
{
	static const char subst[] = { '\0', '\n', '"', '\\', '{',    '}',  '=',
				      ',',  ' ',  '#', 'e',  '\xff', '\r', '-' };
	struct pt_buf b = pt_load("tricky-syntax.prom");
	size_t pos;
	unsigned int k;

	for (pos = 0; pos < b.len; pos++) {
		char saved = b.data[pos];

		for (k = 0; k < sizeof(subst); k++) {
			b.data[pos] = subst[k];
			pt_robust(b.data, b.len);
		}
		b.data[pos] = saved;
	}
	free(b.data);
}

Test(prom_robust, garbage)
{
	static const char alphabet[] = "a_:{}=\",\\\n #\t0123456789.eE+-NaIf\r\xff\x80 le";
	uint32_t seed = 0x1234567;
	char buf[300];
	unsigned int iter;
	size_t i, len;

	for (iter = 0; iter < 20000; iter++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % sizeof(buf);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (seed >> 16) % 16 ?
					 alphabet[(seed >> 4) % (sizeof(alphabet) - 1)] :
					 (char)(seed >> 8);
		}
		pt_robust(buf, len);
	}
}
