// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The debugging writes: drain or undrain a backend, and pin a backend's
 * weight by rebuilding its service's Maglev table. The agent owns these maps:
 * it overwrites a state at its next health decision and a table at its next
 * weight push, so these last until then. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/maglev.h"
#include "user/lib/names.h"

int ctl_set_state(struct ctl *c, __u32 backend, unsigned int state)
{
	struct ig_backend be;
	int err = dp_backend_get(&c->m, backend, &be);

	if (!err && !be.service)
		err = -ENOENT;
	if (err) {
		fprintf(stderr, "infergatectl: no backend %u in ig_backends\n", backend);
		return err;
	}
	err = dp_backend_set_state(&c->m, backend, state);
	if (err)
		fprintf(stderr, "infergatectl: backend %u: %s\n", backend, strerror(-err));
	else
		printf("backend %u: %s (until the agent's next decision)\n", backend,
		       backend_state_str(state));
	return err;
}

/* The service's backends as Maglev input, with the agent's identities (its
 * VTEP address salted with the id, as user/agent/agent.c does), so the rebuilt
 * table moves no slot that the weight change does not. Down backends get no
 * slot. Returns the count. */
static size_t weight_backends(struct ctl *c, __u32 service, __u32 backend, __u32 weight,
			      struct maglev_backend *mb, bool *found)
{
	struct ig_backend be;
	size_t n = 0;

	for (__u32 id = 1; id < IG_BACKEND_MAX; id++) {
		if (dp_backend_get(&c->m, id, &be) || be.service != service)
			continue;
		mb[n] = (struct maglev_backend){ .id = id, .weight = be.weight };
		if (id == backend) {
			mb[n].weight = weight;
			*found = true;
		}
		if (be.state == IG_BE_DOWN)
			mb[n].weight = 0;
		memcpy(mb[n].addr, be.addr, sizeof(mb[n].addr));
		mb[n].addr[0] ^= id >> 8;
		mb[n].addr[1] ^= id & 0xff;
		n++;
	}
	return n;
}

static int weight_publish(struct ctl *c, __u32 backend, __u32 weight)
{
	struct ig_backend be;
	int err = dp_backend_get(&c->m, backend, &be);

	be.weight = weight;
	return err ?: dp_backend_set(&c->m, backend, &be);
}

int ctl_weight(struct ctl *c, __u32 service, __u32 backend, __u32 weight)
{
	struct maglev_backend *mb = calloc(IG_BACKEND_MAX, sizeof(*mb));
	__u32 msize = 0, *table = NULL;
	bool found = false;
	size_t n;
	int err;

	if (!mb)
		return -ENOMEM;
	n = weight_backends(c, service, backend, weight, mb, &found);
	err = found ? 0 : -ENOENT;
	if (err)
		fprintf(stderr, "infergatectl: backend %u does not belong to service %u\n", backend,
			service);
	/* Keep the table size the agent chose (maglev_size); none yet: default. */
	if (!err &&
	    (dp_maglev_read(&c->m, service, NULL, 0, &msize) || !maglev_is_valid_size(msize)))
		msize = IG_MAGLEV_DEFAULT;
	table = err ? NULL : malloc(msize * sizeof(*table));
	if (!err && !table)
		err = -ENOMEM;
	err = err ?: maglev_build(mb, n, msize, table);
	if (err == -ENOENT && found)
		fprintf(stderr, "infergatectl: service %u would have no backend with weight > 0\n",
			service);
	err = err ?: dp_maglev_swap(&c->m, service, table, msize);
	err = err ?: weight_publish(c, backend, weight);
	if (!err)
		printf("service %u: backend %u weight %u, Maglev table of %u slots rebuilt (until "
		       "the agent's next weight push)\n",
		       service, backend, weight, msize);
	else if (found && err != -ENOENT)
		fprintf(stderr, "infergatectl: service %u: %s\n", service, strerror(-err));
	free(table);
	free(mb);
	return err;
}
