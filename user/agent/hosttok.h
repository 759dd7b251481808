/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tokens counted, not guessed, on a GPU host (docs/governance.md, "Across
 * machines"). Each workload belongs to one tenant, so the host agent scrapes
 * the generated-token counter of the inference server behind every workload
 * with a `metrics:` URL (vLLM, SGLang, TGI: telemetry.h's gen_tokens) and
 * adds what it generated to its tenant's measured tokens. It calibrates the
 * workload's bytes per token from the live ratio of the response bytes its
 * interface sent (ig_wl_stats) to the tokens generated, the ratio the host's
 * runaway-flow control uses (a flow has bytes, not tokens). Response bytes
 * no counter covers (a workload without one, servers in the host's own
 * namespace) are estimated with governance.bytes_per_token, and said so.
 * The counts are published on /metrics, where the gateway's agent reads
 * them (hostpage.h). */
#ifndef __IG_HOSTTOK_H
#define __IG_HOSTTOK_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/metrics.h"
#include "user/agent/scrape.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"

struct host;

/* Fewer tokens than this between two scrapes do not move the calibration
 * (a few SSE events are mostly headers). */
#define HOSTTOK_CALIB_MIN 32
#define HOSTTOK_CALIB_WEIGHT 0.3 /* of a new ratio in the moving average */
/* Failed scrapes in a row before a workload's tokens are estimated from its
 * bytes instead (fewer: the next good scrape counts the gap). */
#define HOSTTOK_FAILS_MAX 3

struct hosttok_wl {
	char name[CONFIG_NAME_MAX];
	const struct config_workload *cfg;
	struct probe probe;
	bool measured; /* the last good scrape had a generated-token counter */
	bool base; /* gen_last and resp_last hold a sample */
	double gen_last; /* the server's counter then */
	__u64 resp_last; /* the interface's response bytes then */
	__u64 step_resp; /* its response bytes at the last step (the estimate) */
	double bpt; /* calibrated bytes per token; 0: not yet */
	double tokens; /* generated tokens counted (measured) */
	double pending; /* counted this round, published when the round is in */
	__u64 errors;
	unsigned int fails; /* failed scrapes in a row */
	struct log_streak log;
};

struct hosttok {
	const struct ig_cfg *cfg;
	const struct dp_maps *maps;
	struct host *host; /* workloads' interfaces */
	struct scraper *sc;
	unsigned int n_wl;
	struct hosttok_wl *wl;
	/* Per tenant id, kept across reloads: counters since the agent started. */
	double *measured, *estimated;
	__u64 *tn_resp; /* ig_tn_resp bytes at the last step */
	bool *tn_base;
	unsigned int pending; /* scrapes of this round still out */
	double updated_s; /* CLOCK_MONOTONIC seconds of the last change */
	bool dirty; /* changed since the page was last rendered */
};

/* From a (re)loaded configuration; counts and calibrations of workloads
 * that stay (by name) are kept. */
int hosttok_apply(struct hosttok *t, const struct ig_cfg *cfg, const struct dp_maps *maps,
		  struct host *host, struct scraper *sc);
void hosttok_free(struct hosttok *t);
/* Every telemetry interval: the workloads' scrapes start (a round); once
 * the last is in, the round's measured tokens and the estimate of the
 * bytes no counter covered move together, stamped with one time. */
void hosttok_step(struct hosttok *t, __u64 now_ns);
/* A workload's scrape finished (its probe's owner is the hosttok_wl). */
void hosttok_done(struct hosttok *t, struct probe *p, __u64 now_ns);
/* Bytes per token of the workload serving a response flow from saddr: its
 * calibration, else governance.bytes_per_token. */
double hosttok_bpt(const struct hosttok *t, const __u8 saddr[IG_ADDR_LEN]);
void hosttok_render(const struct hosttok *t, struct mbuf *m);

/* The pure part, for tests: a new sample of generated tokens gen and
 * response bytes resp into w; returns the tokens to count (0 for a
 * baseline: the first sample, or a counter that went backwards). */
double hosttok_sample(struct hosttok_wl *w, double gen, __u64 resp);

#endif /* __IG_HOSTTOK_H */
