// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The configuration engine (cfgtree.h): the document tree built from
 * libfyaml's events, errors with positions and field paths, scalar
 * conversions and the field tables' checker. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libfyaml.h>

#include "user/agent/cfgtree.h"
#include "user/lib/addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CFG_DIAG_MAX 80 /* bytes of a libfyaml message an error keeps */

/* ---- the document tree ---------------------------------------------------- */

/* ---- errors --------------------------------------------------------------- */

static void cfg_format(struct config_error *e)
{
	char pos[32] = "";

	if (e->line)
		snprintf(pos, sizeof(pos), ":%d:%d", e->line, e->col);
	snprintf(e->text, sizeof(e->text), "%s%s: %s%s%s", e->file, pos, e->field,
		 e->field[0] ? ": " : "", e->msg);
}

/* Bytes that are not printable ASCII as \xNN: an error message never
 * carries a control character or a byte of an unknown encoding. */
static void cfg_escape(char *out, size_t size, const char *in, size_t max_in)
{
	size_t o = 0, i;

	for (i = 0; in[i] && i < max_in && o + 5 < size; i++) {
		unsigned char b = in[i];

		if (b >= 0x20 && b < 0x7f)
			out[o++] = b;
		else
			o += snprintf(out + o, size - o, "\\x%02x", b);
	}
	if (in[i] && i == max_in && o + 4 < size)
		o += snprintf(out + o, size - o, "...");
	out[o] = '\0';
}

const char *cfg_token(struct cfg_ctx *c, const char *s)
{
	cfg_escape(c->tok, sizeof(c->tok), s ? s : "", CFG_TOKEN_MAX);
	return c->tok;
}

int __attribute__((format(printf, 3, 4)))
cfg_fail(struct cfg_ctx *c, const struct cfg_node *at, const char *fmt, ...)
{
	struct config_error *e = c->err;
	char msg[CONFIG_MSG_MAX];
	va_list ap;

	e->line = at ? at->line : c->line;
	e->col = at ? at->col : c->col;
	cfg_escape(e->field, sizeof(e->field), c->path, sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_escape(e->msg, sizeof(e->msg), msg, sizeof(msg));
	cfg_format(e);
	return -EINVAL;
}

static int cfg_oom(struct cfg_ctx *c)
{
	cfg_fail(c, NULL, "out of memory");
	return -ENOMEM;
}

size_t __attribute__((format(printf, 2, 3))) cfg_push(struct cfg_ctx *c, const char *fmt, ...)
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

/* A key that cannot be a field name (a line of another file that a symlink
 * put here: "root:$y$...:19700:0:99999:7::") is not echoed into the path. */
static bool cfg_key_plausible(const char *key)
{
	size_t n = strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n && n <= CFG_TOKEN_MAX && !key[n];
}

static size_t cfg_push_key(struct cfg_ctx *c, const char *key)
{
	if (!cfg_key_plausible(key))
		key = "<key not shown>";
	return cfg_push(c, c->plen ? ".%s" : "%s", key);
}

void cfg_pop(struct cfg_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Where libfyaml reports a syntax error, as its own messages put it. */
static int cfg_syntax_error(struct cfg_ctx *c)
{
	char msg[CFG_DIAG_MAX * 4 + 8];
	struct fy_diag_error *de;
	void *it = NULL;

	while ((de = fy_diag_errors_iterate(c->diag, &it))) {
		if (de->type < FYET_ERROR)
			continue;
		c->line = de->line;
		c->col = de->column;
		/* libfyaml's own words, escaped and cut: some quote the input. */
		cfg_escape(msg, sizeof(msg), de->msg, CFG_DIAG_MAX);
		return cfg_fail(c, NULL, "syntax error: %s", msg);
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
const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
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
int cfg_need_text(struct cfg_ctx *c, const struct cfg_node *v, const char *what)
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

int cfg_addr_parse(const char *s, struct config_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (addr_parse(s, a->addr))
		return -EINVAL;
	a->family = addr_is_v4(a->addr) ? AF_INET : AF_INET6;
	return 0;
}

void cfg_addr_str(const struct config_addr *a, char *buf, size_t len)
{
	addr_str(a->addr, buf, len);
}

/* Optimal string alignment distance of two short keys, for did-you-mean. */
unsigned int cfg_distance(const char *a, const char *b)
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
		return cfg_fail(c, v, "%s is out of range (%.0f-%.0f)", cfg_token(c, v->str),
				f->min, f->max);
	if (f->flags & CF_GT_MIN)
		return cfg_fail(c, v, "%s is out of range (above %g, up to %g)",
				cfg_token(c, v->str), f->min, f->max);
	return cfg_fail(c, v, "%s is out of range (%g-%g)", cfg_token(c, v->str), f->min, f->max);
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
		return cfg_fail(c, v, "'%s' is not an integer", cfg_token(c, v->str));
	errno = 0;
	x = strtoll(v->str, &end, 10);
	if (*end)
		return cfg_fail(c, v, "'%s' is not an integer", cfg_token(c, v->str));
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
		return cfg_fail(c, v, "'%s' is not a number", cfg_token(c, v->str));
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
		return cfg_fail(c, v, "'%s' is not true or false", cfg_token(c, v->str));
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
		return cfg_fail(c, v, "'%s' is not a duration (e.g. 250ms, 5s, 1m, 1h)",
				cfg_token(c, v->str));
	if (ns < f->min || ns > f->max) {
		config_format_duration((__u64)f->min, lo, sizeof(lo));
		config_format_duration((__u64)f->max, hi, sizeof(hi));
		return cfg_fail(c, v, "%s is out of range (%s-%s)", cfg_token(c, v->str), lo, hi);
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
		return cfg_fail(c, v, "'%s' is too long (at most %zu characters)",
				cfg_token(c, v->str), f->size - 1);
	if (f->type == CT_NAME && !cfg_name_ok(v->str, f->type))
		return cfg_fail(c, v, "'%s' is not a valid name (letters, digits, '.', '_', '-')",
				cfg_token(c, v->str));
	if (f->type == CT_IFNAME && !cfg_name_ok(v->str, f->type))
		return cfg_fail(c, v, "'%s' is not a valid interface name", cfg_token(c, v->str));
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
	return cfg_fail(c, v, "'%s' is not one of: %s", cfg_token(c, v->str), list);
}

static int cfg_addr(struct cfg_ctx *c, const struct cfg_node *v, struct config_addr *a)
{
	static const __u8 zero[IG_ADDR_LEN];
	int err = cfg_need_text(c, v, "an address");

	if (err)
		return err;
	if (cfg_addr_parse(v->str, a))
		return cfg_fail(c, v, "'%s' is not an IPv4 or IPv6 address", cfg_token(c, v->str));
	if (a->family == AF_INET ? !memcmp(&a->addr[12], zero, 4) || a->addr[12] >= 224 :
				   !memcmp(a->addr, zero, IG_ADDR_LEN) || a->addr[0] == 0xff)
		return cfg_fail(c, v, "%s is not a unicast address", cfg_token(c, v->str));
	return 0;
}

int cfg_addr_value(struct cfg_ctx *c, const struct cfg_node *v, struct config_addr *a)
{
	return cfg_addr(c, v, a);
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
int cfg_map(struct cfg_ctx *c, const struct cfg_node *map, const struct cfg_field *fields, size_t n,
	    void *obj)
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
int __attribute__((format(printf, 4, 5)))
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
int cfg_seq(struct cfg_ctx *c, const struct cfg_node *v, size_t size, void **arr, unsigned int *n,
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

static void cfg_diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* A parser that collects its diagnostics instead of printing them, reading
 * from memory: the bytes were read and checked before. */
static int cfg_parser_open(struct cfg_ctx *c, const char *buf, size_t len)
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
	if (!c->fyp || fy_parser_set_string(c->fyp, buf, len))
		return cfg_oom(c);
	return 0;
}

void cfg_close(struct cfg_ctx *c)
{
	if (c->fyp)
		fy_parser_destroy(c->fyp);
	if (c->diag)
		fy_diag_destroy(c->diag);
	c->fyp = NULL;
	c->diag = NULL;
	cfg_tree_free(c);
}

int cfg_parse(struct cfg_ctx *c, const char *buf, size_t len, struct cfg_node **root)
{
	int err = cfg_parser_open(c, buf, len);

	return err ? err : cfg_read_doc(c, root);
}

/* ---- reading and checking the bytes ---------------------------------------- */

static const char *cfg_file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a file";
}

static int cfg_fail_file(struct cfg_ctx *c, int err, const char *fmt, const char *what)
{
	c->line = c->col = 0;
	cfg_fail(c, NULL, fmt, what);
	return err;
}

int cfg_read_file(struct cfg_ctx *c, const char *path, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO without a writer must not wait for one. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cfg_fail_file(c, -errno, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st)) {
		err = cfg_fail_file(c, -errno, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = cfg_fail_file(c, -EINVAL, "not a regular file (%s)",
				    cfg_file_kind(st.st_mode));
		goto out;
	}
	if (st.st_size > CFG_FILE_MAX) {
		c->line = c->col = 0;
		err = -EFBIG;
		cfg_fail(c, NULL, "%lld bytes: larger than the %u-byte limit",
			 (long long)st.st_size, CFG_FILE_MAX);
		goto out;
	}
	b = malloc(CFG_FILE_MAX + 2);
	if (!b) {
		err = cfg_oom(c);
		goto out;
	}
	/* Read one byte past the limit: a file that grew since fstat() fails. */
	while (n <= CFG_FILE_MAX && (r = read(fd, b + n, CFG_FILE_MAX + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cfg_fail_file(c, -errno, "cannot read: %s", strerror(errno));
			goto out;
		}
		n += r;
	}
	if (n > CFG_FILE_MAX) {
		err = cfg_fail_file(c, -EFBIG, "%s", "larger than the limit (it grows)");
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	err = 0;
out:
	free(b);
	close(fd);
	return err;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are not. */
static size_t cfg_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int cfg_check_bytes(struct cfg_ctx *c, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i, k;

	c->line = 1;
	c->col = 1;
	for (i = 0; i < len; i += k) {
		if (!s[i])
			return cfg_fail(c, NULL, "NUL byte: this is not a text file");
		k = cfg_utf8_len(s + i, len - i);
		if (!k)
			return cfg_fail(c, NULL,
					"not valid UTF-8 (byte 0x%02x): save the file as UTF-8",
					s[i]);
		c->col = s[i] == '\n' ? 1 : c->col + 1;
		c->line += s[i] == '\n';
	}
	c->line = 1;
	c->col = 1;
	for (i = 0; i < len; i++) {
		if ((!i || s[i - 1] == '\n') && s[i] == '%')
			return cfg_fail(c, NULL,
					"YAML directives ('%%' at the start of a line) "
					"are not supported");
		c->line += s[i] == '\n';
	}
	return 0;
}

/* ---- a parse that cannot stall its caller ----------------------------------- */

static void cfg_child(int (*fn)(void *), void *arg, struct config_error *err, int wfd)
{
	int rc = fn(arg);

	if (write(wfd, &rc, sizeof(rc)) == sizeof(rc))
		(void)!write(wfd, err, sizeof(*err));
	_exit(0); /* no atexit handlers: they belong to the parent */
}

static int cfg_wait_child(int rfd, unsigned int ms, struct config_error *err)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	struct config_error e;
	size_t got = 0;
	int rc, n;

	n = poll(&p, 1, ms);
	if (n <= 0)
		return n < 0 ? -errno : -ETIMEDOUT;
	if (read(rfd, &rc, sizeof(rc)) != sizeof(rc))
		return -EPIPE; /* the child died (a crash in the parser) */
	while (got < sizeof(e)) {
		ssize_t r = read(rfd, (char *)&e + got, sizeof(e) - got);

		if (r <= 0)
			return -EPIPE;
		got += r;
	}
	*err = e;
	return rc;
}

int cfg_run_bounded(int (*fn)(void *arg), void *arg, unsigned int ms, struct config_error *err)
{
	int pfd[2], rc, status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return fn(arg);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return fn(arg);
	}
	if (!pid) {
		close(pfd[0]);
		cfg_child(fn, arg, err, pfd[1]);
	}
	close(pfd[1]);
	rc = cfg_wait_child(pfd[0], ms, err);
	close(pfd[0]);
	if (rc == -ETIMEDOUT || rc == -EPIPE)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == -ETIMEDOUT || rc == -EPIPE) {
		err->line = err->col = 0;
		err->field[0] = '\0';
		if (rc == -ETIMEDOUT)
			snprintf(err->msg, sizeof(err->msg),
				 "parsing took longer than %u ms: the file is refused", ms);
		else
			snprintf(err->msg, sizeof(err->msg),
				 "the parser failed (%s): the file is refused",
				 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no result");
		cfg_format(err);
	}
	return rc;
}
