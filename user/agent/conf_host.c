// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The host: section's tables and checks (user/agent/conf_host.h). The field
 * tables go through cfgtree's engine like the rest of the file; what needs
 * the whole document (tenant names, the underlay interface, addresses that
 * must be unique across workloads and endpoints) is checked at the end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "user/agent/conf.h"
#include "user/agent/conf_host.h"
#include "user/lib/addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(CONFIG_HOST_NAME_MAX == CONFIG_NAME_MAX, "name sizes");

static struct config_host *host_of(struct cfg_ctx *c)
{
	return &((struct ig_cfg *)c->data)->host;
}

/* ---- lists of addresses and prefixes ---- */

static int cfg_addr_item(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	(void)i;
	return cfg_addr_value(c, v, obj);
}

static int cfg_addrs(struct cfg_ctx *c, const struct cfg_node *v, struct config_addr **arr,
		     unsigned int *n)
{
	return cfg_seq(c, v, sizeof(**arr), (void **)arr, n, cfg_addr_item);
}

bool config_prefix_has(const struct config_prefix *pfx, const __u8 addr[IG_ADDR_LEN])
{
	unsigned int bytes = pfx->len / 8, bits = pfx->len % 8;

	if (memcmp(pfx->addr.addr, addr, bytes))
		return false;
	if (!bits)
		return true;
	return !((pfx->addr.addr[bytes] ^ addr[bytes]) & (__u8)(0xff << (8 - bits)));
}

/* "198.18.11.0/24", "2001:db8::/32", or an address alone (/32, /128). */
static int cfg_prefix_item(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_prefix *p = obj;
	char buf[64], *slash, *end;
	unsigned long len;
	int err = cfg_need_text(c, v, "a prefix");

	(void)i;
	if (err)
		return err;
	snprintf(buf, sizeof(buf), "%s", v->str);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (strlen(v->str) >= sizeof(buf) || cfg_addr_parse(buf, &p->addr))
		return cfg_fail(c, v, "'%s' is not an IPv4 or IPv6 prefix (e.g. 198.18.11.0/24)",
				v->str);
	len = p->addr.family == AF_INET ? 32 : 128;
	if (slash) {
		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || len > (p->addr.family == AF_INET ? 32u : 128u))
			return cfg_fail(c, v, "'%s': bad prefix length", v->str);
	}
	p->len = (unsigned int)len + (p->addr.family == AF_INET ? 96 : 0);
	for (unsigned int b = p->len; b < 128; b++)
		p->addr.addr[b / 8] &= (__u8) ~(0x80 >> (b % 8));
	return 0;
}

/* ---- tenants ---- */

static int cfg_ht_vteps(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host_tenant *t = obj;

	return cfg_addrs(c, v, &t->vteps, &t->n_vteps);
}

static const struct cfg_field cfg_ht_fields[] = {
	CFG_FIELD(struct config_host_tenant, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_CUSTOM("vteps", 0, cfg_ht_vteps), /* required without evpn: */
};

static int cfg_ht(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_host_tenant *t = obj;
	int err = cfg_map(c, v, cfg_ht_fields, ARRAY_SIZE(cfg_ht_fields), t);

	for (unsigned int j = 0; !err && j < i; j++)
		if (!strcmp(host_of(c)->tenants[j].name, t->name))
			err = cfg_fail_key(c, v, "name", "'%s' is already listed as tenants[%u]",
					   t->name, j);
	return err;
}

static int cfg_host_tenants(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = obj;

	return cfg_seq(c, v, sizeof(*h->tenants), (void **)&h->tenants, &h->n_tenants, cfg_ht);
}

/* ---- workloads ---- */

static int cfg_wl_addrs(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_workload *w = obj;

	return cfg_addrs(c, v, &w->addrs, &w->n_addrs);
}

static int cfg_wl_vips(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_workload *w = obj;

	return cfg_addrs(c, v, &w->vips, &w->n_vips);
}

static const struct cfg_field cfg_wl_fields[] = {
	CFG_FIELD(struct config_workload, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct config_workload, "interface", CT_IFNAME, ifname, CF_REQ, 0, 0),
	CFG_FIELD(struct config_workload, "tenant", CT_NAME, tenant, CF_REQ, 0, 0),
	CFG_CUSTOM("addresses", CF_REQ, cfg_wl_addrs),
	CFG_FIELD(struct config_workload, "mac", CT_STR, mac_str, 0, 0, 0),
	CFG_CUSTOM("vips", 0, cfg_wl_vips),
	CFG_FIELD(struct config_workload, "metrics", CT_STR, metrics, 0, 0, 0),
};

static int cfg_wl(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_workload *w = obj;
	int err = cfg_map(c, v, cfg_wl_fields, ARRAY_SIZE(cfg_wl_fields), w);

	if (err)
		return err;
	if (w->metrics[0] && strncmp(w->metrics, "file:///", 8) &&
	    (strncmp(w->metrics, "http://", 7) || !w->metrics[7] || w->metrics[7] == '/'))
		return cfg_fail_key(c, v, "metrics", "'%s' is not an http:// or file:/// URL",
				    cfg_token(c, w->metrics));
	w->has_mac = w->mac_str[0] != '\0';
	if (w->has_mac && (strlen(w->mac_str) != 17 || mac_parse(w->mac_str, w->mac) ||
			   (w->mac[0] & 1) || !memcmp(w->mac, "\0\0\0\0\0\0", 6)))
		return cfg_fail_key(c, v, "mac",
				    "'%s' is not a unicast MAC address "
				    "(aa:bb:cc:dd:ee:ff)",
				    w->mac_str);
	for (unsigned int j = 0; j < i; j++) {
		const struct config_workload *o = &host_of(c)->workloads[j];

		if (!strcmp(o->name, w->name))
			return cfg_fail_key(c, v, "name", "'%s' is already used by workloads[%u]",
					    w->name, j);
		if (!strcmp(o->ifname, w->ifname))
			return cfg_fail_key(c, v, "interface",
					    "'%s' is already used by workloads[%u]", w->ifname, j);
	}
	return 0;
}

static int cfg_host_wls(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = obj;

	return cfg_seq(c, v, sizeof(*h->workloads), (void **)&h->workloads, &h->n_workloads,
		       cfg_wl);
}

/* ---- endpoints on other hosts ---- */

static int cfg_ep_addrs(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_endpoint *e = obj;

	return cfg_addrs(c, v, &e->addrs, &e->n_addrs);
}

static const struct cfg_field cfg_ep_fields[] = {
	CFG_FIELD(struct config_endpoint, "tenant", CT_NAME, tenant, CF_REQ, 0, 0),
	CFG_CUSTOM("addresses", CF_REQ, cfg_ep_addrs),
	CFG_FIELD(struct config_endpoint, "vtep", CT_ADDR, vtep, 0, 0, 0),
	CFG_FIELD(struct config_endpoint, "vip", CT_BOOL, vip, 0, 0, 0),
};

static int cfg_ep(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_endpoint *e = obj;
	int err = cfg_map(c, v, cfg_ep_fields, ARRAY_SIZE(cfg_ep_fields), e);

	(void)i;
	e->has_vtep = cfg_get(v, "vtep") != NULL;
	if (!err && !e->has_vtep && !e->vip)
		err = cfg_fail_key(c, v, "vtep",
				   "missing: only VIPs (vip: true) may be served by no host "
				   "this one sends to");
	return err;
}

static int cfg_host_eps(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = obj;

	return cfg_seq(c, v, sizeof(*h->endpoints), (void **)&h->endpoints, &h->n_endpoints,
		       cfg_ep);
}

static int cfg_host_infra(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = obj;

	return cfg_seq(c, v, sizeof(*h->infra), (void **)&h->infra, &h->n_infra, cfg_prefix_item);
}

static int cfg_host_extra(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = obj;

	return cfg_addrs(c, v, &h->extra_vteps, &h->n_extra_vteps);
}

static const struct cfg_field cfg_host_fields[] = {
	CFG_FIELD(struct config_host, "vtep", CT_ADDR, vtep, CF_REQ, 0, 0),
	CFG_CUSTOM("extra_vteps", 0, cfg_host_extra),
	CFG_CUSTOM("tenants", CF_REQ, cfg_host_tenants),
	CFG_CUSTOM("workloads", 0, cfg_host_wls),
	CFG_CUSTOM("endpoints", 0, cfg_host_eps),
	CFG_CUSTOM("infrastructure", 0, cfg_host_infra),
};

int config_host_parse(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_host *h = &((struct ig_cfg *)obj)->host;

	h->present = true;
	return cfg_map(c, v, cfg_host_fields, ARRAY_SIZE(cfg_host_fields), h);
}

/* ---- cross references ---- */

static const struct config_host_tenant *cfg_host_tenant(const struct config_host *h,
							const char *name)
{
	for (unsigned int i = 0; i < h->n_tenants; i++)
		if (!strcmp(h->tenants[i].name, name))
			return &h->tenants[i];
	return NULL;
}

/* host.tenants[] name tenants of the file; they get its id and VNI. */
static int cfg_resolve_tenants(struct cfg_ctx *c, const struct cfg_node *hv)
{
	const struct cfg_node *list = cfg_get(hv, "tenants");
	struct ig_cfg *cfg = c->data;
	struct config_host *h = &cfg->host;

	for (unsigned int i = 0; i < h->n_tenants; i++) {
		struct config_host_tenant *t = &h->tenants[i];
		unsigned int k;

		for (k = 0; k < cfg->n_tenants && strcmp(cfg->tenants[k].name, t->name); k++)
			;
		if (k == cfg->n_tenants) {
			cfg_push(c, ".tenants[%u]", i);
			return cfg_fail_key(c, list->kids[i], "name",
					    "unknown tenant '%s' (not in tenants:)", t->name);
		}
		t->id = cfg->tenants[k].id;
		t->vni = cfg->tenants[k].vni;
		/* With EVPN the VTEPs are learned; static ones are optional. */
		if (!cfg->evpn.present && !cfg_get(list->kids[i], "vteps")) {
			cfg_push(c, ".tenants[%u]", i);
			return cfg_fail_key(c, list->kids[i], "vteps",
					    "missing (only optional with an evpn: section, which "
					    "learns them)");
		}
		/* learn: false allows only configured VTEPs: a tenant without
		 * any would be accepted from no one and sent to no one. */
		if (cfg->evpn.present && !cfg->evpn.learn && !t->n_vteps) {
			cfg_push(c, ".tenants[%u]", i);
			return cfg_fail_key(c, list->kids[i], "vteps",
					    "missing (evpn.learn is false: the tenant would have "
					    "no allowed VTEP)");
		}
		for (unsigned int j = 0; j < t->n_vteps; j++) {
			if (t->vteps[j].family == h->vtep.family)
				continue;
			cfg_push(c, ".tenants[%u].vteps[%u]", i, j);
			return cfg_fail(c, cfg_get(list->kids[i], "vteps")->kids[j],
					"not of host.vtep's address family");
		}
	}
	return 0;
}

static int cfg_tenant_served(struct cfg_ctx *c, const struct cfg_node *item, const char *tenant,
			     __u32 *id)
{
	const struct config_host_tenant *t =
		cfg_host_tenant(&((struct ig_cfg *)c->data)->host, tenant);

	if (!t)
		return cfg_fail_key(c, item, "tenant", "'%s' is not one of host.tenants", tenant);
	*id = t->id;
	return 0;
}

/* Every tenant address names one place: tenants' addresses do not overlap. */
struct cfg_seen {
	const struct config_addr *a;
	char where[48];
};

static int cfg_unique(struct cfg_ctx *c, const struct cfg_node *at, struct cfg_seen *seen,
		      unsigned int *n, const struct config_addr *a, const char *where)
{
	char s[ADDR_STR_MAX];

	for (unsigned int i = 0; i < *n; i++) {
		if (memcmp(seen[i].a->addr, a->addr, IG_ADDR_LEN))
			continue;
		return cfg_fail(c, at, "%s is already %s", addr_str(a->addr, s, sizeof(s)),
				seen[i].where);
	}
	seen[*n].a = a;
	snprintf(seen[*n].where, sizeof(seen[*n].where), "%s", where);
	(*n)++;
	return 0;
}

static int cfg_resolve_addrs(struct cfg_ctx *c, const struct cfg_node *hv, struct cfg_seen *seen)
{
	const struct config_host *h = &((struct ig_cfg *)c->data)->host;
	const struct cfg_node *wl = cfg_get(hv, "workloads"), *ep = cfg_get(hv, "endpoints");
	unsigned int n = 0;
	size_t base = c->plen;
	char where[48];
	int err = 0;

	for (unsigned int i = 0; !err && i < h->n_workloads; i++) {
		const struct config_workload *w = &h->workloads[i];

		snprintf(where, sizeof(where), "used by workloads[%u]", i);
		for (unsigned int j = 0; !err && j < w->n_addrs; j++) {
			cfg_pop(c, base);
			cfg_push(c, ".workloads[%u].addresses[%u]", i, j);
			err = cfg_unique(c, cfg_get(wl->kids[i], "addresses")->kids[j], seen, &n,
					 &w->addrs[j], where);
		}
		for (unsigned int j = 0; !err && j < w->n_vips; j++) {
			cfg_pop(c, base);
			cfg_push(c, ".workloads[%u].vips[%u]", i, j);
			err = cfg_unique(c, cfg_get(wl->kids[i], "vips")->kids[j], seen, &n,
					 &w->vips[j], where);
		}
	}
	for (unsigned int i = 0; !err && i < h->n_endpoints; i++) {
		const struct config_endpoint *e = &h->endpoints[i];

		snprintf(where, sizeof(where), "used by endpoints[%u]", i);
		for (unsigned int j = 0; !err && j < e->n_addrs; j++) {
			cfg_pop(c, base);
			cfg_push(c, ".endpoints[%u].addresses[%u]", i, j);
			err = cfg_unique(c, cfg_get(ep->kids[i], "addresses")->kids[j], seen, &n,
					 &e->addrs[j], where);
		}
	}
	if (!err)
		cfg_pop(c, base);
	return err;
}

/* A remote endpoint's VTEP must be allowed for its tenant's VNI: the
 * datapath checks membership both ways and would drop what it sends. */
static int cfg_resolve_refs(struct cfg_ctx *c, const struct cfg_node *hv)
{
	struct config_host *h = &((struct ig_cfg *)c->data)->host;
	const struct cfg_node *wl = cfg_get(hv, "workloads"), *ep = cfg_get(hv, "endpoints");
	size_t old = c->plen;
	char s[ADDR_STR_MAX];
	int err = 0;

	for (unsigned int i = 0; !err && i < h->n_workloads; i++) {
		cfg_push(c, ".workloads[%u]", i);
		err = cfg_tenant_served(c, wl->kids[i], h->workloads[i].tenant,
					&h->workloads[i].tenant_id);
		cfg_pop(c, err ? c->plen : old);
	}
	for (unsigned int i = 0; !err && i < h->n_endpoints; i++) {
		struct config_endpoint *e = &h->endpoints[i];
		const struct config_host_tenant *t = cfg_host_tenant(h, e->tenant);
		bool ok = false;

		cfg_push(c, ".endpoints[%u]", i);
		err = cfg_tenant_served(c, ep->kids[i], e->tenant, &e->tenant_id);
		for (unsigned int j = 0; !err && e->has_vtep && j < t->n_vteps; j++)
			ok |= !memcmp(t->vteps[j].addr, e->vtep.addr, IG_ADDR_LEN);
		/* With EVPN learning the VTEP may be a learned one: the
		 * datapath's membership check still applies to what is sent. */
		if (!err && e->has_vtep && !ok &&
		    !(((struct ig_cfg *)c->data)->evpn.present &&
		      ((struct ig_cfg *)c->data)->evpn.learn))
			err = cfg_fail_key(c, ep->kids[i], "vtep",
					   "%s is not among host.tenants '%s' vteps",
					   addr_str(e->vtep.addr, s, sizeof(s)), e->tenant);
		cfg_pop(c, err ? c->plen : old);
	}
	return err;
}

static unsigned int cfg_host_naddrs(const struct config_host *h)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < h->n_workloads; i++)
		n += h->workloads[i].n_addrs + h->workloads[i].n_vips;
	for (unsigned int i = 0; i < h->n_endpoints; i++)
		n += h->endpoints[i].n_addrs;
	return n;
}

/* The underlay is the one interface with role host. */
static int cfg_resolve_underlay(struct cfg_ctx *c, const struct cfg_node *root)
{
	struct ig_cfg *cfg = c->data;
	int n = 0;

	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		if (cfg->ifaces[i].role != CONFIG_ROLE_HOST)
			continue;
		if (n++)
			return cfg_fail(c, cfg_get(root, "interfaces")->kids[i],
					"interfaces[%u]: a host has one underlay interface "
					"(role host)",
					i);
		snprintf(cfg->host.underlay, sizeof(cfg->host.underlay), "%s", cfg->ifaces[i].name);
	}
	if (!n && cfg->host.present)
		return cfg_fail_key(c, root, "host", "no interface has role host (the underlay)");
	if (n && !cfg->host.present)
		return cfg_fail_key(c, root, "host",
				    "missing: an interface has role host (the section names the "
				    "host's VTEP, tenants and workloads)");
	return 0;
}

int config_host_resolve(struct cfg_ctx *c, const struct cfg_node *root)
{
	struct config_host *h = &((struct ig_cfg *)c->data)->host;
	const struct cfg_node *hv = cfg_get(root, "host");
	struct cfg_seen *seen;
	size_t old;
	int err = cfg_resolve_underlay(c, root);

	if (err || !h->present)
		return err;
	old = cfg_push(c, "host");
	/* ig_config holds one VTEP: a box that is gateway and host has one. */
	if (cfg_get(root, "gateway") &&
	    memcmp(((struct ig_cfg *)c->data)->gateway.vtep.addr, h->vtep.addr, IG_ADDR_LEN))
		return cfg_fail_key(c, hv, "vtep",
				    "must be gateway.vtep: a box that is gateway "
				    "and host has one VTEP");
	err = cfg_resolve_tenants(c, hv) ?: cfg_resolve_refs(c, hv);
	if (!err) {
		seen = calloc(cfg_host_naddrs(h) + 1, sizeof(*seen));
		err = seen ? cfg_resolve_addrs(c, hv, seen) : -ENOMEM;
		free(seen);
	}
	if (!err)
		cfg_pop(c, old);
	return err;
}

void config_host_free(struct config_host *h)
{
	for (unsigned int i = 0; h->tenants && i < h->n_tenants; i++)
		free(h->tenants[i].vteps);
	for (unsigned int i = 0; h->workloads && i < h->n_workloads; i++) {
		free(h->workloads[i].addrs);
		free(h->workloads[i].vips);
	}
	for (unsigned int i = 0; h->endpoints && i < h->n_endpoints; i++)
		free(h->endpoints[i].addrs);
	free(h->extra_vteps);
	free(h->tenants);
	free(h->workloads);
	free(h->endpoints);
	free(h->infra);
	memset(h, 0, sizeof(*h));
}

const struct config_workload *config_host_workload(const struct config_host *h, const char *name)
{
	for (unsigned int i = 0; i < h->n_workloads; i++)
		if (!strcmp(h->workloads[i].name, name))
			return &h->workloads[i];
	return NULL;
}
