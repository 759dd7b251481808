// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `infergatectl events`: a live tail of the ig_events ring buffer (sampled
 * steering decisions and every drop), decoded, with wall-clock times. Events
 * queued before the start are the past (the ring keeps what nobody read, for
 * as long as nobody reads): skipped unless --backlog. A ring buffer has one
 * consumer position: events this tool reads are not seen by another reader. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/names.h"

static volatile sig_atomic_t ctl_stop;

static void ctl_on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

/* SIGINT and SIGTERM end a live view cleanly (no SA_RESTART: sleeps wake). */
void ctl_live_signals(void)
{
	struct sigaction sa = { .sa_handler = ctl_on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool ctl_live_stopped(void)
{
	return ctl_stop;
}

struct ev_ctx {
	const struct ctl *c;
	long seen;
	__u64 start_ns; /* CLOCK_MONOTONIC at the start, the events' clock */
	__s64 wall_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* CLOCK_REALTIME in ns, to place the events' CLOCK_MONOTONIC stamps. */
static __u64 ev_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* RFC 3339 in UTC with microseconds: 2026-12-07T03:50:01.123456Z. */
static void ev_time(const struct ev_ctx *x, __u64 mono_ns, char *buf, size_t len)
{
	__u64 wall = mono_ns + x->wall_off_ns;
	time_t sec = wall / 1000000000ULL;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06lluZ", wall % 1000000000ULL / 1000);
}

static void ev_print(const struct ev_ctx *x, const struct ig_event *e)
{
	const struct ctl *c = x->c;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], reason[48] = "null", when[40];
	const char *type = e->type == IG_EV_DECISION ? "decision" :
			   e->type == IG_EV_DROP     ? "drop" :
						       "unknown";

	ev_time(x, e->ts_ns, when, sizeof(when));
	ctl_addr_str(e->saddr, s, sizeof(s));
	ctl_addr_str(e->daddr, d, sizeof(d));
	if (e->type == IG_EV_DROP)
		snprintf(reason, sizeof(reason), "\"%s\"", drop_reason_str(e->reason));
	if (c->o.json)
		printf("{\"ts_ns\":%llu,\"time\":\"%s\",\"type\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
		       "\"dport\":%u,\"proto\":\"%s\",\"tenant\":%u,\"service\":%u,\"backend\":%u,"
		       "\"ifindex\":%u,\"policy\":\"%s\",\"reason\":%s}\n",
		       e->ts_ns, when, type, s, ntohs(e->sport), d, ntohs(e->dport),
		       ctl_proto_str(e->proto), e->tenant, e->service, e->backend, e->ifindex,
		       policy_str(e->policy), reason);
	else
		printf("%s %-8s %s:%u -> %s:%u %s tenant %u service %u backend %u%s%s\n", when,
		       type, s, ntohs(e->sport), d, ntohs(e->dport), ctl_proto_str(e->proto),
		       e->tenant, e->service, e->backend, e->type == IG_EV_DROP ? " reason " : "",
		       e->type == IG_EV_DROP ? drop_reason_str(e->reason) : "");
	fflush(stdout);
}

static int ev_handle(void *ctx, void *data, size_t len)
{
	struct ev_ctx *x = ctx;
	struct ig_event e = {};

	memcpy(&e, data, len < sizeof(e) ? len : sizeof(e));
	if (!x->c->o.backlog && e.ts_ns < x->start_ns)
		return 0; /* queued before we started */
	ev_print(x, &e);
	x->seen++;
	/* A negative return stops ring_buffer__poll; -ECANCELED means "done". */
	return x->c->o.count && x->seen >= x->c->o.count ? -ECANCELED : 0;
}

int ctl_events(struct ctl *c)
{
	__u64 mono = ctl_now_ns();
	struct ev_ctx x = { .c = c, .start_ns = mono, .wall_off_ns = (__s64)(ev_wall_ns() - mono) };
	__u64 deadline = c->o.timeout > 0 ? ctl_now_ns() + (__u64)(c->o.timeout * 1e9) : 0;
	struct ring_buffer *rb;
	int err = 0;

	rb = ring_buffer__new(c->m.events, ev_handle, &x, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "infergatectl: cannot read ig_events: %s\n", strerror(-err));
		return err;
	}
	ctl_live_signals();
	while (!ctl_stop && (!deadline || ctl_now_ns() < deadline)) {
		err = ring_buffer__poll(rb, 100);
		if (err == -ECANCELED || err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "infergatectl: polling ig_events: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	ring_buffer__free(rb);
	return err;
}
