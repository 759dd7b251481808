// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of backend scoring (user/agent/score.c): the load formula with exact
 * numbers, capacity scaling, EWMA convergence, hysteresis on a noisy series,
 * decay of stale telemetry toward capacity-proportional weights, health, the
 * per-service weight vector (never all-zero; keep the last table when all are
 * down) and the service saturation. */
#include <math.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/agent/score.h"

#define TS_SEC 1000000000ULL
#define TS_EPS 1e-9

static struct score_params ts_p;

static void ts_setup(void)
{
	score_params_default(&ts_p);
}

TestSuite(score, .init = ts_setup);

/* A server sample: waiting requests and KV-cache use. */
static struct telemetry_sample ts_srv(double waiting, double kv)
{
	struct telemetry_sample s;

	memset(&s, 0, sizeof(s));
	s.waiting = waiting;
	s.kv_usage = kv;
	s.have = TELEM_HAVE(TELEM_WAITING) | TELEM_HAVE(TELEM_RUNNING) | TELEM_HAVE(TELEM_KV_USAGE);
	return s;
}

/* The sample whose load is exactly l (through the KV term). */
static struct telemetry_sample ts_load(double l)
{
	return ts_srv(0, l * SCORE_DEFAULT_KV_NORM);
}

static double ts_load_of(const struct telemetry_sample *s)
{
	double l = -1;

	cr_assert(score_load(&ts_p, s, &l));
	return l;
}

Test(score, load_formula)
{
	struct telemetry_sample s = ts_srv(2, 0.2);

	/* max(2 / 5, 0.2 / 0.8) = 0.4 */
	cr_expect_float_eq(ts_load_of(&s), 0.4, TS_EPS);
	s = ts_srv(1, 0.6); /* max(0.2, 0.75) */
	cr_expect_float_eq(ts_load_of(&s), 0.75, TS_EPS);
	s = ts_srv(20, 0.1); /* not clamped: 4 */
	cr_expect_float_eq(ts_load_of(&s), 4.0, TS_EPS);
	s = ts_srv(0, 0);
	cr_expect_float_eq(ts_load_of(&s), 0.0, TS_EPS);
	/* only one of the two: the other does not count */
	s.have = TELEM_HAVE(TELEM_KV_USAGE);
	s.kv_usage = 0.4;
	s.waiting = 100;
	cr_expect_float_eq(ts_load_of(&s), 0.5, TS_EPS);
	ts_p.waiting_norm = 10;
	ts_p.kv_norm = 1;
	s = ts_srv(3, 0.25);
	cr_expect_float_eq(ts_load_of(&s), 0.3, TS_EPS);
}

Test(score, load_from_gpu_only)
{
	struct telemetry_sample s;
	double l = -1;

	memset(&s, 0, sizeof(s));
	s.gpu_util = 0.6;
	s.sm_active = 0.9;
	s.have = TELEM_HAVE(TELEM_GPU_UTIL) | TELEM_HAVE(TELEM_SM_ACTIVE);
	cr_expect_float_eq(ts_load_of(&s), 0.6, TS_EPS);
	ts_p.gpu_util_weight = 0.5;
	cr_expect_float_eq(ts_load_of(&s), 0.3, TS_EPS);
	s.have = TELEM_HAVE(TELEM_SM_ACTIVE); /* SM activity when utilisation is absent */
	cr_expect_float_eq(ts_load_of(&s), 0.45, TS_EPS);
	/* server metrics win: a busy GPU with an empty queue is not saturated */
	s.have |= TELEM_HAVE(TELEM_WAITING) | TELEM_HAVE(TELEM_GPU_UTIL);
	s.gpu_util = 1;
	cr_expect_float_eq(ts_load_of(&s), 0.0, TS_EPS);
	/* power and memory alone are no load signal */
	s.have = TELEM_HAVE(TELEM_POWER) | TELEM_HAVE(TELEM_FB_USED);
	cr_expect_not(score_load(&ts_p, &s, &l));
	cr_expect_eq(l, 0.0);
}

Test(score, datapath_score)
{
	cr_expect_eq(score_to_datapath(0), 0);
	cr_expect_eq(score_to_datapath(0.25), 250000);
	cr_expect_eq(score_to_datapath(1), IG_SCORE_SCALE);
	cr_expect_eq(score_to_datapath(4), IG_SCORE_SCALE);
	cr_expect_eq(score_to_datapath(-1), 0);
	cr_expect_eq(score_to_datapath(NAN), 0);
}

Test(score, weight_scales_with_capacity)
{
	struct telemetry_sample s = ts_srv(2, 0.2); /* load 0.4 */
	struct score_state a, b;

	score_init(&a, 8);
	score_init(&b, 64);
	cr_expect(score_update(&ts_p, &a, &s, TS_SEC, true));
	cr_expect(score_update(&ts_p, &b, &s, TS_SEC, true));
	/* capacity x (1 - 0.4) x 1000 */
	cr_expect_eq(a.weight, 4800);
	cr_expect_eq(b.weight, 38400);
	cr_expect_eq(a.score, 400000);
	cr_expect_eq(b.score, 400000);
	s = ts_srv(50, 0); /* load 10: saturated, weight 0 */
	score_init(&a, 8);
	score_update(&ts_p, &a, &s, TS_SEC, true);
	cr_expect_eq(a.weight, 0);
	cr_expect_eq(a.score, IG_SCORE_SCALE);
	/* a static weight replaces the telemetry weight, not the score */
	score_init(&b, 64);
	b.fixed = true;
	b.fixed_weight = 16;
	score_update(&ts_p, &b, &s, TS_SEC, true);
	cr_expect_eq(b.weight, 16000);
	cr_expect_eq(b.score, IG_SCORE_SCALE);
}

Test(score, ewma_converges)
{
	struct telemetry_sample idle = ts_load(0), busy = ts_load(1);
	struct score_state st;
	unsigned int i;

	ts_p.hysteresis = 0;
	score_init(&st, 10);
	score_update(&ts_p, &st, &idle, TS_SEC, true);
	cr_expect_float_eq(st.load, 0, TS_EPS);
	/* alpha 0.5: after n busy samples the load is 1 - 0.5^n */
	for (i = 1; i <= 10; i++) {
		score_update(&ts_p, &st, &busy, (1 + i) * TS_SEC, true);
		cr_expect_float_eq(st.load, 1 - pow(0.5, i), TS_EPS, "step %u", i);
	}
	cr_expect_eq(st.weight, (__u32)llround(10000 * pow(0.5, 10)));
	for (i = 0; i < 60; i++)
		score_update(&ts_p, &st, &busy, (20 + i) * TS_SEC, true);
	cr_expect_eq(st.weight, 0);
	cr_expect_eq(st.score, IG_SCORE_SCALE);
	/* samples above saturation enter the average as 1, so recovery is quick */
	st.load = 0.5;
	idle = ts_srv(500, 0);
	score_update(&ts_p, &st, &idle, 90 * TS_SEC, true);
	cr_expect_float_eq(st.load, 0.75, TS_EPS);
	cr_expect_float_eq(st.raw, 1, TS_EPS);
}

Test(score, hysteresis_stops_flapping)
{
	static const double noisy[] = { 0.40, 0.43, 0.38, 0.44, 0.41, 0.37, 0.42, 0.39,
					0.44, 0.36, 0.43, 0.40, 0.38, 0.42, 0.41, 0.39 };
	struct telemetry_sample s;
	struct score_state st;
	unsigned int i, changes = 0;

	score_init(&st, 100);
	for (i = 0; i < sizeof(noisy) / sizeof(noisy[0]); i++) {
		s = ts_load(noisy[i]);
		changes += score_update(&ts_p, &st, &s, (1 + i) * TS_SEC, true);
	}
	cr_expect_eq(changes, 1, "only the first publish: %u", changes);
	cr_expect_eq(st.weight, 60000);
	/* without the band, the same series republishes nearly every step */
	ts_p.hysteresis = 0;
	score_init(&st, 100);
	for (i = 0, changes = 0; i < sizeof(noisy) / sizeof(noisy[0]); i++) {
		s = ts_load(noisy[i]);
		changes += score_update(&ts_p, &st, &s, (1 + i) * TS_SEC, true);
	}
	cr_expect_geq(changes, 14);
	/* a real move passes: 0.40 -> 0.8 publishes once the EWMA is past 0.45 */
	ts_p.hysteresis = 0.05;
	score_init(&st, 100);
	s = ts_load(0.4);
	score_update(&ts_p, &st, &s, TS_SEC, true);
	s = ts_load(0.8);
	cr_expect(score_update(&ts_p, &st, &s, 2 * TS_SEC, true)); /* EWMA 0.6 */
	cr_expect_float_eq(st.pub_load, 0.6, TS_EPS);
	cr_expect_eq(st.weight, 40000);
	cr_expect(score_update(&ts_p, &st, &s, 3 * TS_SEC, true)); /* EWMA 0.7 */
	cr_expect_float_eq(st.pub_load, 0.7, TS_EPS);
}

/* Stale telemetry only ever makes a backend look busier: a busy one keeps its
 * last load (its server may be dead, and an empty-looking queue would make it
 * the cheapest target), an idle one rises toward the neutral load. Never zero
 * while stale. */
Test(score, stale_never_looks_better)
{
	struct telemetry_sample hot = ts_load(0.9), cold = ts_load(0.1);
	struct score_state a, b;
	__u32 hot_weight;
	__u64 t;

	ts_p.hysteresis = 0;
	score_init(&a, 8);
	score_init(&b, 32);
	score_update(&ts_p, &a, &hot, TS_SEC, true);
	score_update(&ts_p, &b, &cold, TS_SEC, true);
	hot_weight = a.weight;
	/* within stale_ns (3 s) nothing moves */
	score_update(&ts_p, &a, NULL, 4 * TS_SEC, true);
	score_update(&ts_p, &b, NULL, 4 * TS_SEC, true);
	cr_expect_not(a.stale);
	cr_expect_float_eq(a.load, 0.9, TS_EPS);
	score_update(&ts_p, &a, NULL, 5 * TS_SEC, true);
	score_update(&ts_p, &b, NULL, 5 * TS_SEC, true);
	cr_expect(a.stale);
	cr_expect(b.stale);
	/* the busy one stays as busy; the idle one rises exponentially toward
	 * 0.5 over the 1 s since its last step, tau 10 s */
	cr_expect_float_eq(a.load, 0.9, TS_EPS);
	cr_expect_float_eq(b.load, 0.5 - 0.4 * exp(-0.1), TS_EPS);
	for (t = 5; t <= 200; t += 5) {
		score_update(&ts_p, &a, NULL, t * TS_SEC, true);
		score_update(&ts_p, &b, NULL, t * TS_SEC, true);
		cr_expect_eq(a.weight, hot_weight, "a stale busy backend never gains weight");
		cr_expect_gt(b.weight, 0, "never zero while stale");
	}
	cr_expect_float_eq(a.load, 0.9, TS_EPS);
	cr_expect_float_eq(b.load, 0.5, 1e-6);
	cr_expect_eq(b.weight, 16000);
	/* a fresh sample after staleness is taken as is, not averaged */
	score_update(&ts_p, &b, &hot, 201 * TS_SEC, true);
	cr_expect_not(b.stale);
	cr_expect_float_eq(b.load, 0.9, TS_EPS);
	score_update(&ts_p, &a, &cold, 201 * TS_SEC, true);
	cr_expect_float_eq(a.load, 0.1, TS_EPS);
}

Test(score, never_sampled_is_neutral)
{
	struct score_state st;

	score_init(&st, 10);
	cr_expect(score_update(&ts_p, &st, NULL, TS_SEC, true));
	cr_expect(st.stale);
	cr_expect_float_eq(st.load, SCORE_DEFAULT_STALE_LOAD, TS_EPS);
	cr_expect_eq(st.weight, 5000);
	cr_expect_eq(st.score, 500000);
	ts_p.decay_ns = 0;
	score_init(&st, 10);
	st.load = 1; /* jumps to stale_load at once */
	score_update(&ts_p, &st, NULL, TS_SEC, true);
	cr_expect_eq(st.weight, 5000);
}

Test(score, down_is_zero_at_once)
{
	struct telemetry_sample s = ts_load(0.2);
	struct score_state st;

	score_init(&st, 10);
	cr_expect(score_update(&ts_p, &st, &s, TS_SEC, true));
	cr_expect_eq(st.weight, 8000);
	cr_expect(score_update(&ts_p, &st, &s, 2 * TS_SEC, false));
	cr_expect_eq(st.weight, 0);
	cr_expect_eq(st.score, IG_SCORE_SCALE);
	cr_expect_not(st.healthy);
	cr_expect_not(score_update(&ts_p, &st, &s, 3 * TS_SEC, false), "no change, no write");
	/* back up: the current load is published at once, past any band */
	s = ts_load(0.22);
	cr_expect(score_update(&ts_p, &st, &s, 4 * TS_SEC, true));
	cr_expect_eq(st.weight, 7900);
	/* down from the first step */
	score_init(&st, 10);
	cr_expect(score_update(&ts_p, &st, &s, TS_SEC, false));
	cr_expect_eq(st.weight, 0);
}

static void ts_service(struct score_state *st, const struct score_state **pp, unsigned int n,
		       const double *load, const bool *up, const __u32 *cap)
{
	struct telemetry_sample s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		score_init(&st[i], cap[i]);
		s = ts_load(load[i]);
		score_update(&ts_p, &st[i], &s, TS_SEC, up[i]);
		pp[i] = &st[i];
	}
}

Test(score, service_weights)
{
	static const double load[] = { 0.5, 0.25, 0 };
	static const bool up[] = { true, true, false };
	static const __u32 cap[] = { 10, 20, 30 };
	const struct score_state *pp[3];
	struct score_state st[3];
	__u32 w[3];

	ts_service(st, pp, 3, load, up, cap);
	cr_assert(score_service_weights(pp, 3, w));
	cr_expect_eq(w[0], 5000);
	cr_expect_eq(w[1], 15000);
	cr_expect_eq(w[2], 0, "down: out of the table");
}

Test(score, service_weights_never_all_zero)
{
	static const double load[] = { 1, 1, 1 };
	static const bool up[] = { true, true, false };
	static const __u32 cap[] = { 10, 20, 30 };
	const struct score_state *pp[3];
	struct score_state st[3];
	__u32 w[3];

	/* every healthy backend saturated: spread by capacity, not an empty table */
	ts_service(st, pp, 3, load, up, cap);
	cr_expect_eq(st[0].weight, 0);
	cr_assert(score_service_weights(pp, 3, w));
	cr_expect_eq(w[0], 10000);
	cr_expect_eq(w[1], 20000);
	cr_expect_eq(w[2], 0);
}

Test(score, service_all_down_keeps_last_table)
{
	static const double load[] = { 0.1, 0.2 };
	static const bool up[] = { false, false };
	static const __u32 cap[] = { 10, 20 };
	const struct score_state *pp[2];
	struct score_state st[2];
	__u32 w[2] = { 111, 222 };

	ts_service(st, pp, 2, load, up, cap);
	cr_expect_not(score_service_weights(pp, 2, w));
	cr_expect_eq(w[0], 111, "untouched");
	cr_expect_eq(w[1], 222);
	cr_expect_not(score_service_weights(pp, 0, w));
	/* healthy, but every one drained by a static weight 0 */
	st[0].healthy = st[1].healthy = true;
	st[0].fixed = st[1].fixed = true;
	st[0].weight = st[1].weight = 0;
	cr_expect_not(score_service_weights(pp, 2, w));
	/* never updated: not published, not usable */
	score_init(&st[0], 10);
	score_init(&st[1], 10);
	cr_expect_not(score_service_weights(pp, 2, w));
}

Test(score, saturation)
{
	static const double load[] = { 0.5, 0.25, 0.75, 0 };
	static const bool up[] = { true, true, true, false };
	static const __u32 cap[] = { 10, 10, 20, 10 };
	const struct score_state *pp[4];
	struct score_state st[4];
	struct telemetry_sample s = ts_srv(10, 0); /* load 2, counts as 1 */

	ts_service(st, pp, 4, load, up, cap);
	/* capacity-weighted: (10 x 0.5 + 10 x 0.25 + 20 x 0.75 + 10 x 1 (down)) / 50 */
	cr_expect_float_eq(score_service_saturation(pp, 4), 32.5 / 50, TS_EPS);
	cr_expect_float_eq(score_service_saturation(pp, 2), 0.375, TS_EPS);
	/* stale counts as saturated */
	score_update(&ts_p, &st[1], NULL, 10 * TS_SEC, true);
	cr_expect(st[1].stale);
	cr_expect_float_eq(score_service_saturation(pp, 2), 0.75, TS_EPS);
	score_update(&ts_p, &st[0], &s, 10 * TS_SEC, true);
	cr_expect_float_eq(score_service_saturation(pp, 1), 1, TS_EPS);
	cr_expect_float_eq(score_service_saturation(pp, 0), 1, TS_EPS);
	/* never sampled counts as saturated */
	score_init(&st[0], 10);
	score_update(&ts_p, &st[0], NULL, TS_SEC, true);
	cr_expect_float_eq(score_service_saturation(pp, 1), 1, TS_EPS);
}

/* ---- the TTFT estimate -------------------------------------------------- */

/* A server sample with its TTFT histogram's sum and count. */
static struct telemetry_sample ts_ttft(double waiting, double sum, double count)
{
	struct telemetry_sample s = ts_srv(waiting, 0);

	s.ttft_sum = sum;
	s.ttft_count = count;
	s.have |= TELEM_HAVE(TELEM_TTFT_SUM) | TELEM_HAVE(TELEM_TTFT_COUNT);
	return s;
}

Test(score, ttft_estimate_per_queue_position)
{
	struct score_state st;
	struct telemetry_sample s;

	score_init(&st, 10);
	s = ts_ttft(1, 10, 100);
	cr_expect_lt(score_ttft_estimate(&ts_p, &st, &s), 0, "one sample: no window yet");
	/* 4 requests got their first token in 2 s total: 0.5 s each, having
	 * seen 1 + (1 + 3) / 2 = 3 queue positions: 1/6 s per position; 3 wait
	 * now, so a new request is 4th: 4/6 s. */
	s = ts_ttft(3, 12, 104);
	cr_expect_float_eq(score_ttft_estimate(&ts_p, &st, &s), 4.0 / 6, TS_EPS);
	/* No request answered in this window: the unit stays, the queue moved. */
	s = ts_ttft(0, 12, 104);
	cr_expect_float_eq(score_ttft_estimate(&ts_p, &st, &s), 1.0 / 6, TS_EPS);
	/* The next window's unit (0.3 s at 1 + 0 positions) enters the EWMA:
	 * 0.5 x 0.3 + 0.5 x 1/6. */
	s = ts_ttft(0, 12.6, 106);
	cr_expect_float_eq(score_ttft_estimate(&ts_p, &st, &s), 0.5 * 0.3 + 0.5 / 6, TS_EPS);
	/* A restarted server's counters start over, and so does its estimate. */
	s = ts_ttft(0, 0.1, 1);
	cr_expect_lt(score_ttft_estimate(&ts_p, &st, &s), 0);
	s = ts_ttft(0, 0.3, 2);
	cr_expect_float_eq(score_ttft_estimate(&ts_p, &st, &s), 0.2, TS_EPS);
	/* A sample without the histogram keeps the last estimate. */
	s = ts_srv(5, 0);
	cr_expect_float_eq(score_ttft_estimate(&ts_p, &st, &s), 0.2, TS_EPS);
}

/* Two backends with the same queue and KV use: the slow one's estimated
 * TTFT makes it the busier, where the queue alone called them equal. */
Test(score, ttft_separates_slow_from_fast)
{
	struct score_state fast, slow;
	struct telemetry_sample s;
	__u64 t = TS_SEC;

	score_init(&fast, 10);
	score_init(&slow, 10);
	ts_p.ttft_slo_ns = TS_SEC;
	s = ts_ttft(1, 0, 0);
	score_update(&ts_p, &fast, &s, t, true);
	score_update(&ts_p, &slow, &s, t, true);
	cr_expect_eq(fast.weight, slow.weight, "no estimate yet: the queue decides");
	t += TS_SEC;
	/* 10 requests each; fast at 0.1 s per position, slow at 0.4 s (both saw
	 * 1 + 1 positions); 1 waits now, so the estimates are 0.2 s and 0.8 s,
	 * above the queue's load of 1/5. */
	s = ts_ttft(1, 2, 10);
	score_update(&ts_p, &fast, &s, t, true);
	s = ts_ttft(1, 8, 10);
	score_update(&ts_p, &slow, &s, t, true);
	cr_expect_float_eq(fast.ttft_est, 0.2, TS_EPS);
	cr_expect_float_eq(slow.ttft_est, 0.8, TS_EPS);
	cr_expect_float_eq(fast.raw, 0.2, TS_EPS);
	cr_expect_float_eq(slow.raw, 0.8, TS_EPS);
	cr_expect_gt(fast.weight, slow.weight);
	cr_expect_lt(fast.score, slow.score);

	/* ttft_slo 0 turns the estimate off: the queue's 1/5 again. */
	ts_p.ttft_slo_ns = 0;
	t += TS_SEC;
	s = ts_ttft(1, 16, 20);
	score_update(&ts_p, &slow, &s, t, true);
	cr_expect_float_eq(slow.raw, 0.2, TS_EPS);
}

/* One service of three backends as the agent scores it: the service's
 * reference is set from all three before each one's update. */
static void ts_svc_update(struct score_state *st, unsigned int i, const struct telemetry_sample *s,
			  __u64 t)
{
	struct score_state *pp[] = { &st[0], &st[1], &st[2] };

	score_service_ttft_ref(pp, 3);
	score_update(&ts_p, &st[i], s, t, true);
}

/* One slow answer (a long prompt) on a backend that then gets no request:
 * each scrape in which it answers nothing and has nothing waiting moves its
 * time per position halfway (the EWMA's step) toward the service's lowest,
 * so it is tried again instead of being kept out for good (the large-model
 * bench's free host got 1 of 56 requests under least-loaded this way). */
Test(score, ttft_idle_estimate_returns_to_the_service)
{
	struct score_state st[3];
	struct telemetry_sample s;
	double unit = 3;
	__u64 t = TS_SEC;

	ts_p.ttft_slo_ns = 2 * TS_SEC;
	for (unsigned int i = 0; i < 3; i++)
		score_init(&st[i], 10);
	s = ts_ttft(0, 0, 0);
	for (unsigned int i = 0; i < 3; i++)
		ts_svc_update(st, i, &s, t);
	t += TS_SEC;
	/* h1: 10 answers at 0.3 s, h2 at 0.5 s, h3 one at 3 s; none waited. */
	s = ts_ttft(0, 3, 10);
	ts_svc_update(st, 0, &s, t);
	s = ts_ttft(0, 5, 10);
	ts_svc_update(st, 1, &s, t);
	s = ts_ttft(0, 3, 1);
	ts_svc_update(st, 2, &s, t);
	cr_expect_float_eq(st[2].ttft_est, 3, TS_EPS);
	cr_expect_float_eq(st[2].raw, 1, TS_EPS, "3 s over a 2 s SLO: saturated");
	/* Idle scrapes: halfway to h1's 0.3 s each. */
	for (int k = 0; k < 3; k++) {
		unit = 0.5 * 0.3 + 0.5 * unit;
		t += TS_SEC;
		ts_svc_update(st, 2, &s, t);
		cr_expect_float_eq(st[2].ttft_unit, unit, TS_EPS, "idle scrape %d", k + 1);
		cr_expect_float_eq(st[2].ttft_est, unit, TS_EPS);
	}
	cr_expect_float_eq(st[2].raw, (0.3 + 2.7 / 8) / 2, TS_EPS);
	/* Requests waiting and none answered: no news, the figure stays and
	 * the queue counts (1 + 4 positions). */
	t += TS_SEC;
	s = ts_ttft(4, 3, 1);
	ts_svc_update(st, 2, &s, t);
	cr_expect_float_eq(st[2].ttft_unit, unit, TS_EPS);
	cr_expect_float_eq(st[2].ttft_est, unit * 5, TS_EPS);
	/* h1 (the lowest) idle: its own figure is the reference, it stays. */
	t += TS_SEC;
	s = ts_ttft(0, 3, 10);
	ts_svc_update(st, 0, &s, t);
	cr_expect_float_eq(st[0].ttft_unit, 0.3, TS_EPS);
}
