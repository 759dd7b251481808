/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Operator-facing names of the ABI's enums (drop reasons, counters, policies,
 * backend states), built from the X-macro lists in maps/. */
#ifndef __IG_NAMES_H
#define __IG_NAMES_H

#include "maps/ig_abi.h"

const char *drop_reason_str(unsigned int reason);
const char *counter_str(unsigned int counter);
const char *policy_str(unsigned int policy);
const char *prio_str(unsigned int prio);
const char *backend_state_str(unsigned int state);
/* Reverse lookups for config and CLI input: 0 or -EINVAL. */
int policy_parse(const char *s, unsigned int *policy);
int prio_parse(const char *s, unsigned int *prio);
int backend_state_parse(const char *s, unsigned int *state);

#endif /* __IG_NAMES_H */
