/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The configuration engine, independent of the agent's schema: libfyaml's
 * event parser builds a small tree that keeps every node's line and column
 * (its document API does not expose them for collections), and field tables
 * check and convert each mapping, so unknown keys, duplicate keys, types,
 * ranges and required fields are handled once. Errors name file:line:col and
 * the field path. user/agent/conf.c holds the tables of infergated's schema. */
#ifndef __IG_CFGTREE_H
#define __IG_CFGTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "maps/common.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_IFNAME_MAX 16 /* IFNAMSIZ */
#define CONFIG_FIELD_MAX 128
#define CONFIG_MSG_MAX 256
/* Limits on what a configuration file may be (docs/hardening.md). */
#define CFG_FILE_MAX (1u << 20) /* bytes */
#define CFG_TOKEN_MAX 32 /* bytes of a value an error message quotes */
#define CFG_PARSE_DEADLINE_MS 2000

/* Durations in nanoseconds. */
#define CFG_US 1000ULL
#define CFG_MS (1000 * CFG_US)
#define CFG_S (1000 * CFG_MS)
#define CFG_MIN (60 * CFG_S)
#define CFG_HOUR (60 * CFG_MIN)
#define CFG_DAY (24 * CFG_HOUR)

struct config_addr {
	__u8 addr[IG_ADDR_LEN]; /* IPv4-mapped for IPv4, as in the maps */
	int family; /* AF_INET (also for ::ffff:a.b.c.d) or AF_INET6 */
};

/* The first error of a load. */
struct config_error {
	char file[CONFIG_PATH_MAX]; /* the path as given to config_load() */
	int line, col; /* 1-based; 0 when the error has no position */
	char field[CONFIG_FIELD_MAX]; /* "services[1].port"; "" for syntax and I/O errors */
	char msg[CONFIG_MSG_MAX];
	/* "file:line:col: field: msg", parts without a value left out */
	char text[CONFIG_PATH_MAX + CONFIG_FIELD_MAX + CONFIG_MSG_MAX + 64];
};

/* Durations as the file writes them: parse "250ms", "5s", "1m30s", "0" (units
 * ns, us, ms, s, m, h) into nanoseconds (0 or -EINVAL), and format ns with the
 * largest unit that divides it exactly ("90s", "250ms"). */
int config_parse_duration(const char *s, __u64 *ns);
void config_format_duration(__u64 ns, char *buf, size_t len);

struct fy_parser;
struct fy_diag;

enum cfg_kind { CN_SCALAR, CN_SEQ, CN_MAP };

struct cfg_node {
	struct cfg_node *next; /* every node of the document, for freeing */
	struct cfg_node **kids; /* sequence items; mapping keys and values, alternating */
	char *str; /* scalar text */
	unsigned int n, cap; /* used and allocated entries of kids */
	int line, col; /* 1-based */
	enum cfg_kind kind;
	bool plain; /* plain scalar: may be null, a number or a bool */
};

struct cfg_anchor {
	char *name;
	struct cfg_node *node;
};

struct cfg_ctx {
	const char *file;
	struct config_error *err;
	void *data; /* the object the schema fills (struct ig_cfg for the agent) */
	struct fy_parser *fyp;
	struct fy_diag *diag;
	struct cfg_node *nodes;
	struct cfg_anchor *anchors;
	unsigned int n_anchors;
	int line, col; /* position of the last event that had one */
	unsigned int item; /* the schema's: index of the item whose children are parsed */
	size_t plen;
	char path[CONFIG_FIELD_MAX]; /* field path of the value being parsed */
	char tok[CFG_TOKEN_MAX * 4 + 8]; /* cfg_token()'s buffer */
};

enum cfg_type {
	CT_UINT, /* __u8..__u64, plain decimal */
	CT_DOUBLE, /* plain number */
	CT_BOOL, /* true or false */
	CT_DURATION, /* __u64 nanoseconds from "250ms", "5s", "1m" */
	CT_NAME, /* [A-Za-z0-9._-], char[size] */
	CT_IFNAME, /* interface name, char[CONFIG_IFNAME_MAX] */
	CT_STR, /* any text, char[size] */
	CT_ENUM, /* one of names(0..n_names-1), stored like CT_UINT */
	CT_ADDR, /* unicast IPv4 or IPv6 address, struct config_addr */
	CT_CUSTOM, /* parse(), given the containing object */
};

#define CF_REQ 1u /* required */
#define CF_GT_MIN 2u /* min is exclusive */

struct cfg_field {
	const char *key;
	enum cfg_type type;
	unsigned int flags;
	size_t off, size;
	double min, max;
	const char *(*names)(unsigned int v); /* CT_ENUM: NULL for unused values */
	unsigned int n_names;
	int (*parse)(struct cfg_ctx *c, const struct cfg_node *v, void *obj); /* CT_CUSTOM */
};

#define CFG_FIELD(T, k, t, m, fl, lo, hi)                                \
	{                                                                \
		.key = k, .type = t, .flags = fl, .off = offsetof(T, m), \
		.size = sizeof(((T *)0)->m), .min = lo, .max = hi        \
	}
#define CFG_ENUM(T, k, m, fl, fn, n)                                           \
	{                                                                      \
		.key = k, .type = CT_ENUM, .flags = fl, .off = offsetof(T, m), \
		.size = sizeof(((T *)0)->m), .names = fn, .n_names = n         \
	}
#define CFG_CUSTOM(k, fl, fn)                                         \
	{                                                             \
		.key = k, .type = CT_CUSTOM, .flags = fl, .parse = fn \
	}

/* Read the file at path into *buf (malloc()ed, NUL-terminated, *len bytes)
 * without blocking: it must be a regular file of at most CFG_FILE_MAX bytes
 * (a FIFO, a directory or a device is refused before any read). Returns 0,
 * -EINVAL, -EFBIG or the errno of open()/read(), with c->err filled. */
int cfg_read_file(struct cfg_ctx *c, const char *path, char **buf, size_t *len);
/* What libfyaml is never given: bytes that are not UTF-8 (and NULs), and YAML
 * directives ('%' at the start of a line: "%\xc5" spins libfyaml 0.7.12
 * forever). Errors name line:col and quote nothing. */
int cfg_check_bytes(struct cfg_ctx *c, const char *buf, size_t len);
/* Read the document in buf (len bytes, checked by cfg_check_bytes first)
 * into a tree (*root); positions name c->file. cfg_close() frees the tree
 * and the parser, also after an error. */
int cfg_parse(struct cfg_ctx *c, const char *buf, size_t len, struct cfg_node **root);
/* Run fn(arg) in a child process that has at most ms milliseconds; the
 * child's return value and *err come back through a pipe. A child that runs
 * over is killed: -ETIMEDOUT with err->msg saying so. Where fork() fails, fn
 * runs here. */
int cfg_run_bounded(int (*fn)(void *arg), void *arg, unsigned int ms, struct config_error *err);
/* s escaped (bytes outside printable ASCII as \xNN) and cut to
 * CFG_TOKEN_MAX bytes, in a buffer of c's: what an error may quote. */
const char *cfg_token(struct cfg_ctx *c, const char *s);
void cfg_close(struct cfg_ctx *c);

/* Check a mapping against its field table, in document order, and store the
 * values into obj; defaults are obj's values beforehand. */
int cfg_map(struct cfg_ctx *c, const struct cfg_node *map, const struct cfg_field *fields, size_t n,
	    void *obj);
/* A non-empty sequence of objects of the given size, each parsed by item()
 * into a calloc()ed array. */
int cfg_seq(struct cfg_ctx *c, const struct cfg_node *v, size_t size, void **arr, unsigned int *n,
	    int (*item)(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i));
/* The value of key in map, or NULL. */
const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key);
/* A scalar that is not null: strings, addresses, durations, enum names. */
int cfg_need_text(struct cfg_ctx *c, const struct cfg_node *v, const char *what);

/* Record the first error, at node at (NULL: the last parser position), with
 * the current field path; returns -EINVAL. */
int __attribute__((format(printf, 3, 4)))
cfg_fail(struct cfg_ctx *c, const struct cfg_node *at, const char *fmt, ...);
/* An error about the value of key in map (or about map, when key is absent). */
int __attribute__((format(printf, 4, 5)))
cfg_fail_key(struct cfg_ctx *c, const struct cfg_node *map, const char *key, const char *fmt, ...);
/* The field path: push a suffix ("[3]", ".port") and pop back to the length
 * push returned. */
size_t __attribute__((format(printf, 2, 3))) cfg_push(struct cfg_ctx *c, const char *fmt, ...);
void cfg_pop(struct cfg_ctx *c, size_t old);

int cfg_addr_parse(const char *s, struct config_addr *a);
/* A unicast address value (CT_ADDR's check), for schema code that parses
 * sequences of addresses. */
int cfg_addr_value(struct cfg_ctx *c, const struct cfg_node *v, struct config_addr *a);
void cfg_addr_str(const struct config_addr *a, char *buf, size_t len);
/* Optimal string alignment distance of two short keys, for did-you-mean. */
unsigned int cfg_distance(const char *a, const char *b);

#endif /* __IG_CFGTREE_H */
