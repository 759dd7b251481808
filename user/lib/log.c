// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Logging to stderr with a level prefix; systemd's journal picks up the
 * "<N>" prefix when stderr is the journal stream. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "user/lib/log.h"

static enum log_level log_level = LOG_LVL_INFO;
static FILE *log_out;
static bool log_stamps;

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DBG] = "debug",
};

/* syslog priorities, understood by journald on stderr (sd-daemon(3)). */
static const int level_prio[] = {
	[LOG_LVL_ERR] = 3,
	[LOG_LVL_WARN] = 4,
	[LOG_LVL_INFO] = 6,
	[LOG_LVL_DBG] = 7,
};

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_parse_level(const char *s, enum log_level *lvl)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} names[] = {
		{ "err", LOG_LVL_ERR },	     { "error", LOG_LVL_ERR }, { "warn", LOG_LVL_WARN },
		{ "warning", LOG_LVL_WARN }, { "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DBG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*lvl = names[i].lvl;
			return 0;
		}
	}
	return -EINVAL;
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (lvl > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (getenv("JOURNAL_STREAM")) {
		/* journald stamps each line itself. */
		fprintf(log_out ?: stderr, "<%d>%s\n", level_prio[lvl], buf);
		return;
	}
	if (log_stamps) {
		char when[40];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(log_out ?: stderr, "%s.%03ldZ %s: %s\n", when, ts.tv_nsec / 1000000,
			level_names[lvl], buf);
		return;
	}
	fprintf(log_out ?: stderr, "%s: %s\n", level_names[lvl], buf);
}

void log_set_timestamps(bool on)
{
	log_stamps = on;
}

void log_set_output(FILE *f)
{
	log_out = f;
}

void log_streak_fail(struct log_streak *s, enum log_level lvl, __u64 now_ns, const char *fmt, ...)
{
	char buf[900];
	va_list ap;

	s->count++;
	if (s->count > 1) {
		s->unlogged++;
		if (now_ns - s->logged_ns < LOG_STREAK_REPEAT_NS)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (s->count == 1)
		log_msg(lvl, "%s", buf);
	else
		log_msg(lvl, "%s (%llu more in the last %llus)", buf,
			(unsigned long long)s->unlogged,
			(unsigned long long)((now_ns - s->logged_ns) / 1000000000ULL));
	s->unlogged = 0;
	s->logged_ns = now_ns;
}

void log_streak_ok(struct log_streak *s, enum log_level lvl, __u64 now_ns, const char *fmt, ...)
{
	char buf[900];
	va_list ap;

	(void)now_ns;
	if (!s->count)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(lvl, "%s (after %llu failure%s)", buf, (unsigned long long)s->count,
		s->count == 1 ? "" : "s");
	memset(s, 0, sizeof(*s));
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void log_errno(enum log_level lvl, int err, const char *fmt, ...)
{
	char buf[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(lvl, "%s: %s", buf, strerror(err < 0 ? -err : err));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level lvl = level == LIBBPF_WARN ? LOG_LVL_INFO : LOG_LVL_DBG;

	log_vmsg(lvl, fmt, ap);
	return 0;
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
