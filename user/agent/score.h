/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Backend scoring: turns one normalised telemetry sample per backend into the
 * weight that the Maglev builder uses and the score that the datapath's
 * least-loaded policy reads (ig_be_load), with smoothing, hysteresis, decay of
 * stale telemetry and health. Pure computation: no maps, no I/O, no clock. */
#ifndef __IG_SCORE_H
#define __IG_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps/service.h"
#include "user/agent/telemetry.h"

/* Weights are in thousandths of a unit of capacity, so a small backend keeps
 * its resolution: capacity 8 at load 0.3 weighs 5600, not 5. */
#define SCORE_WEIGHT_SCALE 1000
#define SCORE_CAPACITY_MAX 1000000 /* SCORE_CAPACITY_MAX * SCORE_WEIGHT_SCALE fits a __u32 */

#define SCORE_NS_PER_SEC 1000000000ULL
#define SCORE_DEFAULT_WAITING_NORM 5.0
#define SCORE_DEFAULT_KV_NORM 0.8
#define SCORE_DEFAULT_GPU_UTIL_WEIGHT 1.0
#define SCORE_DEFAULT_EWMA_ALPHA 0.5
#define SCORE_DEFAULT_HYSTERESIS 0.05
#define SCORE_DEFAULT_STALE_LOAD 0.5
#define SCORE_DEFAULT_STALE_NS (3 * SCORE_NS_PER_SEC) /* 3 intervals of 1 s */
#define SCORE_DEFAULT_DECAY_NS (10 * SCORE_NS_PER_SEC)
#define SCORE_DEFAULT_TTFT_SLO_NS (2 * SCORE_NS_PER_SEC)

/* Load of one sample, 0 = idle, 1 = saturated (see score_load()):
 *   server metrics (waiting or KV usage present):
 *       load = max(waiting / waiting_norm, kv_usage / kv_norm,
 *                  estimated TTFT / ttft_slo)
 *   The TTFT estimate (servers with a TTFT histogram: vLLM, SGLang) predicts
 * what a request sent now would wait for its first token: the mean TTFT of
 * the requests that got theirs since the last sample, divided by the queue
 * they saw (1 + the mean of the waiting counts at both ends of the window),
 * is the time per queue position, smoothed (ewma_alpha); times the queue a
 * new request would join (1 + waiting now). A slow backend's position
 * costs more than a fast one's, so two backends with the same queue differ.
 * A window in which a backend answered nothing and has nothing waiting
 * (idle: no news of its own) moves its time per position toward the
 * service's lowest by the same EWMA step (score_service_ttft_ref()), so
 * one slow answer (a long prompt) does not keep an idle backend out for
 * good: it is tried again and its next answers decide. With requests
 * waiting and none answered the figure stays. Until a backend has answered
 * requests in a window it has no estimate, and the other terms decide.
 *   GPU metrics only (DCGM or NVML, no inference-server metrics):
 *       load = gpu_util * gpu_util_weight (sm_active when gpu_util is absent)
 * GPU activity is ignored when server metrics exist: a server keeps its GPU
 * busy while it runs any batch, so a busy GPU with an empty queue and free KV
 * cache is not saturated; the queue and the KV cache are the saturation
 * signals (the Gateway API Inference Extension's form). */
struct score_params {
	double waiting_norm; /* queued requests that count as saturated, > 0 */
	double kv_norm; /* KV-cache use that counts as saturated, (0, 1] */
	double gpu_util_weight; /* scale of GPU activity without server metrics, >= 0 */
	double ewma_alpha; /* weight of the newest sample, (0, 1] */
	/* Dead band on the load behind the published weight: a new weight is
	 * published only when the smoothed load moved by more than this since
	 * the last publish, i.e. the weight by more than this fraction of the
	 * backend's full (capacity) weight. A band relative to the current
	 * weight would flap near weight 0. [0, 1) */
	double hysteresis;
	double stale_load; /* load that stale telemetry decays toward, [0, 1) */
	__u64 stale_ns; /* telemetry older than this is stale (interval x stale_after) */
	__u64 decay_ns; /* time constant of that decay; 0 = jump to stale_load */
	__u64 ttft_slo_ns; /* estimated TTFT that counts as saturated; 0 = no estimate */
};

/* Per-backend state. score_init() sets it up; capacity, fixed and
 * fixed_weight may be changed by the caller at any time, the rest is
 * written by score_update() and only read by callers. */
struct score_state {
	__u32 capacity; /* 1..SCORE_CAPACITY_MAX */
	__u32 fixed_weight; /* static weight in capacity units, when fixed */
	bool fixed; /* publish fixed_weight instead of the telemetry weight */
	bool healthy; /* as of the last update */
	bool stale; /* no sample within stale_ns (or never one) */
	bool sampled; /* a sample has arrived */
	bool seen; /* load has been initialised, by a sample or by decay */
	bool published; /* weight and score hold a published value */
	double raw; /* load of the last sample, clamped to [0, 1] */
	double load; /* smoothed load, [0, 1] */
	double pub_load; /* the load behind weight and score */
	__u64 sample_ns; /* when the last sample arrived */
	/* The TTFT estimate: the histogram's counters and the waiting count at
	 * the last sample that had them, the smoothed time per queue position
	 * (seconds; valid with ttft_unit_seen) and the last estimate. */
	bool ttft_seen, ttft_unit_seen;
	double ttft_sum, ttft_count, ttft_waiting;
	double ttft_unit;
	double ttft_est; /* seconds; 0 without an estimate */
	/* Set by score_service_ttft_ref(): the lowest time per position among
	 * the service's backends; 0: none. */
	double ttft_unit_ref;
	__u64 update_ns; /* when score_update() last ran */
	__u32 weight; /* published: capacity x (1 - pub_load) x SCORE_WEIGHT_SCALE; 0 when down */
	__u32 score; /* published: datapath score, 0..IG_SCORE_SCALE; IG_SCORE_SCALE when down */
};

void score_params_default(struct score_params *p);
void score_init(struct score_state *st, __u32 capacity);

/* The load of one sample as documented at struct score_params, without the
 * TTFT term (it needs the backend's history: score_update()), not clamped
 * (waiting 20 with waiting_norm 5 gives 4). Returns false when the sample has
 * none of the fields the load is made of; *load is then 0. */
bool score_load(const struct score_params *p, const struct telemetry_sample *s, double *load);

/* Fold sample s into st's TTFT estimate (see struct score_params) and return
 * the estimate in seconds, or a negative value when there is none yet. A
 * counter that went backwards (the server restarted) starts over. */
double score_ttft_estimate(const struct score_params *p, struct score_state *st,
			   const struct telemetry_sample *s);

/* Set every one of the n backends' ttft_unit_ref to the lowest time per
 * queue position among them (one service); the agent calls it before each
 * backend's score_update(). */
void score_service_ttft_ref(struct score_state *const *be, size_t n);

/* Datapath score of a load: min(max(load, 0), 1) x IG_SCORE_SCALE, rounded. */
__u32 score_to_datapath(double load);

/* One scoring step of one backend at time now_ns (monotonic). s is the new
 * sample, or NULL when none arrived since the last step; a sample without any
 * load field counts as none. A new sample's load, clamped to [0, 1], enters
 * the EWMA. Without a sample for stale_ns the load decays exponentially
 * toward stale_load, so stale backends converge to capacity-proportional
 * weights. A backend that is not healthy publishes weight 0 and the full
 * score at once; its return to health and the first step publish at once
 * too, other changes only past the hysteresis band. Returns true when the
 * published weight or score changed (the map writer's cue). */
bool score_update(const struct score_params *p, struct score_state *st,
		  const struct telemetry_sample *s, __u64 now_ns, bool healthy);

/* Weights for a service's n backends, in be[]'s order, for maglev_build():
 * the published weight of each healthy backend, 0 for the others. When every
 * healthy backend is at weight 0 (all saturated) the weights fall back to
 * capacity (or the static weight), so saturation never empties the table: the
 * datapath's governance sheds load instead. Returns false, with weights_out
 * untouched, when no backend can take a connection (none healthy, or all of
 * them at a static weight 0): the caller keeps the last table and alerts. */
bool score_service_weights(const struct score_state *const *be, size_t n, __u32 *weights_out);

/* Saturation of a service, 0..1: the capacity-weighted mean over its backends
 * of min(the last sample's load, 1), a backend that is down, stale or never
 * sampled counting as 1. 1 with no backends. */
double score_service_saturation(const struct score_state *const *be, size_t n);

#endif /* __IG_SCORE_H */
