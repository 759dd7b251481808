/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Prometheus text exposition (format 0.0.4) parser for the telemetry sources.
 * A visitor: one callback per sample, with names and label values pointing into
 * the caller's buffer, so a scrape costs one fixed-size allocation whatever its
 * size. Strict by default: the rules of the Go reference parser
 * (prometheus/common expfmt); PROM_F_LENIENT lets through what scrapers
 * tolerate in the wild. */
#ifndef __IG_PROM_H
#define __IG_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_LABELS_MAX 64 /* labels per sample */
#define PROM_SCRATCH_MAX 16384 /* bytes of escaped label values per sample, as written */
#define PROM_FAMILIES_MAX 2048 /* metric families tracked per parse */
#define PROM_NUMBER_MAX 128 /* characters in a value, timestamp, le or quantile */
#define PROM_ERR_MSG_MAX 192

enum prom_type {
	PROM_UNTYPED,
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM,
	PROM_SUMMARY,
	PROM_TYPE_MAX,
};

enum prom_flags {
	/* Accept, as the Prometheus server or client_python do: no newline after
	 * the last line, CRLF line ends, unknown escapes in label values (kept
	 * verbatim), label values that are not UTF-8, a second HELP or TYPE line
	 * for a family (the last TYPE wins), TYPE after the family's samples and
	 * non-numeric le or quantile labels. */
	PROM_F_LENIENT = 1u << 0,
};

struct prom_label {
	const char *name;
	size_t name_len;
	const char *value; /* unescaped; not NUL-terminated, never contains NUL */
	size_t value_len;
};

/* Valid only during the callback. */
struct prom_sample {
	const char *name; /* not NUL-terminated */
	size_t name_len;
	const struct prom_label *labels; /* in input order */
	unsigned int nlabels;
	enum prom_type type; /* of its family (_bucket/_sum/_count resolved) */
	double value;
	bool has_ts;
	int64_t ts_ms;
	unsigned int line;
};

struct prom_error {
	unsigned int line; /* 1-based; 0 when not tied to the input */
	unsigned int col; /* 1-based byte column; 0 when not tied to the input */
	/* "line 3, col 12: expected '=' after label name, found '+'" */
	char msg[PROM_ERR_MSG_MAX];
};

/* Return 0 to go on; a negative errno stops the parse and is returned. */
typedef int (*prom_sample_cb)(const struct prom_sample *s, void *ctx);

/* Parse buf[0..len), which need not be NUL-terminated. cb may be NULL (only
 * validate), err may be NULL. Returns 0, -EINVAL on a syntax error, -E2BIG when
 * a limit above is exceeded (both with err filled), -ENOMEM, or what cb
 * returned. Samples before the error have been delivered. Reentrant: all
 * state is per call. */
int prom_parse(const char *buf, size_t len, unsigned int flags, prom_sample_cb cb, void *ctx,
	       struct prom_error *err);

const char *prom_type_str(enum prom_type type);
/* The sample's label called name, or NULL. */
const struct prom_label *prom_sample_label(const struct prom_sample *s, const char *name);
/* Whether the counted string p[0..len) equals the C string s. */
bool prom_str_eq(const char *p, size_t len, const char *s);

#endif /* __IG_PROM_H */
