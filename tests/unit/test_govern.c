// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the agent's governance decisions (user/agent/gov.c): shed
 * levels entered at their thresholds and left only past the hysteresis band;
 * response bytes to tokens per window; runaway verdicts that engage at once
 * and lift only after a full window under budget. */
#include <criterion/criterion.h>

#include "user/agent/gov.h"

#define NS 1000000000ULL

static struct config_governance gov(void)
{
	return (struct config_governance){ .shed_batch_at = 0.8,
					   .shed_standard_at = 0.95,
					   .shed_hysteresis = 0.05,
					   .bytes_per_token = 4 };
}

Test(govern, shed_levels_by_threshold)
{
	struct config_governance g = gov();

	cr_expect_eq(gov_shed_level(&g, 0.0, IG_SHED_NONE), IG_SHED_NONE);
	cr_expect_eq(gov_shed_level(&g, 0.79, IG_SHED_NONE), IG_SHED_NONE);
	cr_expect_eq(gov_shed_level(&g, 0.8, IG_SHED_NONE), IG_SHED_BATCH);
	cr_expect_eq(gov_shed_level(&g, 0.94, IG_SHED_NONE), IG_SHED_BATCH);
	cr_expect_eq(gov_shed_level(&g, 0.95, IG_SHED_NONE), IG_SHED_STANDARD);
	cr_expect_eq(gov_shed_level(&g, 1.0, IG_SHED_BATCH), IG_SHED_STANDARD);
}

Test(govern, shed_hysteresis)
{
	struct config_governance g = gov();

	/* Inside the band a level holds, in both directions. */
	cr_expect_eq(gov_shed_level(&g, 0.91, IG_SHED_STANDARD), IG_SHED_STANDARD);
	cr_expect_eq(gov_shed_level(&g, 0.89, IG_SHED_STANDARD), IG_SHED_BATCH);
	cr_expect_eq(gov_shed_level(&g, 0.76, IG_SHED_BATCH), IG_SHED_BATCH);
	cr_expect_eq(gov_shed_level(&g, 0.74, IG_SHED_BATCH), IG_SHED_NONE);
	cr_expect_eq(gov_shed_level(&g, 0.5, IG_SHED_STANDARD), IG_SHED_NONE);
	cr_expect_eq(gov_shed_level(&g, 0.76, IG_SHED_NONE), IG_SHED_NONE);
	g.shed_hysteresis = 0;
	cr_expect_eq(gov_shed_level(&g, 0.79, IG_SHED_BATCH), IG_SHED_NONE);
}

Test(govern, tokens_per_window)
{
	/* 4000 bytes in 1 s at 4 bytes per token: 1000 tokens/s, 60000 per minute. */
	cr_expect_float_eq(gov_tokens_per_window(4000, 4, NS, 60 * NS), 60000, 1e-6);
	cr_expect_float_eq(gov_tokens_per_window(4000, 4, NS / 2, NS), 2000, 1e-6);
	cr_expect_eq(gov_tokens_per_window(4000, 4, 0, NS), 0);
	cr_expect_eq(gov_tokens_per_window(0, 4, NS, NS), 0);
}

Test(govern, judge_engages_at_once_and_lifts_after_a_window)
{
	struct gov_usage u = {};
	__u64 t = 100 * NS;

	cr_expect_eq(gov_judge(&u, 1000, 1000, NS, t), GOV_KEEP, "exactly the budget is within");
	cr_expect_eq(gov_judge(&u, 1001, 1000, NS, t += NS / 4), GOV_ENGAGE);
	cr_expect(u.over);
	cr_expect_eq(gov_judge(&u, 5000, 1000, NS, t += NS / 4), GOV_KEEP);
	cr_expect_eq(gov_judge(&u, 10, 1000, NS, t += NS / 4), GOV_KEEP,
		     "under: the window starts");
	cr_expect_eq(gov_judge(&u, 10, 1000, NS, t += NS / 2), GOV_KEEP);
	cr_expect_eq(gov_judge(&u, 2000, 1000, NS, t += NS / 4), GOV_KEEP, "over again: restarts");
	cr_expect_eq(gov_judge(&u, 10, 1000, NS, t += NS / 4), GOV_KEEP);
	cr_expect_eq(gov_judge(&u, 10, 1000, NS, t += NS / 2), GOV_KEEP);
	cr_expect_eq(gov_judge(&u, 10, 1000, NS, t += NS / 2), GOV_LIFT);
	cr_expect_not(u.over);
	cr_expect_float_eq(u.tokens, 10, 1e-9);
}

Test(govern, judge_without_a_budget)
{
	struct gov_usage u = {};

	cr_expect_eq(gov_judge(&u, 1e12, 0, NS, NS), GOV_KEEP, "0 = no budget");
	u.over = true; /* a budget removed by a reload while engaged */
	cr_expect_eq(gov_judge(&u, 1e12, 0, NS, 2 * NS), GOV_LIFT);
	cr_expect_not(u.over);
}

Test(govern, counter_names)
{
	cr_expect_str_eq(gov_counter_str(GOV_TENANT_THROTTLED), "tenant_throttled");
	cr_expect_str_eq(gov_counter_str(GOV_FLOW_CUT), "flow_cut");
	cr_expect_str_eq(gov_counter_str(GOV__MAX), "unknown");
}
