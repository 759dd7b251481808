// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading a GPU host's token counts from its /metrics page (hostpage.h). */
#include <math.h>
#include <string.h>

#include "user/agent/hostpage.h"

static const char *const hostpage_sources[HOSTPAGE__SRC] = {
	[HOSTPAGE_MEASURED] = "measured",
	[HOSTPAGE_ESTIMATED] = "estimated",
};

const char *hostpage_source_str(enum hostpage_source s)
{
	return (unsigned int)s < HOSTPAGE__SRC ? hostpage_sources[s] : "unknown";
}

static int hostpage_source(const struct prom_label *l)
{
	for (int s = 0; l && s < HOSTPAGE__SRC; s++)
		if (prom_str_eq(l->value, l->value_len, hostpage_sources[s]))
			return s;
	return -1;
}

static struct hostpage_tenant *hostpage_slot(struct hostpage *p, const struct prom_label *l)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (prom_str_eq(l->value, l->value_len, p->t[i].name))
			return &p->t[i];
	if (p->n == HOSTPAGE_TENANTS_MAX)
		return NULL;
	memset(&p->t[p->n], 0, sizeof(p->t[p->n]));
	memcpy(p->t[p->n].name, l->value, l->value_len);
	return &p->t[p->n++];
}

static int hostpage_on_sample(const struct prom_sample *s, void *ctx)
{
	struct hostpage *p = ctx;
	const struct prom_label *tn;
	struct hostpage_tenant *t;
	int src;

	if (prom_str_eq(s->name, s->name_len, "infergate_host_tokens_updated_seconds")) {
		if (isfinite(s->value) && s->value >= 0)
			p->updated_s = s->value;
		else
			p->skipped++;
		return 0;
	}
	if (!prom_str_eq(s->name, s->name_len, "infergate_host_tenant_tokens_total"))
		return 0;
	tn = prom_sample_label(s, "tenant");
	src = hostpage_source(prom_sample_label(s, "source"));
	/* A name with a NUL could not match a configured one: prom never
	 * passes one. */
	if (!tn || !tn->value_len || tn->value_len >= HOSTPAGE_NAME_MAX || src < 0 ||
	    !isfinite(s->value) || s->value < 0 || !(t = hostpage_slot(p, tn))) {
		p->skipped++;
		return 0;
	}
	t->tokens[src] = s->value;
	return 0;
}

int hostpage_parse(const char *buf, size_t len, struct hostpage *out, struct prom_error *err)
{
	int rc;

	out->n = 0;
	out->skipped = 0;
	out->updated_s = -1;
	rc = prom_parse(buf, len, PROM_F_LENIENT, hostpage_on_sample, out, err);
	if (rc) {
		out->n = 0;
		out->updated_s = -1;
	}
	return rc;
}

const struct hostpage_tenant *hostpage_find(const struct hostpage *p, const char *name)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (!strcmp(p->t[i].name, name))
			return &p->t[i];
	return NULL;
}
