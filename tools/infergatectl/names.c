// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names in infergatectl: what the agent published in ig_names (the
 * configuration's names of tenants, services and backends), read once at
 * open, shown in the views and accepted wherever an id is: "acme", "7", and
 * for a backend whose name several services use, "chat/h1". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/infergatectl/ctl.h"

static int names_add(const void *key, const void *val, void *ctx)
{
	const struct ig_name_key *k = key;
	struct ctl *c = ctx;
	struct ctl_name *tmp;

	if (c->n_names % 64 == 0) {
		tmp = realloc(c->names, (c->n_names + 64) * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		c->names = tmp;
	}
	c->names[c->n_names].kind = k->kind;
	c->names[c->n_names].id = k->id;
	snprintf(c->names[c->n_names].name, IG_NAME_LEN, "%.*s", IG_NAME_LEN - 1,
		 ((const struct ig_name *)val)->name);
	c->n_names++;
	return 0;
}

void ctl_names_load(struct ctl *c)
{
	/* No names (an agent that never ran, a bpftool-loaded datapath): ids. */
	if (dp_names_walk(&c->m, names_add, c) < 0)
		c->n_names = 0;
}

const char *ctl_name(const struct ctl *c, __u32 kind, __u32 id)
{
	for (unsigned int i = 0; i < c->n_names; i++)
		if (c->names[i].kind == kind && c->names[i].id == id)
			return c->names[i].name;
	return NULL;
}

const char *ctl_name_or_id(const struct ctl *c, __u32 kind, __u32 id, char *buf, size_t len)
{
	const char *n = ctl_name(c, kind, id);

	if (n)
		return n;
	snprintf(buf, len, "%u", id);
	return buf;
}

static const char *kind_str(__u32 kind)
{
	return kind == IG_NAME_TENANT ? "tenant" : kind == IG_NAME_SERVICE ? "service" : "backend";
}

/* A backend named name in the service named (or numbered) svc. */
static int resolve_in_service(const struct ctl *c, const char *svc, const char *name, __u32 *id)
{
	struct ig_backend be;
	__u32 sid;
	int err = ctl_resolve(c, IG_NAME_SERVICE, svc, &sid);

	for (unsigned int i = 0; !err && i < c->n_names; i++) {
		const struct ctl_name *n = &c->names[i];

		if (n->kind == IG_NAME_BACKEND && !strcmp(n->name, name) &&
		    !dp_backend_get(&c->m, n->id, &be) && be.service == sid) {
			*id = n->id;
			return 0;
		}
	}
	if (!err)
		fprintf(stderr, "infergatectl: service %s has no backend '%s'\n", svc, name);
	return err ?: -ENOENT;
}

int ctl_resolve(const struct ctl *c, __u32 kind, const char *arg, __u32 *id)
{
	unsigned int found = 0;
	char *end, svc[IG_NAME_LEN];
	const char *slash;
	unsigned long v;

	v = strtoul(arg, &end, 10);
	if (*arg >= '0' && *arg <= '9' && !*end) {
		*id = v;
		return 0;
	}
	slash = strchr(arg, '/');
	if (kind == IG_NAME_BACKEND && slash && slash - arg < IG_NAME_LEN) {
		snprintf(svc, sizeof(svc), "%.*s", (int)(slash - arg), arg);
		return resolve_in_service(c, svc, slash + 1, id);
	}
	for (unsigned int i = 0; i < c->n_names; i++) {
		if (c->names[i].kind != kind || strcmp(c->names[i].name, arg))
			continue;
		*id = c->names[i].id;
		found++;
	}
	if (found == 1)
		return 0;
	if (found)
		fprintf(stderr,
			"infergatectl: %u backends are named '%s': say which, as SERVICE/%s\n",
			found, arg, arg);
	else
		fprintf(stderr, "infergatectl: no %s '%s'%s\n", kind_str(kind), arg,
			c->n_names ? "" : " (no names published: is infergated running?)");
	return found ? -ENOTUNIQ : -ENOENT;
}
