/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The lab of runaway control across machines (docs/governance.md, "Across
 * machines"), for the govern_hosts integration suite and the `govern`
 * benchmark: a gateway and two GPU hosts (tools/lab), each a namespace with
 * its own infergated, YAML file and pin root; llmsim workloads of two
 * tenants behind the hosts' tc programs, each with a management link the
 * host agent scrapes its token counter over (tc_workload keeps workloads
 * away from their host's addresses).
 *
 *   ta (budget GOVLAB_TA_TOKENS per window): a1 on host 1, VIP GOVLAB_VIP_A
 *   tb (no tenant budget to speak of, GOVLAB_TB_FLOW per flow, judged on
 *   the hosts): b1 on host 1 (GOVLAB_VIP_B1), b2 (GOVLAB_VIP_B2) and b3, ten
 *   times faster (GOVLAB_VIP_B3), on host 2
 *
 * Machines: 0 the gateway, 1 and 2 the hosts. Every agent runs with a
 * GOVLAB_INTERVAL_MS telemetry interval, budgets over GOVLAB_WINDOW_S. */
#ifndef __IG_GOVLAB_H
#define __IG_GOVLAB_H

#include <stdbool.h>

#include "tools/lab/lab.h"

#define GOVLAB_INTERVAL_MS 250
#define GOVLAB_WINDOW_S 2
#define GOVLAB_TA_TOKENS 400 /* per window: 200 tokens/s */
#define GOVLAB_TB_FLOW 600 /* per flow per window: 300 tokens/s */
#define GOVLAB_VIP_A "198.19.64.10"
#define GOVLAB_VIP_B1 "198.19.65.10"
#define GOVLAB_VIP_B2 "198.19.65.11"
#define GOVLAB_VIP_B3 "198.19.65.12"
#define GOVLAB_WLS 4

struct govlab {
	struct lab lab;
	char dir[64]; /* files, logs, stream outputs */
	char build[256]; /* absolute build directory */
	char wl[GOVLAB_WLS][NETNS_NAME_MAX];
	bool up;
};

/* Namespaces, workloads (llmsim), agents; waits until each agent serves
 * /metrics and each service answers through the gateway. 0 or -errno. */
int govlab_up(struct govlab *g, const char *build);
void govlab_down(struct govlab *g);
/* Start machine m's agent (again); wait for its /metrics. */
int govlab_agent_start(struct govlab *g, int m);
/* kill -9 machine m's agent. */
int govlab_agent_kill(struct govlab *g, int m);
/* The value of the first /metrics line of machine m's agent starting with
 * line and a space, or -1. */
double govlab_metric(struct govlab *g, int m, const char *line);
/* n SSE streams of max_tokens each from the client to vip:8000 in the
 * background, as tag.0 .. tag.n-1 under dir. */
int govlab_streams(struct govlab *g, const char *tag, const char *vip, int n, int max_tokens);
void govlab_streams_stop(struct govlab *g, const char *tag);
/* Tokens stream tag.i has received so far; *done when it ended with
 * [DONE]. */
int govlab_stream_tokens(struct govlab *g, const char *tag, int i, bool *done);
/* Whether a new connection to vip:8000 gets an answer within 1 s. */
bool govlab_connects(struct govlab *g, const char *vip);
/* loadgen from the client to vip for seconds (SSE, closed-loop sessions,
 * fixed output lengths); *tokens: the tokens it received, its oracle. */
int govlab_loadgen(struct govlab *g, const char *vip, double seconds, long *tokens);
/* Seconds since some fixed point (CLOCK_MONOTONIC). */
double govlab_now(void);

#endif /* __IG_GOVLAB_H */
