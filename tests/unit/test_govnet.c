// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of runaway control across machines: a GPU host's token page as
 * the gateway reads it (user/agent/hostpage.c), the host's calibration of
 * bytes per token (user/agent/hosttok.c), and the gateway's rates and gaps
 * (user/agent/govnet.c): rates over the host's clock, a first sample or one
 * after a gap is a baseline, a silent host makes its tenants' usage unknown
 * and one log line per failure streak. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <criterion/criterion.h>

#include "user/agent/govnet.h"
#include "user/agent/hostpage.h"
#include "user/agent/hosttok.h"

#define NS 1000000000ULL

static struct hostpage page;

Test(hostpage, counts_per_tenant_and_source)
{
	static const char in[] =
		"# TYPE infergate_host_tenant_tokens_total counter\n"
		"infergate_host_tenant_tokens_total{tenant=\"ta\",source=\"measured\"} 1200\n"
		"infergate_host_tenant_tokens_total{tenant=\"ta\",source=\"estimated\"} 30\n"
		"infergate_host_tenant_tokens_total{source=\"measured\",tenant=\"tb\"} 7\n"
		"infergate_host_tenant_tokens_total{tenant=\"tb\",source=\"guessed\"} 9\n"
		"infergate_host_tenant_tokens_total{tenant=\"tc\",source=\"measured\"} -1\n"
		"infergate_host_tenant_tokens_total{tenant=\"tc\",source=\"measured\"} NaN\n"
		"infergate_host_tenant_tokens_total{tenant=\"\",source=\"measured\"} 1\n"
		"infergate_host_tenant_tokens_total{source=\"measured\"} 1\n"
		"infergate_host_response_bytes_total{tenant=\"ta\"} 99999\n"
		"infergate_host_tokens_updated_seconds 12.5\n";
	struct prom_error err;

	cr_assert_eq(hostpage_parse(in, strlen(in), &page, &err), 0, "%s", err.msg);
	cr_expect_eq(page.n, 2);
	cr_expect_eq(page.updated_s, 12.5);
	cr_expect_eq(page.skipped, 5);
	cr_assert_not_null(hostpage_find(&page, "ta"));
	cr_expect_eq(hostpage_find(&page, "ta")->tokens[HOSTPAGE_MEASURED], 1200);
	cr_expect_eq(hostpage_find(&page, "ta")->tokens[HOSTPAGE_ESTIMATED], 30);
	cr_expect_eq(hostpage_find(&page, "tb")->tokens[HOSTPAGE_MEASURED], 7);
	cr_expect_eq(hostpage_find(&page, "tb")->tokens[HOSTPAGE_ESTIMATED], 0);
	cr_expect_null(hostpage_find(&page, "tc"));
	cr_expect_str_eq(hostpage_source_str(HOSTPAGE_ESTIMATED), "estimated");
}

Test(hostpage, bad_page_is_an_error_and_empty)
{
	static const char good[] = "infergate_host_tokens_updated_seconds 1\n"
				   "infergate_host_tenant_tokens_total{tenant=\"ta\","
				   "source=\"measured\"} 1\n";
	static const char bad[] =
		"infergate_host_tenant_tokens_total{tenant=\"ta\",source=\"measured"
		"\"} 5\ninfergate_host_tokens_updated_seconds{ 3\n";
	struct prom_error err;

	cr_assert_eq(hostpage_parse(good, strlen(good), &page, &err), 0);
	cr_expect_eq(hostpage_parse(bad, strlen(bad), &page, &err), -EINVAL);
	cr_expect_eq(page.n, 0);
	cr_expect_eq(page.updated_s, -1);
	cr_expect_eq(err.line, 2);
	/* A page without the timestamp: not a host's. */
	cr_assert_eq(hostpage_parse("x 1\n", 4, &page, &err), 0);
	cr_expect_eq(page.updated_s, -1);
}

Test(hosttok, calibration_from_live_ratio)
{
	struct hosttok_wl w = {};

	cr_expect_eq(hosttok_sample(&w, 1000, 50000), 0); /* a baseline */
	cr_expect_eq(w.bpt, 0);
	cr_expect_eq(hosttok_sample(&w, 1100, 65000), 100); /* 150 B/token */
	cr_expect_float_eq(w.bpt, 150, 1e-9);
	cr_expect_eq(hosttok_sample(&w, 1110, 80000), 10); /* too few tokens to calibrate */
	cr_expect_float_eq(w.bpt, 150, 1e-9);
	cr_expect_eq(hosttok_sample(&w, 1210, 90000), 100); /* 100 B/token moves it 30% */
	cr_expect_float_eq(w.bpt, 0.7 * 150 + 0.3 * 100, 1e-9);
	/* The server restarted: a new baseline, nothing counted. */
	cr_expect_eq(hosttok_sample(&w, 5, 91000), 0);
	cr_expect_eq(hosttok_sample(&w, 45, 95000), 40);
}

/* ---- the gateway's side ---- */

static struct scraper sc;
static struct ig_cfg cfg;
static struct config_tenant tenants[2] = { { .name = "ta", .id = 1 }, { .name = "tb", .id = 2 } };
static struct config_gov_host hosts[2] = { { "h1", "http://198.18.11.2:9469/metrics" },
					   { "h2", "http://198.18.12.2:9469/metrics" } };
static struct govnet g;

static void setup(void)
{
	cr_assert_eq(scraper_init(&sc), 0);
	cfg.tenants = tenants;
	cfg.n_tenants = 2;
	cfg.governance.hosts = hosts;
	cfg.governance.n_hosts = 2;
	cfg.telemetry.interval_ns = NS;
	cfg.telemetry.timeout_ns = NS / 2;
	cr_assert_eq(govnet_apply(&g, &cfg, &sc), 0);
}

static void teardown(void)
{
	govnet_free(&g);
	scraper_fini(&sc);
}

/* Host k's scrape arrives at now with the page of counters ta, tb
 * (measured) at host time t; ta < 0: the scrape failed. */
static void arrive(int k, __u64 now, double t, double ta, double tb)
{
	struct probe *p = &g.h[k].probe;
	char body[512];

	snprintf(body, sizeof(body),
		 "infergate_host_tenant_tokens_total{tenant=\"ta\",source=\"measured\"} %g\n"
		 "infergate_host_tenant_tokens_total{tenant=\"ta\",source=\"estimated\"} 0\n"
		 "infergate_host_tenant_tokens_total{tenant=\"tb\",source=\"measured\"} %g\n"
		 "infergate_host_tokens_updated_seconds %g\n",
		 ta, tb, t);
	p->ok = ta >= 0;
	snprintf(p->error, sizeof(p->error), "Connection refused");
	p->body = body;
	p->len = strlen(body);
	govnet_done(&g, p, now);
	p->body = NULL;
	p->len = 0;
}

TestSuite(govnet, .init = setup, .fini = teardown);

Test(govnet, rates_over_the_hosts_clock)
{
	double m, e;

	/* Nothing known until every host gave two samples. */
	cr_expect_not(govnet_tenant(&g, 0, 1 * NS, &m, &e));
	arrive(0, 1 * NS, 100.0, 0, 0);
	arrive(1, 1 * NS, 500.0, 0, 0);
	cr_expect_not(govnet_tenant(&g, 0, 1 * NS, &m, &e));
	/* The gateway scraped 1 s apart, the hosts moved 0.5 s and 2 s. */
	arrive(0, 2 * NS, 100.5, 300, 10);
	arrive(1, 2 * NS, 502.0, 200, 0);
	cr_expect(govnet_tenant(&g, 0, 2 * NS, &m, &e));
	cr_expect_float_eq(m, 600 + 100, 1e-9);
	cr_expect_eq(e, 0);
	cr_expect(govnet_tenant(&g, 1, 2 * NS, &m, &e));
	cr_expect_float_eq(m, 20, 1e-9);
	cr_expect_float_eq(g.total[HOSTPAGE_MEASURED][0], 500, 1e-9);
	/* The same page again: the rates stand. */
	arrive(0, 3 * NS, 100.5, 300, 10);
	arrive(1, 3 * NS, 503.0, 400, 0);
	cr_expect(govnet_tenant(&g, 0, 3 * NS, &m, &e));
	cr_expect_float_eq(m, 600 + 200, 1e-9);
}

Test(govnet, silent_host_makes_usage_unknown_and_logs_once)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	double m, e;
	int lines = 0;

	arrive(0, 1 * NS, 10, 0, 0);
	arrive(1, 1 * NS, 10, 0, 0);
	arrive(0, 2 * NS, 11, 100, 0);
	arrive(1, 2 * NS, 11, 100, 0);
	cr_assert(govnet_tenant(&g, 0, 2 * NS, &m, &e));
	log_set_output(mem);
	for (int i = 3; i < 8; i++) {
		arrive(0, i * NS, 10 + i, 100 * i, 0);
		arrive(1, i * NS, 0, -1, 0); /* h2 is down */
	}
	log_set_output(NULL);
	fclose(mem);
	for (char *p = text; (p = strstr(p, "host h2")); p++)
		lines++;
	cr_expect_eq(lines, 1, "%s", text);
	free(text);
	cr_expect_not(g.h[1].up);
	cr_expect_eq(g.h[1].errors, 5);
	cr_expect_not(govnet_tenant(&g, 0, 7 * NS, &m, &e));
	/* h2 back with counters that moved meanwhile: a baseline, not a burst. */
	arrive(1, 8 * NS, 30, 5000, 0);
	cr_expect_not(govnet_tenant(&g, 0, 8 * NS, &m, &e));
	arrive(0, 8 * NS, 18, 800, 0);
	arrive(1, 9 * NS, 31, 5100, 0);
	cr_expect(govnet_tenant(&g, 0, 9 * NS, &m, &e));
	cr_expect_float_eq(m, 100 + 100, 1e-9);
	/* Silent again: unknown again. */
	arrive(1, 20 * NS, 0, -1, 0);
	cr_expect_not(govnet_tenant(&g, 0, 20 * NS, &m, &e));
}

Test(govnet, a_host_restart_is_a_baseline)
{
	double m, e;

	arrive(0, 1 * NS, 10, 1000, 0);
	arrive(1, 1 * NS, 10, 0, 0);
	arrive(0, 2 * NS, 11, 1100, 0);
	arrive(1, 2 * NS, 11, 0, 0);
	cr_assert(govnet_tenant(&g, 0, 2 * NS, &m, &e));
	cr_expect_float_eq(m, 100, 1e-9);
	arrive(0, 3 * NS, 1, 20, 0); /* its agent restarted: its clock and counters */
	cr_expect_not(govnet_tenant(&g, 0, 3 * NS, &m, &e));
	arrive(0, 4 * NS, 2, 70, 0);
	arrive(1, 4 * NS, 13, 0, 0);
	cr_expect(govnet_tenant(&g, 0, 4 * NS, &m, &e));
	cr_expect_float_eq(m, 50, 1e-9);
}

/* governance.host_metrics_port: every backend's VTEP is a host, once, and
 * not when governance.hosts lists its URL already. */
Test(govnet, hosts_from_backends_vteps)
{
	static struct config_backend be[3];
	static struct config_service svc[2];
	static const __u8 v4[2][16] = { { [10] = 0xff, [11] = 0xff, 198, 18, 11, 2 },
					{ [10] = 0xff, [11] = 0xff, 198, 18, 13, 2 } };
	struct ig_cfg c = cfg;

	memcpy(be[0].vtep.addr, v4[0], 16); /* h1's URL is listed already */
	memcpy(be[1].vtep.addr, v4[1], 16);
	memcpy(be[2].vtep.addr, v4[1], 16); /* a second GPU on the same host */
	for (int i = 0; i < 3; i++)
		be[i].vtep.family = AF_INET;
	svc[0] = (struct config_service){ .n_backends = 2, .backends = be };
	svc[1] = (struct config_service){ .n_backends = 1, .backends = be + 2 };
	c.services = svc;
	c.n_services = 2;
	c.governance.host_metrics_port = 9469;
	govnet_free(&g);
	cr_assert_eq(govnet_apply(&g, &c, &sc), 0);
	cr_assert_eq(g.n, 3);
	cr_expect_str_eq(g.h[2].cfg->name, "198.18.13.2");
	cr_expect_str_eq(g.h[2].probe.url, "http://198.18.13.2:9469/metrics");
	c.governance.host_metrics_port = 0;
	cr_assert_eq(govnet_apply(&g, &c, &sc), 0);
	cr_expect_eq(g.n, 2);
}
