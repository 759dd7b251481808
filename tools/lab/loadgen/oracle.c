// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The oracle's arithmetic: vLLM gauges out of /metrics text and the choice
 * of the least-loaded backend. No I/O; main.c scrapes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lab/loadgen/oracle.h"

/* The sample value of a line "name{labels} value [timestamp]" or "name value". */
static int sample_value(const char *line, size_t name_len, double *v)
{
	const char *p = line + name_len;
	char *end;

	if (*p == '{') {
		p = strchr(p, '}');
		if (!p)
			return -EINVAL;
		p++;
	}
	if (*p != ' ' && *p != '\t')
		return -EINVAL;
	*v = strtod(p, &end);
	return end == p ? -EINVAL : 0;
}

int oracle_parse(const char *text, struct oracle_load *l)
{
	static const char *const names[] = { "vllm:num_requests_running",
					     "vllm:num_requests_waiting",
					     "vllm:kv_cache_usage_perc" };
	bool seen[3] = {};
	const char *line = text;
	double v;

	memset(l, 0, sizeof(*l));
	while (line && *line) {
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(names[i]);

			if (strncmp(line, names[i], n) || sample_value(line, n, &v))
				continue;
			seen[i] = true;
			if (i == 0)
				l->running += v;
			else if (i == 1)
				l->waiting += v;
			else if (v > l->kv)
				l->kv = v;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	l->ok = seen[0] && seen[1];
	return l->ok ? 0 : -EINVAL;
}

double oracle_cost(const struct oracle_load *l)
{
	return l->running + 2 * l->waiting + l->kv;
}

int oracle_pick(const struct oracle_load *l, int n, unsigned int start)
{
	int best = -1;
	double best_cost = 0;

	for (int k = 0; k < n; k++) {
		int i = (start + k) % n;
		double c;

		if (!l[i].ok)
			continue;
		c = oracle_cost(&l[i]);
		if (best < 0 || c < best_cost) {
			best = i;
			best_cost = c;
		}
	}
	return best;
}
