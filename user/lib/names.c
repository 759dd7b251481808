// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Name tables for the ABI enums. The drop reasons and counters come from the
 * same X-macro lists as the enums, so a new reason cannot lack a name. */
#include <errno.h>
#include <string.h>

#include "user/lib/names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAME_(name, str) str,

static const char *const drop_names[] = { IG_DROP_REASONS(NAME_) };
static const char *const counter_names[] = { IG_COUNTERS(NAME_) };
static const char *const policy_names[] = {
	[IG_POLICY_MAGLEV] = "maglev",
	[IG_POLICY_LEAST_LOADED] = "least-loaded",
	[IG_POLICY_ROUND_ROBIN] = "round-robin",
	[IG_POLICY_LEAST_CONN] = "least-conn",
};
static const char *const prio_names[] = {
	[IG_PRIO_STANDARD] = "standard",
	[IG_PRIO_INTERACTIVE] = "interactive",
	[IG_PRIO_BATCH] = "batch",
};
static const char *const state_names[] = {
	[IG_BE_ACTIVE] = "active",
	[IG_BE_DRAINING] = "draining",
	[IG_BE_DOWN] = "down",
};

_Static_assert(ARRAY_SIZE(drop_names) == IG_DROP__MAX, "a drop reason lacks a name");
_Static_assert(ARRAY_SIZE(counter_names) == IG_CNT__MAX, "a counter lacks a name");
_Static_assert(ARRAY_SIZE(policy_names) == IG_POLICY__MAX, "a policy lacks a name");
_Static_assert(ARRAY_SIZE(prio_names) == IG_PRIO__MAX, "a priority lacks a name");
_Static_assert(ARRAY_SIZE(state_names) == IG_BE_STATE__MAX, "a state lacks a name");

static const char *lookup(const char *const *names, unsigned int n, unsigned int v)
{
	return v < n ? names[v] : "unknown";
}

static int parse(const char *const *names, unsigned int n, const char *s, unsigned int *v)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!strcmp(names[i], s)) {
			*v = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *drop_reason_str(unsigned int reason)
{
	return lookup(drop_names, ARRAY_SIZE(drop_names), reason);
}

const char *counter_str(unsigned int counter)
{
	return lookup(counter_names, ARRAY_SIZE(counter_names), counter);
}

const char *policy_str(unsigned int policy)
{
	return lookup(policy_names, ARRAY_SIZE(policy_names), policy);
}

const char *prio_str(unsigned int prio)
{
	return lookup(prio_names, ARRAY_SIZE(prio_names), prio);
}

const char *backend_state_str(unsigned int state)
{
	return lookup(state_names, ARRAY_SIZE(state_names), state);
}

int policy_parse(const char *s, unsigned int *policy)
{
	return parse(policy_names, ARRAY_SIZE(policy_names), s, policy);
}

int prio_parse(const char *s, unsigned int *prio)
{
	return parse(prio_names, ARRAY_SIZE(prio_names), s, prio);
}

int backend_state_parse(const char *s, unsigned int *state)
{
	return parse(state_names, ARRAY_SIZE(state_names), s, state);
}
