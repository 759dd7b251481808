// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Runaway control across machines, measured in its lab (tools/lab/govlab.h:
 * a gateway and two GPU hosts, each with its own infergated, over SSE from
 * llmsim):
 *  - from a runaway's start (its streams launched at the client) to the
 *    gateway's datapath holding the throttle (ig_tenants, read from the
 *    gateway's pins every millisecond), for a tenant at about 5x and about
 *    3x its budget, alternating, each round checked: the tenant's new
 *    connection is refused, the other tenant's is not; the round ends once
 *    the throttle lifted, the next starts once the gateway's rate for the
 *    tenant is back to 0;
 *  - the token-estimate error against loadgen's count of what it received:
 *    the gateway's measured figure (the servers' counters through the
 *    hosts), the host's calibrated bytes-per-token estimate of the same
 *    bytes, and the default bytes_per_token of 4.
 * The agents are separate processes on a shared machine: no CPU is pinned;
 * the ranges show the spread. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/lab/govlab.h"
#include "user/lib/dp.h"

#define ROUNDS 4 /* per case */
#define TOKEN_RUNS 3
#define TA 1 /* ta's tenant id */

static struct govlab gl;
static struct dp_maps gw;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool ta_throttled(void)
{
	struct ig_tenant t;

	return !dp_tenant_get(&gw, TA, &t) && (t.flags & IG_TENANT_F_THROTTLED);
}

/* Seconds until the flag is want, polled every ms, or -1 after limit_s. */
static double until(bool want, double limit_s)
{
	double t0 = govlab_now();

	while (govlab_now() - t0 < limit_s) {
		if (ta_throttled() == want)
			return govlab_now() - t0;
		usleep(1000);
	}
	return -1;
}

static double metric(int m, const char *line)
{
	return govlab_metric(&gl, m, line);
}

/* Each round starts from a quiet tenant: no tokens of the last round's
 * streams (the server stops generating once it sees its client gone) in
 * the gateway's rate. */
static int quiet(void)
{
	for (int i = 0; i < 100; i++) {
		if (!metric(0, "infergate_tenant_tokens_per_window{tenant=\"ta\","
			       "source=\"measured\"}"))
			return 0;
		usleep(100 * 1000);
	}
	return -ETIMEDOUT;
}

static int one_round(int streams, double *t)
{
	double lift;

	if (until(false, 0.001) < 0 || quiet())
		return -EBUSY;
	if (govlab_streams(&gl, "ta", GOVLAB_VIP_A, streams, 3000))
		return -EIO;
	*t = until(true, 15);
	if (*t >= 0 && govlab_connects(&gl, GOVLAB_VIP_A)) {
		fprintf(stderr, "bench govern: throttled, but ta's new connection passed\n");
		*t = -1;
	}
	if (*t >= 0 && !govlab_connects(&gl, GOVLAB_VIP_B1)) {
		fprintf(stderr, "bench govern: tb's new connection was refused\n");
		*t = -1;
	}
	govlab_streams_stop(&gl, "ta");
	lift = until(false, GOVLAB_WINDOW_S + 10);
	if (*t < 0 || lift < 0) {
		fprintf(stderr, "bench govern: %s\n",
			*t < 0 ? "ta was not throttled" : "ta's throttle was not lifted");
		return -ETIMEDOUT;
	}
	return 0;
}

static int bench_throttle(void)
{
	static const int streams[2] = { 7, 4 };
	static const char *const names[2] = { "about 5x", "about 3x" };
	double t[2][ROUNDS];
	int err = 0;

	for (int r = 0; !err && r < ROUNDS; r++)
		for (int c = 0; !err && c < 2; c++) /* alternating, and which goes first */
			err = one_round(streams[(c + r) % 2], &t[(c + r) % 2][r]);
	if (err)
		return err;
	printf("| runaway (tenant ta, budget %d tokens per %d s) | rounds | min | median | max | "
	       "target |\n|---|---:|---:|---:|---:|---|\n",
	       GOVLAB_TA_TOKENS, GOVLAB_WINDOW_S);
	for (int c = 0; c < 2; c++) {
		qsort(t[c], ROUNDS, sizeof(double), cmp_d);
		printf("| %s its budget (%d SSE streams): start to throttle, ms | %d | %.0f | %.0f "
		       "| %.0f | 2 intervals + 1 host scrape + TTFT (%d ms interval) |\n",
		       names[c], streams[c], ROUNDS, t[c][0] * 1e3, t[c][ROUNDS / 2] * 1e3,
		       t[c][ROUNDS - 1] * 1e3, GOVLAB_INTERVAL_MS);
	}
	return 0;
}

static int bench_tokens(void)
{
	double err_m[TOKEN_RUNS], err_c[TOKEN_RUNS], err_4[TOKEN_RUNS];

	for (int r = 0; r < TOKEN_RUNS; r++) {
		double m0 = metric(0, "infergate_tenant_tokens_total{tenant=\"tb\","
				      "source=\"measured\"}"),
		       b0 = metric(1,
				   "infergate_host_workload_response_bytes_total{workload=\"b1\","
				   "tenant=\"tb\"}"),
		       m, b, bpt;
		long truth = 0;

		if (m0 < 0 || b0 < 0 || govlab_loadgen(&gl, GOVLAB_VIP_B1, 3, &truth) ||
		    truth < 100)
			return -EIO;
		usleep(5 * GOVLAB_INTERVAL_MS * 1000);
		m = metric(0, "infergate_tenant_tokens_total{tenant=\"tb\",source=\"measured\"}") -
		    m0;
		b = metric(1, "infergate_host_workload_response_bytes_total{workload=\"b1\","
			      "tenant=\"tb\"}") -
		    b0;
		bpt = metric(1, "infergate_host_workload_bytes_per_token{workload=\"b1\","
				"source=\"calibrated\"}");
		if (bpt <= 0)
			return -ENODATA;
		err_m[r] = (m - truth) / truth * 100;
		err_c[r] = (b / bpt - truth) / truth * 100;
		err_4[r] = (b / 4 - truth) / truth * 100;
		printf("run %d: loadgen received %ld tokens; %.0f response bytes (%.1f per token); "
		       "calibrated %.1f bytes per token\n",
		       r + 1, truth, b, b / truth, bpt);
	}
	qsort(err_m, TOKEN_RUNS, sizeof(double), cmp_d);
	qsort(err_c, TOKEN_RUNS, sizeof(double), cmp_d);
	qsort(err_4, TOKEN_RUNS, sizeof(double), cmp_d);
	printf("\n| token figure against loadgen's count (SSE, %d runs of 3 s) | min | median | "
	       "max | target |\n|---|---:|---:|---:|---|\n",
	       TOKEN_RUNS);
	printf("| measured (servers' counters, via host and gateway), error %% | %+.1f | %+.1f | "
	       "%+.1f | within 10 %% |\n",
	       err_m[0], err_m[TOKEN_RUNS / 2], err_m[TOKEN_RUNS - 1]);
	printf("| bytes / calibrated bytes per token, error %% | %+.1f | %+.1f | %+.1f | within 10 "
	       "%% |\n",
	       err_c[0], err_c[TOKEN_RUNS / 2], err_c[TOKEN_RUNS - 1]);
	printf("| bytes / 4 (the old default), error %% | %+.0f | %+.0f | %+.0f | - |\n", err_4[0],
	       err_4[TOKEN_RUNS / 2], err_4[TOKEN_RUNS - 1]);
	return 0;
}

int bench_govern(void)
{
	char dir[160];
	int err;

	if (geteuid()) {
		fprintf(stderr, "bench_govern: needs root (namespaces, BPF)\n");
		return -EPERM;
	}
	err = govlab_up(&gl, getenv("IG_BUILD") ?: "build");
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/%s/gw/maps", strrchr(gl.dir, '/') + 1);
	err = err ?: dp_open_pinned(&gw, dir);
	if (!err) {
		usleep(2 * GOVLAB_INTERVAL_MS * 1000 * 4); /* the first rates and calibration */
		err = bench_tokens();
		printf("\n");
		err = err ?: bench_throttle();
		dp_close(&gw);
	}
	govlab_down(&gl);
	return err;
}
