// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Backend scoring (see score.h): sample -> load -> EWMA -> hysteresis ->
 * published weight and datapath score, plus the per-service weight vector and
 * saturation. Stale telemetry decays toward a neutral load by wall time, so
 * the result does not depend on how often the caller ticks; it only ever
 * rises, so staleness never makes a backend look better. */
#include <math.h>
#include <string.h>

#include "user/agent/score.h"

#define SCORE_SERVER_FIELDS (TELEM_HAVE(TELEM_WAITING) | TELEM_HAVE(TELEM_KV_USAGE))

void score_params_default(struct score_params *p)
{
	p->waiting_norm = SCORE_DEFAULT_WAITING_NORM;
	p->kv_norm = SCORE_DEFAULT_KV_NORM;
	p->gpu_util_weight = SCORE_DEFAULT_GPU_UTIL_WEIGHT;
	p->ewma_alpha = SCORE_DEFAULT_EWMA_ALPHA;
	p->hysteresis = SCORE_DEFAULT_HYSTERESIS;
	p->stale_load = SCORE_DEFAULT_STALE_LOAD;
	p->stale_ns = SCORE_DEFAULT_STALE_NS;
	p->decay_ns = SCORE_DEFAULT_DECAY_NS;
	p->ttft_slo_ns = SCORE_DEFAULT_TTFT_SLO_NS;
}

void score_init(struct score_state *st, __u32 capacity)
{
	memset(st, 0, sizeof(*st));
	st->capacity = capacity;
}

static double score_clamp01(double v)
{
	if (!(v > 0)) /* NaN included */
		return 0;
	return v < 1 ? v : 1;
}

bool score_load(const struct score_params *p, const struct telemetry_sample *s, double *load)
{
	double l = 0;

	*load = 0;
	if (s->have & SCORE_SERVER_FIELDS) {
		if (s->have & TELEM_HAVE(TELEM_WAITING))
			l = fmax(l, s->waiting / p->waiting_norm);
		if (s->have & TELEM_HAVE(TELEM_KV_USAGE))
			l = fmax(l, s->kv_usage / p->kv_norm);
	} else if (s->have & TELEM_HAVE(TELEM_GPU_UTIL)) {
		l = s->gpu_util * p->gpu_util_weight;
	} else if (s->have & TELEM_HAVE(TELEM_SM_ACTIVE)) {
		l = s->sm_active * p->gpu_util_weight;
	} else {
		return false;
	}
	*load = l;
	return true;
}

#define SCORE_TTFT_FIELDS (TELEM_HAVE(TELEM_TTFT_SUM) | TELEM_HAVE(TELEM_TTFT_COUNT))

double score_ttft_estimate(const struct score_params *p, struct score_state *st,
			   const struct telemetry_sample *s)
{
	double dn, dsum, seen, unit;

	if ((s->have & SCORE_TTFT_FIELDS) != SCORE_TTFT_FIELDS)
		return st->ttft_unit_seen ? st->ttft_est : -1;
	dn = s->ttft_count - st->ttft_count;
	dsum = s->ttft_sum - st->ttft_sum;
	if (st->ttft_seen && (dn < 0 || dsum < 0)) {
		st->ttft_unit_seen = false; /* a restarted server: its past is gone */
	} else if (st->ttft_seen && dn >= 1) {
		seen = 1 + (st->ttft_waiting + s->waiting) / 2;
		unit = dsum / dn / seen;
		st->ttft_unit = st->ttft_unit_seen ?
					p->ewma_alpha * unit + (1 - p->ewma_alpha) * st->ttft_unit :
					unit;
		st->ttft_unit_seen = true;
	} else if (st->ttft_unit_seen && dn < 1 && !s->waiting && st->ttft_unit_ref > 0) {
		/* idle: no news of its own, so toward the service's best */
		st->ttft_unit =
			p->ewma_alpha * st->ttft_unit_ref + (1 - p->ewma_alpha) * st->ttft_unit;
	}
	st->ttft_seen = true;
	st->ttft_sum = s->ttft_sum;
	st->ttft_count = s->ttft_count;
	st->ttft_waiting = s->waiting;
	st->ttft_est = st->ttft_unit_seen ? st->ttft_unit * (1 + s->waiting) : 0;
	return st->ttft_unit_seen ? st->ttft_est : -1;
}

void score_service_ttft_ref(struct score_state *const *be, size_t n)
{
	double best = 0;

	for (size_t i = 0; i < n; i++)
		if (be[i]->ttft_unit_seen && (!best || be[i]->ttft_unit < best))
			best = be[i]->ttft_unit;
	for (size_t i = 0; i < n; i++)
		be[i]->ttft_unit_ref = best;
}

__u32 score_to_datapath(double load)
{
	return (__u32)llround(score_clamp01(load) * IG_SCORE_SCALE);
}

static void score_smooth(const struct score_params *p, struct score_state *st, double raw)
{
	if (!st->seen || st->stale)
		st->load = raw; /* no history worth averaging with */
	else
		st->load = p->ewma_alpha * raw + (1 - p->ewma_alpha) * st->load;
	st->load = score_clamp01(st->load);
	st->seen = true;
}

/* Exponential decay toward stale_load over the time since the last step, and
 * only upward: stale telemetry never makes a backend look less busy than its
 * last sample did (a dead server's queue is not empty, it is unknown). */
static void score_decay(const struct score_params *p, struct score_state *st, __u64 now_ns)
{
	double dt, keep;

	if (!st->seen) {
		st->load = p->stale_load;
		st->seen = true;
		return;
	}
	if (st->load >= p->stale_load)
		return;
	if (!p->decay_ns) {
		st->load = p->stale_load;
		return;
	}
	dt = now_ns > st->update_ns ? (double)(now_ns - st->update_ns) : 0;
	keep = exp(-dt / (double)p->decay_ns);
	st->load = score_clamp01(p->stale_load + (st->load - p->stale_load) * keep);
}

static __u32 score_weight_of(const struct score_state *st, double load)
{
	double full;

	if (st->fixed)
		full = (double)st->fixed_weight * SCORE_WEIGHT_SCALE;
	else
		full = (double)st->capacity * SCORE_WEIGHT_SCALE * (1 - score_clamp01(load));
	return full > UINT32_MAX ? UINT32_MAX : (__u32)llround(full);
}

/* Publish weight and score; returns true when either changed. */
static bool score_publish(const struct score_params *p, struct score_state *st, bool healthy)
{
	__u32 old_weight = st->weight, old_score = st->score;
	bool first = !st->published, back = st->published && !st->healthy;

	st->healthy = healthy;
	st->published = true;
	if (!healthy) {
		st->weight = 0;
		st->score = IG_SCORE_SCALE;
	} else {
		if (first || back || fabs(st->load - st->pub_load) > p->hysteresis)
			st->pub_load = st->load;
		st->weight = score_weight_of(st, st->pub_load);
		st->score = score_to_datapath(st->pub_load);
	}
	return first || st->weight != old_weight || st->score != old_score;
}

bool score_update(const struct score_params *p, struct score_state *st,
		  const struct telemetry_sample *s, __u64 now_ns, bool healthy)
{
	double raw;

	if (s && score_load(p, s, &raw)) {
		double est = score_ttft_estimate(p, st, s);

		if (p->ttft_slo_ns && est >= 0)
			raw = fmax(raw, est * SCORE_NS_PER_SEC / (double)p->ttft_slo_ns);
		st->raw = score_clamp01(raw);
		score_smooth(p, st, st->raw);
		st->sampled = true;
		st->sample_ns = now_ns;
		st->stale = false;
	} else {
		st->stale = !st->sampled ||
			    (now_ns > st->sample_ns && now_ns - st->sample_ns > p->stale_ns);
		if (st->stale)
			score_decay(p, st, now_ns);
	}
	st->update_ns = now_ns;
	return score_publish(p, st, healthy);
}

bool score_service_weights(const struct score_state *const *be, size_t n, __u32 *weights_out)
{
	__u64 sum = 0, fallback = 0;
	size_t i, healthy = 0;

	for (i = 0; i < n; i++) {
		if (!be[i]->published || !be[i]->healthy)
			continue;
		healthy++;
		sum += be[i]->weight;
		fallback += score_weight_of(be[i], 0);
	}
	if (!healthy || (!sum && !fallback))
		return false;
	for (i = 0; i < n; i++) {
		if (!be[i]->published || !be[i]->healthy)
			weights_out[i] = 0;
		else
			weights_out[i] = sum ? be[i]->weight : score_weight_of(be[i], 0);
	}
	return true;
}

double score_service_saturation(const struct score_state *const *be, size_t n)
{
	double sum = 0, cap = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct score_state *st = be[i];
		bool known = st->published && st->healthy && st->sampled && !st->stale;

		cap += st->capacity;
		sum += st->capacity * (known ? st->raw : 1.0);
	}
	return cap > 0 ? sum / cap : 1.0;
}
