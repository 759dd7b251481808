/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's Prometheus endpoint (libmicrohttpd, its own thread): serves
 * the exposition text the agent renders each tick, on 127.0.0.1 by default. */
#ifndef __IG_METRICS_H
#define __IG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The listener's bounds (docs/hardening.md): however many clients connect,
 * it holds at most METRICS_CONN_MAX sockets, far below the fds the control
 * loop keeps for health checks, scrapes and map updates (main.c raises
 * RLIMIT_NOFILE and checks the margin). */
#define METRICS_CONN_MAX 64
#define METRICS_CONN_PER_IP 16
#define METRICS_IDLE_S 3 /* an idle connection is closed after this */
#define METRICS_BACKLOG 64
/* The control loop waits at most this long per iteration (main.c), and
 * /healthz answers 503 once no iteration completed for 3 times that. */
#define METRICS_TICK_MAX_NS 1000000000ULL
#define METRICS_STALL_NS (3 * METRICS_TICK_MAX_NS)

struct metrics_server;

/* addr: 16 bytes (IPv4-mapped for IPv4); port 0 picks a free one. */
int metrics_start(struct metrics_server **out, const __u8 addr[16], __u16 port);
__u16 metrics_port(const struct metrics_server *m);
/* Replace the page served at /metrics (copied). */
int metrics_publish(struct metrics_server *m, const char *text, size_t len);
void metrics_stop(struct metrics_server *m);
/* The control loop completed an iteration at now_ns (CLOCK_MONOTONIC). */
void metrics_beat(struct metrics_server *m, __u64 now_ns);
/* /readyz answers 200 from now on (false: 503 again). */
void metrics_set_ready(struct metrics_server *m, bool ready);
/* /healthz's decision: an iteration completed within bound_ns of now. */
bool metrics_alive(__u64 beat_ns, __u64 now_ns, __u64 bound_ns);

/* A growable text buffer with Prometheus helpers, for rendering the page. */
struct mbuf {
	char *buf;
	size_t len, cap;
	int err;
};

void mbuf_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "# HELP name help\n# TYPE name type\n" */
void mbuf_family(struct mbuf *b, const char *name, const char *type, const char *help);
/* A label value in the text format's escaping (\\, \" and \n), into buf;
 * cut short, never inside an escape, when buf is too small. Free text from
 * the configuration goes through it: names are restricted already. */
const char *mbuf_label(char *buf, size_t len, const char *value);
void mbuf_free(struct mbuf *b);

/* A latency histogram in seconds with fixed bucket bounds (hist_bounds,
 * 0.5 ms to 10 s; the last bucket is +Inf), cumulative as Prometheus wants
 * them when rendered. */
#define HIST_BOUNDS 12
extern const double hist_bounds[HIST_BOUNDS];
struct hist {
	__u64 in[HIST_BOUNDS + 1]; /* per bucket, not cumulative; [HIST_BOUNDS] = above all */
	__u64 count;
	double sum;
};

void hist_observe(struct hist *h, double seconds);
/* The family's HELP/TYPE, then name_bucket{le=...}, name_sum, name_count. */
void mbuf_hist(struct mbuf *b, const char *name, const char *help, const struct hist *h);
/* The standard process_* families of this process (CPU seconds, resident
 * and virtual memory, open and maximum fds, start time). */
void mbuf_process(struct mbuf *b);

#endif /* __IG_METRICS_H */
