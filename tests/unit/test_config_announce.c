// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the announce: section (user/agent/conf.c) and the services'
 * announce opt-out: exact values and defaults, and each mistake's exact
 * "file:line:col: field: message". Files in tests/data/config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <criterion/criterion.h>

#include "user/agent/cfgtree.h"
#include "user/agent/conf.h"

#define TA_DATA "tests/data/config"

static char ta_buf[512];

static const char *ta_path(const char *rel)
{
	const char *dir = getenv("IG_SRCDIR");

	snprintf(ta_buf, sizeof(ta_buf), "%s/%s", dir && *dir ? dir : ".", rel);
	return ta_buf;
}

Test(config_announce, values_and_opt_out)
{
	struct config_error err;
	struct ig_cfg cfg;

	cr_assert_eq(config_load(ta_path(TA_DATA "/announce.yaml"), &cfg, &err), 0, "%s", err.text);
	cr_expect(cfg.announce.present);
	cr_expect_eq(cfg.announce.table, 100);
	cr_expect_eq(cfg.announce.protocol, 201);
	cr_expect_eq(cfg.announce.metric, 20);
	cr_expect_eq(cfg.announce.withdraw_grace_ns, 500000000ULL);
	cr_expect_eq(cfg.announce.hold_ns, 7000000000ULL);
	cr_expect(cfg.services[0].announce, "announced by default");
	cr_expect_not(cfg.services[1].announce, "announce: false opts out");
	config_free(&cfg);
}

Test(config_announce, absent_and_defaults)
{
	struct config_error err;
	struct ig_cfg cfg;

	cr_assert_eq(config_load(ta_path(TA_DATA "/minimal.yaml"), &cfg, &err), 0, "%s", err.text);
	cr_expect_not(cfg.announce.present, "no section: nothing is announced");
	cr_expect_eq(cfg.announce.protocol, CONFIG_ANNOUNCE_PROTO);
	cr_expect_eq(cfg.announce.withdraw_grace_ns, 2000000000ULL);
	cr_expect_eq(cfg.announce.hold_ns, 0, "announce at once by default");
	config_free(&cfg);
}

static void ta_expect_error(const char *rel, const char *rest)
{
	struct config_error err;
	struct ig_cfg cfg;
	char want[1024];

	cr_expect_eq(config_load(ta_path(rel), &cfg, &err), -EINVAL, "%s", rel);
	snprintf(want, sizeof(want), "%s%s", ta_path(rel), rest);
	cr_expect_str_eq(err.text, want);
}

Test(config_announce, errors)
{
	ta_expect_error(TA_DATA "/err-announce-table.yaml",
			":23:10: announce.table: 254 is out of range (1-252)");
	ta_expect_error(TA_DATA "/err-announce-proto.yaml",
			":24:13: announce.protocol: 186 is one of FRR's own route protocols "
			"(11, 186-198), which zebra removes at start");
	ta_expect_error(TA_DATA "/err-announce-missing.yaml",
			":23:3: announce.table: missing required field");
	ta_expect_error(TA_DATA "/err-announce-host.yaml",
			":15:3: announce: announces a gateway's VIPs: no interface has role "
			"gateway");
}
