// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The GPU host's datapath run by the agent (user/agent/gpuhost.h). One
 * reconcile step builds the wanted content of ig_vni_tenants, ig_vteps,
 * ig_workloads and ig_endpoints from the configuration and the interfaces
 * present, writes what is new or changed, attaches tc_workload where an
 * interface appeared, and only then deletes what is no longer wanted: an
 * address is never missing while it moves, and entries that did not change
 * are not written at all. Link events (libnl, user/agent/netlink.c) trigger
 * it as well as reloads, so a container started later is isolated at once. */
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "user/agent/evpn.h"
#include "user/agent/gpuhost.h"
#include "user/agent/netlink.h"
#include "user/lib/addr.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"
#include "user/lib/names.h"

#define HOST_RETRY_MS 100
#define HOST_NOROUTE_MS 1000

/* ---- state sets ---- */

static int ep_cmp(const void *a, const void *b)
{
	return memcmp(((const struct host_ep *)a)->addr, ((const struct host_ep *)b)->addr,
		      IG_ADDR_LEN);
}

static struct host_ep *state_ep(const struct host_state *s, const __u8 *addr)
{
	struct host_ep k;

	memcpy(k.addr, addr, IG_ADDR_LEN);
	return s->n_eps ? bsearch(&k, s->eps, s->n_eps, sizeof(k), ep_cmp) : NULL;
}

static const struct host_wlv *state_wl(const struct host_state *s, __u32 ifindex)
{
	for (unsigned int i = 0; i < s->n_wls; i++)
		if (s->wls[i].ifindex == ifindex)
			return &s->wls[i];
	return NULL;
}

static bool state_has_vtep(const struct host_state *s, const struct ig_vtep_key *k)
{
	for (unsigned int i = 0; i < s->n_vteps; i++)
		if (!memcmp(&s->vteps[i], k, sizeof(*k)))
			return true;
	return false;
}

/* The entry's source, or -1 when it is not there. */
static long long state_vtep_flags(const struct host_state *s, const struct ig_vtep_key *k)
{
	for (unsigned int i = 0; i < s->n_vteps; i++)
		if (!memcmp(&s->vteps[i], k, sizeof(*k)))
			return s->vtep_flags[i];
	return -1;
}

static const struct host_vni *state_vni(const struct host_state *s, __u32 vni)
{
	for (unsigned int i = 0; i < s->n_vnis; i++)
		if (s->vnis[i].vni == vni)
			return &s->vnis[i];
	return NULL;
}

static const struct host_ha *state_ha(const struct host_state *s, const struct ig_host_addr_key *k)
{
	for (unsigned int i = 0; i < s->n_has; i++)
		if (!memcmp(&s->has[i].k, k, sizeof(*k)))
			return &s->has[i];
	return NULL;
}

static void state_free(struct host_state *s)
{
	free(s->has);
	free(s->eps);
	free(s->vteps);
	free(s->vtep_flags);
	free(s->vnis);
	free(s->wls);
	memset(s, 0, sizeof(*s));
}

/* What a datapath left by an earlier agent holds: adopted as the current
 * state, so the first reconcile rewrites nothing that is still right. */
static int state_read(struct host_state *s, const struct dp_maps *m)
{
	int n;

	s->has = calloc(IG_HOST_ADDR_MAX, sizeof(*s->has));
	if (!s->has)
		return -ENOMEM;
	n = dp_keys(m->host_addrs, sizeof(struct ig_host_addr_key), s->has, IG_HOST_ADDR_MAX);
	for (int i = n - 1; i >= 0; i--) {
		struct ig_host_addr_key k = ((struct ig_host_addr_key *)s->has)[i];

		s->has[i] = (struct host_ha){ .k = k };
		dp_host_addr_get(m, k.addr, k.prefixlen, &s->has[i].flags);
	}
	s->n_has = n > 0 ? n : 0;
	s->eps = calloc(IG_ENDPOINT_MAX, sizeof(*s->eps));
	s->vteps = calloc(IG_VTEP_MAX, sizeof(*s->vteps));
	s->vtep_flags = calloc(IG_VTEP_MAX, sizeof(*s->vtep_flags));
	s->vnis = calloc(IG_VNI_MAX, sizeof(*s->vnis));
	s->wls = calloc(IG_WORKLOAD_MAX, sizeof(*s->wls));
	if (!s->eps || !s->vteps || !s->vtep_flags || !s->vnis || !s->wls)
		return -ENOMEM;
	n = dp_keys(m->endpoints, sizeof(struct ig_endpoint_key), s->eps, IG_ENDPOINT_MAX);
	/* Keys were read into the array's start: spread them out. */
	for (int i = n - 1; i >= 0; i--) {
		__u8 a[IG_ADDR_LEN];

		memcpy(a, (__u8 *)s->eps + i * IG_ADDR_LEN, IG_ADDR_LEN);
		memcpy(s->eps[i].addr, a, IG_ADDR_LEN);
	}
	for (int i = 0; i < n; i++)
		dp_endpoint_get(m, s->eps[i].addr, &s->eps[i].ep);
	s->n_eps = n > 0 ? n : 0;
	qsort(s->eps, s->n_eps, sizeof(*s->eps), ep_cmp);
	n = dp_keys(m->vteps, sizeof(*s->vteps), s->vteps, IG_VTEP_MAX);
	s->n_vteps = n > 0 ? n : 0;
	for (unsigned int i = 0; i < s->n_vteps; i++)
		dp_vtep_flags(m->vteps, &s->vteps[i], &s->vtep_flags[i]);
	n = dp_keys(m->vni_tenants, sizeof(__u32), s->vnis, IG_VNI_MAX);
	for (int i = n - 1; i >= 0; i--) {
		__u32 vni = ((__u32 *)s->vnis)[i];

		s->vnis[i] = (struct host_vni){ .vni = vni }; /* tenant unknown: rewritten */
	}
	s->n_vnis = n > 0 ? n : 0;
	n = dp_keys(m->workloads, sizeof(__u32), s->wls, IG_WORKLOAD_MAX);
	for (int i = n - 1; i >= 0; i--) {
		__u32 ifindex = ((__u32 *)s->wls)[i];

		s->wls[i] = (struct host_wlv){ .ifindex = ifindex };
		dp_workload_get(m, ifindex, &s->wls[i].v);
	}
	s->n_wls = n > 0 ? n : 0;
	return 0;
}

/* ---- the wanted state ---- */

static int want_ep(struct host_state *w, unsigned int cap, const __u8 *addr,
		   const struct ig_endpoint *ep)
{
	if (w->n_eps == cap)
		return -ENOSPC;
	memcpy(w->eps[w->n_eps].addr, addr, IG_ADDR_LEN);
	w->eps[w->n_eps++].ep = *ep;
	return 0;
}

/* The next hop toward a remote VTEP, resolved once per reconcile; one not
 * resolved yet keeps the MAC it had, and the tick asks again. */
static const __u8 *host_nh_mac(struct host *h, const __u8 *vtep)
{
	struct netlink_nexthop nh;
	struct host_nh *e = NULL;
	char s[ADDR_STR_MAX];
	int err;

	for (unsigned int i = 0; i < h->n_nh && !e; i++)
		if (!memcmp(h->nh[i].vtep, vtep, IG_ADDR_LEN))
			e = &h->nh[i];
	if (!e) {
		struct host_nh *n = realloc(h->nh, (h->n_nh + 1) * sizeof(*n));

		if (!n)
			return NULL;
		h->nh = n;
		e = &h->nh[h->n_nh++];
		memset(e, 0, sizeof(*e));
		memcpy(e->vtep, vtep, IG_ADDR_LEN);
	}
	err = netlink_nexthop(h->nl, vtep, &nh);
	if (!err) {
		if (nh.ifindex != h->underlay && !e->ok)
			log_warn("VTEP %s is routed through ifindex %d, not the underlay %s",
				 addr_str(vtep, s, sizeof(s)), nh.ifindex, h->cfg->underlay);
		memcpy(e->mac, nh.dmac, 6);
		e->ok = true;
		e->warned = false;
	} else if (err != -EAGAIN && !e->ok && !e->warned) {
		log_errno(LOG_LVL_WARN, err,
			  "VTEP %s: no route on the underlay (east-west traffic to it is sent "
			  "nowhere until there is one)",
			  addr_str(vtep, s, sizeof(s)));
		e->warned = true;
	}
	h->unresolved |= err != 0 && !e->ok;
	h->no_route |= err != 0 && err != -EAGAIN && !e->ok;
	return e->mac;
}

/* A workload's own entry from its interface: the host side's MAC, the
 * workload's (configured, or its veth peer's), delivery by redirect_peer
 * when the peer sits in another namespace. */
static void host_wl_probe(struct host *h, struct host_wl *w)
{
	struct netlink_link l;
	int err;

	w->mac_known = false;
	if (!w->ifindex || netlink_link_get(h->nl, w->ifindex, &l))
		return;
	memset(&w->val, 0, sizeof(w->val));
	w->val.tenant = w->cfg->tenant_id;
	memcpy(w->val.node_mac, l.mac, 6);
	if (l.veth && l.peer_nsid >= 0)
		w->val.flags |= IG_WL_F_PEER;
	if (w->cfg->has_mac) {
		memcpy(w->val.mac, w->cfg->mac, 6);
		w->mac_known = true;
		return;
	}
	err = netlink_peer_mac(h->nl, w->ifindex, w->val.mac);
	w->mac_known = !err;
	if (err)
		log_dbg("workload %s: no MAC from the peer of %s yet (%d)", w->name, w->ifname,
			err);
}

static int want_workload(struct host *h, struct host_state *w, unsigned int cap,
			 const struct host_wl *wl)
{
	const struct config_workload *c = wl->cfg;
	bool here = wl->ifindex && wl->mac_known;
	struct ig_endpoint ep = { .tenant = c->tenant_id };
	int err = 0;

	(void)h;
	/* Absent, it is still its tenant's address: kept from every other
	 * tenant, and never taken for the client side. */
	if (here) {
		w->wls[w->n_wls++] = (struct host_wlv){ .ifindex = wl->ifindex, .v = wl->val };
		ep.flags = IG_EP_F_LOCAL;
		ep.ifindex = wl->ifindex;
	}
	for (unsigned int i = 0; !err && i < c->n_addrs; i++)
		err = want_ep(w, cap, c->addrs[i].addr, &ep);
	ep.flags |= IG_EP_F_VIP;
	for (unsigned int i = 0; !err && i < c->n_vips; i++)
		err = want_ep(w, cap, c->vips[i].addr, &ep);
	return err;
}

/* One ig_host_addrs entry, masked to its length; flags add up when a
 * prefix comes twice (the VTEP is also an underlay address). */
static void want_ha(struct host_state *w, const __u8 *addr, __u32 len, __u32 flags)
{
	struct ig_host_addr_key k = { .prefixlen = len };
	struct host_ha *e;

	memcpy(k.addr, addr, IG_ADDR_LEN);
	for (__u32 b = len; b < IG_ADDR_LEN * 8; b++)
		k.addr[b / 8] &= (__u8) ~(0x80 >> (b % 8));
	e = (struct host_ha *)state_ha(w, &k);
	if (e) {
		e->flags |= flags;
		return;
	}
	if (w->n_has < IG_HOST_ADDR_MAX)
		w->has[w->n_has++] = (struct host_ha){ .k = k, .flags = flags };
}

/* The host's VTEPs, and what no workload may reach: the configured
 * infrastructure, or the underlay's own addresses and subnets. */
static int host_want_addrs(struct host *h, struct host_state *w)
{
	const struct config_host *c = h->cfg;
	__u8 addrs[32][16];
	unsigned int lens[32];
	int n;

	w->has = calloc(IG_HOST_ADDR_MAX, sizeof(*w->has));
	if (!w->has)
		return -ENOMEM;
	want_ha(w, c->vtep.addr, 128, IG_HA_F_VTEP | IG_HA_F_INFRA);
	for (unsigned int i = 0; i < c->n_extra_vteps; i++)
		want_ha(w, c->extra_vteps[i].addr, 128, IG_HA_F_VTEP | IG_HA_F_INFRA);
	for (unsigned int i = 0; i < c->n_infra; i++)
		want_ha(w, c->infra[i].addr.addr, c->infra[i].len, IG_HA_F_INFRA);
	if (c->n_infra)
		return 0;
	n = netlink_if_addrs(h->nl, h->underlay, addrs, lens, 32);
	for (int i = 0; i < n; i++) {
		want_ha(w, addrs[i], 128, IG_HA_F_INFRA);
		want_ha(w, addrs[i], lens[i], IG_HA_F_INFRA);
	}
	return n < 0 ? n : 0;
}

static int host_want_evpn(struct host *h, struct host_state *w, unsigned int cap);
static void host_evpn_local(struct host *h);
static unsigned int host_evpn_count(const struct host *h, unsigned int *n_vteps);

static int host_want(struct host *h, struct host_state *w)
{
	const struct config_host *c = h->cfg;
	unsigned int cap = host_evpn_count(h, &w->n_vteps);
	int err = 0;

	for (unsigned int i = 0; i < c->n_workloads; i++)
		cap += c->workloads[i].n_addrs + c->workloads[i].n_vips;
	for (unsigned int i = 0; i < c->n_endpoints; i++)
		cap += c->endpoints[i].n_addrs;
	for (unsigned int i = 0; i < c->n_tenants; i++)
		w->n_vteps += c->tenants[i].n_vteps;
	err = host_want_addrs(h, w);
	if (err)
		return err;
	w->eps = calloc(cap + 1, sizeof(*w->eps));
	w->vteps = calloc(w->n_vteps + 1, sizeof(*w->vteps));
	w->vtep_flags = calloc(w->n_vteps + 1, sizeof(*w->vtep_flags));
	w->vnis = calloc(c->n_tenants + 1, sizeof(*w->vnis));
	w->wls = calloc(h->n_wl + 1, sizeof(*w->wls));
	if (!w->eps || !w->vteps || !w->vtep_flags || !w->vnis || !w->wls)
		return -ENOMEM;
	w->n_vteps = 0;
	for (unsigned int i = 0; i < c->n_tenants; i++) {
		const struct config_host_tenant *t = &c->tenants[i];

		w->vnis[w->n_vnis++] = (struct host_vni){ .vni = t->vni, .tenant = t->id };
		for (unsigned int j = 0; j < t->n_vteps; j++) {
			struct ig_vtep_key *k = &w->vteps[w->n_vteps++];

			memcpy(k->addr, t->vteps[j].addr, IG_ADDR_LEN);
			k->vni = t->vni;
		}
	}
	for (unsigned int i = 0; !err && i < h->n_wl; i++)
		err = want_workload(h, w, cap, &h->wl[i]);
	for (unsigned int i = 0; !err && i < c->n_endpoints; i++) {
		const struct config_endpoint *e = &c->endpoints[i];
		struct ig_endpoint ep = { .tenant = e->tenant_id,
					  .flags = e->vip ? IG_EP_F_VIP : 0 };
		const __u8 *mac;

		if (e->has_vtep) {
			ep.flags |= IG_EP_F_REMOTE;
			memcpy(ep.vtep, e->vtep.addr, IG_ADDR_LEN);
			mac = host_nh_mac(h, e->vtep.addr);
			if (mac)
				memcpy(ep.nh_mac, mac, 6);
		}
		for (unsigned int j = 0; !err && j < e->n_addrs; j++)
			err = want_ep(w, cap, e->addrs[j].addr, &ep);
	}
	qsort(w->eps, w->n_eps, sizeof(*w->eps), ep_cmp);
	return err ?: host_want_evpn(h, w, cap);
}

/* ---- writing the difference ---- */

static void host_wrote(struct host *h, int err, const char *what, const char *name)
{
	if (!err) {
		h->writes++;
		return;
	}
	h->errors++;
	log_errno(LOG_LVL_WARN, err, "host: %s %s", what, name);
}

static void host_write_new(struct host *h, const struct host_state *w)
{
	const struct dp_maps *m = &h->ld->maps;
	char s[ADDR_STR_MAX];

	for (unsigned int i = 0; i < w->n_has; i++) {
		const struct host_ha *o = state_ha(&h->cur, &w->has[i].k);

		if (!o || o->flags != w->has[i].flags)
			host_wrote(h,
				   dp_host_addr_set(m, w->has[i].k.addr, w->has[i].k.prefixlen,
						    w->has[i].flags),
				   "host address", addr_str(w->has[i].k.addr, s, sizeof(s)));
	}

	for (unsigned int i = 0; i < w->n_vnis; i++) {
		const struct host_vni *o = state_vni(&h->cur, w->vnis[i].vni);

		if (!o || o->tenant != w->vnis[i].tenant)
			host_wrote(h, dp_vni_set(m, w->vnis[i].vni, w->vnis[i].tenant), "VNI",
				   "ig_vni_tenants");
	}
	for (unsigned int i = 0; i < w->n_vteps; i++)
		if (state_vtep_flags(&h->cur, &w->vteps[i]) != w->vtep_flags[i])
			host_wrote(h,
				   dp_vtep_allow_flags(m, w->vteps[i].vni, w->vteps[i].addr,
						       w->vtep_flags[i]),
				   "allowing VTEP", addr_str(w->vteps[i].addr, s, sizeof(s)));
	for (unsigned int i = 0; i < w->n_wls; i++) {
		const struct host_wlv *o = state_wl(&h->cur, w->wls[i].ifindex);

		if (!o || memcmp(&o->v, &w->wls[i].v, sizeof(o->v)))
			host_wrote(h, dp_workload_set(m, w->wls[i].ifindex, &w->wls[i].v),
				   "workload entry of ifindex", "ig_workloads");
	}
	for (unsigned int i = 0; i < w->n_eps; i++) {
		const struct host_ep *o = state_ep(&h->cur, w->eps[i].addr);

		if (!o || memcmp(&o->ep, &w->eps[i].ep, sizeof(o->ep)))
			host_wrote(h, dp_endpoint_set(m, w->eps[i].addr, &w->eps[i].ep), "endpoint",
				   addr_str(w->eps[i].addr, s, sizeof(s)));
	}
}

static void host_delete_old(struct host *h, const struct host_state *w)
{
	const struct dp_maps *m = &h->ld->maps;
	char s[ADDR_STR_MAX];

	for (unsigned int i = 0; i < h->cur.n_eps; i++)
		if (!state_ep(w, h->cur.eps[i].addr))
			host_wrote(h, dp_endpoint_del(m, h->cur.eps[i].addr), "removing endpoint",
				   addr_str(h->cur.eps[i].addr, s, sizeof(s)));
	for (unsigned int i = 0; i < h->cur.n_wls; i++)
		if (!state_wl(w, h->cur.wls[i].ifindex))
			host_wrote(h, dp_workload_del(m, h->cur.wls[i].ifindex),
				   "removing the workload entry of", "an interface");
	for (unsigned int i = 0; i < h->cur.n_vteps; i++)
		if (!state_has_vtep(w, &h->cur.vteps[i]))
			host_wrote(h, dp_vtep_deny(m, h->cur.vteps[i].vni, h->cur.vteps[i].addr),
				   "denying VTEP", addr_str(h->cur.vteps[i].addr, s, sizeof(s)));
	for (unsigned int i = 0; i < h->cur.n_vnis; i++)
		if (!state_vni(w, h->cur.vnis[i].vni))
			host_wrote(h, dp_vni_del(m, h->cur.vnis[i].vni), "removing VNI",
				   "ig_vni_tenants");
	for (unsigned int i = 0; i < h->cur.n_has; i++)
		if (!state_ha(w, &h->cur.has[i].k))
			host_wrote(h,
				   dp_host_addr_del(m, h->cur.has[i].k.addr,
						    h->cur.has[i].k.prefixlen),
				   "removing host address",
				   addr_str(h->cur.has[i].k.addr, s, sizeof(s)));
}

/* ---- attachments ---- */

static void host_wl_attach(struct host *h, struct host_wl *w)
{
	int err;

	if (w->attached && w->link.att.ifindex == w->ifindex)
		return;
	if (w->attached) /* its interface was recreated: the old link died with it */
		loader_link_close(&w->link, true);
	w->attached = false;
	if (!w->ifindex)
		return;
	err = loader_attach_tc(h->ld, LOADER_WORKLOAD, w->ifname, w->ifindex, h->compat_flags,
			       &w->link);
	if (err) {
		h->errors++;
		log_errno(LOG_LVL_WARN, err, "workload %s: cannot attach tc_workload to %s",
			  w->name, w->ifname);
		return;
	}
	w->attached = true;
	h->attaches++;
	log_info("workload %s: %s attached (%s)", w->name, w->ifname,
		 w->link.att.method == COMPAT_METHOD_LINK ? "tcx" : "clsact");
}

/* A workload that left the configuration, or whose interface is gone. */
static void host_wl_detach(struct host *h, struct host_wl *w)
{
	if (!w->attached)
		return;
	if (w->ifindex && if_nametoindex(w->ifname) == (unsigned int)w->ifindex)
		loader_link_detach(&w->link);
	loader_link_close(&w->link, true);
	w->attached = false;
	h->detaches++;
}

/* ---- reconcile ---- */

static void host_probe_all(struct host *h)
{
	for (unsigned int i = 0; i < h->n_wl; i++) {
		struct host_wl *w = &h->wl[i];
		int now = (int)if_nametoindex(w->ifname);

		if (now != w->ifindex && w->attached && !now) {
			log_info("workload %s: %s is gone", w->name, w->ifname);
			loader_link_close(&w->link, true);
			w->attached = false;
			h->detaches++;
		}
		w->ifindex = now;
		host_wl_probe(h, w);
	}
}

static int host_sync(struct host *h)
{
	struct host_state want = {};
	int err;

	h->syncs++;
	h->unresolved = false;
	h->no_route = false;
	host_probe_all(h);
	err = host_want(h, &want);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "host: building the maps' content");
		state_free(&want);
		return err;
	}
	host_write_new(h, &want);
	host_evpn_local(h);
	/* Present without an entry yet (its MAC unknown), a workload is
	 * attached anyway: tc_workload drops what an unregistered interface
	 * sends (fail closed). */
	for (unsigned int i = 0; i < h->n_wl; i++)
		host_wl_attach(h, &h->wl[i]);
	host_delete_old(h, &want);
	state_free(&h->cur);
	h->cur = want;
	return 0;
}

static int host_underlay(struct host *h)
{
	struct loader_link *in = &h->ul_in, *out = &h->ul_out;
	int ifindex = (int)if_nametoindex(h->cfg->underlay), err;

	if (!ifindex) {
		log_err("host: underlay interface %s does not exist", h->cfg->underlay);
		return -ENODEV;
	}
	err = netlink_if_mac(h->nl, ifindex, h->underlay_mac);
	if (err)
		return err;
	if (h->ul_in_on && ifindex == h->underlay)
		return 0;
	h->underlay = ifindex;
	err = loader_attach_tc(h->ld, LOADER_HOST_INGRESS, h->cfg->underlay, ifindex,
			       h->compat_flags, in);
	h->ul_in_on = !err;
	err = err   ?:
		      loader_attach_tc(h->ld, LOADER_HOST_EGRESS, h->cfg->underlay, ifindex,
				       h->compat_flags, out);
	h->ul_out_on = h->ul_in_on && !err;
	return err;
}

/* The runtime list of workloads for cfg, keeping what the previous one knew
 * of a workload with the same name and interface. */
static int host_take_workloads(struct host *h, const struct config_host *cfg)
{
	struct host_wl *nw = calloc(cfg->n_workloads + 1, sizeof(*nw));

	if (!nw)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->n_workloads; i++) {
		const struct config_workload *c = &cfg->workloads[i];

		for (unsigned int j = 0; j < h->n_wl; j++) {
			if (strcmp(h->wl[j].name, c->name) || strcmp(h->wl[j].ifname, c->ifname))
				continue;
			nw[i] = h->wl[j];
			h->wl[j].name[0] = '\0'; /* taken */
			break;
		}
		snprintf(nw[i].name, sizeof(nw[i].name), "%s", c->name);
		snprintf(nw[i].ifname, sizeof(nw[i].ifname), "%s", c->ifname);
		nw[i].cfg = c;
	}
	for (unsigned int j = 0; j < h->n_wl; j++) {
		if (!h->wl[j].name[0])
			continue;
		log_info("workload %s removed from the configuration: %s detached", h->wl[j].name,
			 h->wl[j].ifname);
		host_wl_detach(h, &h->wl[j]);
	}
	free(h->wl);
	h->wl = nw;
	h->n_wl = cfg->n_workloads;
	return 0;
}

int host_apply(struct host *h, const struct config_host *cfg)
{
	int err;

	h->cfg = cfg;
	err = host_underlay(h);
	if (err)
		return err;
	/* Drops that belong to no tenant (an unknown VNI) count under 0. */
	dp_tenant_drops_init(&h->ld->maps, 0);
	err = host_take_workloads(h, cfg);
	if (err)
		return err;
	/* A removed workload's entries go in the reconcile, after the new
	 * ones are in place; its link was detached above. */
	err = host_sync(h);
	if (!err)
		log_info("host: VTEP %s on %s, %u tenants, %u workloads (%u present), %u "
			 "endpoints",
			 addr_str(cfg->vtep.addr, (char[ADDR_STR_MAX]){ 0 }, ADDR_STR_MAX),
			 cfg->underlay, cfg->n_tenants, cfg->n_workloads, h->cur.n_wls,
			 h->cur.n_eps);
	return err;
}

int host_start(struct host **out, struct loader *ld, struct netlink *nl, unsigned int compat_flags,
	       const struct config_host *cfg)
{
	struct host *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->ld = ld;
	h->nl = nl;
	h->compat_flags = compat_flags;
	h->cfg = cfg;
	h->fd = -1;
	err = loader_open_host(ld) ?: state_read(&h->cur, &ld->maps);
	if (!err) {
		h->underlay = (int)if_nametoindex(cfg->underlay);
		err = h->underlay ? netlink_if_mac(nl, h->underlay, h->underlay_mac) : -ENODEV;
		if (err)
			log_errno(LOG_LVL_ERR, err, "host: underlay interface %s", cfg->underlay);
	}
	if (!err) {
		h->fd = netlink_link_watch(nl);
		if (h->fd < 0) {
			log_errno(LOG_LVL_WARN, h->fd,
				  "host: no link events: workload interfaces that appear later "
				  "wait for a reload");
			h->fd = -1;
		}
	}
	if (err) {
		state_free(&h->cur);
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

void host_fill_config(const struct host *h, struct ig_config *c)
{
	c->flags |= IG_CFG_ENABLED;
	if (h->cfg->vtep.family == AF_INET6)
		c->flags |= IG_CFG_VTEP6;
	memcpy(c->vtep_addr, h->cfg->vtep.addr, IG_ADDR_LEN);
	memcpy(c->vtep_mac, h->underlay_mac, 6);
	c->underlay_ifindex = h->underlay;
}

int host_fd(const struct host *h)
{
	return h ? h->fd : -1;
}

void host_events(struct host *h)
{
	int n;

	if (!h || h->fd < 0)
		return;
	n = netlink_link_drain(h->nl);
	if (n > 0)
		h->link_events += n;
	evpn_events(h->evpn); /* events lost: the tables dumped again */
	/* Both: evpn's flag is taken even when links changed too. */
	if (evpn_take_changed(h->evpn) + (n > 0))
		host_sync(h);
}

static __u64 host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A neighbour being resolved is asked again soon; a VTEP without a route
 * once a second (a route may come with the underlay's routing daemon). */
int host_tick(struct host *h)
{
	__u64 now = host_now_ns();

	if (!h || !h->unresolved)
		return INT_MAX;
	if (now < h->retry_ns)
		return (int)((h->retry_ns - now) / 1000000) + 1;
	host_sync(h);
	h->retry_ns = now + (h->no_route ? HOST_NOROUTE_MS : HOST_RETRY_MS) * 1000000ULL;
	return h->no_route ? HOST_NOROUTE_MS : HOST_RETRY_MS;
}

/* ---- /metrics ---- */

static const char *host_tenant_name(const struct ig_cfg *cfg, __u32 id)
{
	for (unsigned int i = 0; i < cfg->n_tenants; i++)
		if (cfg->tenants[i].id == id)
			return cfg->tenants[i].name;
	return "none";
}

static __u64 host_pc(int fd, __u32 key, size_t off)
{
	__u64 v = 0;

	dp_percpu_sum(fd, key, off, &v);
	return v;
}

static void host_render_tenants(struct host *h, struct mbuf *m, const struct ig_cfg *cfg)
{
	const struct dp_maps *d = &h->ld->maps;
	const struct config_host *c = h->cfg;

	mbuf_family(m, "infergate_host_tenant_packets_total", "counter",
		    "Packets of the tenant this host delivered or forwarded.");
	for (unsigned int i = 0; i < c->n_tenants; i++)
		mbuf_printf(m, "infergate_host_tenant_packets_total{tenant=\"%s\"} %llu\n",
			    c->tenants[i].name,
			    (unsigned long long)host_pc(d->tn_stats, c->tenants[i].id, 0));
	mbuf_family(m, "infergate_host_tenant_bytes_total", "counter",
		    "Bytes of the tenant this host delivered or forwarded.");
	for (unsigned int i = 0; i < c->n_tenants; i++)
		mbuf_printf(m, "infergate_host_tenant_bytes_total{tenant=\"%s\"} %llu\n",
			    c->tenants[i].name,
			    (unsigned long long)host_pc(d->tn_stats, c->tenants[i].id,
							offsetof(struct ig_traffic, bytes)));
	mbuf_family(m, "infergate_host_response_bytes_total", "counter",
		    "Response bytes the tenant's workloads sent toward clients.");
	for (unsigned int i = 0; i < c->n_tenants; i++)
		mbuf_printf(m, "infergate_host_response_bytes_total{tenant=\"%s\"} %llu\n",
			    c->tenants[i].name,
			    (unsigned long long)host_pc(d->tn_resp, c->tenants[i].id,
							offsetof(struct ig_traffic, bytes)));
	/* Tenant 0 ("none") holds what no tenant owns: an unknown VNI. */
	mbuf_family(m, "infergate_host_drops_total", "counter",
		    "Packets the host datapath dropped, by tenant and reason.");
	for (int i = -1; i < (int)c->n_tenants; i++) {
		__u32 id = i < 0 ? 0 : c->tenants[i].id;

		for (__u32 r = 1; r < IG_DROP__MAX; r++) {
			__u64 n = 0;

			dp_tenant_drops(d, id, r, &n);
			mbuf_printf(
				m, "infergate_host_drops_total{tenant=\"%s\",reason=\"%s\"} %llu\n",
				host_tenant_name(cfg, id), drop_reason_str(r),
				(unsigned long long)n);
		}
	}
}

static void host_render_links(struct host *h, struct mbuf *m)
{
	static const char *const mode[] = { "tcx", "clsact" };

	mbuf_family(m, "infergate_host_attached", "gauge",
		    "1 for each interface and hook a host program is attached to.");
	if (h->ul_in_on)
		mbuf_printf(m,
			    "infergate_host_attached{interface=\"%s\",hook=\"tc-ingress\","
			    "program=\"tc_host_ingress\",mode=\"%s\"} 1\n",
			    h->cfg->underlay, mode[h->ul_in.att.method == COMPAT_METHOD_NETLINK]);
	if (h->ul_out_on)
		mbuf_printf(m,
			    "infergate_host_attached{interface=\"%s\",hook=\"tc-egress\","
			    "program=\"tc_host_egress\",mode=\"%s\"} 1\n",
			    h->cfg->underlay, mode[h->ul_out.att.method == COMPAT_METHOD_NETLINK]);
	for (unsigned int i = 0; i < h->n_wl; i++)
		if (h->wl[i].attached)
			mbuf_printf(m,
				    "infergate_host_attached{interface=\"%s\",hook=\"tc-ingress\","
				    "program=\"tc_workload\",mode=\"%s\"} 1\n",
				    h->wl[i].ifname,
				    mode[h->wl[i].link.att.method == COMPAT_METHOD_NETLINK]);
	mbuf_family(m, "infergate_host_workload_present", "gauge",
		    "1 while the workload's interface exists and its entry is written.");
	for (unsigned int i = 0; i < h->n_wl; i++)
		mbuf_printf(
			m, "infergate_host_workload_present{workload=\"%s\",interface=\"%s\"} %d\n",
			h->wl[i].name, h->wl[i].ifname, h->wl[i].ifindex && h->wl[i].mac_known);
	mbuf_family(m, "infergate_host_link_events_total", "counter",
		    "Link events that made the agent look at the workload interfaces again.");
	mbuf_printf(m, "infergate_host_link_events_total %llu\n",
		    (unsigned long long)h->link_events);
	mbuf_family(m, "infergate_host_map_writes_total", "counter",
		    "Host map entries written or deleted, and failures.");
	mbuf_printf(m, "infergate_host_map_writes_total{result=\"ok\"} %llu\n",
		    (unsigned long long)h->writes);
	mbuf_printf(m, "infergate_host_map_writes_total{result=\"error\"} %llu\n",
		    (unsigned long long)h->errors);
}

/* Per workload (ig_wl_stats, summed over CPUs): one family per field. */
static void host_render_workloads(struct host *h, struct mbuf *m)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
		{ "infergate_host_workload_rx_packets_total", "Packets delivered to the workload.",
		  offsetof(struct ig_wl_stats, rx_packets) },
		{ "infergate_host_workload_rx_bytes_total", "Bytes delivered to the workload.",
		  offsetof(struct ig_wl_stats, rx_bytes) },
		{ "infergate_host_workload_tx_packets_total",
		  "Packets the workload sent that were forwarded.",
		  offsetof(struct ig_wl_stats, tx_packets) },
		{ "infergate_host_workload_tx_bytes_total",
		  "Bytes the workload sent that were forwarded.",
		  offsetof(struct ig_wl_stats, tx_bytes) },
		{ "infergate_host_workload_response_bytes_total",
		  "Bytes the workload sent toward the client side.",
		  offsetof(struct ig_wl_stats, resp_bytes) },
		{ "infergate_host_workload_drops_total",
		  "Packets the workload sent that were dropped.",
		  offsetof(struct ig_wl_stats, drops) },
	};

	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		mbuf_family(m, f[k].name, "counter", f[k].help);
		for (unsigned int i = 0; i < h->n_wl; i++) {
			const struct host_wl *w = &h->wl[i];
			__u64 v = 0;

			if (w->ifindex && w->mac_known)
				dp_percpu_sum(h->ld->maps.wl_stats, w->ifindex, f[k].off, &v);
			mbuf_printf(m, "%s{workload=\"%s\",tenant=\"%s\"} %llu\n", f[k].name,
				    w->name, w->cfg->tenant, (unsigned long long)v);
		}
	}
}

static void host_render_sources(struct host *h, struct mbuf *m, const struct ig_cfg *cfg);

void host_render(struct host *h, struct mbuf *m, const struct ig_cfg *cfg)
{
	if (!h)
		return;
	host_render_tenants(h, m, cfg);
	host_render_workloads(h, m);
	host_render_links(h, m);
	host_render_sources(h, m, cfg);
}

int host_wl_ifindex(const struct host *h, const char *name)
{
	for (unsigned int i = 0; h && i < h->n_wl; i++)
		if (!strcmp(h->wl[i].name, name))
			return h->wl[i].mac_known ? h->wl[i].ifindex : 0;
	return 0;
}

void host_stop(struct host *h, bool detach)
{
	if (!h)
		return;
	for (unsigned int i = 0; i < h->n_wl; i++) {
		if (detach)
			host_wl_detach(h, &h->wl[i]);
		else if (h->wl[i].attached)
			loader_link_close(&h->wl[i].link, false);
	}
	if (detach && h->ul_in_on)
		loader_link_detach(&h->ul_in);
	if (detach && h->ul_out_on)
		loader_link_detach(&h->ul_out);
	if (!detach && h->ul_in_on)
		loader_link_close(&h->ul_in, false);
	if (!detach && h->ul_out_on)
		loader_link_close(&h->ul_out, false);
	state_free(&h->cur);
	free(h->wl);
	free(h->nh);
	free(h);
}

/* ---- EVPN: learned entries (user/agent/evpn.c, docs/evpn.md) ---- */

void host_set_evpn(struct host *h, struct evpn *evpn)
{
	h->evpn = evpn;
}

/* Room for what evpn may add: endpoints (returned) and VTEPs (*n_vteps). */
static unsigned int host_evpn_count(const struct host *h, unsigned int *n_vteps)
{
	if (!h->evpn || !h->evpn->cfg.learn)
		return 0;
	*n_vteps += h->evpn->learned.n_fdb;
	return h->evpn->learned.n_nb;
}

static const struct config_host_tenant *host_vni_tenant(const struct host *h, __u32 vni)
{
	for (unsigned int i = 0; i < h->cfg->n_tenants; i++)
		if (h->cfg->tenants[i].vni == vni)
			return &h->cfg->tenants[i];
	return NULL;
}

/* Learned VTEPs of the VNIs this host serves, and learned endpoints whose
 * address no workload or configured endpoint has: the configuration wins. */
static int host_want_evpn(struct host *h, struct host_state *w, unsigned int cap)
{
	const struct evpn_table *t;
	struct ig_vtep_key k;
	struct evpn_ep *eps;
	unsigned int n, conflicts, n_cfg = w->n_eps;
	int err = 0;

	h->evpn_shadowed = 0;
	if (!h->evpn || !h->evpn->cfg.learn)
		return 0;
	t = &h->evpn->learned;
	for (unsigned int i = 0; evpn_table_vtep(t, i, &k.vni, k.addr); i++) {
		if (!host_vni_tenant(h, k.vni) || state_has_vtep(w, &k))
			continue; /* configured: it stays the configuration's */
		w->vtep_flags[w->n_vteps] = IG_VTEP_F_EVPN;
		w->vteps[w->n_vteps++] = k;
	}
	eps = calloc(t->n_nb + 1, sizeof(*eps));
	if (!eps)
		return -ENOMEM;
	n = evpn_table_endpoints(t, eps, t->n_nb, &conflicts);
	for (unsigned int i = 0; !err && i < n; i++) {
		const struct config_host_tenant *tn = host_vni_tenant(h, eps[i].vni);
		struct ig_endpoint ep = { .flags = IG_EP_F_REMOTE | IG_EP_F_EVPN };
		struct host_ep key;
		const __u8 *mac;

		memcpy(key.addr, eps[i].addr, IG_ADDR_LEN);
		if (!tn)
			continue;
		if (bsearch(&key, w->eps, n_cfg, sizeof(key), ep_cmp)) {
			h->evpn_shadowed++;
			continue;
		}
		ep.tenant = tn->id;
		memcpy(ep.vtep, eps[i].vtep, IG_ADDR_LEN);
		mac = host_nh_mac(h, eps[i].vtep);
		if (mac)
			memcpy(ep.nh_mac, mac, 6);
		err = want_ep(w, cap, eps[i].addr, &ep);
	}
	free(eps);
	h->evpn->conflicts = conflicts + h->evpn_shadowed;
	qsort(w->eps, w->n_eps, sizeof(*w->eps), ep_cmp);
	return err;
}

/* The workloads present, for zebra to advertise (their addresses, not the
 * VIPs: a VIP may be served on several hosts). */
static void host_evpn_local(struct host *h)
{
	if (!h->evpn)
		return;
	evpn_local_begin(h->evpn);
	for (unsigned int i = 0; i < h->n_wl; i++) {
		const struct host_wl *w = &h->wl[i];

		if (!w->ifindex || !w->mac_known)
			continue;
		evpn_local_add(h->evpn, w->cfg->tenant_id, w->val.mac, NULL);
		for (unsigned int j = 0; j < w->cfg->n_addrs; j++)
			evpn_local_add(h->evpn, w->cfg->tenant_id, w->val.mac,
				       w->cfg->addrs[j].addr);
	}
	evpn_local_commit(h->evpn);
}

/* Where each allowed VTEP and endpoint comes from. */
static void host_render_sources(struct host *h, struct mbuf *m, const struct ig_cfg *cfg)
{
	static const char *const src[] = { "static", "evpn" };
	char a[ADDR_STR_MAX];

	mbuf_family(m, "infergate_host_vtep_allowed", "gauge",
		    "1 for each VTEP allowed to send the VNI, by source (static: the "
		    "configuration, evpn: learned).");
	for (unsigned int i = 0; i < h->cur.n_vteps; i++) {
		const struct config_host_tenant *tn = host_vni_tenant(h, h->cur.vteps[i].vni);

		mbuf_printf(m,
			    "infergate_host_vtep_allowed{tenant=\"%s\",vni=\"%u\",vtep=\"%s\","
			    "source=\"%s\"} 1\n",
			    tn ? tn->name : "none", h->cur.vteps[i].vni,
			    addr_str(h->cur.vteps[i].addr, a, sizeof(a)),
			    src[!!(h->cur.vtep_flags[i] & IG_VTEP_F_EVPN)]);
	}
	mbuf_family(m, "infergate_host_endpoints", "gauge",
		    "Tenant addresses in ig_endpoints, by tenant and source (local: a "
		    "workload here, static: configured, evpn: learned).");
	for (unsigned int t = 0; t < h->cfg->n_tenants; t++) {
		unsigned int n[3] = { 0 };

		for (unsigned int i = 0; i < h->cur.n_eps; i++) {
			const struct ig_endpoint *ep = &h->cur.eps[i].ep;

			if (ep->tenant != h->cfg->tenants[t].id)
				continue;
			n[ep->flags & IG_EP_F_EVPN ? 2 : ep->flags & IG_EP_F_LOCAL ? 0 : 1]++;
		}
		for (unsigned int k = 0; k < 3; k++)
			mbuf_printf(m, "infergate_host_endpoints{tenant=\"%s\",source=\"%s\"} %u\n",
				    h->cfg->tenants[t].name,
				    (const char *[]){ "local", "static", "evpn" }[k], n[k]);
	}
	(void)cfg;
}
