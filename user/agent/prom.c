// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text format 0.0.4 parser. Works line by line on the caller's
 * buffer with one cursor per line and one function per construct (comment,
 * sample, label set, label value, number). Families live in a fixed hash table
 * so the Go reference parser's cross-line checks (second HELP or TYPE, TYPE
 * after samples, le and quantile per family type) need no allocation per line. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/agent/prom.h"

#define FAM_SLOTS (2 * PROM_FAMILIES_MAX) /* a power of two, never more than half full */
#define EXCERPT_MAX 32

_Static_assert((FAM_SLOTS & (FAM_SLOTS - 1)) == 0, "FAM_SLOTS must be a power of two");

enum fam_flags {
	FAM_HELP = 1 << 0,
	FAM_TYPE = 1 << 1,
	FAM_SAMPLES = 1 << 2,
};

struct fam {
	const char *name; /* into the input; NULL for a free slot */
	size_t len;
	enum prom_type type;
	unsigned int flags;
};

/* One line, without its line end. */
struct cursor {
	const char *pos;
	const char *end;
};

struct parser {
	unsigned int flags;
	unsigned int line;
	const char *line_start;
	struct prom_error *err;
	prom_sample_cb cb;
	void *ctx;
	unsigned int nfams;
	unsigned int nlabels;
	size_t scratch_used;
	struct prom_label labels[PROM_LABELS_MAX];
	struct fam fams[FAM_SLOTS];
	char scratch[PROM_SCRATCH_MAX];
};

/* A printable excerpt of input for an error message. */
struct excerpt {
	char s[EXCERPT_MAX + 8];
};

static const char *const prom_type_names[PROM_TYPE_MAX] = {
	[PROM_UNTYPED] = "untyped",	[PROM_COUNTER] = "counter", [PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram", [PROM_SUMMARY] = "summary",
};

/* strtod() follows LC_NUMERIC, which the agent or a library may change:
 * numbers are converted in a "C" locale object of our own. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool lenient(const struct parser *p)
{
	return p->flags & PROM_F_LENIENT;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_printable(char ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, the same without ':' for labels. */
static bool is_name_char(char ch, bool first, bool metric)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')
		return true;
	return (metric && ch == ':') || (!first && is_digit(ch));
}

static bool at_end(const struct cursor *c)
{
	return c->pos >= c->end;
}

static void skip_blanks(struct cursor *c)
{
	while (!at_end(c) && is_blank(*c->pos))
		c->pos++;
}

/* Everything up to the next blank or the end of the line. */
static size_t take_token(struct cursor *c)
{
	const char *start = c->pos;

	while (!at_end(c) && !is_blank(*c->pos))
		c->pos++;
	return c->pos - start;
}

static size_t take_name(struct cursor *c, bool metric)
{
	const char *start = c->pos;

	while (!at_end(c) && is_name_char(*c->pos, c->pos == start, metric))
		c->pos++;
	return c->pos - start;
}

static const char *excerpt(struct excerpt *x, const char *s, size_t len)
{
	size_t i, n = len < EXCERPT_MAX ? len : EXCERPT_MAX;

	for (i = 0; i < n; i++)
		x->s[i] = is_printable(s[i]) ? s[i] : '?';
	strcpy(x->s + n, len > n ? "..." : "");
	return x->s;
}

/* What the cursor is looking at, for "expected X, found Y". */
static const char *found(struct excerpt *x, const struct cursor *c)
{
	unsigned char ch;

	if (at_end(c))
		return "end of line";
	ch = *c->pos;
	if (is_printable(ch))
		snprintf(x->s, sizeof(x->s), "'%c'", ch);
	else
		snprintf(x->s, sizeof(x->s), "byte 0x%02x", ch);
	return x->s;
}

/* Fill the error (at == NULL: no column) and return rc. */
static int __attribute__((format(printf, 4, 5)))
fail(struct parser *p, const char *at, int rc, const char *fmt, ...)
{
	struct prom_error *e = p->err;
	va_list ap;
	int n;

	if (!e)
		return rc;
	e->line = p->line;
	e->col = at ? (unsigned int)(at - p->line_start) + 1 : 0;
	if (e->col)
		n = snprintf(e->msg, sizeof(e->msg), "line %u, col %u: ", e->line, e->col);
	else
		n = snprintf(e->msg, sizeof(e->msg), "line %u: ", e->line);
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return rc;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - n, fmt, ap);
	va_end(ap);
	return rc;
}

bool prom_str_eq(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(p, s, len);
}

static bool str_ieq(const char *p, size_t len, const char *lower)
{
	size_t i;

	if (strlen(lower) != len)
		return false;
	for (i = 0; i < len; i++) {
		char ch = p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i];

		if (ch != lower[i])
			return false;
	}
	return true;
}

/* The grammar of Go's strconv.ParseFloat without hex and '_', as expfmt takes
 * it: [+-] digits [. digits] [e [+-] digits], with digits on one side of '.'. */
static bool float_syntax_ok(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && is_digit(s[i]); i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && is_digit(s[i]); i++)
			digits++;
	if (!digits)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == len || !is_digit(s[i]))
			return false;
		while (i < len && is_digit(s[i]))
			i++;
	}
	return i == len;
}

/* Returns 0, -EINVAL (syntax), -ERANGE (overflows a double) or -E2BIG. */
static int parse_float(const char *s, size_t len, double *out)
{
	char buf[PROM_NUMBER_MAX + 1], *end;
	bool signed_ = len && (s[0] == '+' || s[0] == '-');
	double v;

	if (str_ieq(s + signed_, len - signed_, "inf") ||
	    str_ieq(s + signed_, len - signed_, "infinity")) {
		*out = signed_ && s[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!signed_ && str_ieq(s, len, "nan")) {
		*out = NAN;
		return 0;
	}
	if (!float_syntax_ok(s, len))
		return -EINVAL;
	if (len > PROM_NUMBER_MAX)
		return -E2BIG;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod_l(buf, &end, c_locale);
	if (end != buf + len)
		return -EINVAL;
	if (isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

/* [+-] digits, in int64 range: Go's strconv.ParseInt(s, 10, 64). */
static int parse_ts(const char *s, size_t len, int64_t *out)
{
	bool neg = len && s[0] == '-';
	size_t i = len && (s[0] == '+' || s[0] == '-');
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned int d = s[i] - '0';

		if (!is_digit(s[i]))
			return -EINVAL;
		if (v > (lim - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = neg && v ? -(int64_t)(v - 1) - 1 : (int64_t)v;
	return 0;
}

static int fail_number(struct parser *p, const char *at, size_t len, int rc, const char *what)
{
	struct excerpt x;

	excerpt(&x, at, len);
	if (rc == -ERANGE)
		return fail(p, at, -EINVAL, "%s '%s' is out of range", what, x.s);
	if (rc == -E2BIG)
		return fail(p, at, -E2BIG, "%s longer than %d characters", what, PROM_NUMBER_MAX);
	return fail(p, at, -EINVAL, "invalid %s '%s'", what, x.s);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	size_t n, k;
	uint32_t cp, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (left < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(u + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

static uint32_t fam_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (len--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot holding name, or the free slot where it would go. */
static struct fam *fam_slot(struct parser *p, const char *name, size_t len)
{
	uint32_t i = fam_hash(name, len) & (FAM_SLOTS - 1);
	unsigned int n;

	for (n = 0; n < FAM_SLOTS; n++, i = (i + 1) & (FAM_SLOTS - 1)) {
		struct fam *f = &p->fams[i];

		if (!f->name || (f->len == len && !memcmp(f->name, name, len)))
			return f;
	}
	return NULL; /* not reached: the table is at most half full */
}

static struct fam *fam_lookup(struct parser *p, const char *name, size_t len)
{
	struct fam *f = fam_slot(p, name, len);

	return f && f->name ? f : NULL;
}

static size_t suffix_len(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(name + len - n, suffix, n) ? n : 0;
}

/* The family a name belongs to: its own, or the summary or histogram that its
 * _sum, _count or _bucket suffix names, as the Go parser resolves it. */
static struct fam *fam_resolve(struct parser *p, const char *name, size_t len)
{
	struct fam *f = fam_lookup(p, name, len);
	size_t n;

	if (f)
		return f;
	n = suffix_len(name, len, "_count") ?: suffix_len(name, len, "_sum");
	if (n) {
		f = fam_lookup(p, name, len - n);
		if (f && (f->type == PROM_SUMMARY || f->type == PROM_HISTOGRAM))
			return f;
	}
	n = suffix_len(name, len, "_bucket");
	if (n) {
		f = fam_lookup(p, name, len - n);
		if (f && f->type == PROM_HISTOGRAM)
			return f;
	}
	return NULL;
}

/* Find or add the family of name. *out is NULL when the table is full, which
 * is an error only in strict mode. */
static int fam_get(struct parser *p, const char *name, size_t len, struct fam **out)
{
	struct fam *f = fam_resolve(p, name, len);

	if (!f && p->nfams < PROM_FAMILIES_MAX) {
		f = fam_slot(p, name, len);
		f->name = name;
		f->len = len;
		p->nfams++;
	}
	*out = f;
	if (!f && !lenient(p))
		return fail(p, name, -E2BIG, "more than %d metric families", PROM_FAMILIES_MAX);
	return 0;
}

/* HELP text escapes: '\\', '\n' and (as the Go parser has it) '\"'. */
static int check_help_escapes(struct parser *p, const struct cursor *c)
{
	const char *q;
	struct excerpt x;

	for (q = c->pos; q < c->end; q++) {
		if (*q != '\\')
			continue;
		if (q + 1 == c->end)
			return fail(p, q, -EINVAL, "HELP text ends in a lone '\\'");
		if (q[1] != '\\' && q[1] != 'n' && q[1] != '"')
			return fail(p, q, -EINVAL, "invalid escape sequence '\\%s' in HELP text",
				    excerpt(&x, q + 1, 1));
		q++;
	}
	return 0;
}

static int parse_help(struct parser *p, const struct cursor *c, const char *name, size_t len)
{
	struct excerpt x;
	struct fam *f;
	int rc;

	rc = fam_get(p, name, len, &f);
	if (rc || !f)
		return rc;
	if (lenient(p)) {
		f->flags |= FAM_HELP;
		return 0;
	}
	if (f->flags & FAM_HELP)
		return fail(p, name, -EINVAL, "second HELP line for metric family '%s'",
			    excerpt(&x, f->name, f->len));
	f->flags |= FAM_HELP;
	return check_help_escapes(p, c);
}

static int parse_type(struct parser *p, struct cursor *c, const char *name, size_t len)
{
	const char *tok = c->pos;
	size_t tok_len = take_token(c);
	struct excerpt x;
	struct fam *f;
	int type, rc;

	for (type = 0; type < PROM_TYPE_MAX; type++)
		if (prom_str_eq(tok, tok_len, prom_type_names[type]))
			break;
	if (type == PROM_TYPE_MAX)
		return fail(p, tok, -EINVAL, "unknown metric type '%s'", excerpt(&x, tok, tok_len));
	skip_blanks(c);
	if (!at_end(c))
		return fail(p, c->pos, -EINVAL, "unexpected text after the metric type, found %s",
			    found(&x, c));
	rc = fam_get(p, name, len, &f);
	if (rc || !f)
		return rc;
	if (!lenient(p) && (f->flags & FAM_TYPE))
		return fail(p, name, -EINVAL, "second TYPE line for metric family '%s'",
			    excerpt(&x, f->name, f->len));
	if (!lenient(p) && (f->flags & FAM_SAMPLES))
		return fail(p, name, -EINVAL, "TYPE line for metric family '%s' after its samples",
			    excerpt(&x, f->name, f->len));
	f->type = type;
	f->flags |= FAM_TYPE;
	return 0;
}

/* "# HELP name text", "# TYPE name type" or any other comment. Like the Go
 * parser, a HELP or TYPE line with nothing after the keyword or the name is
 * an ordinary comment. */
static int parse_comment(struct parser *p, struct cursor *c)
{
	const char *kw, *name;
	size_t kw_len, name_len;
	struct excerpt x;

	c->pos++; /* '#' */
	skip_blanks(c);
	kw = c->pos;
	kw_len = take_token(c);
	if (!prom_str_eq(kw, kw_len, "HELP") && !prom_str_eq(kw, kw_len, "TYPE"))
		return 0;
	skip_blanks(c);
	if (at_end(c))
		return 0;
	name = c->pos;
	name_len = take_name(c, true);
	if (!at_end(c) && !is_blank(*c->pos))
		return fail(p, c->pos, -EINVAL, "invalid metric name in %s line, found %s",
			    kw[0] == 'H' ? "HELP" : "TYPE", found(&x, c));
	skip_blanks(c);
	if (at_end(c))
		return 0;
	if (kw[0] == 'H')
		return parse_help(p, c, name, name_len);
	return parse_type(p, c, name, name_len);
}

/* Reserved and duplicate names, and the label limit. */
static int check_label_name(struct parser *p, const char *name, size_t len)
{
	struct excerpt x;
	unsigned int i;

	if (prom_str_eq(name, len, "__name__"))
		return fail(p, name, -EINVAL, "label name '__name__' is reserved");
	for (i = 0; i < p->nlabels; i++)
		if (p->labels[i].name_len == len && !memcmp(p->labels[i].name, name, len))
			return fail(p, name, -EINVAL, "duplicate label name '%s'",
				    excerpt(&x, name, len));
	if (p->nlabels == PROM_LABELS_MAX)
		return fail(p, name, -E2BIG, "more than %d labels", PROM_LABELS_MAX);
	return 0;
}

/* Strict mode: UTF-8 values, and numbers in le (histograms) and quantile
 * (summaries), as the Go parser checks them. */
static int check_label_value(struct parser *p, const char *at, const struct fam *f,
			     const struct prom_label *l)
{
	struct excerpt x;
	bool numeric;
	double v;

	if (lenient(p))
		return 0;
	if (!utf8_valid(l->value, l->value_len))
		return fail(p, at, -EINVAL, "label value is not valid UTF-8");
	numeric = f && ((f->type == PROM_HISTOGRAM && prom_str_eq(l->name, l->name_len, "le")) ||
			(f->type == PROM_SUMMARY && prom_str_eq(l->name, l->name_len, "quantile")));
	if (numeric && parse_float(l->value, l->value_len, &v))
		return fail(p, at, -EINVAL,
			    "expected a number as the value of label '%s', got '%s'",
			    f->type == PROM_HISTOGRAM ? "le" : "quantile",
			    excerpt(&x, l->value, l->value_len));
	return 0;
}

/* Copy s..end into the scratch area, resolving escapes. Every '\' in it is
 * followed by a character (parse_label_value made sure). */
static int unescape(struct parser *p, const char *s, const char *end, struct prom_label *l)
{
	char *out = p->scratch + p->scratch_used, *o = out;

	if ((size_t)(end - s) > PROM_SCRATCH_MAX - p->scratch_used)
		return fail(p, s, -E2BIG, "escaped label values of one sample exceed %d bytes",
			    PROM_SCRATCH_MAX);
	while (s < end) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (s[1] == 'n') {
			*o++ = '\n';
		} else if (s[1] == '\\' || s[1] == '"') {
			*o++ = s[1];
		} else {
			*o++ = '\\'; /* lenient: an unknown escape is kept verbatim */
			*o++ = s[1];
		}
		s += 2;
	}
	l->value = out;
	l->value_len = o - out;
	p->scratch_used += o - out;
	return 0;
}

/* A quoted label value; the cursor is on the opening quote. */
static int parse_label_value(struct parser *p, struct cursor *c, struct prom_label *l)
{
	const char *open = c->pos, *q;
	bool escaped = false;
	struct excerpt x;

	for (q = open + 1; q < c->end && *q != '"'; q++) {
		if (*q != '\\')
			continue;
		if (q + 1 == c->end)
			break;
		if (!lenient(p) && q[1] != '\\' && q[1] != '"' && q[1] != 'n')
			return fail(p, q, -EINVAL, "invalid escape sequence '\\%s' in label value",
				    excerpt(&x, q + 1, 1));
		escaped = true;
		q++;
	}
	if (q >= c->end || *q != '"')
		return fail(
			p, open, -EINVAL,
			"label value not closed on its line (a newline in a value is written \\n)");
	c->pos = q + 1;
	if (escaped)
		return unescape(p, open + 1, q, l);
	l->value = open + 1;
	l->value_len = q - (open + 1);
	return 0;
}

/* name = "value" */
static int parse_label(struct parser *p, struct cursor *c, const struct fam *f)
{
	struct prom_label *l = &p->labels[p->nlabels];
	const char *name = c->pos, *value;
	size_t name_len = take_name(c, false);
	struct excerpt x;
	int rc;

	if (!name_len)
		return fail(p, c->pos, -EINVAL, "expected label name, found %s", found(&x, c));
	skip_blanks(c);
	if (at_end(c) || *c->pos != '=')
		return fail(p, c->pos, -EINVAL, "expected '=' after label name, found %s",
			    found(&x, c));
	c->pos++;
	rc = check_label_name(p, name, name_len);
	if (rc)
		return rc;
	skip_blanks(c);
	if (at_end(c) || *c->pos != '"')
		return fail(p, c->pos, -EINVAL, "expected '\"' to open the label value, found %s",
			    found(&x, c));
	value = c->pos;
	l->name = name;
	l->name_len = name_len;
	rc = parse_label_value(p, c, l);
	if (rc)
		return rc;
	p->nlabels++;
	return check_label_value(p, value, f, l);
}

/* { name = "value", ... } with an optional trailing comma. */
static int parse_labels(struct parser *p, struct cursor *c, const struct fam *f)
{
	struct excerpt x;
	int rc;

	c->pos++; /* '{' */
	for (;;) {
		skip_blanks(c);
		if (!at_end(c) && *c->pos == '}')
			break;
		rc = parse_label(p, c, f);
		if (rc)
			return rc;
		skip_blanks(c);
		if (!at_end(c) && *c->pos == '}')
			break;
		if (at_end(c) || *c->pos != ',')
			return fail(p, c->pos, -EINVAL,
				    "expected ',' or '}' after label value, found %s",
				    found(&x, c));
		c->pos++;
	}
	c->pos++; /* '}' */
	return 0;
}

/* value [timestamp], then only blanks. */
static int parse_value_ts(struct parser *p, struct cursor *c, struct prom_sample *s)
{
	const char *tok = c->pos;
	size_t len = take_token(c);
	struct excerpt x;
	int rc;

	if (!len)
		return fail(p, tok, -EINVAL, "expected sample value, found %s", found(&x, c));
	rc = parse_float(tok, len, &s->value);
	if (rc)
		return fail_number(p, tok, len, rc, "sample value");
	skip_blanks(c);
	if (at_end(c))
		return 0;
	tok = c->pos;
	len = take_token(c);
	if (parse_ts(tok, len, &s->ts_ms))
		return fail(p, tok, -EINVAL,
			    "invalid timestamp '%s' (expected integer milliseconds)",
			    excerpt(&x, tok, len));
	s->has_ts = true;
	skip_blanks(c);
	if (!at_end(c))
		return fail(p, c->pos, -EINVAL, "unexpected text after the timestamp, found %s",
			    found(&x, c));
	return 0;
}

/* name [{labels}] value [timestamp] */
static int parse_sample(struct parser *p, struct cursor *c)
{
	struct prom_sample s = { .name = c->pos };
	struct excerpt x;
	struct fam *f;
	int rc;

	s.name_len = take_name(c, true);
	if (!s.name_len)
		return fail(p, c->pos, -EINVAL, "expected metric name, found %s", found(&x, c));
	if (!at_end(c) && !is_blank(*c->pos) && *c->pos != '{')
		return fail(p, c->pos, -EINVAL, "unexpected %s after metric name", found(&x, c));
	rc = fam_get(p, s.name, s.name_len, &f);
	if (rc)
		return rc;
	skip_blanks(c);
	p->nlabels = 0;
	p->scratch_used = 0;
	if (!at_end(c) && *c->pos == '{') {
		rc = parse_labels(p, c, f);
		if (rc)
			return rc;
		skip_blanks(c);
	}
	rc = parse_value_ts(p, c, &s);
	if (rc)
		return rc;
	if (f) {
		f->flags |= FAM_SAMPLES;
		s.type = f->type;
	}
	s.labels = p->labels;
	s.nlabels = p->nlabels;
	s.line = p->line;
	rc = p->cb ? p->cb(&s, p->ctx) : 0;
	if (rc)
		return fail(p, NULL, rc, "stopped by the sample callback (%d)", rc);
	return 0;
}

static int parse_line(struct parser *p, const char *pos, const char *eol)
{
	struct cursor c = { pos, eol };
	const char *nul = memchr(pos, '\0', eol - pos);

	if (nul)
		return fail(p, nul, -EINVAL, "NUL byte in input");
	if (eol > pos && eol[-1] == '\r') {
		if (!lenient(p))
			return fail(p, eol - 1, -EINVAL, "carriage return before the newline");
		c.end--;
	}
	skip_blanks(&c);
	if (at_end(&c))
		return 0;
	if (*c.pos == '#')
		return parse_comment(p, &c);
	return parse_sample(p, &c);
}

/* The format ends every line with '\n': without one, the input may have been
 * cut short, so strict mode refuses it (as the Go parser does), after checking
 * the line without delivering it so that a syntax error in it is named first. */
static int parse_last_line(struct parser *p, const char *pos, const char *end)
{
	struct cursor c = { pos, end };
	prom_sample_cb cb = p->cb;
	int rc;

	skip_blanks(&c);
	if (at_end(&c) || lenient(p))
		return parse_line(p, pos, end);
	p->cb = NULL;
	rc = parse_line(p, pos, end);
	p->cb = cb;
	if (rc)
		return rc;
	return fail(p, end, -EINVAL, "unexpected end of input: no newline after the last line");
}

int prom_parse(const char *buf, size_t len, unsigned int flags, prom_sample_cb cb, void *ctx,
	       struct prom_error *err)
{
	const char *pos = buf, *end = buf + len, *eol;
	struct parser *p;
	int rc = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	if ((!buf && len) || (flags & ~PROM_F_LENIENT))
		return -EINVAL;
	if (!len)
		return 0;
	pthread_once(&c_locale_once, c_locale_init);
	if (!c_locale)
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->flags = flags;
	p->err = err;
	p->cb = cb;
	p->ctx = ctx;
	while (pos < end && !rc) {
		p->line++;
		p->line_start = pos;
		eol = memchr(pos, '\n', end - pos);
		if (!eol) {
			rc = parse_last_line(p, pos, end);
			break;
		}
		rc = parse_line(p, pos, eol);
		pos = eol + 1;
	}
	free(p);
	return rc;
}

const char *prom_type_str(enum prom_type type)
{
	return (unsigned int)type < PROM_TYPE_MAX ? prom_type_names[type] : "unknown";
}

const struct prom_label *prom_sample_label(const struct prom_sample *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->nlabels; i++)
		if (prom_str_eq(s->labels[i].name, s->labels[i].name_len, name))
			return &s->labels[i];
	return NULL;
}
