// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A small strict JSON reader for llmsim's request bodies: the whole document
 * must be valid JSON (nesting bounded), only the top-level fields llmsim uses
 * are looked at, and everything else is skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lab/llmsim/req.h"

#define JSON_DEPTH_MAX 32

struct cur {
	const char *p;
	const char *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && strchr(" \t\r\n", *c->p) && *c->p)
		c->p++;
}

static bool lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

/* A string; *chars gets its length in characters (an escape counts once). */
static int string(struct cur *c, const char **start, size_t *chars)
{
	size_t n = 0;

	if (c->p >= c->end || *c->p != '"')
		return -EINVAL;
	*start = ++c->p;
	while (c->p < c->end && *c->p != '"') {
		if ((unsigned char)*c->p < 0x20)
			return -EINVAL;
		if (*c->p == '\\') {
			if (++c->p >= c->end || !strchr("\"\\/bfnrtu", *c->p))
				return -EINVAL;
			if (*c->p == 'u') {
				if (c->end - c->p < 5)
					return -EINVAL;
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", c->p[i]) || !c->p[i])
						return -EINVAL;
				c->p += 4;
			}
		}
		/* UTF-8 continuation bytes are not characters of their own. */
		if (((unsigned char)*c->p & 0xc0) != 0x80)
			n++;
		c->p++;
	}
	if (c->p >= c->end)
		return -EINVAL;
	c->p++;
	if (chars)
		*chars = n;
	return 0;
}

static int number(struct cur *c, double *v)
{
	const char *s = c->p;
	char tmp[64];
	char *end;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || !strchr("0123456789", *c->p) || !*c->p)
		return -EINVAL;
	if (*c->p == '0' && c->p + 1 < c->end && strchr("0123456789", c->p[1]) && c->p[1])
		return -EINVAL;
	while (c->p < c->end && *c->p && strchr("0123456789.eE+-", *c->p))
		c->p++;
	if (c->p - s >= (long)sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, c->p - s);
	tmp[c->p - s] = 0;
	*v = strtod(tmp, &end);
	return *end ? -EINVAL : 0;
}

static int value(struct cur *c, int depth);

static int container(struct cur *c, int depth, char close, bool keyed)
{
	const char *k;
	int err;

	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		if (keyed) {
			if ((err = string(c, &k, NULL)))
				return err;
			ws(c);
			if (!lit(c, ":"))
				return -EINVAL;
		}
		if ((err = value(c, depth + 1)))
			return err;
		ws(c);
		if (lit(c, ","))
			continue;
		return lit(c, (char[]){ close, 0 }) ? 0 : -EINVAL;
	}
}

static int value(struct cur *c, int depth)
{
	const char *s;
	double v;

	if (depth > JSON_DEPTH_MAX)
		return -EINVAL;
	ws(c);
	if (c->p >= c->end)
		return -EINVAL;
	switch (*c->p) {
	case '{':
		return container(c, depth, '}', true);
	case '[':
		return container(c, depth, ']', false);
	case '"':
		return string(c, &s, NULL);
	case 't':
		return lit(c, "true") ? 0 : -EINVAL;
	case 'f':
		return lit(c, "false") ? 0 : -EINVAL;
	case 'n':
		return lit(c, "null") ? 0 : -EINVAL;
	default:
		return number(c, &v);
	}
}

static int int_field(struct cur *c, int *out)
{
	double v;

	if (number(c, &v) || v != (int)v || v < 0 || v > REQ_INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* FNV-1a over a key as written (escapes included); never 0. */
static uint64_t key_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(k, name, klen);
}

static int field(struct cur *c, const char *k, size_t klen, struct sim_req *r)
{
	static const char *const keys[SIM_PREFIX_KEYS][2] = { { "prefix", "prefix_tokens" },
							      { "session", "session_tokens" } };
	const char *s;
	size_t chars;

	ws(c);
	for (int i = 0; i < SIM_PREFIX_KEYS; i++) {
		if (key_is(k, klen, keys[i][0])) {
			if (string(c, &s, NULL) || c->p - 1 == s)
				return -EINVAL;
			r->prefix[i].key = key_hash(s, c->p - 1 - s);
			r->prefix[i].whole = i == 1;
			return 0;
		}
		if (key_is(k, klen, keys[i][1]))
			return int_field(c, &r->prefix[i].tokens);
	}
	if (klen == 6 && !memcmp(k, "prompt", 6) && c->p < c->end && *c->p == '"') {
		if (string(c, &s, &chars))
			return -EINVAL;
		r->prompt_tokens = chars ? (int)((chars + 3) / 4) : 1;
		return 0;
	}
	if (klen == 13 && !memcmp(k, "prompt_tokens", 13))
		return int_field(c, &r->prompt_tokens);
	if (klen == 10 && !memcmp(k, "max_tokens", 10))
		return int_field(c, &r->max_tokens);
	if (klen == 6 && !memcmp(k, "stream", 6)) {
		if (lit(c, "true"))
			r->stream = true;
		else if (!lit(c, "false"))
			return -EINVAL;
		return 0;
	}
	return value(c, 1);
}

int sim_req_parse(const char *body, size_t len, struct sim_req *r)
{
	struct cur c = { body, body + len };
	const char *k;
	size_t klen;

	memset(r, 0, sizeof(*r));
	r->prompt_tokens = -1;
	r->max_tokens = REQ_MAX_TOKENS_DEFAULT;
	ws(&c);
	if (!lit(&c, "{"))
		return -EINVAL;
	ws(&c);
	if (!lit(&c, "}")) {
		for (;;) {
			if (string(&c, &k, NULL))
				return -EINVAL;
			klen = c.p - 1 - k;
			ws(&c);
			if (!lit(&c, ":") || field(&c, k, klen, r))
				return -EINVAL;
			ws(&c);
			if (lit(&c, ","))
				continue;
			if (lit(&c, "}"))
				break;
			return -EINVAL;
		}
	}
	ws(&c);
	if (c.p != c.end || r->prompt_tokens < 1 || r->max_tokens < 1)
		return -EINVAL;
	/* a length without its key is an error; a shared prefix of 0 tokens is
	 * none, a session of 0 (its first turn) is cached for the next; the
	 * session comes first in the engine's list when the shared prefix is
	 * absent */
	for (int i = 0; i < SIM_PREFIX_KEYS; i++) {
		if (!r->prefix[i].key && r->prefix[i].tokens)
			return -EINVAL;
		if (!r->prefix[i].tokens && !r->prefix[i].whole)
			r->prefix[i].key = 0;
	}
	if (!r->prefix[0].key) {
		r->prefix[0] = r->prefix[1];
		r->prefix[1] = (struct sim_prefix){ 0 };
	}
	return 0;
}
