// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: a scrape body into telemetry series and their aggregate
 * (user/agent/telemetry.c), as agent_metrics_done() does with every backend
 * response: the mapping of vLLM, SGLang, TGI, Triton and DCGM names. */
#include <stdint.h>
#include <stdlib.h>

#include "user/agent/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct telemetry_set set; /* too large for the stack of a fuzzer */
	struct telemetry_sample agg;
	struct prom_error err;

	if (telemetry_parse_metrics((const char *)data, size, &set, &err))
		return 0;
	telemetry_aggregate(&set, &agg);
	if (set.n)
		telemetry_find(&set, set.series[0].model, set.series[0].gpu);
	return 0;
}
