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

#include "user/agent/cfgtree.h"
#include "user/agent/conf.h"
#include "user/agent/syncwire.h"
#include "user/lib/addr.h"
#include "user/lib/maglev.h"
#include "user/lib/names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* New flows per second per CPU before the flood guard steers statelessly:
 * far above a gateway's legitimate rate, well below a SYN flood's. */
#define CFG_FLOOD_RATE 20000
/* sync: a 1500-byte underlay datagram holds 26 records; 64k records queued
 * (3.5 MB) ride out a burst of several hundred ms; flows with traffic are
 * sent again every 10 s, inside the default udp_idle of 30 s. */
#define CFG_SYNC_BATCH 24
#define CFG_SYNC_QUEUE 65536
#define CFG_SYNC_REFRESH (10 * CFG_S)

#define CFG_VNI_MAX 16777215
#define CFG_METRICS_ADDR "127.0.0.1"
#define CFG_HEALTH_PATH "/health"
#define CFG_BUDGET_WINDOW CFG_MIN /* tokens per minute, as inference APIs quote them */
#define CFG_SHED_BATCH_AT 0.8
#define CFG_SHED_STANDARD_AT 0.95
#define CFG_SHED_HYSTERESIS 0.05
#define CFG_BYTES_PER_TOKEN 4.0

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
	[CONFIG_HEALTH_NONE] = "none",
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
		if (!strcmp(((struct ig_cfg *)c->data)->ifaces[j].name, ifc->name))
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
	CFG_FIELD(struct config_gateway, "underlay_mtu", CT_UINT, underlay_mtu, 0, 576, UINT16_MAX),
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
		const struct config_tenant *o = &((struct ig_cfg *)c->data)->tenants[j];

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

/* Health defaults; the type (CONFIG_HEALTH__MAX until then: none for UDP,
 * tcp otherwise) and the port (the service's) are resolved at the end. */
static void cfg_health_defaults(struct config_health *h)
{
	h->type = CONFIG_HEALTH__MAX;
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
	CFG_FIELD(struct config_backend, "drain", CT_BOOL, drain, 0, 0, 0),
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
	const struct config_service *s = &((struct ig_cfg *)c->data)->services[c->item];
	unsigned int j, si, bi;

	if (cfg_backend_id_used(((struct ig_cfg *)c->data), c->item, i, be->id, &si, &bi))
		return cfg_fail_key(c, v, "id", "%u is already used by services[%u].backends[%u]",
				    be->id, si, bi);
	for (j = 0; j < i; j++)
		if (!strcmp(s->backends[j].name, be->name))
			return cfg_fail_key(c, v, "name", "'%s' is already used by backends[%u]",
					    be->name, j);
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
	if (be->inner_mac_str[0] &&
	    (strlen(be->inner_mac_str) != 17 || mac_parse(be->inner_mac_str, be->inner_mac)))
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

#define CONFIG_BALANCE_DEFAULT 1.25
#define CONFIG_BALANCE_MAX 10.0

static const struct cfg_field cfg_affinity_fields[] = {
	CFG_FIELD(struct config_service, "balance", CT_DOUBLE, balance, 0, 0, CONFIG_BALANCE_MAX),
	CFG_FIELD(struct config_service, "port_block", CT_UINT, port_block, 0, 1, 65535),
};

static int cfg_affinity(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_service *s = obj;
	int err;

	s->balance = CONFIG_BALANCE_DEFAULT;
	err = cfg_map(c, v, cfg_affinity_fields, ARRAY_SIZE(cfg_affinity_fields), s);
	if (err)
		return err;
	if (s->balance > 0 && s->balance < 1)
		return cfg_fail_key(c, v, "balance",
				    "%g is under 1: no backend could take its share (0: no bound)",
				    s->balance);
	s->affinity = true;
	return 0;
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
	CFG_FIELD(struct config_service, "announce", CT_BOOL, announce, 0, 0, 0),
	CFG_CUSTOM("affinity", 0, cfg_affinity),
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
		const struct config_service *o = &((struct ig_cfg *)c->data)->services[j];

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
	s->announce = true;
	c->item = i;
	err = cfg_map(c, v, cfg_service_fields, ARRAY_SIZE(cfg_service_fields), s);
	if (!err && s->affinity && s->policy != IG_POLICY_MAGLEV)
		err = cfg_fail_key(c, v, "affinity", "needs policy maglev (the policy is %s)",
				   policy_str(s->policy));
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
	CFG_FIELD(struct score_params, "ttft_slo", CT_DURATION, ttft_slo_ns, 0, 0, CFG_HOUR),
};

static int cfg_scoring(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct ig_cfg *cfg = obj;

	return cfg_map(c, v, cfg_scoring_fields, ARRAY_SIZE(cfg_scoring_fields), &cfg->scoring);
}

/* "a.b.c.d:port" or "[v6]:port". */
int config_listen_parse(const char *s, struct config_listen *l)
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
	if (config_listen_parse(v->str, obj))
		return cfg_fail(c, v, "'%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9469, [::1]:9469)",
				cfg_token(c, v->str));
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

/* One peer, ADDRESS:PORT, named once, of the listen address's family. */
static int cfg_sync_peer(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_listen *l = (struct config_listen *)obj - i;
	int err = cfg_need_text(c, v, "ADDRESS:PORT");

	if (err)
		return err;
	if (config_listen_parse(v->str, obj))
		return cfg_fail(c, v, "'%s' is not ADDRESS:PORT (e.g. 198.18.20.2:7946)",
				cfg_token(c, v->str));
	for (unsigned int j = 0; j < i; j++)
		if (!memcmp(&l[j], &l[i], sizeof(l[i])))
			return cfg_fail(c, v, "'%s' is already listed as peers[%u]",
					cfg_token(c, v->str), j);
	return 0;
}

static int cfg_sync_peers(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_sync *s = obj;

	return cfg_seq(c, v, sizeof(*s->peers), (void **)&s->peers, &s->n_peers, cfg_sync_peer);
}

static int cfg_sync_listen(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	return cfg_listen(c, v, &((struct config_sync *)obj)->listen);
}

static const struct cfg_field cfg_sync_fields[] = {
	CFG_CUSTOM("listen", CF_REQ, cfg_sync_listen),
	CFG_CUSTOM("peers", CF_REQ, cfg_sync_peers),
	CFG_FIELD(struct config_sync, "batch", CT_UINT, batch, 0, 1, SYNC_BATCH_MAX),
	CFG_FIELD(struct config_sync, "queue", CT_UINT, queue, 0, 1, 1U << 22),
	CFG_FIELD(struct config_sync, "refresh", CT_DURATION, refresh_ns, 0, 0, CFG_HOUR),
};

static int cfg_sync(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_sync *s = &((struct ig_cfg *)obj)->sync;
	const struct cfg_node *list;
	int err = cfg_map(c, v, cfg_sync_fields, ARRAY_SIZE(cfg_sync_fields), s);

	if (err)
		return err;
	list = cfg_get(v, "peers");
	if (!s->n_peers)
		return cfg_fail_key(c, v, "peers", "no peer: list the other gateways");
	if (s->n_peers > CONFIG_SYNC_PEERS_MAX)
		return cfg_fail_key(c, v, "peers", "%u peers: at most %d", s->n_peers,
				    CONFIG_SYNC_PEERS_MAX);
	for (unsigned int i = 0; i < s->n_peers; i++) {
		if (s->peers[i].addr.family != s->listen.addr.family)
			return cfg_fail(c, list->kids[i], "peer is not of listen's address family");
		if (!memcmp(&s->peers[i], &s->listen, sizeof(s->listen)))
			return cfg_fail(c, list->kids[i], "peer is this gateway's own listen");
	}
	s->enabled = true;
	return 0;
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
		return cfg_fail(c, v, "'%s' is not an absolute path", cfg_token(c, v->str));
	if (strlen(v->str) >= CONFIG_PATH_MAX)
		return cfg_fail(c, v, "'%.32s...' is too long (at most %d characters)", v->str,
				CONFIG_PATH_MAX - 1);
	for (j = 0; j < i; j++)
		if (!strcmp(dirs[j], v->str))
			return cfg_fail(c, v, "'%s' is already listed as host_maps[%u]",
					cfg_token(c, v->str), j);
	strcpy(dirs[i], v->str);
	return 0;
}

static int cfg_host_maps(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_governance *g = obj;

	return cfg_seq(c, v, sizeof(*g->host_maps), (void **)&g->host_maps, &g->n_host_maps,
		       cfg_host_map);
}

static const struct cfg_field cfg_gov_host_fields[] = {
	CFG_FIELD(struct config_gov_host, "name", CT_NAME, name, CF_REQ, 0, 0),
	CFG_FIELD(struct config_gov_host, "url", CT_STR, url, CF_REQ, 0, 0),
};

static int cfg_gov_host(struct cfg_ctx *c, const struct cfg_node *v, void *obj, unsigned int i)
{
	struct config_gov_host *h = obj, *all = h - i;
	int err = cfg_map(c, v, cfg_gov_host_fields, ARRAY_SIZE(cfg_gov_host_fields), h);

	if (err)
		return err;
	if (strncmp(h->url, "file:///", strlen("file:///")) &&
	    (strncmp(h->url, "http://", strlen("http://")) || !h->url[7] || h->url[7] == '/'))
		return cfg_fail_key(c, v, "url", "'%s' is not an http:// or file:/// URL",
				    cfg_token(c, h->url));
	for (unsigned int j = 0; j < i; j++)
		if (!strcmp(all[j].name, h->name))
			return cfg_fail_key(c, v, "name", "'%s' is already used by hosts[%u]",
					    h->name, j);
	return 0;
}

static int cfg_gov_hosts(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_governance *g = obj;

	return cfg_seq(c, v, sizeof(*g->hosts), (void **)&g->hosts, &g->n_hosts, cfg_gov_host);
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
	CFG_CUSTOM("hosts", 0, cfg_gov_hosts),
	CFG_FIELD(struct config_governance, "host_metrics_port", CT_UINT, host_metrics_port, 0, 1,
		  65535),
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

static const struct cfg_field cfg_announce_fields[] = {
	CFG_FIELD(struct config_announce, "table", CT_UINT, table, CF_REQ, 1, 252),
	CFG_FIELD(struct config_announce, "protocol", CT_UINT, protocol, 0, 5, 255),
	CFG_FIELD(struct config_announce, "metric", CT_UINT, metric, 0, 0, 4294967295.0),
	CFG_FIELD(struct config_announce, "withdraw_grace", CT_DURATION, withdraw_grace_ns, 0, 0,
		  CFG_MIN),
	CFG_FIELD(struct config_announce, "hold", CT_DURATION, hold_ns, 0, 0, CFG_HOUR),
};

/* zebra deletes routes of its own protocols (RTPROT_ZEBRA and 186..198, its
 * daemons') that it finds at start: the agent's would vanish. */
static int cfg_announce(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_announce *an = &((struct ig_cfg *)obj)->announce;
	int err = cfg_map(c, v, cfg_announce_fields, ARRAY_SIZE(cfg_announce_fields), an);

	if (!err && (an->protocol == 11 || (an->protocol >= 186 && an->protocol <= 198)))
		err = cfg_fail_key(c, v, "protocol",
				   "%u is one of FRR's own route protocols (11, 186-198), which "
				   "zebra removes at start",
				   an->protocol);
	an->present = !err;
	return err;
}

/* gateway and services are required where an interface has role gateway,
 * host where one has role host (cfg_resolve_roles, config_host_resolve). */
static const struct cfg_field cfg_root_fields[] = {
	CFG_CUSTOM("interfaces", CF_REQ, cfg_ifaces), CFG_CUSTOM("gateway", 0, cfg_gateway),
	CFG_CUSTOM("tenants", CF_REQ, cfg_tenants),   CFG_CUSTOM("services", 0, cfg_services),
	CFG_CUSTOM("telemetry", 0, cfg_telemetry),    CFG_CUSTOM("scoring", 0, cfg_scoring),
	CFG_CUSTOM("metrics", 0, cfg_metrics),	      CFG_CUSTOM("governance", 0, cfg_governance),
	CFG_CUSTOM("host", 0, config_host_parse),     CFG_CUSTOM("sync", 0, cfg_sync),
	CFG_CUSTOM("announce", 0, cfg_announce),      CFG_CUSTOM("evpn", 0, config_evpn_parse),
};

/* A gateway needs its section and its services; a host-only file has none. */
static int cfg_resolve_roles(struct cfg_ctx *c, const struct cfg_node *root)
{
	const struct ig_cfg *cfg = c->data;
	bool gw = false;

	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		gw |= cfg->ifaces[i].role == CONFIG_ROLE_GATEWAY;
	if (gw && !cfg_get(root, "gateway"))
		return cfg_fail_key(c, root, "gateway", "missing required field");
	if (gw && !cfg_get(root, "services"))
		return cfg_fail_key(c, root, "services", "missing required field");
	if (!gw && cfg_get(root, "announce"))
		return cfg_fail_key(c, root, "announce",
				    "announces a gateway's VIPs: no interface has role gateway");
	return 0;
}

/* ---- cross references and derived values ---------------------------------- */

static int cfg_resolve_tenant(struct cfg_ctx *c, const struct cfg_node *v, struct config_service *s)
{
	const struct ig_cfg *cfg = ((struct ig_cfg *)c->data);
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
	int family = ((struct ig_cfg *)c->data)->gateway.vtep.family;
	char a[INET6_ADDRSTRLEN];
	unsigned int b;

	for (b = 0; b < s->n_backends; b++) {
		struct config_backend *be = &s->backends[b];

		/* A TCP connect to a UDP service's port fails: no default check. */
		if (be->health.type == CONFIG_HEALTH__MAX)
			be->health.type = s->proto == IPPROTO_UDP ? CONFIG_HEALTH_NONE :
								    CONFIG_HEALTH_TCP;
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
	struct ig_cfg *cfg = ((struct ig_cfg *)c->data);
	unsigned int i;
	size_t old;
	int err;

	err = cfg_resolve_roles(c, root);
	if (err)
		return err;
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
	return config_host_resolve(c, root);
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
	cfg->sync.batch = CFG_SYNC_BATCH;
	cfg->sync.queue = CFG_SYNC_QUEUE;
	cfg->sync.refresh_ns = CFG_SYNC_REFRESH;
	cfg->announce.protocol = CONFIG_ANNOUNCE_PROTO;
	cfg->announce.withdraw_grace_ns = 2 * CFG_S;
}

int config_load_mem(const char *name, const char *buf, size_t len, struct ig_cfg *out,
		    struct config_error *err)
{
	struct cfg_ctx c = { .file = name, .err = err, .data = out };
	struct cfg_node *root = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	cfg_defaults(out);
	ret = cfg_check_bytes(&c, buf, len);
	ret = ret ?: cfg_parse(&c, buf, len, &root);
	if (!ret)
		ret = cfg_map(&c, root, cfg_root_fields, ARRAY_SIZE(cfg_root_fields), out);
	if (!ret)
		ret = cfg_resolve(&c, root);
	cfg_close(&c);
	if (ret)
		config_free(out);
	return ret;
}

struct config_trial {
	const char *name, *buf;
	size_t len;
	struct config_error *err;
};

/* In the child: the whole load, its result only. */
static int config_try(void *arg)
{
	struct config_trial *t = arg;
	struct ig_cfg cfg;
	int ret = config_load_mem(t->name, t->buf, t->len, &cfg, t->err);

	if (!ret)
		config_free(&cfg);
	return ret;
}

/* The bytes are read once, checked, then parsed in a child under a deadline
 * (libfyaml cannot be interrupted in this thread, and a hang in it must not
 * wedge the control loop); only a file the child accepted is parsed here,
 * from the same bytes, so this parse ends too. */
int config_load(const char *path, struct ig_cfg *out, struct config_error *err)
{
	struct cfg_ctx c = { .file = path, .err = err, .data = out };
	struct config_trial t = { .name = path, .err = err };
	char *buf = NULL;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	ret = cfg_read_file(&c, path, &buf, &len);
	if (ret)
		return ret;
	t.buf = buf;
	t.len = len;
	ret = cfg_check_bytes(&c, buf, len);
	ret = ret ?: cfg_run_bounded(config_try, &t, CFG_PARSE_DEADLINE_MS, err);
	ret = ret ?: config_load_mem(path, buf, len, out, err);
	free(buf);
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
	free(cfg->sync.peers);
	free(cfg->governance.hosts);
	config_host_free(&cfg->host);
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
	fprintf(out, "%s: OK: %u interfaces, %u tenants, %u services, %u backends", path,
		cfg.n_ifaces, cfg.n_tenants, cfg.n_services, nb);
	if (cfg.host.present)
		fprintf(out, "; host: %u tenants, %u workloads, %u endpoint groups",
			cfg.host.n_tenants, cfg.host.n_workloads, cfg.host.n_endpoints);
	fputc('\n', out);
	config_free(&cfg);
	return 0;
}
