// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the YAML configuration loader (user/agent/conf.c and
 * the engine in cfgtree.c) through config_load_mem(), the in-process half
 * of config_load(): byte checks, libfyaml, the schema. A hang is a finding
 * too (run with -timeout): the agent guards against one with a child
 * process, but the fuzzer wants it fixed at the byte checks. */
#include <stdint.h>
#include <string.h>

#include "user/agent/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	struct ig_cfg cfg;

	if (size > CFG_FILE_MAX)
		return 0;
	if (!config_load_mem("fuzz.yaml", (const char *)data, size, &cfg, &err))
		config_free(&cfg);
	else if (strnlen(err.text, sizeof(err.text)) == sizeof(err.text))
		__builtin_trap(); /* the message is a C string */
	return 0;
}
