// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make demo`: builds the netns lab (client, gateway with xdp_gateway, three
 * GPU hosts, two tenants in their own VNIs), sends real traffic, and shows
 * where every connection went and why, from the datapath's own maps. Until
 * the agent lands, weights are pushed with the map writer it will use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "dp.h"
#include "lab.h"
#include "log.h"
#include "names.h"

#define VIP_CHAT "198.19.0.10"
#define VIP_BATCH "198.19.0.20"

struct demo_be {
	__u32 id, svc, vni, weight;
	int host;
	const char *vip, *name;
};

static const struct demo_be bes[] = {
	{ 1, 1, 100, 1, 1, VIP_CHAT, "chat@h1" }, /* h1 is busy with work from elsewhere */
	{ 2, 1, 100, 4, 2, VIP_CHAT, "chat@h2" },   { 3, 1, 100, 4, 3, VIP_CHAT, "chat@h3" },
	{ 4, 2, 200, 1, 2, VIP_BATCH, "batch@h2" }, { 5, 2, 200, 1, 3, VIP_BATCH, "batch@h3" },
};
#define NBE (int)(sizeof(bes) / sizeof(bes[0]))

static int step(int n, const char *what, int err)
{
	printf("[%d] %s%s\n", n, what, err ? "  FAILED" : "");
	fflush(stdout);
	return err;
}

static int demo_setup(struct lab *l)
{
	struct ig_service chat = {
		.id = 1, .tenant = 1, .policy = IG_POLICY_MAGLEV, .prio = IG_PRIO_INTERACTIVE
	};
	struct ig_service batch = {
		.id = 2, .tenant = 2, .policy = IG_POLICY_LEAST_LOADED, .prio = IG_PRIO_BATCH
	};
	struct ig_service_key k;
	__u32 ids[2][3], w[2][3];
	int n[2] = {}, err = 0;

	err = err ?: dp_tenant_set(&l->maps, 1, 100, IG_PRIO_INTERACTIVE);
	err = err ?: dp_tenant_set(&l->maps, 2, 200, IG_PRIO_BATCH);
	err = err						    ?:
		      dp_service_key(&k, VIP_CHAT, 80, IPPROTO_TCP) ?:
		      dp_service_set(&l->maps, &k, &chat);
	err = err						     ?:
		      dp_service_key(&k, VIP_BATCH, 80, IPPROTO_TCP) ?:
		      dp_service_set(&l->maps, &k, &batch);
	for (int i = 0; !err && i < NBE; i++) {
		const struct demo_be *b = &bes[i];

		err = lab_backend(l, b->id, b->host, b->svc, b->vni) ?:
			      lab_host_httpd(l, b->host, b->vip, 80, b->name, NULL);
		ids[b->svc - 1][n[b->svc - 1]] = b->id;
		w[b->svc - 1][n[b->svc - 1]++] = b->weight;
	}
	err = err ?: lab_weights(l, 1, ids[0], w[0], n[0]) ?: lab_weights(l, 2, ids[1], w[1], n[1]);
	for (int i = 0; !err && i < NBE; i++)
		err = lab_wait_http(l, bes[i].host, bes[i].vip, 80);
	return err;
}

static int demo_hosts(struct lab *l)
{
	int err = 0;

	/* h1, h2, h3 carry tenant acme (VNI 100); h2 and h3 also globex (VNI 200). */
	for (int h = 1; !err && h <= 3; h++)
		err = lab_host_vni(l, h, 100, VIP_CHAT);
	for (int h = 2; !err && h <= 3; h++)
		err = lab_host_vni(l, h, 200, VIP_BATCH);
	return err;
}

static int demo_traffic(struct lab *l)
{
	return netns_run(l->cl,
			 "for i in $(seq 90); do curl -s --max-time 3 -o /dev/null "
			 "http://" VIP_CHAT "/; done; for i in $(seq 40); do curl -s --max-time 3 "
			 "-o /dev/null http://" VIP_BATCH "/; done");
}

static __u64 sum(int fd, __u32 key, __u32 off)
{
	__u64 v = 0;

	dp_percpu_sum(fd, key, off, &v);
	return v;
}

static void demo_report(struct lab *l)
{
	const struct dp_maps *m = &l->maps;

	printf("\n  backend    host  tenant  weight  new-conns  packets  in-flight  state\n");
	for (int i = 0; i < NBE; i++) {
		struct ig_backend be;
		__u64 infl = 0;

		dp_backend_get(m, bes[i].id, &be);
		dp_backend_inflight(m, bes[i].id, &infl);
		printf("  %-9s  h%d    %-6s  %6u  %9llu  %7llu  %9llu  %s\n", bes[i].name,
		       bes[i].host, bes[i].svc == 1 ? "acme" : "globex", bes[i].weight,
		       (unsigned long long)sum(m->be_stats, bes[i].id,
					       offsetof(struct ig_traffic, new_conns)),
		       (unsigned long long)sum(m->be_stats, bes[i].id, 0), (unsigned long long)infl,
		       backend_state_str(be.state));
	}
	printf("\n  tenant  vni  packets  bytes    new-conns  drops\n");
	for (__u32 t = 1; t <= 2; t++)
		printf("  %-6s  %u  %7llu  %7llu  %9llu  %5llu\n", t == 1 ? "acme" : "globex",
		       t * 100, (unsigned long long)sum(m->tn_stats, t, 0),
		       (unsigned long long)sum(m->tn_stats, t, offsetof(struct ig_traffic, bytes)),
		       (unsigned long long)sum(m->tn_stats, t,
					       offsetof(struct ig_traffic, new_conns)),
		       (unsigned long long)sum(m->tn_stats, t, offsetof(struct ig_traffic, drops)));
	printf("\n  datapath counters:");
	for (__u32 c = 0; c < IG_CNT__MAX; c++) {
		__u64 v = sum(m->counters, c, 0);

		if (v)
			printf(" %s=%llu", counter_str(c), (unsigned long long)v);
	}
	printf("\n");
}

static void demo_conns(struct lab *l)
{
	struct ig_conn_key k, next;
	struct ig_conn ct;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	void *prev = NULL;
	int shown = 0;

	printf("\n  a few connection-table entries (client -> VIP => backend):\n");
	while (shown < 5 && !bpf_map_get_next_key(l->maps.conns, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(l->maps.conns, &k, &ct))
			continue;
		inet_ntop(AF_INET, k.saddr + 12, src, sizeof(src));
		inet_ntop(AF_INET, k.daddr + 12, dst, sizeof(dst));
		printf("  %s:%u -> %s:%u  tenant %u  => %s%s\n", src, ntohs(k.sport), dst,
		       ntohs(k.dport), k.tenant, bes[ct.backend - 1].name,
		       ct.flags & IG_CONN_F_CLOSING ? "  (closed)" : "");
		shown++;
	}
}

int main(void)
{
	static struct lab lab;
	int err;

	log_setup_libbpf();
	printf("infergate demo: a client, a gateway running xdp_gateway, three GPU hosts,\n"
	       "two tenants (acme: VNI 100, globex: VNI 200), real TCP connections.\n\n");
	err = step(1, "lab: namespaces, veth links, kernel vxlan devices on the hosts",
		   lab_create(&lab, 3) ?: demo_hosts(&lab));
	err = err   ?:
		      step(2, "gateway: xdp_gateway attached to the client port via kernel-compat",
			   lab_gateway_up(&lab));
	err = err   ?:
		      step(3,
			   "services: chat 198.19.0.10:80 (acme, Maglev, weights h1:h2:h3 = 1:4:4, "
			   "h1 is busy elsewhere); batch 198.19.0.20:80 (globex, least-loaded)",
			   demo_setup(&lab));
	err = err   ?:
		      step(4, "traffic: 90 curl connections to chat, 40 to batch",
			   demo_traffic(&lab));
	if (!err) {
		demo_report(&lab);
		demo_conns(&lab);
		printf("\n  the VNI of each connection is its service's tenant's (ig_tenants), never "
		       "the packet's;\n  replies go straight from the hosts to the client (DSR), "
		       "so the gateway sees\n  only the request direction.\n");
	}
	lab_destroy(&lab);
	step(5, "cleaned up: namespaces, programs and servers are gone", 0);
	return err ? 1 : 0;
}
