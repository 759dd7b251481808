// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Watching the agent's own pins: a pin removed under a running agent (rm -rf
 * of the pin root, or of one link pin) is put back from the fd the agent
 * holds. Otherwise the XDP program would leave its interface when the agent
 * stops, while the log said the datapath keeps running. */
#include "user/agent/agent.h"
#include "user/lib/log.h"

void agent_check_pins(struct agent *a)
{
	unsigned int n = 0;
	int err = loader_repin(&a->ld, &n);

	if (n)
		log_warn("pins under %s were removed under the running agent: %u restored "
			 "(maps and links it holds)",
			 a->ld.root, n);
	if (err && !a->pins_failed)
		log_errno(LOG_LVL_ERR, err, "pins under %s: could not restore them all",
			  a->ld.root);
	a->pins_failed = err != 0;
	a->pins_restored += n;
}
