// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table views: services, backends, tenants and stats, each as a human
 * table or one line of JSON (docs/infergatectl-json.md). Rows come sorted by
 * id; per-CPU counters are summed. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/names.h"

#define TRAFFIC(f) offsetof(struct ig_traffic, f)

static int svc_cmp(const void *a, const void *b)
{
	const struct svc_row *x = a, *y = b;

	return (x->s.id > y->s.id) - (x->s.id < y->s.id);
}

struct svc_collect {
	struct svc_row *rows;
	int n, cap;
};

static int svc_collect_one(const void *key, const void *val, void *ctx)
{
	const struct ig_service_key *k = key;
	struct svc_collect *sc = ctx;

	if (!k->proto) /* a VIP marker */
		return 0;
	if (sc->n == sc->cap)
		return 1;
	sc->rows[sc->n].k = *k;
	sc->rows[sc->n++].s = *(const struct ig_service *)val;
	return 0;
}

int ctl_services_collect(struct ctl *c, struct svc_row *rows, int cap)
{
	struct svc_collect sc = { .rows = rows, .cap = cap };

	if (dp_services_walk(&c->m, svc_collect_one, &sc) < 0)
		return 0;
	qsort(rows, sc.n, sizeof(*rows), svc_cmp);
	return sc.n;
}

static int svc_nbackends(struct ctl *c, __u32 svc)
{
	struct ig_backend be;
	int n = 0;

	for (__u32 id = 1; id < IG_BACKEND_MAX; id++)
		n += !dp_backend_get(&c->m, id, &be) && be.service == svc;
	return n;
}

/* The text view's policy: "+aff" marks client affinity. */
static const char *svc_policy(const struct ig_service *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", policy_str(s->policy),
		 s->flags & IG_SVC_F_AFFINITY ? "+aff" : "");
	return buf;
}

int ctl_services(struct ctl *c)
{
	struct svc_row *rows = calloc(IG_SERVICE_MAX, sizeof(*rows));
	char vip[INET6_ADDRSTRLEN];
	int n;

	if (!rows)
		return -ENOMEM;
	n = ctl_services_collect(c, rows, IG_SERVICE_MAX);
	if (c->o.json)
		printf("{\"services\":[");
	else
		printf("%-4s %-12s %-15s %5s %-5s %-8s %-12s %-11s %8s %10s %12s %9s %8s\n", "ID",
		       "NAME", "VIP", "PORT", "PROTO", "TENANT", "POLICY", "PRIO", "BACKENDS",
		       "PACKETS", "BYTES", "NEW_CONNS", "DROPS");
	for (int i = 0; i < n; i++) {
		const struct svc_row *r = &rows[i];
		__u32 id = r->s.id;
		const char *name = ctl_name(c, IG_NAME_SERVICE, id);
		char tn[16], pol[24];

		if (c->o.json) {
			printf("%s{\"id\":%u,\"name\":", i ? "," : "", id);
			ctl_json_str(name);
			printf(",\"vip\":\"%s\",\"port\":%u,\"proto\":\"%s\",\"tenant\":%u,"
			       "\"policy\":\"%s\",\"affinity\":",
			       ctl_addr_str(r->k.addr, vip, sizeof(vip)), ntohs(r->k.port),
			       ctl_proto_str(r->k.proto), r->s.tenant, policy_str(r->s.policy));
			if (r->s.flags & IG_SVC_F_AFFINITY)
				printf("{\"port_block\":%u,\"balance\":%g}", r->s.port_block,
				       r->s.balance / 100.0);
			else
				printf("null");
			printf(",\"prio\":\"%s\",\"backends\":%d,\"packets\":%llu,"
			       "\"bytes\":%llu,\"new_conns\":%llu,\"drops\":%llu}",
			       prio_str(r->s.prio), svc_nbackends(c, id),
			       ctl_sum(c->m.svc_stats, id, TRAFFIC(packets)),
			       ctl_sum(c->m.svc_stats, id, TRAFFIC(bytes)),
			       ctl_sum(c->m.svc_stats, id, TRAFFIC(new_conns)),
			       ctl_sum(c->m.svc_stats, id, TRAFFIC(drops)));
			continue;
		}
		printf("%-4u %-12s %-15s %5u %-5s %-8s %-12s %-11s %8d %10llu %12llu %9llu %8llu\n",
		       id, name ?: "-", ctl_addr_str(r->k.addr, vip, sizeof(vip)), ntohs(r->k.port),
		       ctl_proto_str(r->k.proto),
		       ctl_name_or_id(c, IG_NAME_TENANT, r->s.tenant, tn, sizeof(tn)),
		       svc_policy(&r->s, pol, sizeof(pol)), prio_str(r->s.prio),
		       svc_nbackends(c, id), ctl_sum(c->m.svc_stats, id, TRAFFIC(packets)),
		       ctl_sum(c->m.svc_stats, id, TRAFFIC(bytes)),
		       ctl_sum(c->m.svc_stats, id, TRAFFIC(new_conns)),
		       ctl_sum(c->m.svc_stats, id, TRAFFIC(drops)));
	}
	if (c->o.json)
		printf("]}\n");
	free(rows);
	return 0;
}

/* The operator's standing requests on a backend, for the views. */
static const char *backend_request(const struct ig_operator *op)
{
	static const char *const s[] = { "-", "drain", "weight", "drain+weight" };

	return s[op->flags & (IG_OP_F_DRAIN | IG_OP_F_WEIGHT)];
}

static void backend_row(struct ctl *c, __u32 id, const struct ig_backend *be, bool first)
{
	struct ig_backend_load load = {};
	struct ig_operator op = {};
	char addr[INET6_ADDRSTRLEN], sn[16];
	const char *name = ctl_name(c, IG_NAME_BACKEND, id);
	__u64 inflight = 0;

	dp_backend_load_get(&c->m, id, &load);
	dp_backend_inflight(&c->m, id, &inflight);
	dp_operator_get(&c->m, id, &op);
	ctl_addr_str(be->addr, addr, sizeof(addr));
	if (c->o.json) {
		printf("%s{\"id\":%u,\"name\":", first ? "" : ",", id);
		ctl_json_str(name);
		printf(",\"service\":%u,\"addr\":\"%s\",\"state\":\"%s\",\"operator\":{"
		       "\"drain\":%s,\"weight\":",
		       be->service, addr, backend_state_str(be->state),
		       op.flags & IG_OP_F_DRAIN ? "true" : "false");
		if (op.flags & IG_OP_F_WEIGHT)
			printf("%u", op.weight);
		else
			printf("null");
		printf("},\"weight\":%u,\"score\":%.6g,\"capacity\":%u,\"inflight\":%llu,"
		       "\"packets\":%llu,\"bytes\":%llu,\"new_conns\":%llu,\"drops\":%llu}",
		       be->weight, load.score / (double)IG_SCORE_SCALE, load.capacity, inflight,
		       ctl_sum(c->m.be_stats, id, TRAFFIC(packets)),
		       ctl_sum(c->m.be_stats, id, TRAFFIC(bytes)),
		       ctl_sum(c->m.be_stats, id, TRAFFIC(new_conns)),
		       ctl_sum(c->m.be_stats, id, TRAFFIC(drops)));
		return;
	}
	printf("%-4u %-12s %-8s %-15s %-8s %-12s %6u %9.3f %8u %8llu %10llu %12llu %9llu %8llu\n",
	       id, name ?: "-", ctl_name_or_id(c, IG_NAME_SERVICE, be->service, sn, sizeof(sn)),
	       addr, backend_state_str(be->state), backend_request(&op), be->weight,
	       load.score / (double)IG_SCORE_SCALE, load.capacity, inflight,
	       ctl_sum(c->m.be_stats, id, TRAFFIC(packets)),
	       ctl_sum(c->m.be_stats, id, TRAFFIC(bytes)),
	       ctl_sum(c->m.be_stats, id, TRAFFIC(new_conns)),
	       ctl_sum(c->m.be_stats, id, TRAFFIC(drops)));
}

int ctl_backends(struct ctl *c)
{
	struct ig_backend be;
	bool first = true;

	if (c->o.json)
		printf("{\"backends\":[");
	else
		printf("%-4s %-12s %-8s %-15s %-8s %-12s %6s %9s %8s %8s %10s %12s %9s %8s\n", "ID",
		       "NAME", "SERVICE", "ADDRESS", "STATE", "REQUEST", "WEIGHT", "SCORE",
		       "CAPACITY", "INFLIGHT", "PACKETS", "BYTES", "NEW_CONNS", "DROPS");
	for (__u32 id = 1; id < IG_BACKEND_MAX; id++) {
		if (dp_backend_get(&c->m, id, &be) || !be.service)
			continue;
		backend_row(c, id, &be, first);
		first = false;
	}
	if (c->o.json)
		printf("]}\n");
	return 0;
}

/* ,"drops_by_reason":{...} of a tenant: the reasons with packets only. */
static void tenant_reasons(struct ctl *c, __u32 id)
{
	bool first = true;

	printf(",\"drops_by_reason\":{");
	for (__u32 r = 0; r < IG_DROP__MAX; r++) {
		__u64 n = 0;

		if (dp_tenant_drops(&c->m, id, r, &n) || !n)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", drop_reason_str(r), n);
		first = false;
	}
	printf("}");
}

/* Refusals by governance (all its reasons), summed. */
static __u64 tenant_refused(struct ctl *c, __u32 id)
{
	static const __u32 gov[] = { IG_DROP_TN_CONN_RATE, IG_DROP_TN_MAX_CONNS,
				     IG_DROP_TN_BANDWIDTH, IG_DROP_TN_THROTTLED,
				     IG_DROP_SHED_BATCH,   IG_DROP_SHED_STANDARD };
	__u64 sum = 0, n;

	for (size_t i = 0; i < sizeof(gov) / sizeof(gov[0]); i++) {
		n = 0;
		if (!dp_tenant_drops(&c->m, id, gov[i], &n))
			sum += n;
	}
	return sum;
}

static const char *tenant_state(const struct ig_tenant *t)
{
	if (t->flags & IG_TENANT_F_THROTTLED)
		return "throttled";
	return t->flags & IG_TENANT_F_LIMITED ? "limited" : "-";
}

static void tenant_limits_json(const struct ig_tenant *t)
{
	printf(",\"limits\":{\"conn_rate\":%u,\"conn_burst\":%u,\"max_conns\":%u,"
	       "\"bandwidth\":%llu,\"bandwidth_burst\":%llu,\"refuse\":\"%s\"}",
	       t->conn_rate, t->conn_burst, t->max_conns, (unsigned long long)t->bw_rate,
	       (unsigned long long)t->bw_burst, t->flags & IG_TENANT_F_RST ? "rst" : "drop");
}

int ctl_tenants(struct ctl *c)
{
	struct ig_tenant t;
	bool first = true;
	__u64 open;

	if (c->o.json)
		printf("{\"tenants\":[");
	else
		printf("%-4s %-12s %8s %-11s %10s %12s %9s %8s %6s %8s %-9s\n", "ID", "NAME", "VNI",
		       "PRIO", "PACKETS", "BYTES", "NEW_CONNS", "DROPS", "CAPPED", "REFUSED",
		       "STATE");
	for (__u32 id = 1; id < IG_TENANT_MAX; id++) {
		const char *name;

		if (dp_tenant_get(&c->m, id, &t) || !(t.flags & IG_TENANT_F_ACTIVE))
			continue;
		if (dp_tenant_conns(&c->m, id, &open))
			open = 0;
		name = ctl_name(c, IG_NAME_TENANT, id);
		if (c->o.json) {
			printf("%s{\"id\":%u,\"name\":", first ? "" : ",", id);
			ctl_json_str(name);
		} else {
			printf("%-4u %-12s", id, name ?: "-");
		}
		printf(c->o.json ? ",\"vni\":%u,\"prio\":\"%s\",\"packets\":%llu,"
				   "\"bytes\":%llu,\"new_conns\":%llu,\"drops\":%llu,"
				   "\"capped_conns\":%llu,\"refused\":%llu,\"state\":\"%s\"" :
				   " %8u %-11s %10llu %12llu %9llu %8llu %6llu %8llu %-9s\n",
		       t.vni, prio_str(t.prio), ctl_sum(c->m.tn_stats, id, TRAFFIC(packets)),
		       ctl_sum(c->m.tn_stats, id, TRAFFIC(bytes)),
		       ctl_sum(c->m.tn_stats, id, TRAFFIC(new_conns)),
		       ctl_sum(c->m.tn_stats, id, TRAFFIC(drops)), (unsigned long long)open,
		       tenant_refused(c, id), tenant_state(&t));
		if (c->o.json) {
			tenant_limits_json(&t);
			tenant_reasons(c, id);
			printf("}");
		}
		first = false;
	}
	if (c->o.json)
		printf("]}\n");
	return 0;
}

/* The flood guard's rate (ig_config; 0 = off): over it, new flows are
 * steered by Maglev without a connection entry (flood-guard-stateless). */
static __u32 stats_flood_rate(struct ctl *c)
{
	struct ig_config cfg = {};

	dp_config_get(&c->m, &cfg);
	return cfg.flood_rate;
}

static void stats_json(struct ctl *c)
{
	printf("{\"counters\":{");
	for (__u32 i = 0; i < IG_CNT__MAX; i++)
		printf("%s\"%s\":%llu", i ? "," : "", counter_str(i), ctl_sum(c->m.counters, i, 0));
	printf("},\"drops\":{");
	for (__u32 r = 0; r < IG_DROP__MAX; r++)
		printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", r ? "," : "",
		       drop_reason_str(r),
		       ctl_sum(c->m.drops, r, offsetof(struct ig_drop_stat, packets)),
		       ctl_sum(c->m.drops, r, offsetof(struct ig_drop_stat, bytes)));
	printf("},\"flood_guard\":{\"rate_per_cpu\":%u,\"stateless\":%llu}}\n", stats_flood_rate(c),
	       ctl_sum(c->m.counters, IG_CNT_FLOOD_STATELESS, 0));
}

int ctl_stats(struct ctl *c)
{
	if (c->o.json) {
		stats_json(c);
		return 0;
	}
	printf("%-28s %12s\n", "COUNTER", "VALUE");
	for (__u32 i = 0; i < IG_CNT__MAX; i++)
		printf("%-28s %12llu\n", counter_str(i), ctl_sum(c->m.counters, i, 0));
	printf("\n%-28s %12s %14s\n", "DROP REASON", "PACKETS", "BYTES");
	for (__u32 r = 0; r < IG_DROP__MAX; r++) {
		__u64 p = ctl_sum(c->m.drops, r, offsetof(struct ig_drop_stat, packets));

		if (p)
			printf("%-28s %12llu %14llu\n", drop_reason_str(r), p,
			       ctl_sum(c->m.drops, r, offsetof(struct ig_drop_stat, bytes)));
	}
	if (stats_flood_rate(c))
		printf("\nflood guard: on above %u new flows/s per CPU, %llu flows steered "
		       "statelessly\n",
		       stats_flood_rate(c), ctl_sum(c->m.counters, IG_CNT_FLOOD_STATELESS, 0));
	else
		printf("\nflood guard: off\n");
	return 0;
}
