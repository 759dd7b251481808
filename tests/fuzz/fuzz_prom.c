// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the Prometheus text parser (user/agent/prom.c), strict
 * and lenient, on any bytes: a backend's /metrics body is network input.
 * Every sample handed to the callback is read in full, so ASan sees any
 * pointer into the buffer that runs past it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "user/agent/prom.h"

static int fz_sample(const struct prom_sample *s, void *ctx)
{
	size_t *sum = ctx;

	*sum += s->name_len + s->type + (s->value != s->value) + (size_t)s->has_ts;
	for (unsigned int i = 0; i < s->nlabels; i++) {
		const struct prom_label *l = &s->labels[i];

		for (size_t k = 0; k < l->name_len; k++)
			*sum += (unsigned char)l->name[k];
		for (size_t k = 0; k < l->value_len; k++)
			*sum += (unsigned char)l->value[k];
	}
	for (size_t k = 0; k < s->name_len; k++)
		*sum += (unsigned char)s->name[k];
	prom_sample_label(s, "le");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_error err;
	size_t sum = 0;

	prom_parse((const char *)data, size, 0, fz_sample, &sum, &err);
	prom_parse((const char *)data, size, PROM_F_LENIENT, fz_sample, &sum, &err);
	/* The message is a C string within its buffer. */
	return strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg) ? 0 : -1;
}
