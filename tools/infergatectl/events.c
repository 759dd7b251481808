// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `infergatectl events`: a live tail of the ig_events ring buffer (sampled
 * steering decisions and every drop), decoded. A ring buffer has one consumer
 * position: events this tool reads are not seen by another reader. */
#include <errno.h>
#include <signal.h>
#include <string.h>
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
};

static void ev_print(const struct ctl *c, const struct ig_event *e)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], reason[48] = "null";
	const char *type = e->type == IG_EV_DECISION ? "decision" :
			   e->type == IG_EV_DROP     ? "drop" :
						       "unknown";

	ctl_addr_str(e->saddr, s, sizeof(s));
	ctl_addr_str(e->daddr, d, sizeof(d));
	if (e->type == IG_EV_DROP)
		snprintf(reason, sizeof(reason), "\"%s\"", drop_reason_str(e->reason));
	if (c->o.json)
		printf("{\"ts_ns\":%llu,\"type\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
		       "\"dport\":%u,\"proto\":\"%s\",\"tenant\":%u,\"service\":%u,\"backend\":%u,"
		       "\"ifindex\":%u,\"policy\":\"%s\",\"reason\":%s}\n",
		       e->ts_ns, type, s, ntohs(e->sport), d, ntohs(e->dport),
		       ctl_proto_str(e->proto), e->tenant, e->service, e->backend, e->ifindex,
		       policy_str(e->policy), reason);
	else
		printf("%llu.%06llu %-8s %s:%u -> %s:%u %s tenant %u service %u backend %u%s%s\n",
		       e->ts_ns / 1000000000ULL, e->ts_ns % 1000000000ULL / 1000, type, s,
		       ntohs(e->sport), d, ntohs(e->dport), ctl_proto_str(e->proto), e->tenant,
		       e->service, e->backend, e->type == IG_EV_DROP ? " reason " : "",
		       e->type == IG_EV_DROP ? drop_reason_str(e->reason) : "");
	fflush(stdout);
}

static int ev_handle(void *ctx, void *data, size_t len)
{
	struct ev_ctx *x = ctx;
	struct ig_event e = {};

	memcpy(&e, data, len < sizeof(e) ? len : sizeof(e));
	ev_print(x->c, &e);
	x->seen++;
	/* A negative return stops ring_buffer__poll; -ECANCELED means "done". */
	return x->c->o.count && x->seen >= x->c->o.count ? -ECANCELED : 0;
}

int ctl_events(struct ctl *c)
{
	struct ev_ctx x = { .c = c };
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
