// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: a GPU host's /metrics page into its token counts
 * (user/agent/hostpage.c), as the gateway's agent reads every host's page
 * (user/agent/govnet.c). */
#include <stdint.h>
#include <stdlib.h>

#include "user/agent/hostpage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hostpage page; /* too large for the stack of a fuzzer */
	struct prom_error err;

	if (hostpage_parse((const char *)data, size, &page, &err))
		return 0;
	if (page.n)
		hostpage_find(&page, page.t[page.n - 1].name);
	return 0;
}
