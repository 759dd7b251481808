// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `infergatectl conns`: the connection table (ig_conns), filtered by tenant,
 * service or backend, counted, or one flow looked up by its 5-tuple. Rows are
 * sorted by key so that two runs over the same table print the same thing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "tools/infergatectl/ctl.h"

struct conn_row {
	struct ig_conn_key k;
	struct ig_conn v;
};

struct conn_list {
	struct conn_row *rows;
	size_t n, cap;
};

static int conn_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct conn_row *)a)->k, &((const struct conn_row *)b)->k,
		      sizeof(struct ig_conn_key));
}

static bool conn_match(const struct ctl_opts *o, const struct conn_row *r)
{
	return (o->tenant < 0 || r->k.tenant == o->tenant) &&
	       (o->service < 0 || r->v.service == o->service) &&
	       (o->backend < 0 || r->v.backend == o->backend);
}

static int conn_push(struct conn_list *l, const struct conn_row *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct conn_row *p = realloc(l->rows, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->rows = p;
		l->cap = cap;
	}
	l->rows[l->n++] = *r;
	return 0;
}

struct conn_walk {
	struct ctl *c;
	struct conn_list *l;
};

static int conn_visit(struct dp_conn *e, void *arg)
{
	struct conn_walk *w = arg;
	struct conn_row r = { .k = e->key, .v = e->val };

	return conn_match(&w->c->o, &r) ? conn_push(w->l, &r) : 0;
}

static int conn_collect(struct ctl *c, struct conn_list *l)
{
	struct conn_walk w = { .c = c, .l = l };
	int err = dp_conns_walk(&c->m, conn_visit, &w, NULL);

	if (!err)
		qsort(l->rows, l->n, sizeof(*l->rows), conn_cmp);
	return err;
}

/* open, half-open (no ACK yet) or closing (FIN or RST seen); "synced"
 * follows the state of an entry made from a peer gateway's decision. */
static const char *conn_state(const struct ig_conn *v)
{
	if (v->flags & IG_CONN_F_CLOSING)
		return "closing";
	return v->flags & IG_CONN_F_EST ? "open" : "half-open";
}

static __u64 conn_secs(__u64 now, __u64 then)
{
	return now > then ? (now - then) / 1000000000ULL : 0;
}

static void conn_print(const struct ctl *c, const struct conn_row *r, __u64 now, bool first)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], src[64], dst[64], tn[16], sv[16], be[16];
	bool v6 = !strchr(ctl_addr_str(r->k.saddr, s, sizeof(s)), '.');

	ctl_addr_str(r->k.daddr, d, sizeof(d));
	if (c->o.json) {
		printf("%s{\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,\"proto\":\"%s\","
		       "\"tenant\":%u,\"service\":%u,\"backend\":%u,\"age_s\":%llu,\"idle_s\":%llu,"
		       "\"closing\":%s,\"state\":\"%s\",\"synced\":%s}",
		       first ? "" : ",", s, ntohs(r->k.sport), d, ntohs(r->k.dport),
		       ctl_proto_str(r->k.proto), r->k.tenant, r->v.service, r->v.backend,
		       conn_secs(now, r->v.first_ns), conn_secs(now, r->v.last_ns),
		       r->v.flags & IG_CONN_F_CLOSING ? "true" : "false", conn_state(&r->v),
		       r->v.flags & IG_CONN_F_SYNCED ? "true" : "false");
		return;
	}
	snprintf(src, sizeof(src), v6 ? "[%s]:%u" : "%s:%u", s, ntohs(r->k.sport));
	snprintf(dst, sizeof(dst), v6 ? "[%s]:%u" : "%s:%u", d, ntohs(r->k.dport));
	printf("%-21s %-21s %-5s %-8s %-8s %-8s %7llus %7llus %s%s\n", src, dst,
	       ctl_proto_str(r->k.proto), ctl_name_or_id(c, IG_NAME_TENANT, r->k.tenant, tn, 16),
	       ctl_name_or_id(c, IG_NAME_SERVICE, r->v.service, sv, 16),
	       ctl_name_or_id(c, IG_NAME_BACKEND, r->v.backend, be, 16),
	       conn_secs(now, r->v.first_ns), conn_secs(now, r->v.last_ns), conn_state(&r->v),
	       r->v.flags & IG_CONN_F_SYNCED ? " synced" : "");
}

/* Keep only the row of --flow (any tenant). */
static int conn_flow_filter(struct ctl *c, struct conn_list *l)
{
	struct ig_conn_key want = {};
	__u16 sport, dport;
	size_t n = 0;

	if (ctl_flow_parse(c->o.flow, want.saddr, &sport, want.daddr, &dport, &want.proto)) {
		fprintf(stderr, "infergatectl: bad flow '%s' (want SRC:PORT-DST:PORT/tcp|udp)\n",
			c->o.flow);
		return -EINVAL;
	}
	want.sport = htons(sport);
	want.dport = htons(dport);
	for (size_t i = 0; i < l->n; i++) {
		const struct ig_conn_key *k = &l->rows[i].k;

		if (!memcmp(k->saddr, want.saddr, 16) && !memcmp(k->daddr, want.daddr, 16) &&
		    k->sport == want.sport && k->dport == want.dport && k->proto == want.proto)
			l->rows[n++] = l->rows[i];
	}
	l->n = n;
	if (!n) {
		fprintf(stderr, "infergatectl: no connection %s in ig_conns\n", c->o.flow);
		return -ENOENT;
	}
	return 0;
}

static void conn_list_print(const struct ctl *c, const struct conn_list *l)
{
	__u64 now = ctl_now_ns();

	if (c->o.json)
		printf("{\"conns\":[");
	else
		printf("%-21s %-21s %-5s %-8s %-8s %-8s %8s %8s %s\n", "SOURCE", "DESTINATION",
		       "PROTO", "TENANT", "SERVICE", "BACKEND", "AGE", "IDLE", "STATE");
	for (size_t i = 0; i < l->n; i++)
		conn_print(c, &l->rows[i], now, !i);
	if (c->o.json)
		printf("],\"count\":%zu}\n", l->n);
}

int ctl_conns(struct ctl *c)
{
	struct conn_list l = {};
	int err = conn_collect(c, &l);

	if (!err && c->o.flow)
		err = conn_flow_filter(c, &l);
	if (!err && c->o.count_only)
		printf(c->o.json ? "{\"count\":%zu}\n" : "%zu\n", l.n);
	else if (!err)
		conn_list_print(c, &l);
	free(l.rows);
	return err;
}
