// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loadgen: drives OpenAI-style streaming completion endpoints (llmsim, vLLM)
 * with open-loop Poisson or Gamma arrivals, or closed-loop multi-turn
 * sessions each on one kept-alive connection of its own (or a new one per
 * turn), over libcurl multi. Measures
 * TTFT at the first SSE data event, inter-token gaps between events, and
 * reports percentiles, throughput, goodput at an SLO and tenant fairness.
 * With --oracle it picks, for every request, the least-loaded target from
 * their live /metrics (oracle.h): the bound for any per-request picker. */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>

#include "tools/lab/loadgen/dist.h"
#include "tools/lab/loadgen/oracle.h"
#include "tools/lab/loadgen/reqstats.h"

#define TARGETS_MAX 64
#define TENANTS_MAX 32
#define EVENT_MAX 512
#define ORACLE_TIMEOUT_MS 250
/* Each session binds its connections to a range of local ports of its own:
 * libcurl reuses a bound connection only for a request asking for the same
 * binding, so a turn never borrows another session's idle connection (the
 * multi handle's connection pool is shared by all its easy handles). */
/* Local ports per session: one block each (turns that open a connection of
 * their own leave TIME_WAIT ports behind, so a block outlasts the turns). */
#define SESSION_PORTS 64
#define SESSION_PORT_BASE 20480 /* a multiple of SESSION_PORTS */

struct tenant {
	char name[64];
	char cls[32];
	double share;
	double slo_ttft, slo_tpot; /* ms; 0: --slo-ttft, --slo-tpot */
};

struct opts {
	const char *targets[TARGETS_MAX];
	int ntargets;
	double rate;
	double duration;
	int sessions;
	const char *turns; /* a length distribution, or N */
	const char *think; /* a time distribution, seconds */
	double stagger; /* session i starts at i * stagger / sessions */
	const char *arrival;
	const char *prompt;
	const char *output;
	struct tenant tenants[TENANTS_MAX];
	int ntenants;
	unsigned long long seed;
	double slo_ttft;
	double slo_tpot;
	double drain;
	int max_context;
	const char *json;
	int fresh; /* a new connection per open-loop request (L4 steering sees each) */
	int oracle; /* pick each request's target from live /metrics */
	int port_base; /* sessions' local ports: base + SESSION_PORTS * session */
	int system_prompt; /* tokens of a system prompt each tenant's requests share */
};

/* One target's /metrics, scraped before every request in oracle mode on a
 * kept-alive connection of its own. */
struct scrape {
	CURL *easy;
	char url[256];
	char *buf;
	size_t len;
	size_t cap;
};

struct session {
	int idx;
	int turns; /* drawn from --turns */
	int tenant;
	int target;
	int turn;
	int context;
	double next_at; /* < 0: a turn is in flight or the session is over */
	CURL *easy; /* one handle, so one kept-alive connection */
};

struct req {
	CURL *easy;
	struct curl_slist *hdrs;
	char body[384];
	size_t rec;
	struct session *sess;
	double t_first;
	double t_last;
	bool done;
	bool nl; /* the last byte was a newline */
	char ev[EVENT_MAX];
	size_t evlen;
};

struct run {
	struct opts *o;
	CURLM *multi;
	struct timespec t0;
	struct rng rng;
	struct len_dist prompt;
	struct len_dist output;
	struct len_dist turns;
	struct time_dist think;
	struct trace trace; /* --arrival trace:FILE */
	int trace_next;
	struct req_rec *recs;
	size_t nrecs;
	size_t cap;
	double *itl;
	size_t nitl;
	size_t itlcap;
	int inflight;
	unsigned int rr;
	double end; /* last completion, seconds since t0 */
	long window_tokens; /* tokens that arrived within --duration */
	CURLM *scrape_multi; /* oracle mode */
	struct scrape scrapes[TARGETS_MAX];
	struct oracle_load load[TARGETS_MAX];
	long picks[TARGETS_MAX]; /* requests sent to each target */
};

static double run_now(const struct run *r)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - r->t0.tv_sec) + (t.tv_nsec - r->t0.tv_nsec) * 1e-9;
}

static int push_double(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		double *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static void on_event(struct run *r, struct req *q, double t)
{
	struct req_rec *rec = &r->recs[q->rec];
	const char *p = q->ev;

	if (strncmp(p, "data:", 5))
		return;
	p += 5;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "[DONE]", 6)) {
		q->done = true;
		return;
	}
	if (!rec->out_tokens) {
		q->t_first = t;
		rec->ttft = t - rec->t_start;
	} else {
		push_double(&r->itl, &r->nitl, &r->itlcap, t - q->t_last);
	}
	q->t_last = t;
	rec->out_tokens++;
	if (r->o->duration > 0 && t <= r->o->duration)
		r->window_tokens++;
}

static struct run *cur_run;

/* SSE: events end at a blank line; '\r' is ignored. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct req *q = arg;
	double t = run_now(cur_run);
	size_t n = size * nmemb;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r')
			continue;
		if (p[i] == '\n' && q->nl) {
			q->ev[q->evlen] = 0;
			on_event(cur_run, q, t);
			q->evlen = 0;
			q->nl = false;
			continue;
		}
		q->nl = p[i] == '\n';
		if (q->evlen < EVENT_MAX - 1)
			q->ev[q->evlen++] = p[i];
	}
	return n;
}

/* Records which server answered (llmsim's X-Backend header). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct req *q = arg;
	struct req_rec *rec = &cur_run->recs[q->rec];
	size_t n = size * nmemb, v = 10, e;

	if (n > v && !strncasecmp(p, "X-Backend:", v)) {
		while (v < n && (p[v] == ' ' || p[v] == '\t'))
			v++;
		for (e = n; e > v && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '); e--)
			;
		snprintf(rec->backend, sizeof(rec->backend), "%.*s", (int)(e - v), p + v);
	}
	return n;
}

static size_t on_scrape(char *p, size_t size, size_t nmemb, void *arg)
{
	struct scrape *s = arg;
	size_t n = size * nmemb;

	if (s->len + n + 1 > s->cap) {
		size_t nc = (s->len + n + 1) * 2;
		char *nb = realloc(s->buf, nc);

		if (!nb)
			return 0;
		s->buf = nb;
		s->cap = nc;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = 0;
	return n;
}

/* The target URL's scheme and authority, then /metrics. */
static int oracle_init(struct run *r)
{
	r->scrape_multi = curl_multi_init();
	if (!r->scrape_multi)
		return -ENOMEM;
	for (int i = 0; i < r->o->ntargets; i++) {
		struct scrape *s = &r->scrapes[i];
		const char *t = r->o->targets[i], *host = strstr(t, "://");
		const char *path = host ? strchr(host + 3, '/') : NULL;
		int len = path ? (int)(path - t) : (int)strlen(t);

		snprintf(s->url, sizeof(s->url), "%.*s/metrics", len, t);
		s->easy = curl_easy_init();
		if (!s->easy)
			return -ENOMEM;
		curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_scrape);
		curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)ORACLE_TIMEOUT_MS);
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	}
	return 0;
}

/* Scrape every target at once (blocking the event loop for one round trip:
 * a millisecond or two in the lab) and pick the least-loaded. A target that
 * does not answer in time sits this request out; none answering: in turn. */
static int oracle_target(struct run *r)
{
	int n = r->o->ntargets, running, pick;
	long code;

	for (int i = 0; i < n; i++) {
		r->scrapes[i].len = 0;
		curl_multi_add_handle(r->scrape_multi, r->scrapes[i].easy);
	}
	do {
		curl_multi_perform(r->scrape_multi, &running);
		if (running)
			curl_multi_poll(r->scrape_multi, NULL, 0, 20, NULL);
	} while (running);
	for (int i = 0; i < n; i++) {
		struct scrape *s = &r->scrapes[i];

		code = 0;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200 || !s->len || oracle_parse(s->buf, &r->load[i]))
			r->load[i].ok = false;
		curl_multi_remove_handle(r->scrape_multi, s->easy);
	}
	pick = oracle_pick(r->load, n, r->rr++);
	return pick >= 0 ? pick : (int)(r->rr % n);
}

static int next_target(struct run *r)
{
	return r->o->oracle ? oracle_target(r) : (int)(r->rr++ % r->o->ntargets);
}

static int pick_tenant(struct run *r)
{
	double total = 0, u;
	int i;

	for (i = 0; i < r->o->ntenants; i++)
		total += r->o->tenants[i].share;
	u = rng_uniform(&r->rng) * total;
	for (i = 0; i < r->o->ntenants - 1; i++) {
		if (u < r->o->tenants[i].share)
			break;
		u -= r->o->tenants[i].share;
	}
	return i;
}

static struct req_rec *new_rec(struct run *r)
{
	if (r->nrecs == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 1024;
		struct req_rec *nv = realloc(r->recs, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		r->recs = nv;
		r->cap = nc;
	}
	memset(&r->recs[r->nrecs], 0, sizeof(r->recs[0]));
	return &r->recs[r->nrecs++];
}

/* The request: its prompt's known prefixes name the tenant's shared system
 * prompt and the session's conversation so far, for servers with a prefix
 * cache (llmsim's fields; a server without one ignores them). */
static void body_write(const struct run *r, struct req *q, const struct tenant *tn, int prompt,
		       int output, const struct session *sess)
{
	int n, sys = r->o->system_prompt < prompt ? r->o->system_prompt : prompt;

	n = snprintf(q->body, sizeof(q->body),
		     "{\"model\":\"sim\",\"prompt_tokens\":%d,\"max_tokens\":%d,\"stream\":true,"
		     "\"user\":\"%s\"",
		     prompt, output, tn->name);
	if (sys)
		n += snprintf(q->body + n, sizeof(q->body) - n,
			      ",\"prefix\":\"sys-%s\",\"prefix_tokens\":%d", tn->name, sys);
	if (sess)
		n += snprintf(q->body + n, sizeof(q->body) - n,
			      ",\"session\":\"%llu-%d\",\"session_tokens\":%d", r->o->seed,
			      sess->idx, sess->context < prompt ? sess->context : prompt);
	snprintf(q->body + n, sizeof(q->body) - n, "}");
}

/* Start one streaming request; easy is a session's handle or NULL. */
static int launch(struct run *r, int tenant, int target, int prompt, int output, CURL *easy,
		  struct session *sess)
{
	const struct tenant *tn = &r->o->tenants[tenant];
	struct req_rec *rec = new_rec(r);
	struct req *q = calloc(1, sizeof(*q));
	char h[128];

	if (!rec || !q || !(q->easy = easy ?: curl_easy_init())) {
		free(q);
		return -ENOMEM;
	}
	rec->tenant = tenant;
	rec->prompt_tokens = prompt;
	rec->session = sess ? sess->idx : -1;
	rec->turn = sess ? sess->turn : 1;
	r->picks[target]++;
	rec->t_start = run_now(r);
	q->rec = r->nrecs - 1;
	q->sess = sess;
	body_write(r, q, tn, prompt, output, sess);
	q->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	snprintf(h, sizeof(h), "X-Tenant: %s", tn->name);
	q->hdrs = curl_slist_append(q->hdrs, h);
	snprintf(h, sizeof(h), "X-Priority-Class: %s", tn->cls);
	q->hdrs = curl_slist_append(q->hdrs, h);
	/* A connection of its own: the server closes it after the answer, so
	 * the TIME_WAIT is the server's. Were it ours, a session's block of
	 * ports would run out within a minute of turns (and of runs). */
	if (r->o->fresh)
		q->hdrs = curl_slist_append(q->hdrs, "Connection: close");
	curl_easy_setopt(q->easy, CURLOPT_URL, r->o->targets[target]);
	curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, q->body);
	curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(q->easy, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_PRIVATE, q);
	curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(q->easy, CURLOPT_TCP_NODELAY, 1L);
	if (r->o->fresh) {
		curl_easy_setopt(q->easy, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(q->easy, CURLOPT_FORBID_REUSE, 1L);
	}
	/* A session's connections come from its own block of ports, with a new
	 * connection per turn too: a gateway's client affinity can tell the
	 * sessions (agents behind one address) apart by their blocks, as a
	 * CGNAT's subscribers. A kept-alive session asks for the block's
	 * first free port (libcurl reuses a connection only for the same
	 * binding); a new connection per turn takes the turn's port in the
	 * block, a new port as an ephemeral one would be (with the server
	 * holding the TIME_WAIT, the first free one would be the same port,
	 * and the same 5-tuple, every turn). */
	if (sess) {
		int off = r->o->fresh ? (sess->turn - 1) % SESSION_PORTS : 0;

		curl_easy_setopt(q->easy, CURLOPT_LOCALPORT,
				 (long)(r->o->port_base + SESSION_PORTS * sess->idx + off));
		curl_easy_setopt(q->easy, CURLOPT_LOCALPORTRANGE, (long)(SESSION_PORTS - off));
	}
	curl_multi_add_handle(r->multi, q->easy);
	r->inflight++;
	return 0;
}

static void clamp_lengths(const struct opts *o, int *prompt, int *output)
{
	if (*output >= o->max_context)
		*output = o->max_context / 2;
	if (*prompt + *output > o->max_context)
		*prompt = o->max_context - *output;
}

static int launch_open(struct run *r)
{
	int tenant = pick_tenant(r);
	int prompt = r->o->system_prompt + len_dist_sample(&r->prompt, &r->rng);
	int output = len_dist_sample(&r->output, &r->rng);

	clamp_lengths(r->o, &prompt, &output);
	return launch(r, tenant, next_target(r), prompt, output, NULL, NULL);
}

/* A traced request: its recorded lengths, or drawn ones where it has none. */
static int launch_traced(struct run *r, int i)
{
	int tenant = pick_tenant(r);
	int prompt = r->trace.prompt[i] ?: len_dist_sample(&r->prompt, &r->rng);
	int output = r->trace.output[i] ?: len_dist_sample(&r->output, &r->rng);

	prompt += r->o->system_prompt;
	clamp_lengths(r->o, &prompt, &output);
	return launch(r, tenant, next_target(r), prompt, output, NULL, NULL);
}

/* The next turn of an agentic session: the whole conversation so far is its
 * prompt, plus a new user message. */
static int launch_turn(struct run *r, struct session *s)
{
	int prompt = (s->context ? s->context : r->o->system_prompt) +
		     len_dist_sample(&r->prompt, &r->rng);
	int output = len_dist_sample(&r->output, &r->rng);
	int err;

	clamp_lengths(r->o, &prompt, &output);
	s->next_at = -1;
	s->turn++;
	if (r->o->oracle)
		s->target = oracle_target(r); /* the session's handle follows the pick */
	err = launch(r, s->tenant, s->target, prompt, output, s->easy, s);
	s->context = prompt; /* the next turn's prefix: this prompt, then the answer */
	return err;
}

static void rec_connection(struct req_rec *rec, CURL *easy)
{
	long port = 0, connects = 0;

	curl_easy_getinfo(easy, CURLINFO_LOCAL_PORT, &port);
	curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
	rec->local_port = (int)port;
	rec->reused = port && !connects;
}

static void finish(struct run *r, CURLMsg *m)
{
	struct req *q;
	struct req_rec *rec;
	long code = 0;
	double t = run_now(r);

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
	curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
	rec = &r->recs[q->rec];
	rec->e2e = t - rec->t_start;
	rec->t_end = t;
	rec_connection(rec, m->easy_handle);
	rec->ok = m->data.result == CURLE_OK && code == 200 && q->done && rec->out_tokens;
	if (rec->out_tokens > 1)
		rec->tpot = (q->t_last - q->t_first) / (rec->out_tokens - 1);
	r->end = t;
	r->inflight--;
	curl_multi_remove_handle(r->multi, q->easy);
	curl_slist_free_all(q->hdrs);
	if (q->sess) {
		/* A failed turn is recorded and the session goes on, as a client
		 * would: its next turn reconnects if the connection is gone. */
		q->sess->context += rec->out_tokens;
		if (q->sess->turn < q->sess->turns)
			q->sess->next_at = t + time_dist_sample(&r->think, &r->rng);
	} else {
		curl_easy_cleanup(q->easy);
	}
	free(q);
}

static void drain_msgs(struct run *r)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(r->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			finish(r, m);
}

/* Launches what is due, returns the seconds until the next launch (-1: none
 * will come). */
static double launch_due(struct run *r, struct session *ss, double *next_arrival,
			 struct arrival *arr)
{
	double t = run_now(r), next = -1;

	if (ss) {
		for (int i = 0; i < r->o->sessions; i++) {
			if (r->o->duration > 0 && t >= r->o->duration)
				ss[i].next_at = -1;
			if (ss[i].next_at >= 0 && ss[i].next_at <= t)
				launch_turn(r, &ss[i]);
			if (ss[i].next_at >= 0 && (next < 0 || ss[i].next_at - t < next))
				next = ss[i].next_at - t;
		}
		return next;
	}
	if (r->trace.n) {
		while (r->trace_next < r->trace.n && r->trace.t[r->trace_next] <= t)
			launch_traced(r, r->trace_next++);
		return r->trace_next < r->trace.n ? r->trace.t[r->trace_next] - t : -1;
	}
	while (*next_arrival >= 0 && *next_arrival <= t) {
		launch_open(r);
		*next_arrival += arrival_next(arr, &r->rng);
		if (*next_arrival >= r->o->duration)
			*next_arrival = -1;
	}
	return *next_arrival >= 0 ? *next_arrival - t : -1;
}

static int drive(struct run *r, struct session *ss)
{
	struct arrival arr = { 0 };
	double next_arrival = -1, wait, limit;
	int running;

	if (!ss && !r->trace.n) {
		if (arrival_parse(r->o->arrival, r->o->rate, &arr))
			return -EINVAL;
		next_arrival = arrival_next(&arr, &r->rng);
		if (next_arrival >= r->o->duration)
			next_arrival = -1;
	}
	limit = (r->o->duration > 0 ? r->o->duration : 0) + r->o->drain;
	cur_run = r;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	for (;;) {
		curl_multi_perform(r->multi, &running);
		drain_msgs(r);
		/* After the completions: a turn they scheduled is still to come. */
		wait = launch_due(r, ss, &next_arrival, &arr);
		if (wait < 0 && !r->inflight)
			return 0;
		if (r->o->duration > 0 && run_now(r) > limit)
			return -ETIMEDOUT;
		if (wait < 0 || wait > 0.05)
			wait = 0.05;
		curl_multi_poll(r->multi, NULL, 0, (int)(wait * 1000), NULL);
	}
}

struct report {
	size_t ok;
	size_t good;
	long out_tokens;
	double elapsed;
	double goodput;
	double jain;
	struct summary ttft, itl, tpot, e2e;
	struct summary tenant_ttft[TENANTS_MAX];
	size_t tenant_reqs[TENANTS_MAX];
	long tenant_tokens[TENANTS_MAX];
	size_t tenant_good[TENANTS_MAX]; /* met the tenant's SLO */
	double window_tps; /* tokens that arrived within --duration, per second */
	int split_backend; /* sessions whose turns more than one backend served */
	int split_conn; /* sessions whose kept-alive turns went on more than one connection */
};

/* Summaries over the requests that completed (of tenant t; -1: all). */
static void summarize_field(const struct run *r, int t, size_t off, struct summary *s)
{
	double *v = calloc(r->nrecs + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; v && i < r->nrecs; i++)
		if (r->recs[i].ok && (t < 0 || r->recs[i].tenant == t))
			v[n++] = *(const double *)((const char *)&r->recs[i] + off) * 1e3;
	stats_summarize(v, v ? n : 0, s);
	free(v);
}

/* What each session's record proves: one backend, one connection. Only
 * turns that got an answer name a backend; with --new-connection every turn
 * opens its own connection by design. */
static void sessions_check(const struct run *r, struct report *rp)
{
	for (int i = 0; i < r->o->sessions; i++) {
		const char *be = NULL;
		int port = 0;
		bool split_be = false, split_conn = false;

		for (size_t k = 0; k < r->nrecs; k++) {
			const struct req_rec *q = &r->recs[k];

			if (q->session != i)
				continue;
			if (q->backend[0]) {
				split_be |= be && strcmp(be, q->backend);
				be = q->backend;
			}
			if (q->local_port && !r->o->fresh) {
				split_conn |= port && port != q->local_port;
				port = q->local_port;
			}
		}
		rp->split_backend += split_be;
		rp->split_conn += split_conn;
	}
}

static void build_report(struct run *r, struct report *rp)
{
	const struct opts *o = r->o;
	double norm[TENANTS_MAX];

	memset(rp, 0, sizeof(*rp));
	rp->elapsed = r->end > 0 ? r->end : run_now(r);
	for (size_t i = 0; i < r->nrecs; i++) {
		rp->tenant_reqs[r->recs[i].tenant]++;
		if (!r->recs[i].ok)
			continue;
		rp->ok++;
		rp->out_tokens += r->recs[i].out_tokens;
		rp->tenant_tokens[r->recs[i].tenant] += r->recs[i].out_tokens;
	}
	summarize_field(r, -1, offsetof(struct req_rec, ttft), &rp->ttft);
	summarize_field(r, -1, offsetof(struct req_rec, tpot), &rp->tpot);
	summarize_field(r, -1, offsetof(struct req_rec, e2e), &rp->e2e);
	for (size_t i = 0; i < r->nitl; i++)
		r->itl[i] *= 1e3;
	stats_summarize(r->itl, r->nitl, &rp->itl);
	/* Goodput: requests meeting their tenant's SLO (the tenant's own, or
	 * --slo-ttft and --slo-tpot). */
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct tenant *tn = &o->tenants[r->recs[i].tenant];
		double ttft = tn->slo_ttft > 0 ? tn->slo_ttft : o->slo_ttft;
		double tpot = tn->slo_tpot > 0 ? tn->slo_tpot : o->slo_tpot;

		if (stats_meets_slo(&r->recs[i], ttft / 1e3, tpot / 1e3)) {
			rp->tenant_good[r->recs[i].tenant]++;
			rp->good++;
		}
	}
	rp->goodput = rp->elapsed > 0 ? rp->good / rp->elapsed : 0;
	/* Fairness of throughput per unit of share: equal when every tenant gets
	 * what its share asks for. */
	for (int t = 0; t < o->ntenants; t++) {
		summarize_field(r, t, offsetof(struct req_rec, ttft), &rp->tenant_ttft[t]);
		norm[t] = rp->tenant_tokens[t] / o->tenants[t].share;
	}
	rp->jain = stats_jain(norm, o->ntenants);
	if (o->duration > 0)
		rp->window_tps = r->window_tokens / o->duration;
	sessions_check(r, rp);
}

static void json_summary(FILE *f, const char *name, const struct summary *s, bool comma)
{
	fprintf(f,
		"    \"%s\": {\"n\": %zu, \"mean\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
		"\"p99\": %.3f, \"max\": %.3f}%s\n",
		name, s->n, s->mean, s->p50, s->p90, s->p99, s->max, comma ? "," : "");
}

static void json_config(FILE *f, const struct opts *o)
{
	fprintf(f, "  \"config\": {\"mode\": \"%s\", \"rate\": %g, \"duration_s\": %g, ",
		o->sessions ? "sessions" : "open", o->rate, o->duration);
	fprintf(f, "\"sessions\": %d, \"turns\": \"%s\", \"arrival\": \"%s\", \"prompt\": \"%s\", ",
		o->sessions, o->turns, o->arrival, o->prompt);
	fprintf(f, "\"output\": \"%s\", \"seed\": %llu, \"slo_ttft_ms\": %g, \"slo_tpot_ms\": %g, ",
		o->output, o->seed, o->slo_ttft, o->slo_tpot);
	fprintf(f, "\"targets\": [");
	for (int i = 0; i < o->ntargets; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", o->targets[i]);
	fprintf(f, "]},\n");
}

static void json_tenants(FILE *f, const struct run *r, const struct report *rp)
{
	const struct opts *o = r->o;

	fprintf(f, "  \"tenants\": [\n");
	for (int t = 0; t < o->ntenants; t++)
		fprintf(f,
			"    {\"name\": \"%s\", \"class\": \"%s\", \"share\": %g, \"requests\": %zu, "
			"\"completed\": %zu, \"output_tokens\": %ld, \"output_tokens_per_s\": %.3f, "
			"\"ttft_ms_p50\": %.3f, \"ttft_ms_p99\": %.3f, \"slo_ttft_ms\": %g, "
			"\"slo_tpot_ms\": %g, \"goodput_requests\": %zu}%s\n",
			o->tenants[t].name, o->tenants[t].cls, o->tenants[t].share,
			rp->tenant_reqs[t], rp->tenant_ttft[t].n, rp->tenant_tokens[t],
			rp->tenant_tokens[t] / rp->elapsed, rp->tenant_ttft[t].p50,
			rp->tenant_ttft[t].p99,
			o->tenants[t].slo_ttft > 0 ? o->tenants[t].slo_ttft : o->slo_ttft,
			o->tenants[t].slo_tpot > 0 ? o->tenants[t].slo_tpot : o->slo_tpot,
			rp->tenant_good[t], t + 1 < o->ntenants ? "," : "");
	fprintf(f, "  ],\n  \"fairness_jain\": %.4f,\n", rp->jain);
}

/* A header value in a JSON string: anything but plain printable ASCII
 * becomes '?'. */
static const char *json_safe(const char *s)
{
	static char buf[sizeof(((struct req_rec *)0)->backend)];
	size_t i;

	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\' ? '?' : s[i];
	buf[i] = 0;
	return buf;
}

static void json_requests(FILE *f, const struct run *r)
{
	fprintf(f, "  \"requests\": [\n");
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct req_rec *q = &r->recs[i];

		fprintf(f,
			"    {\"tenant\": \"%s\", \"ok\": %s, \"start_s\": %.6f, \"end_s\": %.6f, "
			"\"prompt_tokens\": %d, \"output_tokens\": %d, \"ttft_ms\": %.3f, "
			"\"tpot_ms\": %.3f, \"e2e_ms\": %.3f, \"session\": %d, \"turn\": %d, "
			"\"backend\": \"%s\", \"local_port\": %d, \"reused\": %s}%s\n",
			r->o->tenants[q->tenant].name, q->ok ? "true" : "false", q->t_start,
			q->t_end, q->prompt_tokens, q->out_tokens, q->ttft * 1e3, q->tpot * 1e3,
			q->e2e * 1e3, q->session, q->turn, json_safe(q->backend), q->local_port,
			q->reused ? "true" : "false", i + 1 < r->nrecs ? "," : "");
	}
	fprintf(f, "  ]\n");
}

static int write_json(const char *path, const struct run *r, const struct report *rp)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\n");
	json_config(f, r->o);
	fprintf(f,
		"  \"summary\": {\n    \"requests\": %zu, \"completed\": %zu, \"failed\": %zu,\n"
		"    \"elapsed_s\": %.3f, \"output_tokens\": %ld, \"output_tokens_per_s\": %.3f,\n"
		"    \"requests_per_s\": %.3f, \"goodput_rps\": %.3f, \"goodput_requests\": %zu,\n"
		"    \"window_output_tokens_per_s\": %.3f, \"sessions_split_backend\": %d, "
		"\"sessions_split_connection\": %d,\n",
		r->nrecs, rp->ok, r->nrecs - rp->ok, rp->elapsed, rp->out_tokens,
		rp->out_tokens / rp->elapsed, rp->ok / rp->elapsed, rp->goodput, rp->good,
		rp->window_tps, rp->split_backend, rp->split_conn);
	fprintf(f, "    \"picks\": [");
	for (int i = 0; i < r->o->ntargets; i++)
		fprintf(f, "%s%ld", i ? ", " : "", r->picks[i]);
	fprintf(f, "],\n");
	json_summary(f, "ttft_ms", &rp->ttft, true);
	json_summary(f, "itl_ms", &rp->itl, true);
	json_summary(f, "tpot_ms", &rp->tpot, true);
	json_summary(f, "e2e_ms", &rp->e2e, false);
	fprintf(f, "  },\n");
	json_tenants(f, r, rp);
	json_requests(f, r);
	fprintf(f, "}\n");
	return fclose(f) ? -errno : 0;
}

static void print_table(const struct run *r, const struct report *rp)
{
	const struct summary *rows[] = { &rp->ttft, &rp->itl, &rp->tpot, &rp->e2e };
	const char *names[] = { "ttft", "itl", "tpot", "e2e" };

	printf("requests %zu  completed %zu  failed %zu  elapsed %.2f s\n", r->nrecs, rp->ok,
	       r->nrecs - rp->ok, rp->elapsed);
	printf("output %ld tokens  %.1f tok/s  %.2f req/s  goodput %.2f req/s (%zu met SLO)\n",
	       rp->out_tokens, rp->out_tokens / rp->elapsed, rp->ok / rp->elapsed, rp->goodput,
	       rp->good);
	printf("%-8s %10s %10s %10s %10s %10s\n", "ms", "mean", "p50", "p90", "p99", "max");
	for (int i = 0; i < 4; i++)
		printf("%-8s %10.2f %10.2f %10.2f %10.2f %10.2f\n", names[i], rows[i]->mean,
		       rows[i]->p50, rows[i]->p90, rows[i]->p99, rows[i]->max);
	for (int t = 0; t < r->o->ntenants; t++)
		printf("tenant %-12s class %-10s share %5.2f  req %5zu  tok/s %8.1f  ttft p99 %.1f ms\n",
		       r->o->tenants[t].name, r->o->tenants[t].cls, r->o->tenants[t].share,
		       rp->tenant_reqs[t], rp->tenant_tokens[t] / rp->elapsed,
		       rp->tenant_ttft[t].p99);
	printf("fairness (Jain, tokens per share) %.4f\n", rp->jain);
	if (r->o->duration > 0)
		printf("output within the %.1f s window: %.1f tok/s\n", r->o->duration,
		       rp->window_tps);
	if (r->o->sessions)
		printf("sessions served by more than one backend %d, on more than one connection %d\n",
		       rp->split_backend, rp->split_conn);
	if (r->o->ntargets > 1) {
		printf("requests per target%s:", r->o->oracle ? " (oracle)" : "");
		for (int i = 0; i < r->o->ntargets; i++)
			printf(" %ld", r->picks[i]);
		printf("\n");
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen --target URL [--target URL ...]\n"
		"               (--rate R --duration S [--arrival poisson|gamma:CV] |\n"
		"                --arrival trace:FILE |\n"
		"                --sessions N [--turns N|DIST] [--think S|TDIST] [--stagger S]\n"
		"                [--duration S])\n"
		"               DIST: fixed:N | lognormal:MU,SIGMA | file:PATH\n"
		"               TDIST (seconds): fixed:S | exp:MEAN | uniform:A,B\n"
		"               [--prompt lognormal:MU,SIGMA|fixed:N|file:PATH] [--output ...]\n"
		"               [--tenant NAME:SHARE:CLASS[:SLO_TTFT_MS[:SLO_TPOT_MS]] ...]\n"
		"               [--seed S] [--slo-ttft MS]\n"
		"               [--slo-tpot MS] [--drain S] [--max-context N] [--json FILE]\n"
		"               [--new-connection]  (one connection per request or turn)\n"
		"               [--session-ports BASE]  (session i binds BASE+64i..+63; 20480)\n"
		"               [--system-prompt TOKENS]  (a prefix each tenant's prompts share)\n"
		"               [--oracle]  (each request to the target whose /metrics show\n"
		"                            the least load, instead of the targets in turn)\n");
}

/* NAME:SHARE:CLASS[:SLO_TTFT_MS[:SLO_TPOT_MS]] */
static int parse_tenant(const char *s, struct tenant *t)
{
	char name[64], cls[32], end;
	double share, ttft = 0, tpot = 0;
	int n = sscanf(s, "%63[^:]:%lf:%31[^:]:%lf:%lf%c", name, &share, cls, &ttft, &tpot, &end);

	if (n < 3 || n > 5 || !(share > 0) || ttft < 0 || tpot < 0 || strpbrk(name, "\"\\") ||
	    strpbrk(cls, "\"\\"))
		return -EINVAL;
	t->slo_ttft = ttft;
	t->slo_tpot = tpot;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->cls, sizeof(t->cls), "%s", cls);
	t->share = share;
	return 0;
}

static int parse_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'T':
		if (o->ntargets == TARGETS_MAX)
			return -E2BIG;
		o->targets[o->ntargets++] = arg;
		return 0;
	case 'n':
		if (o->ntenants == TENANTS_MAX)
			return -E2BIG;
		return parse_tenant(arg, &o->tenants[o->ntenants++]);
	case 'r':
		o->rate = atof(arg);
		return 0;
	case 'd':
		o->duration = atof(arg);
		return 0;
	case 'S':
		o->sessions = atoi(arg);
		return 0;
	case 'u':
		o->turns = arg;
		return 0;
	case 'k':
		o->think = arg;
		return 0;
	case 'a':
		o->arrival = arg;
		return 0;
	case 'p':
		o->prompt = arg;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case 's':
		o->seed = strtoull(arg, NULL, 0);
		return 0;
	case 'F':
		o->slo_ttft = atof(arg);
		return 0;
	case 'P':
		o->slo_tpot = atof(arg);
		return 0;
	case 'D':
		o->drain = atof(arg);
		return 0;
	case 'm':
		o->max_context = atoi(arg);
		return 0;
	case 'j':
		o->json = arg;
		return 0;
	case 'N':
		o->fresh = 1;
		return 0;
	case 'O':
		o->oracle = 1;
		return 0;
	case 'B':
		o->port_base = atoi(arg);
		return 0;
	case 'G':
		o->stagger = atof(arg);
		return 0;
	case 'Y':
		o->system_prompt = atoi(arg);
		return o->system_prompt >= 0 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = { { "target", 1, 0, 'T' },
					    { "tenant", 1, 0, 'n' },
					    { "rate", 1, 0, 'r' },
					    { "duration", 1, 0, 'd' },
					    { "sessions", 1, 0, 'S' },
					    { "turns", 1, 0, 'u' },
					    { "think", 1, 0, 'k' },
					    { "arrival", 1, 0, 'a' },
					    { "prompt", 1, 0, 'p' },
					    { "output", 1, 0, 'o' },
					    { "seed", 1, 0, 's' },
					    { "slo-ttft", 1, 0, 'F' },
					    { "slo-tpot", 1, 0, 'P' },
					    { "drain", 1, 0, 'D' },
					    { "max-context", 1, 0, 'm' },
					    { "json", 1, 0, 'j' },
					    { "help", 0, 0, 'h' },
					    { "new-connection", 0, 0, 'N' },
					    { "oracle", 0, 0, 'O' },
					    { "session-ports", 1, 0, 'B' },
					    { "system-prompt", 1, 0, 'Y' },
					    { "stagger", 1, 0, 'G' },
					    {} };
	int c;

	*o = (struct opts){ .arrival = "poisson",
			    .prompt = "lognormal:6,0.5",
			    .output = "lognormal:5,0.5",
			    .seed = 1,
			    .drain = 30,
			    .max_context = 8192,
			    .port_base = SESSION_PORT_BASE,
			    .turns = "1",
			    .think = "0" };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (parse_opt(o, c, optarg))
			return -EINVAL;
	}
	if (!o->ntenants)
		parse_tenant("default:1:standard", &o->tenants[o->ntenants++]);
	if (!o->ntargets || o->max_context < 2 || o->stagger < 0 || optind != argc)
		return -EINVAL;
	if (o->sessions > 0)
		return o->port_base > 0 &&
				       o->port_base + (long)SESSION_PORTS * o->sessions <= 65536 ?
			       0 :
			       -EINVAL;
	if (!strncmp(o->arrival, "trace:", 6))
		return 0; /* the trace says when, and until when */
	return o->rate > 0 && o->duration > 0 ? 0 : -EINVAL;
}

/* N, or a length distribution; turns are at least 1. */
static int turns_parse(const char *spec, struct len_dist *d)
{
	char buf[32];

	if (strspn(spec, "0123456789") == strlen(spec) && *spec) {
		snprintf(buf, sizeof(buf), "fixed:%s", spec);
		return len_dist_parse(buf, d);
	}
	return len_dist_parse(spec, d);
}

static struct session *sessions_new(struct run *r)
{
	struct session *ss = calloc(r->o->sessions, sizeof(*ss));

	for (int i = 0; ss && i < r->o->sessions; i++) {
		ss[i].idx = i;
		ss[i].turns = len_dist_sample(&r->turns, &r->rng);
		ss[i].next_at = r->o->stagger * i / r->o->sessions;
		ss[i].tenant = pick_tenant(r);
		ss[i].target = i % r->o->ntargets;
		ss[i].easy = curl_easy_init();
		if (!ss[i].easy)
			return NULL;
	}
	return ss;
}

int main(int argc, char **argv)
{
	struct session *ss = NULL;
	struct report rp;
	struct run r = { 0 };
	struct opts o;
	int err;

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	r.o = &o;
	rng_seed(&r.rng, o.seed);
	if (len_dist_parse(o.prompt, &r.prompt) || len_dist_parse(o.output, &r.output)) {
		fprintf(stderr, "loadgen: bad --prompt or --output distribution\n");
		return 2;
	}
	if (turns_parse(o.turns, &r.turns) || time_dist_parse(o.think, &r.think)) {
		fprintf(stderr, "loadgen: bad --turns or --think distribution\n");
		return 2;
	}
	if (!strncmp(o.arrival, "trace:", 6)) {
		int line, err = trace_load(o.arrival + 6, &r.trace, &line);

		if (err) {
			fprintf(stderr, "loadgen: %s:%d: %s\n", o.arrival + 6, line,
				err == -EINVAL ?
					"not a trace line (T [PROMPT [OUTPUT]], T ascending)" :
					strerror(-err));
			return 2;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r.multi = curl_multi_init();
	if (o.sessions && !(ss = sessions_new(&r)))
		return 1;
	if (o.oracle && oracle_init(&r)) {
		fprintf(stderr, "loadgen: cannot set up the oracle's scrapes\n");
		return 1;
	}
	err = drive(&r, ss);
	if (err)
		fprintf(stderr, "loadgen: %s\n",
			err == -ETIMEDOUT ? "requests still running after --drain" :
					    strerror(-err));
	build_report(&r, &rp);
	print_table(&r, &rp);
	if (o.json && write_json(o.json, &r, &rp))
		fprintf(stderr, "loadgen: cannot write %s: %s\n", o.json, strerror(errno));
	return err || rp.ok < r.nrecs ? 1 : 0;
}
