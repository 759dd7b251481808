/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The token counts a GPU host's agent publishes on its /metrics, as the
 * gateway's agent reads them (docs/governance.md, "Across machines"): per
 * tenant, infergate_host_tenant_tokens_total{tenant,source} with source
 * "measured" (the inference servers' generated-token counters) or
 * "estimated" (response bytes / bytes_per_token where no counter exists),
 * and infergate_host_tokens_updated_seconds, the host's monotonic clock when
 * it last moved them (rates are taken over the host's clock, not over when
 * the gateway happened to scrape). Pure: no I/O; a host's page is network
 * input, so it has a fuzz target (tests/fuzz/fuzz_hostpage.c). */
#ifndef __IG_HOSTPAGE_H
#define __IG_HOSTPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "user/agent/prom.h"

#define HOSTPAGE_TENANTS_MAX 1024 /* = IG_TENANT_MAX */
#define HOSTPAGE_NAME_MAX 64 /* = CONFIG_NAME_MAX, NUL included */

enum hostpage_source { HOSTPAGE_MEASURED, HOSTPAGE_ESTIMATED, HOSTPAGE__SRC };

struct hostpage_tenant {
	char name[HOSTPAGE_NAME_MAX];
	double tokens[HOSTPAGE__SRC]; /* counters; 0 where absent */
};

struct hostpage {
	double updated_s; /* infergate_host_tokens_updated_seconds; -1 when absent */
	unsigned int n;
	/* Samples ignored: a name too long, a source unknown, a value negative
	 * or not finite, a tenant listed beyond HOSTPAGE_TENANTS_MAX. */
	unsigned int skipped;
	struct hostpage_tenant t[HOSTPAGE_TENANTS_MAX];
};

/* Parse one page (leniently, as scrapes are). Returns 0, or prom_parse()'s
 * error with err filled and out emptied. A tenant listed twice with the same
 * source keeps the last value. */
int hostpage_parse(const char *buf, size_t len, struct hostpage *out, struct prom_error *err);
/* The tenant of that name, or NULL. */
const struct hostpage_tenant *hostpage_find(const struct hostpage *p, const char *name);
const char *hostpage_source_str(enum hostpage_source s);

#endif /* __IG_HOSTPAGE_H */
