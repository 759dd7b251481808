// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* YAML configuration loader. libfyaml's event parser builds a small tree that
 * keeps every node's line and column (its document API does not expose them
 * for collections); field tables then check and convert each mapping, so
 * unknown keys, duplicate keys, types, ranges and required fields are handled
 * once; a last pass resolves cross references and derived values. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libfyaml.h>

#include "user/agent/conf.h"
#include "user/lib/addr.h"
#include "user/lib/maglev.h"
#include "user/lib/names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CFG_US 1000ULL
#define CFG_MS (1000 * CFG_US)
#define CFG_S (1000 * CFG_MS)
#define CFG_MIN (60 * CFG_S)
#define CFG_HOUR (60 * CFG_MIN)
#define CFG_DAY (24 * CFG_HOUR)
/* New flows per second per CPU before the flood guard steers statelessly:
 * far above a gateway's legitimate rate, well below a SYN flood's. */
#define CFG_FLOOD_RATE 20000

#define CFG_VNI_MAX 16777215
#define CFG_METRICS_ADDR "127.0.0.1"
#define CFG_HEALTH_PATH "/health"
#define CFG_BUDGET_WINDOW CFG_MIN /* tokens per minute, as inference APIs quote them */
#define CFG_SHED_BATCH_AT 0.8
#define CFG_SHED_STANDARD_AT 0.95
#define CFG_SHED_HYSTERESIS 0.05
#define CFG_BYTES_PER_TOKEN 4.0

/* ---- the document tree ---------------------------------------------------- */

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
	struct ig_cfg *cfg;
	struct fy_parser *fyp;
	struct fy_diag *diag;
	struct cfg_node *nodes;
	struct cfg_anchor *anchors;
	unsigned int n_anchors;
	int line, col; /* position of the last event that had one */
	unsigned int svc; /* index of the service whose backends are parsed */
	size_t plen;
	char path[CONFIG_FIELD_MAX]; /* field path of the value being parsed */
};

/* ---- errors --------------------------------------------------------------- */

static void cfg_format(struct config_error *e)
{
	char pos[32] = "";

	if (e->line)
		snprintf(pos, sizeof(pos), ":%d:%d", e->line, e->col);
	snprintf(e->text, sizeof(e->text), "%s%s: %s%s%s", e->file, pos, e->field,
		 e->field[0] ? ": " : "", e->msg);
}

static int __attribute__((format(printf, 3, 4)))
cfg_fail(struct cfg_ctx *c, const struct cfg_node *at, const char *fmt, ...)
{
	struct config_error *e = c->err;
	va_list ap;

	e->line = at ? at->line : c->line;
	e->col = at ? at->col : c->col;
	snprintf(e->field, sizeof(e->field), "%s", c->path);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	cfg_format(e);
	return -EINVAL;
}

static int cfg_oom(struct cfg_ctx *c)
{
	cfg_fail(c, NULL, "out of memory");
	return -ENOMEM;
}

static size_t __attribute__((format(printf, 2, 3)))
cfg_push(struct cfg_ctx *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen += (size_t)n;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

static size_t cfg_push_key(struct cfg_ctx *c, const char *key)
{
	return cfg_push(c, c->plen ? ".%s" : "%s", key);
}

static void cfg_pop(struct cfg_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Where libfyaml reports a syntax error, as its own messages put it. */
static int cfg_syntax_error(struct cfg_ctx *c)
{
	struct fy_diag_error *de;
	void *it = NULL;

	while ((de = fy_diag_errors_iterate(c->diag, &it))) {
		if (de->type < FYET_ERROR)
			continue;
		c->line = de->line;
		c->col = de->column;
		return cfg_fail(c, NULL, "syntax error: %s", de->msg);
	}
	return cfg_fail(c, NULL, "syntax error: unexpected end of the YAML stream");
}

/* ---- building the tree from parser events --------------------------------- */

static int cfg_next(struct cfg_ctx *c, struct fy_event **ev)
{
	const struct fy_mark *m;

	*ev = fy_parser_parse(c->fyp);
	if (!*ev)
		return cfg_syntax_error(c);
	m = fy_event_start_mark(*ev);
	if (m) {
		c->line = m->line + 1;
		c->col = m->column + 1;
	}
	return 0;
}

static struct cfg_node *cfg_node_new(struct cfg_ctx *c, enum cfg_kind kind)
{
	struct cfg_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = c->line;
	n->col = c->col;
	n->next = c->nodes;
	c->nodes = n;
	return n;
}

static int cfg_node_add(struct cfg_ctx *c, struct cfg_node *parent, struct cfg_node *kid)
{
	struct cfg_node **kids;

	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? 2 * parent->cap : 8;
		kids = realloc(parent->kids, parent->cap * sizeof(*kids));
		if (!kids)
			return cfg_oom(c);
		parent->kids = kids;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

/* Anchors are registered once their node is complete, so an alias inside the
 * node it names is unknown rather than a cycle. */
static int cfg_anchor_add(struct cfg_ctx *c, struct fy_token *tok, struct cfg_node *node)
{
	struct cfg_anchor *a;
	const char *name;
	size_t len;

	if (!tok)
		return 0;
	name = fy_token_get_text(tok, &len);
	a = realloc(c->anchors, (c->n_anchors + 1) * sizeof(*a));
	if (!a)
		return cfg_oom(c);
	c->anchors = a;
	a[c->n_anchors].node = node;
	a[c->n_anchors].name = strndup(name ? name : "", name ? len : 0);
	if (!a[c->n_anchors].name)
		return cfg_oom(c);
	c->n_anchors++;
	return 0;
}

static int cfg_read_alias(struct cfg_ctx *c, struct fy_event *ev, struct cfg_node **out)
{
	size_t len = 0;
	const char *name = fy_token_get_text(ev->alias.anchor, &len);
	unsigned int i;

	if (c->col > 1)
		c->col--; /* the event's mark is the name's; point at the '*' */
	for (i = c->n_anchors; name && i-- > 0;) {
		if (strlen(c->anchors[i].name) == len && !memcmp(c->anchors[i].name, name, len)) {
			*out = c->anchors[i].node;
			return 0;
		}
	}
	return cfg_fail(c, NULL, "unknown anchor '%.*s'", (int)len, name ? name : "");
}

static int cfg_read_scalar(struct cfg_ctx *c, struct fy_event *ev, struct cfg_node **out)
{
	struct fy_token *tok = ev->scalar.value;
	size_t len = 0;
	const char *text = fy_token_get_text(tok, &len);
	struct cfg_node *n = cfg_node_new(c, CN_SCALAR);

	if (!n)
		return cfg_oom(c);
	if (!text)
		len = 0;
	if (len && memchr(text, '\0', len))
		return cfg_fail(c, n, "NUL characters are not allowed");
	n->plain = fy_token_scalar_style(tok) == FYSS_PLAIN;
	n->str = strndup(len ? text : "", len);
	if (!n->str)
		return cfg_oom(c);
	*out = n;
	return cfg_anchor_add(c, ev->scalar.anchor, n);
}

static int cfg_read_node(struct cfg_ctx *c, struct fy_event *ev, struct cfg_node **out);

static int cfg_read_coll(struct cfg_ctx *c, enum cfg_kind kind, struct fy_token *anchor,
			 struct cfg_node **out)
{
	struct cfg_node *n = cfg_node_new(c, kind), *kid;
	struct fy_event *ev;
	int err;

	if (!n)
		return cfg_oom(c);
	for (;;) {
		err = cfg_next(c, &ev);
		if (err)
			return err;
		if (ev->type == FYET_SEQUENCE_END || ev->type == FYET_MAPPING_END)
			break;
		err = cfg_read_node(c, ev, &kid);
		fy_parser_event_free(c->fyp, ev);
		if (err)
			return err;
		if (kind == CN_MAP && !(n->n % 2) && kid->kind != CN_SCALAR)
			return cfg_fail(c, kid, "mapping keys must be scalars");
		err = cfg_node_add(c, n, kid);
		if (err)
			return err;
	}
	fy_parser_event_free(c->fyp, ev);
	*out = n;
	return cfg_anchor_add(c, anchor, n);
}

/* Reads the node that ev starts; the caller frees ev. */
static int cfg_read_node(struct cfg_ctx *c, struct fy_event *ev, struct cfg_node **out)
{
	switch (ev->type) {
	case FYET_SCALAR:
		return cfg_read_scalar(c, ev, out);
	case FYET_ALIAS:
		return cfg_read_alias(c, ev, out);
	case FYET_SEQUENCE_START:
		return cfg_read_coll(c, CN_SEQ, ev->sequence_start.anchor, out);
	case FYET_MAPPING_START:
		return cfg_read_coll(c, CN_MAP, ev->mapping_start.anchor, out);
	default:
		return cfg_fail(c, NULL, "syntax error: unexpected YAML event");
	}
}

/* Reads the next event and checks that it is of the given type. */
static int cfg_expect(struct cfg_ctx *c, enum fy_event_type type, const char *what)
{
	struct fy_event *ev;
	int err = cfg_next(c, &ev);

	if (err)
		return err;
	if (ev->type != type)
		err = cfg_fail(c, NULL, "%s", what);
	fy_parser_event_free(c->fyp, ev);
	return err;
}

/* One document whose top level is a mapping. */
static int cfg_read_doc(struct cfg_ctx *c, struct cfg_node **root)
{
	struct fy_event *ev;
	int err;

	err = cfg_expect(c, FYET_STREAM_START, "syntax error: no YAML stream");
	if (!err)
		err = cfg_next(c, &ev);
	if (err)
		return err;
	if (ev->type != FYET_DOCUMENT_START) {
		fy_parser_event_free(c->fyp, ev);
		c->line = 0;
		return cfg_fail(c, NULL, "the file is empty");
	}
	fy_parser_event_free(c->fyp, ev);
	err = cfg_next(c, &ev);
	if (err)
		return err;
	err = cfg_read_node(c, ev, root);
	fy_parser_event_free(c->fyp, ev);
	if (!err)
		err = cfg_expect(c, FYET_DOCUMENT_END, "syntax error: document does not end");
	if (!err)
		err = cfg_expect(c, FYET_STREAM_END, "only one YAML document is allowed");
	return err;
}

static void cfg_tree_free(struct cfg_ctx *c)
{
	struct cfg_node *n, *next;
	unsigned int i;

	for (n = c->nodes; n; n = next) {
		next = n->next;
		free(n->kids);
		free(n->str);
		free(n);
	}
	for (i = 0; i < c->n_anchors; i++)
		free(c->anchors[i].name);
	free(c->anchors);
	c->nodes = NULL;
	c->anchors = NULL;
	c->n_anchors = 0;
}

/* The first key node equal to key in map, or NULL. */
static const struct cfg_node *cfg_get_key(const struct cfg_node *map, const char *key)
{
	unsigned int i;

	for (i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i];
	return NULL;
}

/* The value of key in map, or NULL. */
static const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
	unsigned int i;

	for (i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

/* ---- scalar conversions --------------------------------------------------- */

static bool cfg_is_null(const struct cfg_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	unsigned int i;

	if (n->kind != CN_SCALAR || !n->plain)
		return false;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(n->str, nulls[i]))
			return true;
	return false;
}

static const char *cfg_kind_str(const struct cfg_node *n)
{
	if (n->kind == CN_MAP)
		return "a mapping";
	if (n->kind == CN_SEQ)
		return "a sequence";
	if (cfg_is_null(n))
		return "null";
	return n->plain ? "a plain scalar" : "a quoted string";
}

static int cfg_expected(struct cfg_ctx *c, const struct cfg_node *v, const char *what)
{
	return cfg_fail(c, v, "expected %s, got %s", what, cfg_kind_str(v));
}

/* A scalar that is not null: strings, addresses, durations, enum names. */
static int cfg_need_text(struct cfg_ctx *c, const struct cfg_node *v, const char *what)
{
	if (v->kind != CN_SCALAR || cfg_is_null(v))
		return cfg_expected(c, v, what);
	return 0;
}

/* A plain scalar: numbers and booleans (a quoted "80" is a string in YAML). */
static int cfg_need_plain(struct cfg_ctx *c, const struct cfg_node *v, const char *what)
{
	if (v->kind != CN_SCALAR || !v->plain || cfg_is_null(v))
		return cfg_expected(c, v, what);
	return 0;
}

int config_parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		__u64 mul;
	} units[] = {
		/* two-letter units first: "ms" is not "m" */
		{ "ns", 1 },	   { "us", CFG_US }, { "ms", CFG_MS },
		{ "h", CFG_HOUR }, { "m", CFG_MIN }, { "s", CFG_S },
	};
	unsigned long long v;
	__u64 total = 0;
	unsigned int i;
	char *end;

	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v = strtoull(s, &end, 10);
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strncmp(end, units[i].unit, strlen(units[i].unit)))
				break;
		if (errno || i == ARRAY_SIZE(units) || v > (UINT64_MAX - total) / units[i].mul)
			return -EINVAL;
		total += v * units[i].mul;
		s = end + strlen(units[i].unit);
	}
	*ns = total;
	return 0;
}

void config_format_duration(__u64 ns, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		__u64 mul;
	} units[] = {
		{ "h", CFG_HOUR }, { "m", CFG_MIN }, { "s", CFG_S },
		{ "ms", CFG_MS },  { "us", CFG_US }, { "ns", 1 },
	};
	unsigned int i;

	for (i = 0; ns && i < ARRAY_SIZE(units) - 1; i++)
		if (!(ns % units[i].mul))
			break;
	if (!ns)
		snprintf(buf, len, "0s");
	else
		snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].mul),
			 units[i].unit);
}

static int cfg_addr_parse(const char *s, struct config_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (addr_parse(s, a->addr))
		return -EINVAL;
	a->family = addr_is_v4(a->addr) ? AF_INET : AF_INET6;
	return 0;
}

static void cfg_addr_str(const struct config_addr *a, char *buf, size_t len)
{
	addr_str(a->addr, buf, len);
}

/* Optimal string alignment distance of two short keys, for did-you-mean. */
static unsigned int cfg_distance(const char *a, const char *b)
{
	unsigned int d[24][24], i, j, la = strlen(a), lb = strlen(b);

	if (la >= 24 || lb >= 24)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];
			unsigned int v = d[i - 1][j - 1] + cost;

			v = d[i - 1][j] + 1 < v ? d[i - 1][j] + 1 : v;
			v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = d[i - 2][j - 2] + 1 < v ? d[i - 2][j - 2] + 1 : v;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* ---- field tables --------------------------------------------------------- */

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

static void cfg_store(void *p, size_t size, __u64 v)
{
	if (size == 1)
		*(__u8 *)p = (__u8)v;
	else if (size == 2)
		*(__u16 *)p = (__u16)v;
	else if (size == 4)
		*(__u32 *)p = (__u32)v;
	else
		*(__u64 *)p = v;
}

static int cfg_range(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     double x)
{
	bool low = f->flags & CF_GT_MIN ? x <= f->min : x < f->min;

	if (!low && x <= f->max)
		return 0;
	if (f->type == CT_UINT)
		return cfg_fail(c, v, "%s is out of range (%.0f-%.0f)", v->str, f->min, f->max);
	if (f->flags & CF_GT_MIN)
		return cfg_fail(c, v, "%s is out of range (above %g, up to %g)", v->str, f->min,
				f->max);
	return cfg_fail(c, v, "%s is out of range (%g-%g)", v->str, f->min, f->max);
}

static int cfg_uint(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v, void *p)
{
	const char *s = v->str;
	long long x;
	char *end;
	int err = cfg_need_plain(c, v, "an integer");

	if (err)
		return err;
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return cfg_fail(c, v, "'%s' is not an integer", v->str);
	errno = 0;
	x = strtoll(v->str, &end, 10);
	if (*end)
		return cfg_fail(c, v, "'%s' is not an integer", v->str);
	if (errno)
		return cfg_range(c, f, v, *v->str == '-' ? -INFINITY : INFINITY);
	err = cfg_range(c, f, v, (double)x);
	if (!err)
		cfg_store(p, f->size, (__u64)x);
	return err;
}

static int cfg_double(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      double *p)
{
	char *end;
	double x;
	int err = cfg_need_plain(c, v, "a number");

	if (err)
		return err;
	errno = 0;
	x = strtod(v->str, &end);
	if (*end || errno || !isfinite(x) || !strpbrk(v->str, "0123456789") ||
	    strpbrk(v->str, "xXpP"))
		return cfg_fail(c, v, "'%s' is not a number", v->str);
	err = cfg_range(c, f, v, x);
	if (!err)
		*p = x;
	return err;
}

static int cfg_bool(struct cfg_ctx *c, const struct cfg_node *v, bool *p)
{
	int err = cfg_need_plain(c, v, "true or false");

	if (err)
		return err;
	if (!strcmp(v->str, "true") || !strcmp(v->str, "True") || !strcmp(v->str, "TRUE"))
		*p = true;
	else if (!strcmp(v->str, "false") || !strcmp(v->str, "False") || !strcmp(v->str, "FALSE"))
		*p = false;
	else
		return cfg_fail(c, v, "'%s' is not true or false", v->str);
	return 0;
}

static int cfg_duration(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
			__u64 *p)
{
	char lo[32], hi[32];
	__u64 ns;
	int err = cfg_need_text(c, v, "a duration");

	if (err)
		return err;
	if (config_parse_duration(v->str, &ns))
		return cfg_fail(c, v, "'%s' is not a duration (e.g. 250ms, 5s, 1m, 1h)", v->str);
	if (ns < f->min || ns > f->max) {
		config_format_duration((__u64)f->min, lo, sizeof(lo));
		config_format_duration((__u64)f->max, hi, sizeof(hi));
		return cfg_fail(c, v, "%s is out of range (%s-%s)", v->str, lo, hi);
	}
	*p = ns;
	return 0;
}

static bool cfg_name_ok(const char *s, enum cfg_type type)
{
	const char *p;

	if (!*s)
		return false;
	if (type == CT_IFNAME)
		return strcmp(s, ".") && strcmp(s, "..") && !strpbrk(s, "/: \t");
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

static int cfg_string(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      char *p)
{
	int err = cfg_need_text(c, v, "a string");

	if (err)
		return err;
	if (strlen(v->str) >= f->size)
		return cfg_fail(c, v, "'%s' is too long (at most %zu characters)", v->str,
				f->size - 1);
	if (f->type == CT_NAME && !cfg_name_ok(v->str, f->type))
		return cfg_fail(c, v, "'%s' is not a valid name (letters, digits, '.', '_', '-')",
				v->str);
	if (f->type == CT_IFNAME && !cfg_name_ok(v->str, f->type))
		return cfg_fail(c, v, "'%s' is not a valid interface name", v->str);
	strcpy(p, v->str);
	return 0;
}

static int cfg_enum(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v, void *p)
{
	char list[128] = "";
	size_t len = 0;
	unsigned int i;
	int err = cfg_need_text(c, v, "a string");

	if (err)
		return err;
	for (i = 0; i < f->n_names; i++) {
		const char *name = f->names(i);

		if (!name)
			continue;
		if (!strcmp(name, v->str)) {
			cfg_store(p, f->size, i);
			return 0;
		}
		len += snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", name);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	return cfg_fail(c, v, "'%s' is not one of: %s", v->str, list);
}

static int cfg_addr(struct cfg_ctx *c, const struct cfg_node *v, struct config_addr *a)
{
	static const __u8 zero[IG_ADDR_LEN];
	int err = cfg_need_text(c, v, "an address");

	if (err)
		return err;
	if (cfg_addr_parse(v->str, a))
		return cfg_fail(c, v, "'%s' is not an IPv4 or IPv6 address", v->str);
	if (a->family == AF_INET ? !memcmp(&a->addr[12], zero, 4) || a->addr[12] >= 224 :
				   !memcmp(a->addr, zero, IG_ADDR_LEN) || a->addr[0] == 0xff)
		return cfg_fail(c, v, "%s is not a unicast address", v->str);
	return 0;
}

static int cfg_value(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     void *obj)
{
	void *p = (char *)obj + f->off;

	switch (f->type) {
	case CT_UINT:
		return cfg_uint(c, f, v, p);
	case CT_DOUBLE:
		return cfg_double(c, f, v, p);
	case CT_BOOL:
		return cfg_bool(c, v, p);
	case CT_DURATION:
		return cfg_duration(c, f, v, p);
	case CT_NAME:
	case CT_IFNAME:
	case CT_STR:
		return cfg_string(c, f, v, p);
	case CT_ENUM:
		return cfg_enum(c, f, v, p);
	case CT_ADDR:
		return cfg_addr(c, v, p);
	case CT_CUSTOM:
		return f->parse(c, v, obj);
	}
	return -EINVAL;
}

static int cfg_unknown_key(struct cfg_ctx *c, const struct cfg_node *key,
			   const struct cfg_field *fields, size_t n)
{
	unsigned int i, best = 3, d;
	const char *hint = NULL;

	for (i = 0; i < n; i++) {
		d = cfg_distance(key->str, fields[i].key);
		if (d < best) {
			best = d;
			hint = fields[i].key;
		}
	}
	if (hint && best < strlen(key->str))
		return cfg_fail(c, key, "unknown key (did you mean '%s'?)", hint);
	return cfg_fail(c, key, "unknown key");
}

/* Check a mapping against its field table, in document order, and store the
 * values into obj; defaults are obj's values beforehand. */
static int cfg_map(struct cfg_ctx *c, const struct cfg_node *map, const struct cfg_field *fields,
		   size_t n, void *obj)
{
	unsigned int i, k, seen = 0;
	size_t old;
	int err = 0;

	if (map->kind != CN_MAP)
		return cfg_expected(c, map, "a mapping");
	for (i = 0; i + 1 < map->n && !err; i += 2) {
		const struct cfg_node *key = map->kids[i];

		old = cfg_push_key(c, key->str);
		for (k = 0; k < n && strcmp(fields[k].key, key->str); k++)
			;
		if (k == n)
			err = cfg_unknown_key(c, key, fields, n);
		else if (seen & (1u << k))
			err = cfg_fail(c, key, "duplicate key (first at line %d)",
				       cfg_get_key(map, key->str)->line);
		else
			err = cfg_value(c, &fields[k], map->kids[i + 1], obj);
		seen |= 1u << k;
		cfg_pop(c, old);
	}
	for (k = 0; k < n && !err; k++) {
		if (!(fields[k].flags & CF_REQ) || (seen & (1u << k)))
			continue;
		cfg_push_key(c, fields[k].key);
		err = cfg_fail(c, map, "missing required field");
	}
	return err;
}

/* An error about the value of key in map (or about map, when key is absent). */
static int __attribute__((format(printf, 4, 5)))
cfg_fail_key(struct cfg_ctx *c, const struct cfg_node *map, const char *key, const char *fmt, ...)
{
	const struct cfg_node *v = cfg_get(map, key);
	char msg[CONFIG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_push_key(c, key);
	return cfg_fail(c, v ? v : map, "%s", msg);
}

/* A sequence of objects of the given size, each parsed by item(). */
static int
cfg_seq(struct cfg_ctx *c, const struct cfg_node *v, size_t size, void **arr, unsigned int *n,
	int (*item)(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i))
{
	unsigned int i;
	size_t old;
	int err;

	if (v->kind != CN_SEQ)
		return cfg_expected(c, v, "a sequence");
	if (!v->n)
		return cfg_fail(c, v, "must not be empty");
	*arr = calloc(v->n, size);
	if (!*arr)
		return cfg_oom(c);
	*n = v->n;
	for (i = 0; i < v->n; i++) {
		old = cfg_push(c, "[%u]", i);
		err = item(c, v->kids[i], (char *)*arr + i * size, i);
		if (err)
			return err;
		cfg_pop(c, old);
	}
	return 0;
}

/* ---- names ----------------------------------------------------------------- */

static const char *const cfg_role_names[] = {
	[CONFIG_ROLE_GATEWAY] = "gateway",
	[CONFIG_ROLE_HOST] = "host",
};
static const char *const cfg_xdp_names[] = {
	[CONFIG_XDP_AUTO] = "auto",
	[CONFIG_XDP_NATIVE] = "native",
	[CONFIG_XDP_GENERIC] = "generic",
};
static const char *const cfg_health_names[] = {
	[CONFIG_HEALTH_TCP] = "tcp",
	[CONFIG_HEALTH_HTTP] = "http",
};
static const char *const cfg_refuse_names[] = {
	[CONFIG_REFUSE_DROP] = "drop",
	[CONFIG_REFUSE_RST] = "rst",
};

_Static_assert(ARRAY_SIZE(cfg_role_names) == CONFIG_ROLE__MAX, "a role lacks a name");
_Static_assert(ARRAY_SIZE(cfg_xdp_names) == CONFIG_XDP__MAX, "an XDP mode lacks a name");
_Static_assert(ARRAY_SIZE(cfg_health_names) == CONFIG_HEALTH__MAX, "a check lacks a name");
_Static_assert(ARRAY_SIZE(cfg_refuse_names) == CONFIG_REFUSE__MAX, "a refusal lacks a name");

const char *config_role_str(unsigned int role)
{
	return role < ARRAY_SIZE(cfg_role_names) ? cfg_role_names[role] : "unknown";
}

const char *config_xdp_mode_str(unsigned int mode)
{
	return mode < ARRAY_SIZE(cfg_xdp_names) ? cfg_xdp_names[mode] : "unknown";
}

const char *config_health_type_str(unsigned int type)
{
	return type < ARRAY_SIZE(cfg_health_names) ? cfg_health_names[type] : "unknown";
}

const char *config_refuse_str(unsigned int refuse)
{
	return refuse < ARRAY_SIZE(cfg_refuse_names) ? cfg_refuse_names[refuse] : "unknown";
}

const char *config_format_str(unsigned int format)
{
	if (format == CONFIG_FORMAT_AUTO)
		return "auto";
	return telemetry_source_str(format);
}

const char *config_proto_str(unsigned int proto)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	return proto == IPPROTO_UDP ? "udp" : NULL;
}

/* ---- sections ------------------------------------------------------------- */

static const struct cfg_field cfg_iface_fields[] = {
	CFG_FIELD(struct config_iface, "name", CT_IFNAME, name, CF_REQ, 0, 0),
	CFG_ENUM(struct config_iface, "role", role, CF_REQ, config_role_str, CONFIG_ROLE__MAX),
	CFG_ENUM(struct config_iface, "xdp_mode", xdp_mode, 0, config_xdp_mode_str,
		 CONFIG_XDP__MAX),
};

static int cfg_iface(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_iface *ifc = obj;
	unsigned int j;
	int err = cfg_map(c, v, cfg_iface_fields, ARRAY_SIZE(cfg_iface_fields), ifc);

	for (j = 0; j < i && !err; j++)
		if (!strcmp(c->cfg->ifaces[j].name, ifc->name))
			err = cfg_fail_key(c, v, "name", "'%s' is already used by interfaces[%u]",
					   ifc->name, j);
	return err;
}

static int cfg_ifaces(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_seq(c, v, sizeof(*cfg->ifaces), (void **)&cfg->ifaces, &cfg->n_ifaces,
		       cfg_iface);
}

static const struct cfg_field cfg_gateway_fields[] = {
	CFG_FIELD(struct config_gateway, "vtep", CT_ADDR, vtep, CF_REQ, 0, 0),
	CFG_FIELD(struct config_gateway, "flood_rate", CT_UINT, flood_rate, 0, 0, UINT32_MAX),
	CFG_FIELD(struct config_gateway, "udp_idle", CT_DURATION, udp_idle_ns, 0, CFG_S, CFG_DAY),
	CFG_FIELD(struct config_gateway, "tcp_idle", CT_DURATION, tcp_idle_ns, 0, 0, 30 * CFG_DAY),
	CFG_FIELD(struct config_gateway, "syn_timeout", CT_DURATION, syn_timeout_ns, 0,
		  100 * CFG_MS, 5 * CFG_MIN),
	CFG_FIELD(struct config_gateway, "close_linger", CT_DURATION, linger_ns, 0, 100 * CFG_MS,
		  5 * CFG_MIN),
	CFG_FIELD(struct config_gateway, "event_sample", CT_UINT, event_sample, 0, 0, UINT32_MAX),
};

static int cfg_gateway(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_map(c, v, cfg_gateway_fields, ARRAY_SIZE(cfg_gateway_fields), &cfg->gateway);
}

static const struct cfg_field cfg_limits_fields[] = {
	CFG_FIELD(struct config_limits, "conn_rate", CT_UINT, conn_rate, 0, 0, IG_CONN_RATE_MAX),
	CFG_FIELD(struct config_limits, "conn_burst", CT_UINT, conn_burst, 0, 1, UINT32_MAX),
	CFG_FIELD(struct config_limits, "max_conns", CT_UINT, max_conns, 0, 0, UINT32_MAX),
	CFG_FIELD(struct config_limits, "bandwidth", CT_UINT, bandwidth, 0, 0, IG_BW_RATE_MAX),
	CFG_FIELD(struct config_limits, "bandwidth_burst", CT_UINT, bandwidth_burst, 0, 1,
		  IG_BW_RATE_MAX *IG_BURST_SECONDS_MAX),
	CFG_ENUM(struct config_limits, "refuse", refuse, 0, config_refuse_str, CONFIG_REFUSE__MAX),
};

/* A burst without its rate would be a bucket that never refills. */
static int cfg_limits(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_limits *l = &((struct config_tenant *)obj)->limits;
	int err = cfg_map(c, v, cfg_limits_fields, ARRAY_SIZE(cfg_limits_fields), l);

	if (!err && l->conn_burst && !l->conn_rate)
		err = cfg_fail_key(c, v, "conn_burst", "needs conn_rate");
	if (!err && l->bandwidth_burst && !l->bandwidth)
		err = cfg_fail_key(c, v, "bandwidth_burst", "needs bandwidth");
	if (!err && l->bandwidth && l->bandwidth < IG_BW_RATE_MIN)
		err = cfg_fail_key(c, v, "bandwidth", "%llu is below %llu bytes/s (0 = unlimited)",
				   (unsigned long long)l->bandwidth, IG_BW_RATE_MIN);
	/* The buckets hold at most a day's worth (maps/govern.h). */
	if (!err && (__u64)l->conn_burst > (__u64)l->conn_rate * IG_BURST_SECONDS_MAX)
		err = cfg_fail_key(c, v, "conn_burst", "%u is more than a day at conn_rate",
				   l->conn_burst);
	if (!err && l->bandwidth_burst > l->bandwidth * IG_BURST_SECONDS_MAX)
		err = cfg_fail_key(c, v, "bandwidth_burst", "%llu is more than a day at bandwidth",
				   (unsigned long long)l->bandwidth_burst);
	return err;
}

static const struct cfg_field cfg_budget_fields[] = {
	CFG_FIELD(struct config_budget, "tokens", CT_UINT, tokens, 0, 0, 1e15),
	CFG_FIELD(struct config_budget, "window", CT_DURATION, window_ns, 0, CFG_S, CFG_DAY),
	CFG_FIELD(struct config_budget, "flow_tokens", CT_UINT, flow_tokens, 0, 0, 1e15),
};

static int cfg_budget(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_budget *b = &((struct config_tenant *)obj)->budget;
	int err = cfg_map(c, v, cfg_budget_fields, ARRAY_SIZE(cfg_budget_fields), b);

	if (!err && b->tokens && b->flow_tokens > b->tokens)
		err = cfg_fail_key(c, v, "flow_tokens",
				   "%llu is above the tenant's tokens (%llu): a flow over it "
				   "has already throttled its tenant",
				   (unsigned long long)b->flow_tokens,
				   (unsigned long long)b->tokens);
	return err;
}

static const struct cfg_field cfg_tenant_fields[] = {
	CFG_FIELD(struct config_tenant, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct config_tenant, "id", CT_UINT, id, CF_REQ, 1, IG_TENANT_MAX - 1),
	CFG_FIELD(struct config_tenant, "vni", CT_UINT, vni, CF_REQ, 1, CFG_VNI_MAX),
	CFG_ENUM(struct config_tenant, "priority", prio, 0, prio_str, IG_PRIO__MAX),
	CFG_CUSTOM("limits", 0, cfg_limits),
	CFG_CUSTOM("budget", 0, cfg_budget),
};

static int cfg_tenant(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_tenant *t = obj;
	unsigned int j;
	int err;

	t->prio = IG_PRIO_STANDARD;
	t->budget.window_ns = CFG_BUDGET_WINDOW;
	err = cfg_map(c, v, cfg_tenant_fields, ARRAY_SIZE(cfg_tenant_fields), t);
	for (j = 0; j < i && !err; j++) {
		const struct config_tenant *o = &c->cfg->tenants[j];

		if (o->id == t->id)
			err = cfg_fail_key(c, v, "id", "%u is already used by tenants[%u]", t->id,
					   j);
		else if (!strcmp(o->name, t->name))
			err = cfg_fail_key(c, v, "name", "'%s' is already used by tenants[%u]",
					   t->name, j);
		else if (o->vni == t->vni)
			err = cfg_fail_key(c, v, "vni", "%u is already used by tenants[%u]", t->vni,
					   j);
	}
	return err;
}

static int cfg_tenants(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_seq(c, v, sizeof(*cfg->tenants), (void **)&cfg->tenants, &cfg->n_tenants,
		       cfg_tenant);
}

/* Health defaults; the port defaults to the service's, resolved at the end. */
static void cfg_health_defaults(struct config_health *h)
{
	h->type = CONFIG_HEALTH_TCP;
	h->port = 0;
	snprintf(h->path, sizeof(h->path), "%s", CFG_HEALTH_PATH);
	h->interval_ns = 2 * CFG_S;
	h->timeout_ns = CFG_S;
	h->fall = 3;
	h->rise = 2;
}

/* A timeout is at most its interval; when not given it is cut down to it. */
static int cfg_timeout(struct cfg_ctx *c, const struct cfg_node *map, __u64 interval_ns,
		       __u64 *timeout_ns)
{
	const struct cfg_node *t = cfg_get(map, "timeout");
	char iv[32];

	if (*timeout_ns <= interval_ns)
		return 0;
	if (!t) {
		*timeout_ns = interval_ns;
		return 0;
	}
	config_format_duration(interval_ns, iv, sizeof(iv));
	return cfg_fail_key(c, map, "timeout", "%s is longer than the interval (%s)", t->str, iv);
}

static const struct cfg_field cfg_health_fields[] = {
	CFG_ENUM(struct config_health, "type", type, 0, config_health_type_str, CONFIG_HEALTH__MAX),
	CFG_FIELD(struct config_health, "port", CT_UINT, port, 0, 1, 65535),
	CFG_FIELD(struct config_health, "path", CT_STR, path, 0, 0, 0),
	CFG_FIELD(struct config_health, "interval", CT_DURATION, interval_ns, 0, 100 * CFG_MS,
		  CFG_HOUR),
	CFG_FIELD(struct config_health, "timeout", CT_DURATION, timeout_ns, 0, CFG_MS, CFG_HOUR),
	CFG_FIELD(struct config_health, "fall", CT_UINT, fall, 0, 1, 100),
	CFG_FIELD(struct config_health, "rise", CT_UINT, rise, 0, 1, 100),
};

static int cfg_health(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_health *h = &((struct config_backend *)obj)->health;
	int err = cfg_map(c, v, cfg_health_fields, ARRAY_SIZE(cfg_health_fields), h);

	if (err)
		return err;
	if (cfg_get(v, "path") && h->type != CONFIG_HEALTH_HTTP)
		return cfg_fail_key(c, v, "path", "only valid with type http");
	if (h->path[0] != '/')
		return cfg_fail_key(c, v, "path", "'%s' does not start with '/'", h->path);
	return cfg_timeout(c, v, h->interval_ns, &h->timeout_ns);
}

static const struct cfg_field cfg_msrc_fields[] = {
	CFG_FIELD(struct config_metrics_src, "url", CT_STR, url, CF_REQ, 0, 0),
	CFG_ENUM(struct config_metrics_src, "format", format, 0, config_format_str,
		 CONFIG_FORMAT_AUTO + 1),
};

static int cfg_msrc(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_metrics_src *m = obj;
	const char *host = m->url + strlen("http://");
	int err;

	(void)i;
	m->format = CONFIG_FORMAT_AUTO;
	err = cfg_map(c, v, cfg_msrc_fields, ARRAY_SIZE(cfg_msrc_fields), m);
	if (err)
		return err;
	/* file:// is the file source: tests and dry runs write the page. */
	if (!strncmp(m->url, "file:///", strlen("file:///")))
		return 0;
	if (strncmp(m->url, "http://", strlen("http://")) || !*host || *host == '/')
		return cfg_fail_key(c, v, "url", "'%s' is not an http:// or file:/// URL", m->url);
	return 0;
}

static int cfg_msrcs(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_backend *b = obj;

	return cfg_seq(c, v, sizeof(*b->metrics), (void **)&b->metrics, &b->n_metrics, cfg_msrc);
}

static const struct cfg_field cfg_backend_fields[] = {
	CFG_FIELD(struct config_backend, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct config_backend, "id", CT_UINT, id, CF_REQ, 1, IG_BACKEND_MAX - 1),
	CFG_FIELD(struct config_backend, "vtep", CT_ADDR, vtep, CF_REQ, 0, 0),
	CFG_FIELD(struct config_backend, "capacity", CT_UINT, capacity, CF_REQ, 1,
		  SCORE_CAPACITY_MAX),
	CFG_FIELD(struct config_backend, "weight", CT_UINT, weight, 0, 0, SCORE_CAPACITY_MAX),
	CFG_FIELD(struct config_backend, "inner_mac", CT_STR, inner_mac_str, 0, 0, 0),
	CFG_CUSTOM("metrics", 0, cfg_msrcs),
	CFG_CUSTOM("health", 0, cfg_health),
};

/* Where backend id is used among the backends parsed so far: services
 * 0..svc-1, and the first n of service svc. */
static bool cfg_backend_id_used(const struct ig_cfg *cfg, unsigned int svc, unsigned int n,
				__u32 id, unsigned int *si, unsigned int *bi)
{
	unsigned int s, b;

	for (s = 0; s <= svc; s++) {
		const struct config_service *sv = &cfg->services[s];

		for (b = 0; b < (s == svc ? n : sv->n_backends); b++) {
			if (sv->backends[b].id != id)
				continue;
			*si = s;
			*bi = b;
			return true;
		}
	}
	return false;
}

/* Backend ids are global (ig_backends is one array), names are per service.
 * Backends may share a VTEP: one server per GPU of a host. */
static int cfg_backend_dups(struct cfg_ctx *c, const struct cfg_node *v,
			    const struct config_backend *be, unsigned int i)
{
	const struct config_service *s = &c->cfg->services[c->svc];
	unsigned int j, si, bi;

	if (cfg_backend_id_used(c->cfg, c->svc, i, be->id, &si, &bi))
		return cfg_fail_key(c, v, "id", "%u is already used by services[%u].backends[%u]",
				    be->id, si, bi);
	for (j = 0; j < i; j++)
		if (!strcmp(s->backends[j].name, be->name))
			return cfg_fail_key(c, v, "name", "'%s' is already used by backends[%u]",
					    be->name, j);
	return 0;
}

static int cfg_parse_mac(const char *s, __u8 mac[6])
{
	unsigned int m[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
				      &m[4], &m[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}

static int cfg_backend(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_backend *be = obj;
	int err;

	cfg_health_defaults(&be->health);
	err = cfg_map(c, v, cfg_backend_fields, ARRAY_SIZE(cfg_backend_fields), be);
	if (err)
		return err;
	be->has_weight = cfg_get(v, "weight") != NULL;
	if (be->inner_mac_str[0] && cfg_parse_mac(be->inner_mac_str, be->inner_mac))
		return cfg_fail_key(c, v, "inner_mac",
				    "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				    be->inner_mac_str);
	return cfg_backend_dups(c, v, be, i);
}

static int cfg_backends(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_service *s = obj;

	return cfg_seq(c, v, sizeof(*s->backends), (void **)&s->backends, &s->n_backends,
		       cfg_backend);
}

static const struct cfg_field cfg_service_fields[] = {
	CFG_FIELD(struct config_service, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct config_service, "id", CT_UINT, id, CF_REQ, 1, IG_SERVICE_MAX - 1),
	CFG_FIELD(struct config_service, "vip", CT_ADDR, vip, CF_REQ, 0, 0),
	CFG_FIELD(struct config_service, "port", CT_UINT, port, CF_REQ, 1, 65535),
	CFG_ENUM(struct config_service, "proto", proto, 0, config_proto_str, IPPROTO_UDP + 1),
	CFG_FIELD(struct config_service, "tenant", CT_NAME, tenant, CF_REQ, 0, 0),
	CFG_ENUM(struct config_service, "policy", policy, 0, policy_str, IG_POLICY__MAX),
	CFG_ENUM(struct config_service, "priority", prio, 0, prio_str, IG_PRIO__MAX),
	CFG_FIELD(struct config_service, "maglev_size", CT_UINT, maglev_size, 0, MAGLEV_SIZE_MIN,
		  MAGLEV_SIZE_MAX),
	CFG_CUSTOM("backends", CF_REQ, cfg_backends),
};

static int cfg_maglev_size(struct cfg_ctx *c, const struct cfg_node *v, __u32 m)
{
	__u32 lo = m, hi = m;

	if (maglev_is_valid_size(m))
		return 0;
	while (lo > MAGLEV_SIZE_MIN && !maglev_is_valid_size(lo))
		lo--;
	while (hi < MAGLEV_SIZE_MAX && !maglev_is_valid_size(hi))
		hi++;
	return cfg_fail_key(c, v, "maglev_size", "%u is not a prime (nearest: %u, %u)", m, lo, hi);
}

static int cfg_service_dups(struct cfg_ctx *c, const struct cfg_node *v,
			    const struct config_service *s, unsigned int i)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < i; j++) {
		const struct config_service *o = &c->cfg->services[j];

		if (o->id == s->id)
			return cfg_fail_key(c, v, "id", "%u is already used by services[%u]", s->id,
					    j);
		if (!strcmp(o->name, s->name))
			return cfg_fail_key(c, v, "name", "'%s' is already used by services[%u]",
					    s->name, j);
		if (memcmp(o->vip.addr, s->vip.addr, IG_ADDR_LEN) || o->port != s->port ||
		    o->proto != s->proto)
			continue;
		cfg_addr_str(&s->vip, a, sizeof(a));
		return cfg_fail_key(c, v, "vip", "%s port %u/%s is already used by services[%u]", a,
				    s->port, config_proto_str(s->proto), j);
	}
	return 0;
}

static int cfg_service(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_service *s = obj;
	int err;

	s->proto = IPPROTO_TCP;
	s->policy = IG_POLICY_MAGLEV;
	s->prio = IG_PRIO__MAX; /* the tenant's, resolved at the end */
	s->maglev_size = MAGLEV_SIZE_DEFAULT;
	c->svc = i;
	err = cfg_map(c, v, cfg_service_fields, ARRAY_SIZE(cfg_service_fields), s);
	if (!err)
		err = cfg_maglev_size(c, v, s->maglev_size);
	if (!err)
		err = cfg_service_dups(c, v, s, i);
	return err;
}

static int cfg_services(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_seq(c, v, sizeof(*cfg->services), (void **)&cfg->services, &cfg->n_services,
		       cfg_service);
}

static const struct cfg_field cfg_telemetry_fields[] = {
	CFG_FIELD(struct config_telemetry, "interval", CT_DURATION, interval_ns, 0, 10 * CFG_MS,
		  CFG_HOUR),
	CFG_FIELD(struct config_telemetry, "timeout", CT_DURATION, timeout_ns, 0, CFG_MS, CFG_HOUR),
	CFG_FIELD(struct config_telemetry, "stale_after", CT_UINT, stale_after, 0, 1, 1000),
	CFG_FIELD(struct config_telemetry, "nvml", CT_BOOL, nvml, 0, 0, 0),
};

static int cfg_telemetry(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_telemetry *t = &((struct ig_cfg *)obj)->telemetry;
	int err = cfg_map(c, v, cfg_telemetry_fields, ARRAY_SIZE(cfg_telemetry_fields), t);

	return err ? err : cfg_timeout(c, v, t->interval_ns, &t->timeout_ns);
}

static const struct cfg_field cfg_scoring_fields[] = {
	CFG_FIELD(struct score_params, "waiting_norm", CT_DOUBLE, waiting_norm, CF_GT_MIN, 0, 1e6),
	CFG_FIELD(struct score_params, "kv_norm", CT_DOUBLE, kv_norm, CF_GT_MIN, 0, 1),
	CFG_FIELD(struct score_params, "gpu_util_weight", CT_DOUBLE, gpu_util_weight, 0, 0, 10),
	CFG_FIELD(struct score_params, "ewma_alpha", CT_DOUBLE, ewma_alpha, CF_GT_MIN, 0, 1),
	CFG_FIELD(struct score_params, "hysteresis", CT_DOUBLE, hysteresis, 0, 0, 0.5),
	CFG_FIELD(struct score_params, "stale_load", CT_DOUBLE, stale_load, 0, 0, 0.95),
	CFG_FIELD(struct score_params, "stale_decay", CT_DURATION, decay_ns, 0, 0, CFG_HOUR),
};

static int cfg_scoring(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_map(c, v, cfg_scoring_fields, ARRAY_SIZE(cfg_scoring_fields), &cfg->scoring);
}

/* "a.b.c.d:port" or "[v6]:port". */
static int cfg_listen_parse(const char *s, struct config_listen *l)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t len = colon ? (size_t)(colon - s) : 0;
	unsigned long port;
	char *end;

	if (!len || len >= sizeof(host) || !isdigit((unsigned char)colon[1]))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || !port || port > 65535)
		return -EINVAL;
	l->port = (__u16)port;
	if (host[0] != '[')
		return strchr(host, ':') ? -EINVAL : cfg_addr_parse(host, &l->addr);
	if (host[len - 1] != ']')
		return -EINVAL;
	host[len - 1] = '\0';
	return !strchr(host, ':') ? -EINVAL : cfg_addr_parse(host + 1, &l->addr);
}

static int cfg_listen(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	int err = cfg_need_text(c, v, "ADDRESS:PORT");

	if (err)
		return err;
	if (cfg_listen_parse(v->str, obj))
		return cfg_fail(c, v, "'%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9469, [::1]:9469)",
				v->str);
	return 0;
}

static const struct cfg_field cfg_metrics_fields[] = {
	CFG_CUSTOM("listen", 0, cfg_listen),
};

static int cfg_metrics(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_map(c, v, cfg_metrics_fields, ARRAY_SIZE(cfg_metrics_fields), &cfg->metrics);
}

/* One directory of pinned maps, absolute, named once. */
static int cfg_host_map(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	char(*dirs)[CONFIG_PATH_MAX] = (char(*)[CONFIG_PATH_MAX])obj - i;
	int err = cfg_need_text(c, v, "a directory");
	unsigned int j;

	if (err)
		return err;
	if (v->str[0] != '/')
		return cfg_fail(c, v, "'%s' is not an absolute path", v->str);
	if (strlen(v->str) >= CONFIG_PATH_MAX)
		return cfg_fail(c, v, "'%.32s...' is too long (at most %d characters)", v->str,
				CONFIG_PATH_MAX - 1);
	for (j = 0; j < i; j++)
		if (!strcmp(dirs[j], v->str))
			return cfg_fail(c, v, "'%s' is already listed as host_maps[%u]", v->str, j);
	strcpy(dirs[i], v->str);
	return 0;
}

static int cfg_host_maps(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_governance *g = obj;

	return cfg_seq(c, v, sizeof(*g->host_maps), (void **)&g->host_maps, &g->n_host_maps,
		       cfg_host_map);
}

static const struct cfg_field cfg_governance_fields[] = {
	CFG_FIELD(struct config_governance, "shed_batch_at", CT_DOUBLE, shed_batch_at, CF_GT_MIN, 0,
		  1),
	CFG_FIELD(struct config_governance, "shed_standard_at", CT_DOUBLE, shed_standard_at,
		  CF_GT_MIN, 0, 1),
	CFG_FIELD(struct config_governance, "shed_hysteresis", CT_DOUBLE, shed_hysteresis, 0, 0,
		  0.5),
	CFG_FIELD(struct config_governance, "bytes_per_token", CT_DOUBLE, bytes_per_token,
		  CF_GT_MIN, 0, 1e6),
	CFG_FIELD(struct config_governance, "cut_runaway_flows", CT_BOOL, cut_runaway_flows, 0, 0,
		  0),
	CFG_CUSTOM("host_maps", 0, cfg_host_maps),
};

static int cfg_governance(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_governance *g = &((struct ig_cfg *)obj)->governance;
	int err = cfg_map(c, v, cfg_governance_fields, ARRAY_SIZE(cfg_governance_fields), g);

	if (!err && g->shed_standard_at < g->shed_batch_at)
		err = cfg_fail_key(c, v, "shed_standard_at",
				   "%g is below shed_batch_at (%g): batch is shed first",
				   g->shed_standard_at, g->shed_batch_at);
	return err;
}

static const struct cfg_field cfg_root_fields[] = {
	CFG_CUSTOM("interfaces", CF_REQ, cfg_ifaces), CFG_CUSTOM("gateway", CF_REQ, cfg_gateway),
	CFG_CUSTOM("tenants", CF_REQ, cfg_tenants),   CFG_CUSTOM("services", CF_REQ, cfg_services),
	CFG_CUSTOM("telemetry", 0, cfg_telemetry),    CFG_CUSTOM("scoring", 0, cfg_scoring),
	CFG_CUSTOM("metrics", 0, cfg_metrics),	      CFG_CUSTOM("governance", 0, cfg_governance),
};

/* ---- cross references and derived values ---------------------------------- */

static int cfg_resolve_tenant(struct cfg_ctx *c, const struct cfg_node *v, struct config_service *s)
{
	const struct ig_cfg *cfg = c->cfg;
	unsigned int t, d, best = 3;
	const char *hint = NULL;

	for (t = 0; t < cfg->n_tenants; t++) {
		if (!strcmp(cfg->tenants[t].name, s->tenant))
			break;
		d = cfg_distance(cfg->tenants[t].name, s->tenant);
		if (d < best) {
			best = d;
			hint = cfg->tenants[t].name;
		}
	}
	if (t == cfg->n_tenants && hint)
		return cfg_fail_key(c, v, "tenant", "unknown tenant '%s' (did you mean '%s'?)",
				    s->tenant, hint);
	if (t == cfg->n_tenants)
		return cfg_fail_key(c, v, "tenant", "unknown tenant '%s'", s->tenant);
	s->tenant_idx = t;
	s->tenant_id = cfg->tenants[t].id;
	if (s->prio == IG_PRIO__MAX)
		s->prio = cfg->tenants[t].prio;
	return 0;
}

/* The underlay has one address family: the gateway's. */
static int cfg_resolve_backends(struct cfg_ctx *c, const struct cfg_node *v,
				struct config_service *s)
{
	const struct cfg_node *list = cfg_get(v, "backends");
	int family = c->cfg->gateway.vtep.family;
	char a[INET6_ADDRSTRLEN];
	unsigned int b;

	for (b = 0; b < s->n_backends; b++) {
		struct config_backend *be = &s->backends[b];

		if (!be->health.port)
			be->health.port = s->port;
		if (be->vtep.family == family)
			continue;
		cfg_push(c, ".backends[%u]", b);
		cfg_addr_str(&be->vtep, a, sizeof(a));
		return cfg_fail_key(c, list->kids[b], "vtep", "%s is %s but gateway.vtep is %s", a,
				    be->vtep.family == AF_INET ? "IPv4" : "IPv6",
				    family == AF_INET ? "IPv4" : "IPv6");
	}
	return 0;
}

static int cfg_resolve(struct cfg_ctx *c, const struct cfg_node *root)
{
	const struct cfg_node *list = cfg_get(root, "services");
	struct ig_cfg *cfg = c->cfg;
	unsigned int i;
	size_t old;
	int err;

	for (i = 0; i < cfg->n_services; i++) {
		old = cfg_push(c, "services[%u]", i);
		err = cfg_resolve_tenant(c, list->kids[i], &cfg->services[i]);
		if (!err)
			err = cfg_resolve_backends(c, list->kids[i], &cfg->services[i]);
		if (err)
			return err;
		cfg_pop(c, old);
	}
	cfg->scoring.stale_ns = cfg->telemetry.interval_ns * cfg->telemetry.stale_after;
	return 0;
}

/* ---- entry points --------------------------------------------------------- */

static void cfg_defaults(struct ig_cfg *cfg)
{
	cfg->gateway.udp_idle_ns = IG_UDP_IDLE_DEFAULT_NS;
	cfg->gateway.syn_timeout_ns = IG_SYN_TIMEOUT_DEFAULT_NS;
	cfg->gateway.linger_ns = IG_CONN_LINGER_DEFAULT_NS;
	cfg->gateway.flood_rate = CFG_FLOOD_RATE;
	cfg->telemetry.interval_ns = CFG_S;
	cfg->telemetry.timeout_ns = 500 * CFG_MS;
	cfg->telemetry.stale_after = 3;
	score_params_default(&cfg->scoring);
	cfg_addr_parse(CFG_METRICS_ADDR, &cfg->metrics.addr);
	cfg->metrics.port = CONFIG_METRICS_PORT;
	cfg->governance.shed_batch_at = CFG_SHED_BATCH_AT;
	cfg->governance.shed_standard_at = CFG_SHED_STANDARD_AT;
	cfg->governance.shed_hysteresis = CFG_SHED_HYSTERESIS;
	cfg->governance.bytes_per_token = CFG_BYTES_PER_TOKEN;
	cfg->governance.cut_runaway_flows = true;
}

static void cfg_diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* A parser that collects its diagnostics instead of printing them. */
static int cfg_parser_open(struct cfg_ctx *c, FILE *f)
{
	struct fy_parse_cfg pc = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag_cfg dc;

	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = cfg_diag_discard;
	dc.level = FYET_ERROR;
	c->diag = fy_diag_create(&dc);
	if (!c->diag)
		return cfg_oom(c);
	fy_diag_set_collect_errors(c->diag, true);
	pc.diag = c->diag;
	c->fyp = fy_parser_create(&pc);
	if (!c->fyp || fy_parser_set_input_fp(c->fyp, c->file, f))
		return cfg_oom(c);
	return 0;
}

static void cfg_parser_close(struct cfg_ctx *c)
{
	if (c->fyp)
		fy_parser_destroy(c->fyp);
	if (c->diag)
		fy_diag_destroy(c->diag);
	cfg_tree_free(c);
}

int config_load(const char *path, struct ig_cfg *out, struct config_error *err)
{
	struct cfg_ctx c = { .file = path, .err = err, .cfg = out };
	struct cfg_node *root = NULL;
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		cfg_fail(&c, NULL, "cannot open: %s", strerror(-ret));
		return ret;
	}
	cfg_defaults(out);
	ret = cfg_parser_open(&c, f);
	if (!ret)
		ret = cfg_read_doc(&c, &root);
	if (!ret)
		ret = cfg_map(&c, root, cfg_root_fields, ARRAY_SIZE(cfg_root_fields), out);
	if (!ret)
		ret = cfg_resolve(&c, root);
	cfg_parser_close(&c);
	fclose(f);
	if (ret)
		config_free(out);
	return ret;
}

void config_free(struct ig_cfg *cfg)
{
	unsigned int s, b;

	for (s = 0; s < cfg->n_services && cfg->services; s++) {
		for (b = 0; b < cfg->services[s].n_backends && cfg->services[s].backends; b++)
			free(cfg->services[s].backends[b].metrics);
		free(cfg->services[s].backends);
	}
	free(cfg->services);
	free(cfg->tenants);
	free(cfg->ifaces);
	free(cfg->governance.host_maps);
	memset(cfg, 0, sizeof(*cfg));
}

int config_check_file(const char *path, FILE *out)
{
	struct config_error err;
	unsigned int s, nb = 0;
	struct ig_cfg cfg;

	if (config_load(path, &cfg, &err)) {
		fprintf(out, "%s\n", err.text);
		return 1;
	}
	for (s = 0; s < cfg.n_services; s++)
		nb += cfg.services[s].n_backends;
	fprintf(out, "%s: OK: %u interfaces, %u tenants, %u services, %u backends\n", path,
		cfg.n_ifaces, cfg.n_tenants, cfg.n_services, nb);
	config_free(&cfg);
	return 0;
}
