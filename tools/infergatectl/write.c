// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The operator's writes: drain or undrain a backend, pin or unpin its
 * weight. Each is a standing request in ig_operator, which the agent honours
 * (in every state it writes and every table it builds) until it is lifted,
 * across agent restarts; it is applied to the datapath at once too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/maglev.h"
#include "user/lib/names.h"

/* The backend's entry, or an error naming it. */
static int backend_of(struct ctl *c, __u32 backend, struct ig_backend *be)
{
	int err = dp_backend_get(&c->m, backend, be);

	if (!err && !be->service)
		err = -ENOENT;
	if (err)
		fprintf(stderr, "infergatectl: no backend %u in ig_backends\n", backend);
	return err;
}

/* Who will keep the request: the running agent, or the next one. */
static const char *keeper(struct ctl *c)
{
	return ctl_agent_pid(c->root) > 0 ?
		       "the agent keeps it" :
		       "no agent runs now: the next one adopts it and keeps it";
}

static int op_update(struct ctl *c, __u32 backend, __u32 set, __u32 clear, __u32 weight)
{
	struct ig_operator op = {};
	int err;

	dp_operator_get(&c->m, backend, &op);
	op.flags = (op.flags & ~clear) | set;
	if (set & IG_OP_F_WEIGHT)
		op.weight = weight;
	if (!(op.flags & IG_OP_F_WEIGHT))
		op.weight = 0;
	err = dp_operator_set(&c->m, backend, &op);
	if (err)
		fprintf(stderr, "infergatectl: backend %u: ig_operator: %s\n", backend,
			strerror(-err));
	return err;
}

int ctl_drain(struct ctl *c, __u32 backend, bool drain)
{
	char nb[16];
	const char *name = ctl_name_or_id(c, IG_NAME_BACKEND, backend, nb, sizeof(nb));
	struct ig_backend be;
	int err = backend_of(c, backend, &be);

	err = err ?: op_update(c, backend, drain ? IG_OP_F_DRAIN : 0, drain ? 0 : IG_OP_F_DRAIN, 0);
	/* Now, not at the agent's next interval; undrain leaves a down
	 * backend down (the agent brings it back when it passes its checks). */
	if (!err && (drain || be.state == IG_BE_DRAINING))
		err = dp_backend_set_state(&c->m, backend, drain ? IG_BE_DRAINING : IG_BE_ACTIVE);
	if (err)
		return err;
	if (drain)
		printf("backend %s: draining (no new connections) by the operator; %s until "
		       "`infergatectl undrain %s`\n",
		       name, keeper(c), name);
	else
		printf("backend %s: undrained by the operator; new connections go to it again "
		       "while it is healthy\n",
		       name);
	return 0;
}

int ctl_unpin(struct ctl *c, __u32 backend)
{
	char nb[16];
	struct ig_backend be;
	int err = backend_of(c, backend, &be) ?: op_update(c, backend, 0, IG_OP_F_WEIGHT, 0);

	if (!err)
		printf("backend %s: weight unpinned: the agent weighs it from telemetry again at "
		       "its next interval\n",
		       ctl_name_or_id(c, IG_NAME_BACKEND, backend, nb, sizeof(nb)));
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
	char ns[16], nb[16];
	const char *bname = ctl_name_or_id(c, IG_NAME_BACKEND, backend, nb, sizeof(nb));
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
	err = err ?: op_update(c, backend, IG_OP_F_WEIGHT, 0, weight);
	err = err ?: dp_maglev_swap(&c->m, service, table, msize);
	err = err ?: weight_publish(c, backend, weight);
	if (!err)
		printf("service %s: backend %s weight %u pinned by the operator, Maglev table of %u "
		       "slots rebuilt; %s until `infergatectl unpin %s`\n",
		       ctl_name_or_id(c, IG_NAME_SERVICE, service, ns, sizeof(ns)), bname, weight,
		       msize, keeper(c), bname);
	else if (found && err != -ENOENT)
		fprintf(stderr, "infergatectl: service %u: %s\n", service, strerror(-err));
	free(table);
	free(mb);
	return err;
}
