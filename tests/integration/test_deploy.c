// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Deployment files validate with the offline tools Debian has: the systemd
 * unit with systemd-analyze verify (pointing at the built agent), the man
 * page with man --warnings, the example configuration with the agent's own
 * --check-config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "tools/lab/netns.h"

static const char *build(void)
{
	return getenv("IG_BUILD") ?: "build";
}

Test(deploy, systemd_unit_verifies)
{
	char out[4096];
	int rc;

	rc = netns_run_output(
		NULL, out, sizeof(out),
		"d=$(mktemp -d) && bin=$(realpath %s/infergated) && "
		"sed \"s#/usr/local/sbin/infergated#$bin#g\" deploy/infergated.service "
		"> $d/infergated.service && "
		"SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "
		"$d/infergated.service 2>&1; r=$?; rm -rf $d; exit $r",
		build());
	cr_expect_eq(rc, 0, "systemd-analyze verify failed: %s", out);
	cr_expect_eq(strlen(out), 0, "systemd-analyze verify warned: %s", out);
}

Test(deploy, man_pages_render_without_warnings)
{
	char out[4096];

	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "for m in deploy/man/*.[1-8]; do MANWIDTH=80 man --warnings "
				      "-E UTF-8 -l $m 2>&1 >/dev/null; done"),
		     0);
	cr_expect_eq(strlen(out), 0, "man warned: %s", out);
}

Test(deploy, example_config_checks)
{
	char out[512];

	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "%s/infergated --check-config deploy/infergate.example.yaml",
				      build()),
		     0, "%s", out);
	cr_expect(strstr(out, ": OK"), "%s", out);
}

/* systemd-analyze security scored the unit 6.5 (MEDIUM); it must stay at
 * 3.0 or below. What stays open is explained in the unit's comments and in
 * docs/hardening.md. */
Test(deploy, systemd_unit_security_score)
{
	char out[256];
	double score = 99;

	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "systemd-analyze security --offline=yes --no-pager "
				      "deploy/infergated.service 2>&1 | sed -n "
				      "'s/^.*Overall exposure level for infergated.service: "
				      "\\([0-9.]*\\).*/\\1/p'"),
		     0);
	cr_assert_eq(sscanf(out, "%lf", &score), 1, "no score in: %s", out);
	cr_expect_leq(score, 3.0, "systemd-analyze security: %.1f, above 3.0", score);
}

/* The unit keeps the settings issue #15 asked for. */
Test(deploy, systemd_unit_liveness_and_limits)
{
	static const char *const want[] = {
		"Type=notify",
		"WatchdogSec=",
		"LimitNOFILE=",
		"SystemCallFilter=",
		"RestrictNamespaces=yes",
		"ProtectKernelModules=yes",
		"ProtectKernelLogs=yes",
		"PrivateDevices=yes",
		"MemoryDenyWriteExecute=yes",
		"RestrictAddressFamilies=",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_eq(netns_run(NULL, "grep -q '^%s' deploy/infergated.service", want[i]), 0,
			     "deploy/infergated.service: no %s", want[i]);
}
