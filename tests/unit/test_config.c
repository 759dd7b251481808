// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the YAML configuration (user/agent/conf.c): the documented
 * example and two small files load with exact values and defaults, and every
 * kind of mistake gives its exact "file:line:col: field: message". The files
 * are in tests/data/config (found from $IG_SRCDIR, else from "."). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

/* maps/config.h (the ig_config map) comes first on the include path. */
#include "user/agent/cfgtree.h"
#include "user/agent/conf.h"

#define TC_DATA "tests/data/config"
#define TC_EXAMPLE "deploy/infergate.example.yaml"
#define TC_NS_S 1000000000ULL
#define TC_NS_MS 1000000ULL

static char tc_buf[512];

static const char *tc_path(const char *rel)
{
	const char *dir = getenv("IG_SRCDIR");

	snprintf(tc_buf, sizeof(tc_buf), "%s/%s", dir && *dir ? dir : ".", rel);
	return tc_buf;
}

static void tc_load(const char *rel, struct ig_cfg *cfg)
{
	struct config_error err;
	int rc = config_load(tc_path(rel), cfg, &err);

	cr_assert_eq(rc, 0, "%s (run from the repo root or set IG_SRCDIR)", err.text);
}

/* IPv4 in the maps' IPv4-mapped form, or IPv6. */
static void tc_expect_addr(const struct config_addr *a, const char *want)
{
	struct config_addr w = { 0 };
	struct in_addr v4;

	if (inet_pton(AF_INET, want, &v4) == 1) {
		w.addr[10] = w.addr[11] = 0xff;
		memcpy(&w.addr[12], &v4, 4);
		w.family = AF_INET;
	} else {
		cr_assert_eq(inet_pton(AF_INET6, want, w.addr), 1);
		w.family = AF_INET6;
	}
	cr_expect_eq(a->family, w.family, "%s: family", want);
	cr_expect_arr_eq(a->addr, w.addr, IG_ADDR_LEN, "%s: bytes", want);
}

static void tc_expect_health(const struct config_health *h, unsigned int type, __u16 port,
			     __u64 interval_ns, __u64 timeout_ns)
{
	cr_expect_eq(h->type, type);
	cr_expect_eq(h->port, port);
	cr_expect_str_eq(h->path, "/health");
	cr_expect_eq(h->interval_ns, interval_ns);
	cr_expect_eq(h->timeout_ns, timeout_ns);
	cr_expect_eq(h->fall, 3);
	cr_expect_eq(h->rise, 2);
}

/* ---- valid files ---------------------------------------------------------- */

Test(config, example_global_sections)
{
	struct ig_cfg cfg;

	tc_load(TC_EXAMPLE, &cfg);
	cr_assert_eq(cfg.n_ifaces, 1);
	cr_expect_str_eq(cfg.ifaces[0].name, "eth0");
	cr_expect_eq(cfg.ifaces[0].role, CONFIG_ROLE_GATEWAY);
	cr_expect_eq(cfg.ifaces[0].xdp_mode, CONFIG_XDP_NATIVE);
	cr_expect_eq(cfg.host.present, false, "a gateway's file");
	tc_expect_addr(&cfg.gateway.vtep, "198.18.0.1");
	cr_expect_eq(cfg.gateway.flood_rate, 20000);
	cr_expect_eq(cfg.gateway.udp_idle_ns, 30 * TC_NS_S);
	cr_expect_eq(cfg.gateway.tcp_idle_ns, 2 * 3600 * TC_NS_S);
	cr_expect_eq(cfg.gateway.syn_timeout_ns, 3 * TC_NS_S);
	cr_expect_eq(cfg.gateway.linger_ns, 2 * TC_NS_S);
	cr_expect_eq(cfg.gateway.event_sample, 1024);
	cr_expect_eq(cfg.gateway.underlay_mtu, 1600);
	cr_assert_eq(cfg.n_tenants, 2);
	cr_expect_str_eq(cfg.tenants[0].name, "acme");
	cr_expect_eq(cfg.tenants[0].id, 1);
	cr_expect_eq(cfg.tenants[0].vni, 10001);
	cr_expect_eq(cfg.tenants[0].prio, IG_PRIO_INTERACTIVE);
	cr_expect_str_eq(cfg.tenants[1].name, "globex");
	cr_expect_eq(cfg.tenants[1].id, 2);
	cr_expect_eq(cfg.tenants[1].vni, 10002);
	cr_expect_eq(cfg.tenants[1].prio, IG_PRIO_BATCH);
	cr_expect_eq(cfg.telemetry.interval_ns, TC_NS_S);
	cr_expect_eq(cfg.telemetry.timeout_ns, 500 * TC_NS_MS);
	cr_expect_eq(cfg.telemetry.stale_after, 3);
	cr_expect_eq(cfg.telemetry.nvml, false);
	cr_expect_eq(cfg.scoring.waiting_norm, 5.0);
	cr_expect_eq(cfg.scoring.kv_norm, 0.8);
	cr_expect_eq(cfg.scoring.gpu_util_weight, 1.0);
	cr_expect_eq(cfg.scoring.ewma_alpha, 0.5);
	cr_expect_eq(cfg.scoring.hysteresis, 0.05);
	cr_expect_eq(cfg.scoring.stale_load, 0.5);
	cr_expect_eq(cfg.scoring.stale_ns, 3 * TC_NS_S);
	cr_expect_eq(cfg.scoring.decay_ns, 10 * TC_NS_S);
	tc_expect_addr(&cfg.metrics.addr, "127.0.0.1");
	cr_expect_eq(cfg.metrics.port, 9469);
	config_free(&cfg);
	cr_expect_eq(cfg.n_services, 0);
	cr_expect_null(cfg.services);
}

Test(config, example_services)
{
	const struct config_service *s;
	const struct config_backend *b;
	struct ig_cfg cfg;

	tc_load(TC_EXAMPLE, &cfg);
	cr_assert_eq(cfg.n_services, 2);
	s = &cfg.services[0];
	cr_expect_str_eq(s->name, "llama-70b");
	cr_expect_eq(s->id, 1);
	tc_expect_addr(&s->vip, "198.18.10.1");
	cr_expect_eq(s->port, 8000);
	cr_expect_eq(s->proto, IPPROTO_TCP);
	cr_expect_str_eq(s->tenant, "acme");
	cr_expect_eq(s->tenant_idx, 0);
	cr_expect_eq(s->tenant_id, 1);
	cr_expect_eq(s->policy, IG_POLICY_MAGLEV);
	cr_expect_eq(s->prio, IG_PRIO_INTERACTIVE);
	cr_expect_eq(s->maglev_size, 16381);
	cr_assert_eq(s->n_backends, 2);
	b = &s->backends[0];
	cr_expect_str_eq(b->name, "gpu-a0");
	cr_expect_eq(b->id, 1);
	tc_expect_addr(&b->vtep, "198.18.1.10");
	cr_expect_eq(b->capacity, 64);
	cr_expect_eq(b->has_weight, false);
	cr_assert_eq(b->n_metrics, 2);
	cr_expect_str_eq(b->metrics[0].url, "http://198.18.1.10:8000/metrics");
	cr_expect_eq(b->metrics[0].format, TELEM_SRC_VLLM);
	cr_expect_str_eq(b->metrics[1].url, "http://198.18.1.10:9400/metrics");
	cr_expect_eq(b->metrics[1].format, TELEM_SRC_DCGM);
	tc_expect_health(&b->health, CONFIG_HEALTH_HTTP, 8000, 2 * TC_NS_S, TC_NS_S);
	b = &s->backends[1];
	cr_expect_str_eq(b->name, "gpu-a1");
	cr_expect_eq(b->id, 2);
	tc_expect_addr(&b->vtep, "198.18.1.11");
	cr_expect_eq(b->capacity, 32);
	cr_expect_eq(b->has_weight, true);
	cr_expect_eq(b->weight, 16);
	cr_assert_eq(b->n_metrics, 1);
	cr_expect_eq(b->metrics[0].format, CONFIG_FORMAT_AUTO);
	/* health: *http-health, the alias of gpu-a0's */
	tc_expect_health(&b->health, CONFIG_HEALTH_HTTP, 8000, 2 * TC_NS_S, TC_NS_S);

	s = &cfg.services[1];
	cr_expect_str_eq(s->name, "embed");
	cr_expect_eq(s->port, 9000);
	cr_expect_eq(s->tenant_idx, 1);
	cr_expect_eq(s->tenant_id, 2);
	cr_expect_eq(s->policy, IG_POLICY_LEAST_LOADED);
	cr_expect_eq(s->prio, IG_PRIO_BATCH, "a service takes its tenant's priority");
	cr_assert_eq(s->n_backends, 1);
	b = &s->backends[0];
	cr_expect_eq(b->id, 3);
	cr_expect_eq(b->capacity, 128);
	cr_expect_eq(b->n_metrics, 0);
	cr_expect_null(b->metrics);
	/* defaults: TCP on the service port */
	tc_expect_health(&b->health, CONFIG_HEALTH_TCP, 9000, 2 * TC_NS_S, TC_NS_S);
	config_free(&cfg);
}

Test(config, example_governance)
{
	const struct config_governance *g;
	const struct config_tenant *t;
	struct ig_cfg cfg;

	tc_load(TC_EXAMPLE, &cfg);
	t = &cfg.tenants[0];
	cr_expect_eq(t->limits.conn_rate, 200);
	cr_expect_eq(t->limits.conn_burst, 400);
	cr_expect_eq(t->limits.max_conns, 5000);
	cr_expect_eq(t->limits.bandwidth, 50000000);
	cr_expect_eq(t->limits.bandwidth_burst, 100000000);
	cr_expect_eq(t->limits.refuse, CONFIG_REFUSE_RST);
	cr_expect_eq(t->budget.tokens, 2000000);
	cr_expect_eq(t->budget.window_ns, 60 * TC_NS_S);
	cr_expect_eq(t->budget.flow_tokens, 200000);
	t = &cfg.tenants[1];
	cr_expect_eq(t->limits.conn_rate, 50);
	cr_expect_eq(t->limits.conn_burst, 0, "0: one second's worth, resolved by the map writer");
	cr_expect_eq(t->limits.max_conns, 500);
	cr_expect_eq(t->limits.bandwidth, 0);
	cr_expect_eq(t->limits.refuse, CONFIG_REFUSE_DROP);
	cr_expect_eq(t->budget.tokens, 0);
	cr_expect_eq(t->budget.window_ns, 60 * TC_NS_S);
	g = &cfg.governance;
	cr_expect_eq(g->shed_batch_at, 0.8);
	cr_expect_eq(g->shed_standard_at, 0.95);
	cr_expect_eq(g->shed_hysteresis, 0.05);
	cr_expect_eq(g->bytes_per_token, 4.0);
	cr_expect_eq(g->cut_runaway_flows, true);
	cr_assert_eq(g->n_host_maps, 1);
	cr_expect_str_eq(g->host_maps[0], IG_PIN_MAPS, "the example names this ABI's pin root");
	cr_assert_eq(g->n_hosts, 1);
	cr_expect_str_eq(g->hosts[0].name, "gpu-1");
	cr_expect_str_eq(g->hosts[0].url, "http://198.18.1.10:9469/metrics");
	config_free(&cfg);
	cr_expect_null(cfg.governance.host_maps);
}

Test(config, minimal_takes_defaults)
{
	const struct config_service *s;
	struct ig_cfg cfg;

	tc_load(TC_DATA "/minimal.yaml", &cfg);
	cr_expect_eq(cfg.ifaces[0].xdp_mode, CONFIG_XDP_AUTO);
	cr_expect_eq(cfg.gateway.flood_rate, 20000, "the flood guard is on by default");
	cr_expect_eq(cfg.gateway.udp_idle_ns, IG_UDP_IDLE_DEFAULT_NS);
	cr_expect_eq(cfg.gateway.tcp_idle_ns, 0);
	cr_expect_eq(cfg.gateway.syn_timeout_ns, IG_SYN_TIMEOUT_DEFAULT_NS);
	cr_expect_eq(cfg.gateway.linger_ns, IG_CONN_LINGER_DEFAULT_NS);
	cr_expect_eq(cfg.gateway.event_sample, 0);
	cr_expect_eq(cfg.gateway.underlay_mtu, 0, "absent: no check");
	cr_expect_eq(cfg.tenants[0].prio, IG_PRIO_STANDARD);
	cr_expect_eq(cfg.tenants[0].limits.conn_rate, 0);
	cr_expect_eq(cfg.tenants[0].limits.max_conns, 0);
	cr_expect_eq(cfg.tenants[0].limits.bandwidth, 0);
	cr_expect_eq(cfg.tenants[0].limits.refuse, CONFIG_REFUSE_DROP);
	cr_expect_eq(cfg.tenants[0].budget.tokens, 0);
	cr_expect_eq(cfg.tenants[0].budget.flow_tokens, 0);
	cr_expect_eq(cfg.tenants[0].budget.window_ns, 60 * TC_NS_S);
	cr_expect_eq(cfg.governance.shed_batch_at, 0.8);
	cr_expect_eq(cfg.governance.shed_standard_at, 0.95);
	cr_expect_eq(cfg.governance.shed_hysteresis, 0.05);
	cr_expect_eq(cfg.governance.bytes_per_token, 4.0);
	cr_expect_eq(cfg.governance.cut_runaway_flows, true);
	cr_expect_eq(cfg.governance.n_host_maps, 0);
	s = &cfg.services[0];
	cr_expect_eq(s->proto, IPPROTO_TCP);
	cr_expect_eq(s->policy, IG_POLICY_MAGLEV);
	cr_expect_eq(s->prio, IG_PRIO_STANDARD);
	cr_expect_eq(s->maglev_size, IG_MAGLEV_DEFAULT);
	cr_expect_eq(s->affinity, false);
	cr_expect_eq(s->backends[0].n_metrics, 0);
	tc_expect_health(&s->backends[0].health, CONFIG_HEALTH_TCP, 8000, 2 * TC_NS_S, TC_NS_S);
	cr_expect_eq(cfg.telemetry.interval_ns, TC_NS_S);
	cr_expect_eq(cfg.telemetry.timeout_ns, 500 * TC_NS_MS);
	cr_expect_eq(cfg.scoring.stale_ns, 3 * TC_NS_S);
	cr_expect_eq(cfg.scoring.ewma_alpha, SCORE_DEFAULT_EWMA_ALPHA);
	cr_expect_eq(cfg.metrics.port, CONFIG_METRICS_PORT);
	config_free(&cfg);
}

Test(config, ipv6_flow_style_and_limits)
{
	const struct config_backend *b;
	const struct config_service *s;
	struct ig_cfg cfg;

	tc_load(TC_DATA "/ipv6.yaml", &cfg);
	cr_expect_str_eq(cfg.ifaces[0].name, "ens1f0np0");
	cr_expect_eq(cfg.ifaces[0].xdp_mode, CONFIG_XDP_GENERIC);
	tc_expect_addr(&cfg.gateway.vtep, "2001:db8::1");
	cr_expect_eq(cfg.gateway.udp_idle_ns, 90 * TC_NS_S);
	cr_expect_eq(cfg.tenants[0].id, 1023);
	cr_expect_eq(cfg.tenants[0].vni, 16777215);
	s = &cfg.services[0];
	tc_expect_addr(&s->vip, "2001:db8:10::1");
	cr_expect_eq(s->id, 1023);
	cr_expect_eq(s->port, 443);
	cr_expect_eq(s->proto, IPPROTO_UDP);
	cr_expect_eq(s->tenant_id, 1023, "tenants may follow the services that use them");
	cr_expect_eq(s->prio, IG_PRIO_BATCH);
	cr_expect_eq(s->maglev_size, 65521);
	b = &s->backends[0];
	cr_expect_eq(b->id, 4095);
	cr_expect_eq(b->capacity, 1000000);
	cr_expect_eq(b->has_weight, true);
	cr_expect_eq(b->weight, 0);
	b = &s->backends[1];
	tc_expect_addr(&b->vtep, "2001:db8:1::10"); /* shared with h0 */
	cr_expect_str_eq(b->metrics[0].url, "http://[2001:db8:1::10]:8001/metrics");
	cr_expect_eq(b->metrics[0].format, TELEM_SRC_SGLANG);
	cr_expect_eq(b->health.type, CONFIG_HEALTH_HTTP);
	cr_expect_str_eq(b->health.path, "/v2/health/ready");
	cr_expect_eq(b->health.port, 443);
	cr_expect_eq(b->health.interval_ns, 250 * TC_NS_MS);
	cr_expect_eq(b->health.timeout_ns, 250 * TC_NS_MS, "timeout cut down to the interval");
	cr_expect_eq(cfg.telemetry.interval_ns, 100 * TC_NS_MS);
	cr_expect_eq(cfg.telemetry.timeout_ns, 100 * TC_NS_MS);
	cr_expect_eq(cfg.telemetry.nvml, true);
	cr_expect_eq(cfg.scoring.stale_ns, 500 * TC_NS_MS);
	cr_expect_eq(cfg.scoring.waiting_norm, 8.0);
	cr_expect_eq(cfg.scoring.kv_norm, 1.0);
	cr_expect_eq(cfg.scoring.gpu_util_weight, 0.0);
	cr_expect_eq(cfg.scoring.ewma_alpha, 1.0);
	cr_expect_eq(cfg.scoring.hysteresis, 0.0);
	cr_expect_eq(cfg.scoring.stale_load, 0.0);
	cr_expect_eq(cfg.scoring.decay_ns, 0);
	tc_expect_addr(&cfg.metrics.addr, "::1");
	cr_expect_eq(cfg.metrics.port, 9100);
	config_free(&cfg);
}

/* ---- errors ---------------------------------------------------------------- */

/* rest is the message after the path: ":line:col: field: message". */
static void tc_expect_error(const char *rel, const char *rest)
{
	struct config_error err;
	struct ig_cfg cfg;
	char want[1024];
	int rc;

	rc = config_load(tc_path(rel), &cfg, &err);
	snprintf(want, sizeof(want), "%s%s", tc_path(rel), rest);
	cr_expect_eq(rc, -EINVAL, "%s: rc %d", rel, rc);
	cr_expect_str_eq(err.text, want);
	cr_expect_eq(cfg.n_services, 0, "%s: out is left empty", rel);
	cr_expect_null(cfg.services);
}

#define TC_ERROR(name, file, rest)                                   \
	Test(config_errors, name)                                    \
	{                                                            \
		tc_expect_error(TC_DATA "/err-" file ".yaml", rest); \
	}

TC_ERROR(syntax, "syntax", ":14:10: syntax error: wrongly indented double-quoted scalar")
TC_ERROR(type, "type", ":15:11: services[0].port: expected an integer, got a sequence")
TC_ERROR(range, "range", ":25:11: services[1].port: 70000 is out of range (1-65535)")
TC_ERROR(underlay_mtu, "underlay-mtu",
	 ":7:17: gateway.underlay_mtu: 500 is out of range (576-65535)")
TC_ERROR(unknown_key, "unknown-key", ":15:5: services[0].prot: unknown key (did you mean 'port'?)")
TC_ERROR(missing, "missing", ":12:5: services[0].vip: missing required field")
TC_ERROR(missing_section, "missing-section", ":2:1: gateway: missing required field")
TC_ERROR(dup_tenant_id, "dup-tenant-id", ":12:9: tenants[1].id: 1 is already used by tenants[0]")
TC_ERROR(dup_vni, "dup-vni", ":13:10: tenants[1].vni: 10001 is already used by tenants[0]")
TC_ERROR(dup_vip, "dup-vip",
	 ":24:10: services[1].vip: 198.18.10.1 port 8000/tcp is already used by services[0]")
TC_ERROR(dup_backend_id, "dup-backend-id",
	 ":29:13: services[1].backends[0].id: 1 is already used by services[0].backends[0]")
TC_ERROR(dup_iface, "dup-iface",
	 ":5:11: interfaces[1].name: 'eth0' is already used by interfaces[0]")
TC_ERROR(dup_key, "dup-key", ":16:5: services[0].port: duplicate key (first at line 15)")
TC_ERROR(unknown_tenant, "unknown-tenant",
	 ":16:13: services[0].tenant: unknown tenant 'acmee' (did you mean 'acme'?)")
TC_ERROR(address, "address",
	 ":14:10: services[0].vip: '198.18.10.300' is not an IPv4 or IPv6 address")
TC_ERROR(maglev, "maglev",
	 ":17:18: services[0].maglev_size: 16000 is not a prime (nearest: 15991, 16001)")
TC_ERROR(duration, "duration",
	 ":7:13: gateway.udp_idle: '30 sec' is not a duration (e.g. 250ms, 5s, 1m, 1h)")
TC_ERROR(enum, "enum",
	 ":17:13: services[0].policy: 'random' is not one of: maglev, least-loaded, "
	 "round-robin, least-conn")
TC_ERROR(empty_services, "empty-services", ":11:11: services: must not be empty")
TC_ERROR(quoted_int, "quoted-int",
	 ":21:20: services[0].backends[0].capacity: expected an integer, got a quoted string")
TC_ERROR(not_int, "not-int", ":21:19: services[0].backends[0].capacity: '1.5' is not an integer")
TC_ERROR(null, "null", ":14:5: services[0].vip: expected an address, got null")
TC_ERROR(vtep_family, "vtep-family",
	 ":20:15: services[0].backends[0].vtep: 2001:db8::10 is IPv6 but gateway.vtep is IPv4")
TC_ERROR(timeout, "timeout",
	 ":22:41: services[0].backends[0].health.timeout: 2s is longer than the interval (1s)")
TC_ERROR(health_path, "health-path",
	 ":23:17: services[0].backends[0].health.path: only valid with type http")
TC_ERROR(name, "name",
	 ":8:11: tenants[0].name: 'acme corp' is not a valid name (letters, digits, "
	 "'.', '_', '-')")
TC_ERROR(alpha, "alpha", ":23:15: scoring.ewma_alpha: 0 is out of range (above 0, up to 1)")
TC_ERROR(bool, "bool", ":23:9: telemetry.nvml: 'yes' is not true or false")
TC_ERROR(url, "url",
	 ":23:18: services[0].backends[0].metrics[0].url: "
	 "'https://198.18.1.10/metrics' is not an http:// or file:/// URL")
TC_ERROR(listen, "listen",
	 ":23:11: metrics.listen: '127.0.0.1' is not ADDRESS:PORT (e.g. "
	 "127.0.0.1:9469, [::1]:9469)")
TC_ERROR(top_level, "top-level", ":2:1: expected a mapping, got a sequence")
TC_ERROR(two_docs, "two-docs", ":22:1: only one YAML document is allowed")
TC_ERROR(anchor, "anchor", ":22:17: unknown anchor 'default-health'")
TC_ERROR(empty, "empty", ": the file is empty")
TC_ERROR(limits_burst, "limits-burst", ":13:19: tenants[0].limits.conn_burst: needs conn_rate")
TC_ERROR(bandwidth_min, "bandwidth-min",
	 ":13:18: tenants[0].limits.bandwidth: 100 is below 1024 bytes/s (0 = unlimited)")
TC_ERROR(refuse, "refuse", ":11:37: tenants[0].limits.refuse: 'reset' is not one of: drop, rst")
TC_ERROR(flow_tokens, "flow-tokens",
	 ":13:20: tenants[0].budget.flow_tokens: 5000 is above the tenant's tokens (1000): a "
	 "flow over it has already throttled its tenant")
TC_ERROR(window, "window", ":11:36: tenants[0].budget.window: 500ms is out of range (1s-24h)")
TC_ERROR(shed_order, "shed-order",
	 ":24:21: governance.shed_standard_at: 0.7 is below shed_batch_at (0.9): batch is shed "
	 "first")
TC_ERROR(host_maps, "host-maps",
	 ":25:7: governance.host_maps[1]: 'sys/fs/bpf/h2' is not an absolute path")
TC_ERROR(gov_hosts_url, "gov-hosts-url",
	 ":25:24: governance.hosts[1].url: 'ftp://198.18.12.2/metrics' is not an http:// or "
	 "file:/// URL")
TC_ERROR(gov_hosts_dup, "gov-hosts-dup",
	 ":25:14: governance.hosts[1].name: 'h1' is already used by hosts[0]")
TC_ERROR(evpn_novtep, "evpn-novtep",
	 ":14:7: host.tenants[0].vteps: missing (evpn.learn is false: the tenant would have no "
	 "allowed VTEP)")
TC_ERROR(affinity_policy, "affinity-policy",
	 ":19:7: services[0].affinity: needs policy maglev (the policy is least-loaded)")
TC_ERROR(affinity_balance, "affinity-balance",
	 ":19:16: services[0].affinity.balance: 0.8 is under 1: no backend could take its share "
	 "(0: no bound)")
TC_ERROR(host_maps_dup, "host-maps-dup",
	 ":23:31: governance.host_maps[1]: '/sys/fs/bpf/h1' is already listed as host_maps[0]")

Test(config_errors, fields_of_the_error)
{
	struct config_error err;
	struct ig_cfg cfg;

	cr_assert_eq(config_load(tc_path(TC_DATA "/err-range.yaml"), &cfg, &err), -EINVAL);
	cr_expect_str_eq(err.file, tc_path(TC_DATA "/err-range.yaml"));
	cr_expect_eq(err.line, 25);
	cr_expect_eq(err.col, 11);
	cr_expect_str_eq(err.field, "services[1].port");
	cr_expect_str_eq(err.msg, "70000 is out of range (1-65535)");
}

Test(config_errors, missing_file)
{
	struct config_error err;
	struct ig_cfg cfg;
	char want[1024];

	cr_expect_eq(config_load(tc_path(TC_DATA "/no-such.yaml"), &cfg, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: %s", tc_path(TC_DATA "/no-such.yaml"),
		 strerror(ENOENT));
	cr_expect_str_eq(err.text, want);
	cr_expect_eq(err.line, 0);
}

/* ---- check-config and durations ------------------------------------------- */

static int tc_check(const char *rel, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	int rc;

	cr_assert_not_null(f);
	rc = config_check_file(tc_path(rel), f);
	fclose(f);
	return rc;
}

Test(config, affinity)
{
	struct ig_cfg cfg;

	tc_load(TC_DATA "/affinity.yaml", &cfg);
	cr_expect_eq(cfg.services[0].affinity, true);
	cr_expect_eq(cfg.services[0].port_block, 1024);
	cr_expect_eq(cfg.services[0].balance, 1.25, "the default bound");
	config_free(&cfg);
}

Test(config, check_file)
{
	char *out, want[1024];

	cr_expect_eq(tc_check(TC_EXAMPLE, &out), 0);
	snprintf(want, sizeof(want), "%s: OK: 1 interfaces, 2 tenants, 2 services, 3 backends\n",
		 tc_path(TC_EXAMPLE));
	cr_expect_str_eq(out, want);
	free(out);
	cr_expect_eq(tc_check(TC_DATA "/err-range.yaml", &out), 1);
	snprintf(want, sizeof(want),
		 "%s:25:11: services[1].port: 70000 is out of range (1-65535)\n",
		 tc_path(TC_DATA "/err-range.yaml"));
	cr_expect_str_eq(out, want);
	free(out);
}

Test(config, durations)
{
	static const struct {
		const char *s;
		__u64 ns;
	} ok[] = {
		{ "0", 0 },
		{ "250ms", 250 * TC_NS_MS },
		{ "5s", 5 * TC_NS_S },
		{ "1m", 60 * TC_NS_S },
		{ "1h", 3600 * TC_NS_S },
		{ "1m30s", 90 * TC_NS_S },
		{ "1500us", 1500000 },
		{ "7ns", 7 },
	};
	static const char *const bad[] = { "",
					   "5",
					   "s",
					   "5 s",
					   "-5s",
					   "5sec",
					   "1.5s",
					   "5S",
					   "99999999999999999999s",
					   "20000000000h" };
	char buf[32];
	unsigned int i;
	__u64 ns;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_expect_eq(config_parse_duration(ok[i].s, &ns), 0, "%s", ok[i].s);
		cr_expect_eq(ns, ok[i].ns, "%s", ok[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(config_parse_duration(bad[i], &ns), -EINVAL, "'%s'", bad[i]);
	config_format_duration(90 * TC_NS_S, buf, sizeof(buf));
	cr_expect_str_eq(buf, "90s");
	config_format_duration(3600 * TC_NS_S, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1h");
	config_format_duration(250 * TC_NS_MS, buf, sizeof(buf));
	cr_expect_str_eq(buf, "250ms");
	config_format_duration(0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0s");
	config_format_duration(1001, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1001ns");
}

Test(config, names)
{
	cr_expect_str_eq(config_role_str(CONFIG_ROLE_HOST), "host");
	cr_expect_str_eq(config_xdp_mode_str(CONFIG_XDP_GENERIC), "generic");
	cr_expect_str_eq(config_health_type_str(CONFIG_HEALTH_HTTP), "http");
	cr_expect_str_eq(config_format_str(CONFIG_FORMAT_AUTO), "auto");
	cr_expect_str_eq(config_format_str(TELEM_SRC_TRITON), "triton");
	cr_expect_str_eq(config_proto_str(IPPROTO_UDP), "udp");
	cr_expect_null(config_proto_str(IPPROTO_ICMP));
}

/* A UDP service gets no health check by default; `type: none` turns checks
 * off; a TCP service keeps its TCP default; an explicit check on a UDP
 * service is kept. */
Test(config, health_checks_by_protocol)
{
	struct ig_cfg cfg;
	const struct config_service *udp, *tcp;

	tc_load("tests/data/config/health.yaml", &cfg);
	udp = &cfg.services[0];
	tcp = &cfg.services[1];
	cr_expect_eq(udp->proto, IPPROTO_UDP);
	cr_expect_eq(udp->backends[0].health.type, CONFIG_HEALTH_NONE, "UDP: none by default");
	tc_expect_health(&udp->backends[1].health, CONFIG_HEALTH_TCP, 9000, 2 * TC_NS_S, TC_NS_S);
	cr_expect_eq(tcp->backends[0].health.type, CONFIG_HEALTH_NONE, "type: none");
	tc_expect_health(&tcp->backends[1].health, CONFIG_HEALTH_TCP, 8000, 2 * TC_NS_S, TC_NS_S);
	cr_expect_str_eq(config_health_type_str(CONFIG_HEALTH_NONE), "none");
	config_free(&cfg);
}

/* ---- hostile files (issue #15) -------------------------------------------- */
/* The file is read as bytes and checked before libfyaml sees it: a FIFO, a
 * directory, a device or a huge file is refused without blocking, bytes that
 * are not UTF-8 and YAML directives are refused with their position, and no
 * error quotes what a file (a symlink to a secret) holds. Each test is bounded
 * in time: the 2-byte directive file spun forever inside libfyaml 0.7.12. */

static void tc_expect_text(const char *path, int want_rc, const char *rest)
{
	struct config_error err;
	struct ig_cfg cfg;
	char want[1024];
	int rc;

	rc = config_load(path, &cfg, &err);
	snprintf(want, sizeof(want), "%s%s", path, rest);
	cr_expect_eq(rc, want_rc, "%s: rc %d", path, rc);
	cr_expect_str_eq(err.text, want);
	cr_expect_null(cfg.services);
}

Test(config_hostile, directive_2_bytes, .timeout = 5)
{
	tc_expect_text(tc_path(TC_DATA "/err-directive-2byte.yaml"), -EINVAL,
		       ":1:2: not valid UTF-8 (byte 0xc5): save the file as UTF-8");
}

Test(config_hostile, directive, .timeout = 5)
{
	tc_expect_text(tc_path(TC_DATA "/err-directive.yaml"), -EINVAL,
		       ":1:1: YAML directives ('%' at the start of a line) are not supported");
}

Test(config_hostile, not_utf8, .timeout = 5)
{
	tc_expect_text(tc_path(TC_DATA "/err-utf8.yaml"), -EINVAL,
		       ":3:14: not valid UTF-8 (byte 0xe9): save the file as UTF-8");
}

Test(config_hostile, directory, .timeout = 5)
{
	tc_expect_text(tc_path(TC_DATA), -EINVAL, ": not a regular file (a directory)");
}

Test(config_hostile, device, .timeout = 5)
{
	tc_expect_text("/dev/zero", -EINVAL, ": not a regular file (a character device)");
}

static char tc_tmp[64];

static const char *tc_tmpdir(void)
{
	snprintf(tc_tmp, sizeof(tc_tmp), "/tmp/ig-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tc_tmp));
	return tc_tmp;
}

/* Opened for reading, a FIFO without a writer blocks a plain open(). */
Test(config_hostile, fifo, .timeout = 5)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/fifo.yaml", tc_tmpdir());
	cr_assert_eq(mkfifo(path, 0600), 0);
	tc_expect_text(path, -EINVAL, ": not a regular file (a FIFO)");
	unlink(path);
	rmdir(tc_tmp);
}

Test(config_hostile, huge, .timeout = 5)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/huge.yaml", tc_tmpdir());
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(truncate(path, 64 << 20), 0); /* sparse: 64 MiB of NULs */
	tc_expect_text(path, -EFBIG, ": 67108864 bytes: larger than the 1048576-byte limit");
	unlink(path);
	rmdir(tc_tmp);
}

/* A config path that is a symlink to a secret (/etc/shadow in the report):
 * the error names the position and the problem, never the content. */
Test(config_hostile, symlink_to_secret, .timeout = 5)
{
	struct config_error err;
	struct ig_cfg cfg;

	cr_expect_eq(config_load(tc_path(TC_DATA "/err-symlink-secret.yaml"), &cfg, &err), -EINVAL);
	cr_expect_null(strstr(err.text, "SECRET"), "the error quotes the file: %s", err.text);
	cr_expect_null(strstr(err.text, "root"), "the error quotes the file: %s", err.text);
	cr_expect_null(strstr(err.text, "19700"), "the error quotes the file: %s", err.text);
}

/* Whatever a scalar holds, an error quotes at most a short, escaped token. */
Test(config_hostile, quoted_token_is_short_and_escaped, .timeout = 5)
{
	struct config_error err;
	struct ig_cfg cfg;
	char path[96], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/long.yaml", tc_tmpdir());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "interfaces:\n  - name: eth0\n    role: gateway\ngateway:\n  vtep: \"\\e\\x01");
	for (int i = 0; i < 200; i++)
		fputc('A' + i % 26, f);
	fprintf(f, "\"\n");
	fclose(f);
	cr_expect_eq(config_load(path, &cfg, &err), -EINVAL);
	cr_expect_not_null(strstr(err.text, "gateway.vtep: '\\x1b\\x01ABCDEFGH"), "%s", err.text);
	cr_expect_null(strstr(err.text, "UVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ"), "%s", err.text);
	for (p = err.text; *p; p++)
		cr_expect(*p >= 0x20 && *p < 0x7f, "unescaped byte 0x%02x in %s", (unsigned char)*p,
			  err.text);
	unlink(path);
	rmdir(tc_tmp);
}

/* The parse runs in a child under a deadline: a parser that never returns
 * costs the caller the deadline, not the control loop. */
static int tc_spin(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

Test(config_hostile, parse_deadline, .timeout = 5)
{
	struct config_error err = {};
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cfg_run_bounded(tc_spin, NULL, 300, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_eq(rc, -ETIMEDOUT);
	cr_expect_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 1500);
	cr_expect_str_eq(err.msg, "parsing took longer than 300 ms: the file is refused");
}

/* The in-memory entry point the fuzzer drives: no file, the same checks. */
Test(config_hostile, load_mem, .timeout = 5)
{
	static const char two[] = "%\xc5";
	struct config_error err;
	struct ig_cfg cfg;

	cr_expect_eq(config_load_mem("mem.yaml", two, 2, &cfg, &err), -EINVAL);
	cr_expect_str_eq(err.text, "mem.yaml:1:2: not valid UTF-8 (byte 0xc5): save the file as "
				   "UTF-8");
}
