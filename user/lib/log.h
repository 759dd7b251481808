/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one log module: levelled, printf-checked messages to stderr (the
 * journal reads stderr). libbpf's own output is routed here one level lower. */
#ifndef __IG_LOG_H
#define __IG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DBG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parse "err", "warn", "info" or "debug"; returns 0 or -EINVAL. */
int log_parse_level(const char *s, enum log_level *lvl);
/* Route libbpf's print callback into this module (warn->info, info->dbg). */
void log_setup_libbpf(void);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Like log_msg, then ": strerror(-err)". err is a negative errno. */
void log_errno(enum log_level lvl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Failure streaks: the first failure of a streak is logged, then at most one
 * line per LOG_STREAK_REPEAT_NS with the count since the last line, and the
 * success that ends the streak once, with the streak's length. A peer that
 * fails a thousand times a second costs one line a minute. */
#define LOG_STREAK_REPEAT_NS (60 * 1000000000ULL)

struct log_streak {
	__u64 count; /* failures in this streak; 0: none */
	__u64 unlogged; /* failures since the last line */
	__u64 logged_ns; /* when the last line was written */
};

void log_streak_fail(struct log_streak *s, enum log_level lvl, __u64 now_ns, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Ends a streak: logs fmt with " (after N failures)"; nothing without one. */
void log_streak_ok(struct log_streak *s, enum log_level lvl, __u64 now_ns, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Where messages go: NULL for stderr (tests capture them). */
void log_set_output(FILE *f);
/* Prefix each line with its time, RFC 3339 in UTC with milliseconds
 * ("2026-12-07T04:10:01.123Z info: ..."); not under journald, which stamps
 * lines itself. */
void log_set_timestamps(bool on);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(...) log_msg(LOG_LVL_DBG, __VA_ARGS__)

#endif /* __IG_LOG_H */
