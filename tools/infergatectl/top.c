// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `infergatectl top`: services and backends, redrawn every interval with the
 * rates of the last one (new connections/s, drops/s) next to in-flight,
 * weight and score. Plain ANSI clear and redraw; --json prints one line per
 * iteration instead. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/names.h"

#define TRAFFIC(f) offsetof(struct ig_traffic, f)

struct top_snap {
	__u64 svc_new[IG_SERVICE_MAX], svc_drops[IG_SERVICE_MAX];
	__u64 be_new[IG_BACKEND_MAX], be_drops[IG_BACKEND_MAX], be_inflight[IG_BACKEND_MAX];
	struct ig_backend be[IG_BACKEND_MAX]; /* service 0: no backend */
	struct ig_backend_load load[IG_BACKEND_MAX];
	struct svc_row svc[IG_SERVICE_MAX];
	int nsvc;
};

static void top_sample(struct ctl *c, struct top_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->nsvc = ctl_services_collect(c, s->svc, IG_SERVICE_MAX);
	for (int i = 0; i < s->nsvc; i++) {
		__u32 id = s->svc[i].s.id;

		s->svc_new[id] = ctl_sum(c->m.svc_stats, id, TRAFFIC(new_conns));
		s->svc_drops[id] = ctl_sum(c->m.svc_stats, id, TRAFFIC(drops));
	}
	for (__u32 id = 1; id < IG_BACKEND_MAX; id++) {
		if (dp_backend_get(&c->m, id, &s->be[id]) || !s->be[id].service)
			continue;
		dp_backend_load_get(&c->m, id, &s->load[id]);
		dp_backend_inflight(&c->m, id, &s->be_inflight[id]);
		s->be_new[id] = ctl_sum(c->m.be_stats, id, TRAFFIC(new_conns));
		s->be_drops[id] = ctl_sum(c->m.be_stats, id, TRAFFIC(drops));
	}
}

static double rate(__u64 now, __u64 then, double secs)
{
	return now >= then ? (now - then) / secs : 0;
}

static void top_services(const struct ctl *c, const struct top_snap *a, const struct top_snap *b,
			 double secs)
{
	char vip[INET6_ADDRSTRLEN];

	if (!c->o.json)
		printf("%-7s %-15s %5s %-5s %9s %9s %8s\n", "SERVICE", "VIP", "PORT", "PROTO",
		       "CONN/S", "DROPS/S", "INFLIGHT");
	for (int i = 0; i < b->nsvc; i++) {
		__u32 id = b->svc[i].s.id;
		__u64 inflight = 0;

		for (__u32 be = 1; be < IG_BACKEND_MAX; be++)
			inflight += b->be[be].service == id ? b->be_inflight[be] : 0;
		printf(c->o.json ?
			       "%s{\"id\":%u,\"vip\":\"%s\",\"port\":%u,\"proto\":\"%s\","
			       "\"new_conns_per_s\":%.1f,\"drops_per_s\":%.1f,\"inflight\":%llu}" :
			       "%s%-7u %-15s %5u %-5s %9.1f %9.1f %8llu\n",
		       c->o.json && i ? "," : "", id,
		       ctl_addr_str(b->svc[i].k.addr, vip, sizeof(vip)), ntohs(b->svc[i].k.port),
		       ctl_proto_str(b->svc[i].k.proto), rate(b->svc_new[id], a->svc_new[id], secs),
		       rate(b->svc_drops[id], a->svc_drops[id], secs), inflight);
	}
}

static void top_backends(const struct ctl *c, const struct top_snap *a, const struct top_snap *b,
			 double secs)
{
	char addr[INET6_ADDRSTRLEN];
	bool first = true;

	if (!c->o.json)
		printf("\n%-12s %-8s %-15s %-8s %6s %6s %9s %8s %9s\n", "BACKEND", "SERVICE",
		       "ADDRESS", "STATE", "WEIGHT", "SCORE", "CONN/S", "INFLIGHT", "DROPS/S");
	for (__u32 id = 1; id < IG_BACKEND_MAX; id++) {
		const struct ig_backend *be = &b->be[id];
		char bn[16], sn[16];

		if (!be->service)
			continue;
		if (c->o.json)
			printf("%s{\"id\":%u,\"service\":%u,\"addr\":\"%s\",\"state\":\"%s\","
			       "\"weight\":%u,\"score\":%.6g,\"new_conns_per_s\":%.1f,"
			       "\"inflight\":%llu,\"drops_per_s\":%.1f}",
			       !first ? "," : "", id, be->service,
			       ctl_addr_str(be->addr, addr, sizeof(addr)),
			       backend_state_str(be->state), be->weight,
			       b->load[id].score / (double)IG_SCORE_SCALE,
			       rate(b->be_new[id], a->be_new[id], secs), b->be_inflight[id],
			       rate(b->be_drops[id], a->be_drops[id], secs));
		else
			printf("%-12s %-8s %-15s %-8s %6u %6.3f %9.1f %8llu %9.1f\n",
			       ctl_name_or_id(c, IG_NAME_BACKEND, id, bn, sizeof(bn)),
			       ctl_name_or_id(c, IG_NAME_SERVICE, be->service, sn, sizeof(sn)),
			       ctl_addr_str(be->addr, addr, sizeof(addr)),
			       backend_state_str(be->state), be->weight,
			       b->load[id].score / (double)IG_SCORE_SCALE,
			       rate(b->be_new[id], a->be_new[id], secs), b->be_inflight[id],
			       rate(b->be_drops[id], a->be_drops[id], secs));
		first = false;
	}
}

static void top_draw(const struct ctl *c, const struct top_snap *a, const struct top_snap *b,
		     double secs, long it)
{
	if (c->o.json) {
		printf("{\"iteration\":%ld,\"interval_s\":%.3f,\"services\":[", it, secs);
		top_services(c, a, b, secs);
		printf("],\"backends\":[");
		top_backends(c, a, b, secs);
		printf("]}\n");
	} else {
		printf("\033[H\033[2J");
		printf("infergatectl top: %s, every %.1f s, iteration %ld\n\n", c->root, secs, it);
		top_services(c, a, b, secs);
		top_backends(c, a, b, secs);
	}
	fflush(stdout);
}

int ctl_top(struct ctl *c)
{
	struct top_snap *s = calloc(2, sizeof(*s));
	struct timespec ts;
	double secs = c->o.interval > 0 ? c->o.interval : 1.0;
	__u64 t0, t1;
	int cur = 0;

	if (!s)
		return -ENOMEM;
	ctl_live_signals();
	top_sample(c, &s[cur]);
	t0 = ctl_now_ns();
	for (long it = 1; !ctl_live_stopped() && (!c->o.iterations || it <= c->o.iterations);
	     it++) {
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		top_sample(c, &s[!cur]);
		t1 = ctl_now_ns();
		top_draw(c, &s[cur], &s[!cur], (t1 - t0) / 1e9, it);
		cur = !cur;
		t0 = t1;
	}
	free(s);
	return 0;
}
