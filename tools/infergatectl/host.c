// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The GPU-host views: workloads (ig_workloads, with their addresses from
 * ig_endpoints), endpoints, VNIs with their allowed VTEPs, and host drops by
 * tenant and reason (ig_tn_drops), each as a table or one line of JSON
 * (docs/infergatectl-json.md). Read through the map writer's getters. */
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/addr.h"
#include "user/lib/names.h"

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static int ep_cmp(const void *a, const void *b)
{
	return memcmp(a, b, IG_ADDR_LEN);
}

/* Every key of a host map, sorted; *n gets how many. NULL on no memory. */
static void *ctl_keys(int fd, size_t size, unsigned int max, int (*cmp)(const void *, const void *),
		      int *n)
{
	void *keys = calloc(max, size);

	if (!keys)
		return NULL;
	*n = dp_keys(fd, size, keys, max);
	if (*n < 0)
		*n = 0;
	qsort(keys, *n, size, cmp);
	return keys;
}

static const char *ep_kind(const struct ig_endpoint *ep)
{
	if (ep->flags & IG_EP_F_LOCAL)
		return "local";
	return ep->flags & IG_EP_F_REMOTE ? "remote" : "tenant";
}

/* The local addresses of ifindex, comma separated (JSON: quoted). */
static void wl_addrs(struct ctl *c, const struct ig_endpoint_key *eps, int n, __u32 ifindex,
		     char *buf, size_t len)
{
	char a[ADDR_STR_MAX];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++) {
		struct ig_endpoint ep;

		if (dp_endpoint_get(&c->m, eps[i].addr, &ep) || !(ep.flags & IG_EP_F_LOCAL) ||
		    ep.ifindex != ifindex)
			continue;
		off += snprintf(buf + off, len - off, c->o.json ? "%s\"%s\"" : "%s%s",
				off ? "," : "", addr_str(eps[i].addr, a, sizeof(a)));
	}
}

int ctl_workloads(struct ctl *c)
{
	int n = 0, ne = 0;
	__u32 *keys = ctl_keys(c->m.workloads, sizeof(__u32), IG_WORKLOAD_MAX, u32_cmp, &n);
	struct ig_endpoint_key *eps =
		ctl_keys(c->m.endpoints, sizeof(*eps), IG_ENDPOINT_MAX, ep_cmp, &ne);
	char ifname[IF_NAMESIZE], mac[ADDR_STR_MAX], node[ADDR_STR_MAX], addrs[1024];

	if (!keys || !eps) {
		free(keys);
		free(eps);
		return -ENOMEM;
	}
	if (c->o.json)
		printf("{\"workloads\":[");
	else
		printf("%-7s %-15s %6s %-17s %-17s %-4s %12s %12s %12s %8s %s\n", "IFINDEX",
		       "INTERFACE", "TENANT", "MAC", "HOST_MAC", "PEER", "RX_BYTES", "TX_BYTES",
		       "RESP_BYTES", "DROPS", "ADDRESSES");
	for (int i = 0; i < n; i++) {
		struct ig_wl_stats st = {};
		struct ig_workload w;

		if (dp_workload_get(&c->m, keys[i], &w))
			continue;
		dp_wl_stats(&c->m, keys[i], &st);
		if (!if_indextoname(keys[i], ifname))
			snprintf(ifname, sizeof(ifname), "?");
		wl_addrs(c, eps, ne, keys[i], addrs, sizeof(addrs));
		mac_str(w.mac, mac, sizeof(mac));
		mac_str(w.node_mac, node, sizeof(node));
		if (c->o.json)
			printf("%s{\"ifindex\":%u,\"interface\":\"%s\",\"tenant\":%u,\"mac\":\"%s\","
			       "\"host_mac\":\"%s\",\"peer\":%s,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			       "\"tx_packets\":%llu,\"tx_bytes\":%llu,\"resp_packets\":%llu,"
			       "\"resp_bytes\":%llu,\"drops\":%llu,\"addresses\":[%s]}",
			       i ? "," : "", keys[i], ifname, w.tenant, mac, node,
			       w.flags & IG_WL_F_PEER ? "true" : "false",
			       (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes,
			       (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
			       (unsigned long long)st.resp_packets,
			       (unsigned long long)st.resp_bytes, (unsigned long long)st.drops,
			       addrs);
		else
			printf("%-7u %-15s %6u %-17s %-17s %-4s %12llu %12llu %12llu %8llu %s\n",
			       keys[i], ifname, w.tenant, mac, node,
			       w.flags & IG_WL_F_PEER ? "yes" : "no",
			       (unsigned long long)st.rx_bytes, (unsigned long long)st.tx_bytes,
			       (unsigned long long)st.resp_bytes, (unsigned long long)st.drops,
			       addrs);
	}
	if (c->o.json)
		printf("]}\n");
	free(keys);
	free(eps);
	return 0;
}

int ctl_endpoints(struct ctl *c)
{
	int n = 0;
	struct ig_endpoint_key *eps =
		ctl_keys(c->m.endpoints, sizeof(*eps), IG_ENDPOINT_MAX, ep_cmp, &n);
	char a[ADDR_STR_MAX], vtep[ADDR_STR_MAX], mac[ADDR_STR_MAX];
	bool first = true;

	if (!eps)
		return -ENOMEM;
	if (c->o.json)
		printf("{\"endpoints\":[");
	else
		printf("%-39s %6s %-6s %-3s %7s %-39s %-17s %s\n", "ADDRESS", "TENANT", "KIND",
		       "VIP", "IFINDEX", "VTEP", "NEXT_HOP_MAC", "SOURCE");
	for (int i = 0; i < n; i++) {
		struct ig_endpoint ep;
		bool remote;

		if (dp_endpoint_get(&c->m, eps[i].addr, &ep))
			continue;
		remote = ep.flags & IG_EP_F_REMOTE;
		addr_str(eps[i].addr, a, sizeof(a));
		snprintf(vtep, sizeof(vtep), "-");
		snprintf(mac, sizeof(mac), "-");
		if (remote) {
			addr_str(ep.vtep, vtep, sizeof(vtep));
			mac_str(ep.nh_mac, mac, sizeof(mac));
		}
		if (c->o.json)
			printf("%s{\"address\":\"%s\",\"tenant\":%u,\"kind\":\"%s\",\"vip\":%s,"
			       "\"ifindex\":%u,\"vtep\":%s%s%s,\"nh_mac\":%s%s%s,\"source\":\"%s\"}",
			       first ? "" : ",", a, ep.tenant, ep_kind(&ep),
			       ep.flags & IG_EP_F_VIP ? "true" : "false", ep.ifindex,
			       remote ? "\"" : "", remote ? vtep : "null", remote ? "\"" : "",
			       remote ? "\"" : "", remote ? mac : "null", remote ? "\"" : "",
			       ep.flags & IG_EP_F_EVPN ? "evpn" : "static");
		else
			printf("%-39s %6u %-6s %-3s %7u %-39s %-17s %s\n", a, ep.tenant,
			       ep_kind(&ep), ep.flags & IG_EP_F_VIP ? "yes" : "no", ep.ifindex,
			       vtep, mac, ep.flags & IG_EP_F_EVPN ? "evpn" : "static");
		first = false;
	}
	if (c->o.json)
		printf("]}\n");
	free(eps);
	return 0;
}

static int vtep_cmp(const void *a, const void *b)
{
	const struct ig_vtep_key *x = a, *y = b;

	if (x->vni != y->vni)
		return (x->vni > y->vni) - (x->vni < y->vni);
	return memcmp(x->addr, y->addr, IG_ADDR_LEN);
}

int ctl_vnis(struct ctl *c)
{
	int n = 0, nv = 0;
	__u32 *vnis = ctl_keys(c->m.vni_tenants, sizeof(__u32), IG_VNI_MAX, u32_cmp, &n);
	struct ig_vtep_key *vt = ctl_keys(c->m.vteps, sizeof(*vt), IG_VTEP_MAX, vtep_cmp, &nv);
	char a[ADDR_STR_MAX];

	if (!vnis || !vt) {
		free(vnis);
		free(vt);
		return -ENOMEM;
	}
	if (c->o.json)
		printf("{\"vnis\":[");
	else
		printf("%-8s %6s %s\n", "VNI", "TENANT",
		       "ALLOWED_VTEPS (learned from EVPN: +evpn)");
	for (int i = 0; i < n; i++) {
		__u32 tenant = 0;
		bool first = true;

		dp_vni_get(&c->m, vnis[i], &tenant);
		printf(c->o.json ? "%s{\"vni\":%u,\"tenant\":%u,\"vteps\":[" : "%s%-8u %6u ",
		       c->o.json && i ? "," : "", vnis[i], tenant);
		for (int j = 0; j < nv; j++) {
			__u32 flags = 0;

			if (vt[j].vni != vnis[i])
				continue;
			dp_vtep_flags(c->m.vteps, &vt[j], &flags);
			printf(c->o.json ? "%s\"%s\"" : "%s%s%s", first ? "" : ",",
			       addr_str(vt[j].addr, a, sizeof(a)),
			       !c->o.json && (flags & IG_VTEP_F_EVPN) ? "+evpn" : "");
			first = false;
		}
		if (!c->o.json) {
			printf("%s\n", first ? "-" : "");
			continue;
		}
		/* The learned ones (EVPN) again, apart: "vteps" keeps its shape. */
		printf("],\"learned\":[");
		first = true;
		for (int j = 0; j < nv; j++) {
			__u32 flags = 0;

			if (vt[j].vni != vnis[i] || dp_vtep_flags(c->m.vteps, &vt[j], &flags) ||
			    !(flags & IG_VTEP_F_EVPN))
				continue;
			printf("%s\"%s\"", first ? "" : ",", addr_str(vt[j].addr, a, sizeof(a)));
			first = false;
		}
		printf("]}");
	}
	/* Pairs whose VNI maps to no tenant here: allowed, but nothing arrives. */
	if (c->o.json)
		printf("]}\n");
	free(vnis);
	free(vt);
	return 0;
}

int ctl_host_drops(struct ctl *c)
{
	int n = 0;
	__u32 *keys = ctl_keys(c->m.tn_drops, sizeof(__u32), IG_TN_DROP_MAX, u32_cmp, &n);
	bool first = true;

	if (!keys)
		return -ENOMEM;
	if (c->o.json)
		printf("{\"host_drops\":[");
	else
		printf("%6s %-28s %12s %14s\n", "TENANT", "REASON", "PACKETS", "BYTES");
	for (int i = 0; i < n; i++) {
		__u32 tenant = keys[i] >> 8, reason = keys[i] & 0xff;
		__u64 pkts = 0, bytes = 0;

		if (reason >= IG_DROP__MAX)
			continue;
		dp_percpu_sum(c->m.tn_drops, keys[i], offsetof(struct ig_drop_stat, packets),
			      &pkts);
		dp_percpu_sum(c->m.tn_drops, keys[i], offsetof(struct ig_drop_stat, bytes), &bytes);
		if (!pkts)
			continue;
		printf(c->o.json ? "%s{\"tenant\":%u,\"reason\":\"%s\",\"packets\":%llu,"
				   "\"bytes\":%llu}" :
				   "%s%6u %-28s %12llu %14llu\n",
		       c->o.json && !first ? "," : "", tenant, drop_reason_str(reason),
		       (unsigned long long)pkts, (unsigned long long)bytes);
		first = false;
	}
	if (c->o.json)
		printf("]}\n");
	free(keys);
	return 0;
}
