// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loadgen's statistics and random processes: percentiles of known arrays,
 * goodput at an SLO, Jain's index, arrival and length distributions
 * against their expected moments for fixed seeds, and the oracle's pick. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tools/lab/loadgen/dist.h"
#include "tools/lab/loadgen/oracle.h"
#include "tools/lab/loadgen/reqstats.h"

Test(loadgen, percentiles_known_array)
{
	double v[] = { 15, 20, 35, 40, 50 };
	double w[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 10 };
	struct summary s;

	cr_expect_float_eq(stats_percentile(v, 5, 0), 15, 1e-12);
	cr_expect_float_eq(stats_percentile(v, 5, 50), 35, 1e-12);
	cr_expect_float_eq(stats_percentile(v, 5, 40), 29, 1e-12); /* numpy: 29.0 */
	cr_expect_float_eq(stats_percentile(v, 5, 90), 46, 1e-12);
	cr_expect_float_eq(stats_percentile(v, 5, 100), 50, 1e-12);
	cr_expect_float_eq(stats_percentile(v, 1, 99), 15, 1e-12);
	cr_expect_float_eq(stats_percentile(v, 0, 50), 0, 1e-12);
	stats_summarize(w, 10, &s);
	cr_expect_eq(s.n, 10);
	cr_expect_float_eq(s.mean, 5.5, 1e-12);
	cr_expect_float_eq(s.p50, 5.5, 1e-12);
	cr_expect_float_eq(s.p90, 9.1, 1e-12);
	cr_expect_float_eq(s.p99, 9.91, 1e-12);
	cr_expect_float_eq(s.min, 1, 1e-12);
	cr_expect_float_eq(s.max, 10, 1e-12);
}

Test(loadgen, goodput_at_slo)
{
	struct req_rec r[] = {
		{ .ok = true, .ttft = 0.1, .tpot = 0.02 },
		{ .ok = true, .ttft = 0.3, .tpot = 0.02 }, /* TTFT misses */
		{ .ok = true, .ttft = 0.1, .tpot = 0.06 }, /* TPOT misses */
		{ .ok = false, .ttft = 0.1, .tpot = 0.01 }, /* failed */
		{ .ok = true, .ttft = 0.2, .tpot = 0.05 }, /* on both limits */
	};
	size_t good;

	cr_expect_float_eq(stats_goodput(r, 5, 0.2, 0.05, 2.0, &good), 1.0, 1e-12);
	cr_expect_eq(good, 2);
	cr_expect_float_eq(stats_goodput(r, 5, 0, 0, 4.0, &good), 1.0, 1e-12);
	cr_expect_eq(good, 4);
	cr_expect_float_eq(stats_goodput(r, 5, 0.2, 0, 1.0, &good), 3.0, 1e-12);
	cr_expect(stats_meets_slo(&r[4], 0.2, 0.05));
	cr_expect_not(stats_meets_slo(&r[1], 0.2, 0));
	cr_expect(stats_meets_slo(&r[1], 0, 0.05));
	cr_expect_not(stats_meets_slo(&r[3], 0, 0));
}

Test(loadgen, jain_index)
{
	double eq[] = { 3, 3, 3, 3 }, one[] = { 0, 0, 5, 0 }, two[] = { 1, 3 };

	cr_expect_float_eq(stats_jain(eq, 4), 1.0, 1e-12);
	cr_expect_float_eq(stats_jain(one, 4), 0.25, 1e-12);
	cr_expect_float_eq(stats_jain(two, 2), 16.0 / 20.0, 1e-12);
	cr_expect_float_eq(stats_jain(NULL, 0), 1.0, 1e-12);
}

static void gaps(const struct arrival *a, uint64_t seed, int n, double *mean, double *cv)
{
	struct rng r;
	double s = 0, sq = 0, x;

	rng_seed(&r, seed);
	for (int i = 0; i < n; i++) {
		x = arrival_next(a, &r);
		cr_assert_gt(x, 0);
		s += x;
		sq += x * x;
	}
	*mean = s / n;
	*cv = sqrt(sq / n - *mean * *mean) / *mean;
}

Test(loadgen, poisson_mean)
{
	struct arrival a;
	double mean, cv;

	cr_assert_eq(arrival_parse("poisson", 20, &a), 0);
	gaps(&a, 42, 200000, &mean, &cv);
	cr_expect(fabs(mean - 0.05) < 0.05 * 0.01, "mean %g", mean);
	cr_expect(fabs(cv - 1.0) < 0.02, "cv %g", cv);
}

Test(loadgen, gamma_mean_and_cv)
{
	const double cvs[] = { 0.5, 2.0, 4.0 };
	struct arrival a;
	double mean, cv;

	for (int i = 0; i < 3; i++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "gamma:%g", cvs[i]);
		cr_assert_eq(arrival_parse(spec, 10, &a), 0);
		gaps(&a, 7, 400000, &mean, &cv);
		cr_expect(fabs(mean - 0.1) < 0.1 * 0.03, "%s mean %g", spec, mean);
		cr_expect(fabs(cv - cvs[i]) < cvs[i] * 0.05, "%s cv %g", spec, cv);
	}
	cr_expect_eq(arrival_parse("gamma:0", 10, &a), -EINVAL);
	cr_expect_eq(arrival_parse("gamma:x", 10, &a), -EINVAL);
	cr_expect_eq(arrival_parse("weibull", 10, &a), -EINVAL);
	cr_expect_eq(arrival_parse("poisson", 0, &a), -EINVAL);
}

Test(loadgen, fixed_seed_reproducible)
{
	struct rng a, b;
	uint64_t x, y;

	rng_seed(&a, 1234);
	rng_seed(&b, 1234);
	for (int i = 0; i < 1000; i++) {
		x = rng_next(&a);
		y = rng_next(&b);
		cr_assert_eq(x, y);
	}
	rng_seed(&b, 1235);
	x = rng_next(&a);
	y = rng_next(&b);
	cr_expect_neq(x, y);
}

Test(loadgen, length_distributions)
{
	char path[] = "/tmp/ig-lens-XXXXXX";
	struct len_dist d;
	struct rng r;
	double s = 0;
	int fd, n = 200000, seen[4] = { 0 };
	FILE *f;

	rng_seed(&r, 3);
	cr_assert_eq(len_dist_parse("fixed:128", &d), 0);
	cr_expect_eq(len_dist_sample(&d, &r), 128);
	cr_assert_eq(len_dist_parse("lognormal:5,0.5", &d), 0);
	for (int i = 0; i < n; i++)
		s += log(len_dist_sample(&d, &r));
	/* E[ln X] = mu (rounding to integers moves it by far less than 1%). */
	cr_expect(fabs(s / n - 5.0) < 0.01, "mean ln %g", s / n);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "1\n2\n3\nnoise\n");
	fclose(f);
	cr_assert_eq(len_dist_parse((char[64]){ 0 }, &d), -EINVAL);
	{
		char spec[64];

		snprintf(spec, sizeof(spec), "file:%s", path);
		cr_assert_eq(len_dist_parse(spec, &d), 0);
	}
	cr_expect_eq(d.nvals, 3);
	for (int i = 0; i < 3000; i++)
		seen[len_dist_sample(&d, &r)]++;
	cr_expect(seen[1] > 900 && seen[2] > 900 && seen[3] > 900);
	len_dist_free(&d);
	unlink(path);
	cr_expect_eq(len_dist_parse("fixed:0", &d), -EINVAL);
	cr_expect_eq(len_dist_parse("lognormal:5", &d), -EINVAL);
	cr_expect_lt(len_dist_parse("file:/nonexistent/x", &d), 0);
}

/* ---- the oracle: live vLLM gauges and the least-loaded pick ---- */

Test(loadgen, oracle_parses_vllm_gauges)
{
	static const char text[] =
		"# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
		"# TYPE vllm:num_requests_running gauge\n"
		"vllm:num_requests_running{engine=\"0\",model_name=\"sim\"} 3\n"
		"vllm:num_requests_running{engine=\"1\",model_name=\"sim\"} 2\n"
		"vllm:num_requests_waiting{model_name=\"sim\"} 4.0\n"
		"vllm:num_requests_waiting_by_reason{reason=\"x\"} 99\n"
		"vllm:kv_cache_usage_perc{engine=\"0\"} 0.25\n"
		"vllm:kv_cache_usage_perc{engine=\"1\"} 0.5\n"
		"vllm:time_to_first_token_seconds_bucket{le=\"0.1\"} 7\n";
	struct oracle_load l;

	cr_assert_eq(oracle_parse(text, &l), 0);
	cr_expect(l.ok);
	cr_expect_float_eq(l.running, 5, 1e-12, "summed over engines");
	cr_expect_float_eq(l.waiting, 4, 1e-12, "a longer name is another metric");
	cr_expect_float_eq(l.kv, 0.5, 1e-12, "the fullest engine's cache");
	cr_expect_float_eq(oracle_cost(&l), 5 + 2 * 4 + 0.5, 1e-12);
	cr_expect_eq(oracle_parse("vllm:num_requests_running 1\n", &l), -EINVAL);
	cr_expect_not(l.ok, "no waiting gauge: not a vLLM answer");
	cr_expect_eq(oracle_parse("", &l), -EINVAL);
	cr_expect_eq(oracle_parse("vllm:num_requests_running{a=\"b\" 1\n"
				  "vllm:num_requests_waiting 0\n",
				  &l),
		     -EINVAL, "an unterminated label set is no sample");
}

Test(loadgen, oracle_picks_least_loaded)
{
	struct oracle_load l[4] = {
		{ .ok = true, .running = 8, .waiting = 2, .kv = 0.9 },
		{ .ok = true, .running = 3, .waiting = 0, .kv = 0.2 },
		{ .ok = true, .running = 1, .waiting = 1, .kv = 0.1 },
		{ .ok = false }, /* did not answer: idle-looking zeros must not win */
	};

	cr_expect_eq(oracle_pick(l, 4, 0), 2, "1 + 2x1 + 0.1 beats 3 + 0.2");
	l[2].waiting = 2;
	cr_expect_eq(oracle_pick(l, 4, 0), 1);
	l[1].ok = l[2].ok = false;
	cr_expect_eq(oracle_pick(l, 4, 0), 0, "the only one that answered");
	l[0].ok = false;
	cr_expect_eq(oracle_pick(l, 4, 0), -1);
}

Test(loadgen, oracle_ties_go_in_turn)
{
	struct oracle_load l[3] = { { .ok = true }, { .ok = true }, { .ok = true } };

	for (unsigned int s = 0; s < 6; s++)
		cr_expect_eq(oracle_pick(l, 3, s), (int)(s % 3));
	l[1].kv = 0.01;
	cr_expect_eq(oracle_pick(l, 3, 1), 2, "a tie only among the cheapest");
}

Test(loadgen, time_distributions)
{
	struct time_dist d;
	struct rng r;
	double sum = 0;

	rng_seed(&r, 3);
	cr_assert_eq(time_dist_parse("1.5", &d), 0);
	cr_expect_float_eq(time_dist_sample(&d, &r), 1.5, 1e-12);
	cr_assert_eq(time_dist_parse("fixed:0", &d), 0);
	cr_expect_float_eq(time_dist_sample(&d, &r), 0, 1e-12);
	cr_assert_eq(time_dist_parse("uniform:0.5,2", &d), 0);
	for (int i = 0; i < 1000; i++) {
		double v = time_dist_sample(&d, &r);

		cr_assert(v >= 0.5 && v < 2, "%g", v);
	}
	cr_assert_eq(time_dist_parse("exp:2", &d), 0);
	for (int i = 0; i < 20000; i++)
		sum += time_dist_sample(&d, &r);
	cr_expect_float_eq(sum / 20000, 2.0, 0.06);
	cr_expect_eq(time_dist_parse("", &d), -EINVAL);
	cr_expect_eq(time_dist_parse("-1", &d), -EINVAL);
	cr_expect_eq(time_dist_parse("uniform:2,1", &d), -EINVAL);
	cr_expect_eq(time_dist_parse("uniform:1", &d), -EINVAL);
	cr_expect_eq(time_dist_parse("exp:x", &d), -EINVAL);
	cr_expect_eq(time_dist_parse("1s", &d), -EINVAL);
}

static int trace_of(const char *text, struct trace *tr, int *line)
{
	char path[] = "/tmp/ig-trace-XXXXXX";
	int fd = mkstemp(path), err;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err = trace_load(path, tr, line);
	unlink(path);
	return err;
}

Test(loadgen, trace_files)
{
	struct trace tr;
	int line;

	cr_assert_eq(trace_of("# t prompt output\n0 100 5\n0.1 200\n\n0.25 # drawn\n0.25 7 8\n",
			      &tr, &line),
		     0);
	cr_assert_eq(tr.n, 4);
	cr_expect_float_eq(tr.t[1], 0.1, 1e-12);
	cr_expect_eq(tr.prompt[0], 100);
	cr_expect_eq(tr.output[0], 5);
	cr_expect_eq(tr.prompt[1], 200);
	cr_expect_eq(tr.output[1], 0, "left out: drawn at run time");
	cr_expect_eq(tr.prompt[2], 0);
	cr_expect_eq(tr.output[3], 8);
	trace_free(&tr);
	cr_expect_eq(trace_of("0 1\n0.5 1\n0.2 1\n", &tr, &line), -EINVAL);
	cr_expect_eq(line, 3, "time runs backwards on line 3");
	cr_expect_eq(trace_of("0 0\n", &tr, &line), -EINVAL);
	cr_expect_eq(trace_of("0 1 2 3\n", &tr, &line), -EINVAL);
	cr_expect_eq(trace_of("x\n", &tr, &line), -EINVAL);
	cr_expect_eq(trace_of("# nothing\n", &tr, &line), -EINVAL);
	cr_expect_eq(trace_load("/nonexistent/trace", &tr, &line), -ENOENT);
}
