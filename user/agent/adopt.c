// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* State adopted from the pins of an earlier run: the agent starts on the
 * maps its predecessor filled, so a backend that the configuration no longer
 * has would stay in ig_backends as it was left, active, with nothing to
 * health-check it. A reload drains such backends (agent_drain_removed);
 * a start does the same for every id the configuration lacks. */
#include <string.h>

#include "user/agent/agent.h"
#include "user/lib/log.h"

static bool agent_has_backend(const struct agent *a, __u32 id)
{
	for (unsigned int i = 0; i < a->n_be; i++)
		if (a->be[i].cfg->id == id)
			return true;
	return false;
}

/* An entry some configuration wrote: a service or a VTEP address. */
static bool backend_in_use(const struct ig_backend *be)
{
	static const __u8 zero[sizeof(be->addr)];

	return be->service || memcmp(be->addr, zero, sizeof(zero));
}

unsigned int agent_retire_stale(struct agent *a)
{
	unsigned int n = 0;

	for (__u32 id = 1; id < IG_BACKEND_MAX; id++) {
		struct ig_backend be = {};

		if (dp_backend_get(&a->ld.maps, id, &be) || !backend_in_use(&be) ||
		    be.state != IG_BE_ACTIVE || agent_has_backend(a, id))
			continue;
		if (dp_backend_set_state(&a->ld.maps, id, IG_BE_DRAINING))
			continue;
		n++;
		log_info("backend id %u (from an earlier run) is not in the configuration: "
			 "draining",
			 id);
	}
	return n;
}
