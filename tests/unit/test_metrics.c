// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the /metrics rendering helpers (user/agent/metrics.c) and of
 * free-text label values on the page: a `"`, `\` or newline in a value the
 * operator wrote (a host_maps path) must be escaped, or Prometheus drops the
 * whole scrape. */
#include <string.h>
#include <criterion/criterion.h>

#include "user/agent/governor.h"
#include "user/agent/metrics.h"

Test(metrics, label_values_are_escaped)
{
	char buf[64];

	cr_expect_str_eq(mbuf_label(buf, sizeof(buf), "plain/path-1"), "plain/path-1");
	cr_expect_str_eq(mbuf_label(buf, sizeof(buf), "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	/* Cut short rather than overflow, never in the middle of an escape. */
	cr_expect_str_eq(mbuf_label(buf, 6, "\"\"\"\"\""), "\\\"\\\"");
}

Test(metrics, host_maps_dir_label_is_escaped_on_the_page)
{
	struct gov_host h = { .dir = "/sys/fs/bpf/a\"b\\c\nd" };
	struct governor g = { .n_hosts = 1, .hosts = &h };
	struct mbuf m = {};

	governor_render(&g, &m);
	cr_assert_eq(m.err, 0);
	mbuf_printf(&m, "%c", '\0');
	cr_expect(strstr(m.buf, "infergate_host_maps_up{dir=\"/sys/fs/bpf/a\\\"b\\\\c\\nd\"} 0\n"),
		  "%s", m.buf);
	mbuf_free(&m);
}

/* Buckets are cumulative, le bounds as Prometheus writes them, +Inf equals
 * _count; a value on a bound lands in that bucket. */
Test(metrics, histogram_renders_cumulative_buckets)
{
	struct hist h = {};
	struct mbuf m = {};

	hist_observe(&h, 0.0005); /* on the first bound */
	hist_observe(&h, 0.003);
	hist_observe(&h, 0.003);
	hist_observe(&h, 42); /* above every bound */
	mbuf_hist(&m, "x_seconds", "help.", &h);
	mbuf_printf(&m, "%c", '\0');
	cr_expect_str_eq(m.buf, "# HELP x_seconds help.\n# TYPE x_seconds histogram\n"
				"x_seconds_bucket{le=\"0.0005\"} 1\n"
				"x_seconds_bucket{le=\"0.001\"} 1\n"
				"x_seconds_bucket{le=\"0.0025\"} 1\n"
				"x_seconds_bucket{le=\"0.005\"} 3\n"
				"x_seconds_bucket{le=\"0.01\"} 3\n"
				"x_seconds_bucket{le=\"0.025\"} 3\n"
				"x_seconds_bucket{le=\"0.05\"} 3\n"
				"x_seconds_bucket{le=\"0.1\"} 3\n"
				"x_seconds_bucket{le=\"0.25\"} 3\n"
				"x_seconds_bucket{le=\"0.5\"} 3\n"
				"x_seconds_bucket{le=\"1\"} 3\n"
				"x_seconds_bucket{le=\"10\"} 3\n"
				"x_seconds_bucket{le=\"+Inf\"} 4\n"
				"x_seconds_sum 42.0065\n"
				"x_seconds_count 4\n");
	mbuf_free(&m);
}
