/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* llmsim's request bodies: the few fields of an OpenAI completions request
 * the simulator needs, out of a JSON document that is validated whole. */
#ifndef __IG_LLMSIM_REQ_H
#define __IG_LLMSIM_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/lab/llmsim/engine.h"

#define REQ_MAX_TOKENS_DEFAULT 16
#define REQ_INT_MAX 10000000

struct sim_req {
	int prompt_tokens; /* "prompt_tokens", or "prompt" at ~4 characters a token */
	int max_tokens;
	bool stream;
	/* "prefix" (a key naming shared leading content, e.g. a system prompt)
	 * with "prefix_tokens", and "session" (naming the conversation) with
	 * "session_tokens" (how much of the prompt is the conversation so far;
	 * 0 on its first turn): keys are hashed; unset ones are zero. */
	struct sim_prefix prefix[SIM_PREFIX_KEYS];
};

/* 0, or -EINVAL for malformed JSON, wrong types or a missing prompt. */
int sim_req_parse(const char *body, size_t len, struct sim_req *r);

#endif /* __IG_LLMSIM_REQ_H */
