// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the host: section (user/agent/conf_host.c): the documented
 * host example loads with exact values, one file may be gateway and host,
 * and each mistake gives its exact "file:line:col: field: message". Files
 * in tests/data/config and deploy/, found from $IG_SRCDIR, else ".". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <criterion/criterion.h>

#include "user/agent/conf.h"
#include "user/lib/addr.h"

#define TH_DATA "tests/data/config"
#define TH_EXAMPLE "deploy/infergate.host.example.yaml"

static char th_buf[512];

static const char *th_path(const char *rel)
{
	const char *dir = getenv("IG_SRCDIR");

	snprintf(th_buf, sizeof(th_buf), "%s/%s", dir && *dir ? dir : ".", rel);
	return th_buf;
}

static void th_load(const char *rel, struct ig_cfg *cfg)
{
	struct config_error err;

	cr_assert_eq(config_load(th_path(rel), cfg, &err), 0, "%s", err.text);
}

static void th_addr(const struct config_addr *a, const char *want)
{
	__u8 w[IG_ADDR_LEN];

	cr_assert_eq(addr_parse(want, w), 0);
	cr_expect_arr_eq(a->addr, w, IG_ADDR_LEN, "%s", want);
}

Test(config_host, example)
{
	const struct config_host *h;
	struct ig_cfg cfg;
	__u8 mac[6] = { 2, 0, 0, 0x64, 0, 1 };

	th_load(TH_EXAMPLE, &cfg);
	h = &cfg.host;
	cr_assert(h->present);
	cr_expect_eq(cfg.n_services, 0, "a host-only file has no services");
	cr_expect_str_eq(h->underlay, "eth1");
	th_addr(&h->vtep, "198.18.1.10");
	cr_assert_eq(h->n_extra_vteps, 1);
	th_addr(&h->extra_vteps[0], "2001:db8:1::10");
	cr_assert_eq(h->n_tenants, 2);
	cr_expect_str_eq(h->tenants[0].name, "acme");
	cr_expect_eq(h->tenants[0].id, 1);
	cr_expect_eq(h->tenants[0].vni, 10001);
	cr_assert_eq(h->tenants[0].n_vteps, 2);
	th_addr(&h->tenants[0].vteps[1], "198.18.1.11");
	cr_expect_eq(h->tenants[1].vni, 10002);
	cr_assert_eq(h->n_workloads, 2);
	cr_expect_str_eq(h->workloads[0].ifname, "veth-a0");
	cr_expect_eq(h->workloads[0].tenant_id, 1);
	cr_assert_eq(h->workloads[0].n_addrs, 2);
	th_addr(&h->workloads[0].addrs[1], "2001:db8:64::1");
	cr_assert_eq(h->workloads[0].n_vips, 1);
	th_addr(&h->workloads[0].vips[0], "198.18.10.1");
	cr_expect(h->workloads[0].has_mac);
	cr_expect_arr_eq(h->workloads[0].mac, mac, 6);
	cr_expect_not(h->workloads[1].has_mac, "learned from the interface");
	cr_expect_str_eq(h->workloads[0].metrics, "http://10.0.0.2:8000/metrics");
	cr_expect_str_eq(h->workloads[1].metrics, "", "no token counter: estimated");
	cr_expect_eq(h->workloads[1].tenant_id, 2);
	cr_assert_eq(h->n_endpoints, 2);
	cr_expect(h->endpoints[0].has_vtep);
	th_addr(&h->endpoints[0].vtep, "198.18.1.11");
	cr_expect_eq(h->endpoints[0].n_addrs, 2);
	cr_expect_not(h->endpoints[1].has_vtep);
	cr_expect(h->endpoints[1].vip);
	cr_assert_eq(h->n_infra, 2);
	cr_expect_eq(h->infra[0].len, 96 + 24);
	th_addr(&h->infra[0].addr, "198.18.1.0");
	cr_expect_eq(h->infra[1].len, 128);
	cr_expect_not_null(config_host_workload(h, "embed-b0"));
	cr_expect_null(config_host_workload(h, "nope"));
	config_free(&cfg);
	cr_expect_eq(cfg.host.n_workloads, 0);
}

Test(config_host, gateway_and_host_in_one_file)
{
	struct ig_cfg cfg;

	th_load(TH_DATA "/host-and-gateway.yaml", &cfg);
	cr_expect_eq(cfg.n_services, 1);
	cr_expect(cfg.host.present);
	cr_expect_str_eq(cfg.host.underlay, "e0");
	cr_expect_eq(cfg.host.n_workloads, 1);
	config_free(&cfg);
}

Test(config_host, prefixes)
{
	struct config_prefix p = { .len = 96 + 24 };
	__u8 in[IG_ADDR_LEN], out[IG_ADDR_LEN];

	addr_parse("198.18.1.0", p.addr.addr);
	addr_parse("198.18.1.200", in);
	addr_parse("198.18.2.1", out);
	cr_expect(config_prefix_has(&p, in));
	cr_expect_not(config_prefix_has(&p, out));
	p.len = 96 + 23;
	cr_expect(config_prefix_has(&p, out) == false);
	addr_parse("198.18.0.1", out);
	cr_expect(config_prefix_has(&p, out));
}

Test(config_host, check_file)
{
	char *out = NULL, want[1024];
	size_t len;
	FILE *f = open_memstream(&out, &len);

	cr_assert_eq(config_check_file(th_path(TH_EXAMPLE), f), 0);
	fclose(f);
	snprintf(want, sizeof(want),
		 "%s: OK: 1 interfaces, 2 tenants, 0 services, 0 backends; host: 2 tenants, 2 "
		 "workloads, 2 endpoint groups\n",
		 th_path(TH_EXAMPLE));
	cr_expect_str_eq(out, want);
	free(out);
}

static void th_error(const char *rel, const char *rest)
{
	struct config_error err;
	struct ig_cfg cfg;
	char want[1024];

	cr_expect_eq(config_load(th_path(rel), &cfg, &err), -EINVAL, "%s", rel);
	snprintf(want, sizeof(want), "%s%s", th_path(rel), rest);
	cr_expect_str_eq(err.text, want);
	cr_expect_eq(cfg.host.n_workloads, 0, "%s: out is left empty", rel);
}

#define TH_ERROR(name, file, rest)                                 \
	Test(config_host_errors, name)                             \
	{                                                          \
		th_error(TH_DATA "/err-host-" file ".yaml", rest); \
	}

TH_ERROR(missing, "missing",
	 ":2:1: host: missing: an interface has role host (the section names the host's VTEP, "
	 "tenants and workloads)")
TH_ERROR(no_underlay, "no-underlay", ":20:3: host: no interface has role host (the underlay)")
TH_ERROR(tenant, "tenant",
	 ":17:13: host.tenants[1].name: unknown tenant 'initech' (not in tenants:)")
TH_ERROR(wl_metrics, "wl-metrics",
	 ":22:17: host.workloads[0].metrics: '198.18.100.2:8000/metrics' is not an http:// or "
	 "file:/// URL")
TH_ERROR(wl_tenant, "wl-tenant",
	 ":20:15: host.workloads[0].tenant: 'globex' is not one of host.tenants")
TH_ERROR(dup_addr, "dup-addr",
	 ":25:32: host.endpoints[0].addresses[1]: 2001:db8:64::1 is already used by "
	 "workloads[0]")
TH_ERROR(ep_vtep, "ep-vtep",
	 ":19:13: host.endpoints[0].vtep: 198.18.1.12 is not among host.tenants 'acme' vteps")
TH_ERROR(ep_novtep, "ep-novtep",
	 ":18:7: host.endpoints[0].vtep: missing: only VIPs (vip: true) may be served by no "
	 "host this one sends to")
TH_ERROR(mac, "mac",
	 ":22:12: host.workloads[0].mac: '01:00:5e:00:00:01' is not a unicast MAC address "
	 "(aa:bb:cc:dd:ee:ff)")
TH_ERROR(prefix, "prefix", ":17:35: host.infrastructure[1]: '198.18.0.0/33': bad prefix length")
TH_ERROR(dup_iface, "dup-iface",
	 ":19:29: host.workloads[1].interface: 'wa0' is already used by workloads[0]")
TH_ERROR(vtep_gw, "vtep-gw",
	 ":18:9: host.vtep: must be gateway.vtep: a box that is gateway and host has one VTEP")
