// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Token governance decisions (govern.h): shed levels with hysteresis and
 * runaway verdicts over a budget window. The datapath enforces; this decides
 * what it is told. */
#include "maps/ig_abi.h"
#include "user/agent/gov.h"

static const char *const gov_counter_names[] = {
	[GOV_TENANT_THROTTLED] = "tenant_throttled",
	[GOV_TENANT_RELEASED] = "tenant_released",
	[GOV_FLOW_CUT] = "flow_cut",
	[GOV_FLOW_RELEASED] = "flow_released",
	[GOV_FLOW_FLAGGED] = "flow_flagged",
};

_Static_assert(sizeof(gov_counter_names) / sizeof(gov_counter_names[0]) == GOV__MAX,
	       "a governance counter lacks a name");

const char *gov_counter_str(unsigned int c)
{
	return c < GOV__MAX ? gov_counter_names[c] : "unknown";
}

static unsigned int gov_level_at(const struct config_governance *g, double sat, double minus)
{
	if (sat >= g->shed_standard_at - minus)
		return IG_SHED_STANDARD;
	if (sat >= g->shed_batch_at - minus)
		return IG_SHED_BATCH;
	return IG_SHED_NONE;
}

unsigned int gov_shed_level(const struct config_governance *g, double sat, unsigned int cur)
{
	unsigned int up = gov_level_at(g, sat, 0), down = gov_level_at(g, sat, g->shed_hysteresis);

	if (up > cur)
		return up;
	if (down < cur)
		return down;
	return cur;
}

double gov_tokens_per_window(__u64 bytes, double bytes_per_token, __u64 dt_ns, __u64 window_ns)
{
	if (!dt_ns || !(bytes_per_token > 0))
		return 0;
	return (double)bytes / bytes_per_token * ((double)window_ns / (double)dt_ns);
}

enum gov_action gov_judge(struct gov_usage *u, double tokens, __u64 budget, __u64 window_ns,
			  __u64 now_ns)
{
	u->tokens = tokens;
	if (!budget && !u->over)
		return GOV_KEEP;
	if (budget && tokens > (double)budget) {
		u->under_since_ns = 0;
		if (u->over)
			return GOV_KEEP;
		u->over = true;
		return GOV_ENGAGE;
	}
	if (!u->over)
		return GOV_KEEP;
	if (budget && !u->under_since_ns) {
		u->under_since_ns = now_ns ? now_ns : 1;
		return GOV_KEEP;
	}
	/* A budget removed by a reload lifts at once. */
	if (budget && now_ns - u->under_since_ns < window_ns)
		return GOV_KEEP;
	u->over = false;
	u->under_since_ns = 0;
	return GOV_LIFT;
}
