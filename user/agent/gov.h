/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Token governance in the agent, the pure part: a service's shed level from
 * its saturation (with hysteresis), and runaway verdicts from the response
 * bytes GPU hosts count (bytes -> tokens -> tokens per budget window). No
 * maps, no I/O, no clock: agent.c reads the counters and writes the maps. */
#ifndef __IG_GOVERN_H
#define __IG_GOVERN_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"

/* Runaway state of one tenant or one flow. */
struct gov_usage {
	bool over; /* throttled (tenant) or cut (flow) */
	__u64 under_since_ns; /* while over: when usage went back under budget; 0 = not yet */
	double tokens; /* the last estimate, in tokens per window */
};

enum gov_action {
	GOV_KEEP, /* nothing changes */
	GOV_ENGAGE, /* over budget: throttle the tenant or cut the flow */
	GOV_LIFT, /* a full window under budget: lift it */
};

enum gov_counter {
	GOV_TENANT_THROTTLED,
	GOV_TENANT_RELEASED,
	GOV_FLOW_CUT,
	GOV_FLOW_RELEASED,
	GOV_FLOW_FLAGGED, /* over budget, but governance.cut_runaway_flows is off */
	GOV__MAX,
};

/* The level for saturation sat given the level now in force: a level is
 * entered at its threshold and left only below the threshold minus
 * shed_hysteresis, so a saturation hovering at a threshold does not flap. */
unsigned int gov_shed_level(const struct config_governance *g, double sat, unsigned int cur);

/* Tokens per window of bytes counted over dt_ns (0 when dt_ns is 0). */
double gov_tokens_per_window(__u64 bytes, double bytes_per_token, __u64 dt_ns, __u64 window_ns);

/* One interval's verdict for usage tokens (per window) against budget:
 * over it engages at once; once engaged, it is lifted after a full window in
 * which every estimate stayed within budget. Updates u. */
enum gov_action gov_judge(struct gov_usage *u, double tokens, __u64 budget, __u64 window_ns,
			  __u64 now_ns);

const char *gov_counter_str(unsigned int c);

#endif /* __IG_GOVERN_H */
