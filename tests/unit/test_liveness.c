// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the agent's liveness (issue #15): the sd_notify(3) sender
 * against a unix datagram socket bound here, WATCHDOG_USEC parsing, the
 * /healthz decision from the control loop's timestamps, and the log's
 * failure streaks (one line per streak, with a count). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <criterion/criterion.h>

#include "user/agent/metrics.h"
#include "user/agent/sdnotify.h"
#include "user/lib/log.h"

static int tl_bind(struct sockaddr_un *sa, bool abstract)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len;

	cr_assert_geq(fd, 0);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (abstract) {
		snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "ig-notify-%d", getpid());
		len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa->sun_path + 1);
	} else {
		snprintf(sa->sun_path, sizeof(sa->sun_path), "/tmp/ig-notify-%d", getpid());
		unlink(sa->sun_path);
		len = sizeof(*sa);
	}
	cr_assert_eq(bind(fd, (struct sockaddr *)sa, len), 0, "bind: %m");
	return fd;
}

static void tl_expect(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	cr_assert_gt(n, 0, "nothing received: %m");
	buf[n] = '\0';
	cr_expect_str_eq(buf, want);
}

Test(sdnotify, path_socket)
{
	struct sockaddr_un sa;
	int fd = tl_bind(&sa, false);

	cr_expect_eq(sdnotify_send_to(sa.sun_path, "READY=1"), 0);
	tl_expect(fd, "READY=1");
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	cr_expect_eq(sdnotify_send("WATCHDOG=1"), 0);
	tl_expect(fd, "WATCHDOG=1");
	cr_expect_eq(sdnotify_send("RELOADING=1"), 0);
	tl_expect(fd, "RELOADING=1");
	cr_expect_eq(sdnotify_send("STOPPING=1"), 0);
	tl_expect(fd, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(sa.sun_path);
}

Test(sdnotify, abstract_socket)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int fd = tl_bind(&sa, true);

	snprintf(path, sizeof(path), "@%s", sa.sun_path + 1);
	cr_expect_eq(sdnotify_send_to(path, "READY=1"), 0);
	tl_expect(fd, "READY=1");
	close(fd);
}

Test(sdnotify, no_socket)
{
	unsetenv("NOTIFY_SOCKET");
	cr_expect_eq(sdnotify_send("READY=1"), -ENOENT, "not under systemd: nothing to do");
	cr_expect_eq(sdnotify_send_to("relative/path", "READY=1"), -EINVAL);
	cr_expect_eq(sdnotify_send_to("/nonexistent/ig-notify", "READY=1"), -ENOENT);
}

Test(sdnotify, watchdog_usec)
{
	char pid[16];

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	cr_expect_eq(sdnotify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	cr_expect_eq(sdnotify_watchdog_ns(), 30000000000ULL);
	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("WATCHDOG_PID", pid, 1);
	cr_expect_eq(sdnotify_watchdog_ns(), 30000000000ULL);
	setenv("WATCHDOG_PID", "1", 1);
	cr_expect_eq(sdnotify_watchdog_ns(), 0, "another process's watchdog");
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	cr_expect_eq(sdnotify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "0", 1);
	cr_expect_eq(sdnotify_watchdog_ns(), 0);
	unsetenv("WATCHDOG_USEC");
}

#define S 1000000000ULL

Test(healthz, decided_from_the_loop_timestamps)
{
	/* Never completed an iteration: not alive. */
	cr_expect_not(metrics_alive(0, 10 * S, METRICS_STALL_NS));
	cr_expect(metrics_alive(10 * S, 10 * S, METRICS_STALL_NS));
	cr_expect(metrics_alive(10 * S, 10 * S + METRICS_STALL_NS, METRICS_STALL_NS));
	cr_expect_not(metrics_alive(10 * S, 10 * S + METRICS_STALL_NS + 1, METRICS_STALL_NS),
		      "a loop stalled past the bound is not alive");
	/* A beat stamped after now was read (another thread): alive. */
	cr_expect(metrics_alive(11 * S, 10 * S, METRICS_STALL_NS));
	cr_expect_eq(METRICS_STALL_NS, 3 * METRICS_TICK_MAX_NS, "3 x the tick bound");
}

/* ---- failure streaks in the log ---- */

static char *tl_log;
static size_t tl_log_len;

static void tl_capture(void)
{
	fflush(stderr);
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
}

Test(log_streak, one_line_per_streak_with_a_count)
{
	struct log_streak st = {};
	FILE *mem = open_memstream(&tl_log, &tl_log_len);
	unsigned int lines = 0;

	tl_capture();
	log_set_output(mem);
	for (int i = 0; i < 100000; i++)
		log_streak_fail(&st, LOG_LVL_WARN, 1000 + i, "backend b1: scrape failed: %s",
				"connection refused");
	log_streak_ok(&st, LOG_LVL_INFO, 2000, "backend b1: scrape works again");
	log_set_output(NULL);
	fclose(mem);
	for (char *p = tl_log; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 2, "log:\n%s", tl_log);
	cr_expect_not_null(strstr(tl_log,
				  "warning: backend b1: scrape failed: connection refused\n"),
			   "%s", tl_log);
	cr_expect_not_null(strstr(tl_log, "info: backend b1: scrape works again (after 100000 "
					  "failures)\n"),
			   "%s", tl_log);
	free(tl_log);
}

Test(log_streak, a_long_streak_repeats_once_per_interval)
{
	struct log_streak st = {};
	FILE *mem = open_memstream(&tl_log, &tl_log_len);
	unsigned int lines = 0;

	tl_capture();
	log_set_output(mem);
	/* 10 minutes of failures, 1000 a second. */
	for (__u64 t = 0; t < 600 * S; t += S / 1000)
		log_streak_fail(&st, LOG_LVL_WARN, t + 1, "metrics: %s", "too many connections");
	log_set_output(NULL);
	fclose(mem);
	for (char *p = tl_log; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 600 * S / LOG_STREAK_REPEAT_NS, "log:\n%.400s", tl_log);
	cr_expect_not_null(strstr(tl_log, "(60000 more in the last 60s)"), "%.400s", tl_log);
	free(tl_log);
}

/* --log-timestamps: each line starts with its RFC 3339 time in UTC, with
 * milliseconds; without it, and under journald, lines carry none. */
Test(log_streak, timestamps_are_rfc3339_utc)
{
	FILE *mem = open_memstream(&tl_log, &tl_log_len);
	int y, mo, d, h, mi, s, ms;
	char z, rest[64];
	time_t now = time(NULL);
	struct tm tm;

	tl_capture();
	log_set_output(mem);
	log_set_timestamps(true);
	log_info("x %d", 1);
	log_set_timestamps(false);
	log_info("y");
	log_set_output(NULL);
	fclose(mem);
	cr_assert_eq(sscanf(tl_log, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c %63[^\n]", &y, &mo, &d, &h, &mi,
			    &s, &ms, &z, rest),
		     9, "%s", tl_log);
	gmtime_r(&now, &tm);
	cr_expect_eq(z, 'Z');
	cr_expect_eq(y, tm.tm_year + 1900);
	cr_expect_eq(mo, tm.tm_mon + 1);
	cr_expect_str_eq(rest, "info: x 1");
	cr_expect(strstr(tl_log, "\ninfo: y\n"), "no stamp once off: %s", tl_log);
	free(tl_log);
}
