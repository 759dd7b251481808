// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* llmsim: a simulated GPU inference server. libmicrohttpd serves an
 * OpenAI-style /v1/completions (server-sent events, one per token), /metrics
 * with vLLM's names, /health and / (the name); one engine thread per
 * simulated GPU runs engine.c, paced by the wall clock (x --time-scale). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "tools/lab/llmsim/engine.h"
#include "tools/lab/llmsim/req.h"

#define BODY_MAX (1 << 20)
#define METRICS_MAX (64 << 10)
#define EVENT_MAX 384
#define STREAM_BLOCK 8192
#define GPUS_MAX 64

struct server;

struct gpu {
	pthread_mutex_t mu;
	pthread_cond_t tokens; /* a step completed, or the server stops */
	pthread_cond_t work; /* a request was queued */
	struct sim_engine e;
	pthread_t thr;
	struct server *srv;
	double bg_rate;
	double bg_next;
	uint64_t rng;
};

struct server {
	const char *name;
	struct gpu *gpus;
	int ngpus;
	double scale;
	struct timespec t0;
	int bg_prompt;
	int bg_output;
	volatile bool stop;
	unsigned int rr;
};

/* One POST body being received. */
struct upload {
	char *buf;
	size_t len;
};

/* One request's token stream. */
struct stream {
	struct gpu *g;
	int h;
	uint64_t id;
	int sent;
	bool done_sent;
	time_t created;
};

static double wall_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static double sim_now(const struct server *s)
{
	return wall_since(&s->t0) / s->scale;
}

static void sleep_until_sim(const struct server *s, double t)
{
	double w = s->t0.tv_sec + s->t0.tv_nsec * 1e-9 + t * s->scale;
	struct timespec ts = { (time_t)w, (long)((w - (time_t)w) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static double rng_exp(uint64_t *x, double rate)
{
	double u;

	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	u = ((*x * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
	return -log1p(-u) / rate;
}

/* Background load: Poisson arrivals submitted here, bypassing any gateway. */
static void bg_inject(struct gpu *g)
{
	struct server *s = g->srv;

	if (g->bg_rate <= 0)
		return;
	while (g->bg_next <= g->e.now) {
		engine_submit(&g->e, s->bg_prompt, s->bg_output, true, g->bg_next);
		g->bg_next += rng_exp(&g->rng, g->bg_rate);
	}
}

static void idle_wait(struct gpu *g)
{
	struct server *s = g->srv;
	double until = g->bg_rate > 0 ? g->bg_next : g->e.now + 0.1 / s->scale;
	double w = s->t0.tv_sec + s->t0.tv_nsec * 1e-9 + until * s->scale;
	struct timespec ts;

	/* Condition variables default to CLOCK_REALTIME: convert. */
	w -= wall_since(&(struct timespec){ 0, 0 });
	clock_gettime(CLOCK_REALTIME, &ts);
	w += ts.tv_sec + ts.tv_nsec * 1e-9;
	ts.tv_sec = (time_t)w;
	ts.tv_nsec = (long)((w - ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&g->work, &g->mu, &ts);
}

static void *gpu_run(void *arg)
{
	struct gpu *g = arg;
	struct server *s = g->srv;
	double dt;

	pthread_mutex_lock(&g->mu);
	while (!s->stop) {
		engine_advance(&g->e, sim_now(s));
		bg_inject(g);
		dt = engine_schedule(&g->e);
		if (dt <= 0) {
			idle_wait(g);
			continue;
		}
		pthread_mutex_unlock(&g->mu);
		sleep_until_sim(s, g->e.now + dt);
		pthread_mutex_lock(&g->mu);
		engine_complete(&g->e);
		pthread_cond_broadcast(&g->tokens);
	}
	pthread_cond_broadcast(&g->tokens);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *type,
			     const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct server *s, struct MHD_Connection *c)
{
	struct sim_engine *es[GPUS_MAX];
	enum MHD_Result ret;
	char *buf;
	int n;

	buf = malloc(METRICS_MAX);
	if (!buf)
		return MHD_NO;
	for (int i = 0; i < s->ngpus; i++) {
		pthread_mutex_lock(&s->gpus[i].mu);
		es[i] = &s->gpus[i].e;
	}
	n = engine_metrics_format(es, s->ngpus, s->name, buf, METRICS_MAX);
	for (int i = s->ngpus - 1; i >= 0; i--)
		pthread_mutex_unlock(&s->gpus[i].mu);
	if (n < 0)
		ret = reply(c, 500, "text/plain", "metrics overflow\n");
	else
		ret = reply(c, 200, "text/plain; version=0.0.4", buf);
	free(buf);
	return ret;
}

/* The least loaded GPU (running + waiting), ties broken round robin. */
static struct gpu *pick_gpu(struct server *s)
{
	unsigned int start = __atomic_fetch_add(&s->rr, 1, __ATOMIC_RELAXED);
	struct gpu *best = NULL;
	int best_load = 0;

	for (int k = 0; k < s->ngpus; k++) {
		struct gpu *g = &s->gpus[(start + k) % s->ngpus];
		int load;

		pthread_mutex_lock(&g->mu);
		load = g->e.nrun + g->e.nwait;
		pthread_mutex_unlock(&g->mu);
		if (!best || load < best_load) {
			best = g;
			best_load = load;
		}
	}
	return best;
}

static int event(char *buf, size_t len, const struct server *s, const struct stream *st, bool last)
{
	return snprintf(
		buf, len,
		"data: {\"id\":\"cmpl-%llu\",\"object\":\"text_completion\",\"created\":%lld,"
		"\"model\":\"%s\",\"choices\":[{\"index\":0,\"text\":\" tok\","
		"\"logprobs\":null,\"finish_reason\":%s}]}\n\n",
		(unsigned long long)st->id, (long long)st->created, s->name,
		last ? "\"length\"" : "null");
}

/* Blocks until the engine has produced a token this stream has not sent, then
 * sends all of them; returning 0 would make libmicrohttpd spin. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct gpu *g = st->g;
	struct sim_seq *q = &g->e.seqs[st->h];
	bool done;
	size_t n = 0;

	(void)pos;
	if (st->done_sent)
		return MHD_CONTENT_READER_END_OF_STREAM;
	pthread_mutex_lock(&g->mu);
	while (st->sent >= q->generated && q->state != SEQ_DONE && !g->srv->stop)
		pthread_cond_wait(&g->tokens, &g->mu);
	while (st->sent < q->generated && n + EVENT_MAX <= max) {
		st->sent++;
		n += event(buf + n, max - n, g->srv, st, st->sent == q->max_tokens);
	}
	done = q->state == SEQ_DONE && st->sent == q->generated;
	pthread_mutex_unlock(&g->mu);
	if (n)
		return n;
	if (!done)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	st->done_sent = true;
	return snprintf(buf, max, "data: [DONE]\n\n");
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	pthread_mutex_lock(&st->g->mu);
	engine_abort(&st->g->e, st->h);
	pthread_mutex_unlock(&st->g->mu);
	free(st);
}

static enum MHD_Result serve_blocking(struct stream *st, struct MHD_Connection *c, int prompt)
{
	struct gpu *g = st->g;
	struct sim_seq *q = &g->e.seqs[st->h];
	enum MHD_Result ret;
	char *body, *p;
	int n;

	pthread_mutex_lock(&g->mu);
	while (q->state != SEQ_DONE && !g->srv->stop)
		pthread_cond_wait(&g->tokens, &g->mu);
	n = q->generated;
	pthread_mutex_unlock(&g->mu);
	body = malloc(512 + 4 * (size_t)n);
	if (!body) {
		stream_free(st);
		return MHD_NO;
	}
	p = body + sprintf(body,
			   "{\"id\":\"cmpl-%llu\",\"object\":\"text_completion\",\"created\":%lld,"
			   "\"model\":\"%s\",\"choices\":[{\"index\":0,\"text\":\"",
			   (unsigned long long)st->id, (long long)st->created, g->srv->name);
	for (int i = 0; i < n; i++)
		p += sprintf(p, " tok");
	sprintf(p,
		"\",\"logprobs\":null,\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":"
		"%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n",
		prompt, n, prompt + n);
	ret = reply(c, g->srv->stop ? 503 : 200, "application/json", body);
	free(body);
	stream_free(st);
	return ret;
}

static enum MHD_Result serve_completion(struct server *s, struct MHD_Connection *c,
					const struct upload *up)
{
	struct MHD_Response *r;
	struct sim_req req;
	struct stream *st;
	enum MHD_Result ret;

	if (sim_req_parse(up->buf ?: "", up->len, &req))
		return reply(c, 400, "application/json", "{\"error\":\"malformed request\"}\n");
	st = calloc(1, sizeof(*st));
	if (!st)
		return MHD_NO;
	st->g = pick_gpu(s);
	st->created = time(NULL);
	pthread_mutex_lock(&st->g->mu);
	st->h = engine_submit_prefix(&st->g->e, req.prompt_tokens, req.max_tokens, false,
				     sim_now(s), req.prefix);
	if (st->h >= 0) {
		st->id = st->g->e.seqs[st->h].id;
		pthread_cond_signal(&st->g->work);
	}
	pthread_mutex_unlock(&st->g->mu);
	if (st->h < 0) {
		int err = st->h;

		free(st);
		return reply(c, err == -EAGAIN ? 503 : 400, "application/json",
			     err == -EAGAIN ? "{\"error\":\"server busy\"}\n" :
					      "{\"error\":\"request too large\"}\n");
	}
	if (!req.stream)
		return serve_blocking(st, c, req.prompt_tokens);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st,
					      stream_free);
	if (!r) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* Which server answered: a client behind a VIP records it per request. */
	MHD_add_response_header(r, "X-Backend", s->name);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_post(struct server *s, struct MHD_Connection *c, const char *url,
			       const char *data, size_t *size, void **ctx)
{
	struct upload *up = *ctx;

	if (!up) {
		*ctx = calloc(1, sizeof(*up));
		return *ctx ? MHD_YES : MHD_NO;
	}
	if (*size) {
		char *nb;

		if (up->len + *size > BODY_MAX)
			return MHD_NO;
		nb = realloc(up->buf, up->len + *size + 1);
		if (!nb)
			return MHD_NO;
		memcpy(nb + up->len, data, *size);
		up->buf = nb;
		up->len += *size;
		up->buf[up->len] = 0;
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/v1/completions"))
		return reply(c, 404, "text/plain", "not found\n");
	return serve_completion(s, c, up);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **ctx)
{
	struct server *s = cls;
	char line[256];

	(void)version;
	if (!strcmp(method, "POST"))
		return on_post(s, c, url, data, size, ctx);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, 405, "text/plain", "method not allowed\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(s, c);
	if (!strcmp(url, "/health"))
		return reply(c, 200, "text/plain", "ok\n");
	if (strcmp(url, "/"))
		return reply(c, 404, "text/plain", "not found\n");
	snprintf(line, sizeof(line), "%s\n", s->name);
	return reply(c, 200, "text/plain", line);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *ctx;

	(void)cls, (void)c, (void)toe;
	if (up) {
		free(up->buf);
		free(up);
		*ctx = NULL;
	}
}

struct opts {
	struct sockaddr_storage addr;
	const char *listen;
	const char *name;
	const char *profile;
	int gpus;
	int kv_blocks;
	int block_size;
	double bg_rate;
	int bg_prompt;
	int bg_output;
	unsigned long long seed;
	double scale;
	/* overrides of the profile's constants and the engine's limits; < 0: the
	 * profile's */
	double prof[6];
	int max_batched_tokens;
	int max_seqs;
	int prefix_blocks;
};

/* --step-base ... --prefill-floor: struct sim_profile's constants, in order. */
static const char *const prof_opts[6] = { "step-base",	       "step-per-seq", "step-per-ctx-token",
					  "prefill-per-token", "prefill-base", "prefill-floor" };
enum { OPT_PROF = 256, OPT_MAX_BATCHED = OPT_PROF + 6, OPT_MAX_SEQS, OPT_PREFIX_BLOCKS };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: llmsim --listen ADDR:PORT --name NAME [--profile fast|slow] [--gpus N]\n"
		"              [--kv-blocks B] [--block-size 16] [--background RATE_RPS]\n"
		"              [--bg-prompt N] [--bg-output N] [--seed S] [--time-scale X]\n"
		"              [--step-base S] [--step-per-seq S] [--step-per-ctx-token S]\n"
		"              [--prefill-per-token S] [--prefill-base S] [--prefill-floor S]\n"
		"              [--max-batched-tokens N] [--max-seqs N] [--prefix-cache-blocks N]\n"
		"  --time-scale X: X wall seconds per simulated second (0.1: ten times faster)\n"
		"  step time, seconds: step-base + step-per-seq x decoding sequences\n"
		"    + step-per-ctx-token x their context + prefill-per-token x prefill tokens,\n"
		"    plus prefill-base and at least prefill-floor when anything prefills\n"
		"    (defaults: the profile's)\n");
}

/* "198.18.0.1:8000" or "[2001:db8::1]:8000". */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (void *)ss;
	struct sockaddr_in *a4 = (void *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	long port;
	char *end;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[' && colon[-1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 2), s + 1);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -EINVAL;
}

/* A non-negative number of seconds, the whole argument. */
static int opt_seconds(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end == s || *end || !(*v >= 0) || *v > 60 ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = { { "listen", 1, 0, 'l' },
					    { "name", 1, 0, 'n' },
					    { "profile", 1, 0, 'p' },
					    { "gpus", 1, 0, 'g' },
					    { "kv-blocks", 1, 0, 'k' },
					    { "block-size", 1, 0, 'b' },
					    { "background", 1, 0, 'B' },
					    { "bg-prompt", 1, 0, 'P' },
					    { "bg-output", 1, 0, 'O' },
					    { "seed", 1, 0, 's' },
					    { "time-scale", 1, 0, 't' },
					    { "help", 0, 0, 'h' },
					    { prof_opts[0], 1, 0, OPT_PROF },
					    { prof_opts[1], 1, 0, OPT_PROF + 1 },
					    { prof_opts[2], 1, 0, OPT_PROF + 2 },
					    { prof_opts[3], 1, 0, OPT_PROF + 3 },
					    { prof_opts[4], 1, 0, OPT_PROF + 4 },
					    { prof_opts[5], 1, 0, OPT_PROF + 5 },
					    { "max-batched-tokens", 1, 0, OPT_MAX_BATCHED },
					    { "max-seqs", 1, 0, OPT_MAX_SEQS },
					    { "prefix-cache-blocks", 1, 0, OPT_PREFIX_BLOCKS },
					    {} };
	int c;

	*o = (struct opts){ .name = "llmsim",
			    .profile = "fast",
			    .gpus = 1,
			    .block_size = 16,
			    .bg_prompt = 512,
			    .bg_output = 128,
			    .seed = 1,
			    .scale = 1.0,
			    .prof = { -1, -1, -1, -1, -1, -1 },
			    .prefix_blocks = -1 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->listen = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'p':
			o->profile = optarg;
			break;
		case 'g':
			o->gpus = atoi(optarg);
			break;
		case 'k':
			o->kv_blocks = atoi(optarg);
			break;
		case 'b':
			o->block_size = atoi(optarg);
			break;
		case 'B':
			o->bg_rate = atof(optarg);
			break;
		case 'P':
			o->bg_prompt = atoi(optarg);
			break;
		case 'O':
			o->bg_output = atoi(optarg);
			break;
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->scale = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_PROF ... OPT_PROF + 5:
			if (opt_seconds(optarg, &o->prof[c - OPT_PROF]))
				return -EINVAL;
			break;
		case OPT_MAX_BATCHED:
			o->max_batched_tokens = atoi(optarg);
			if (o->max_batched_tokens < 1)
				return -EINVAL;
			break;
		case OPT_MAX_SEQS:
			o->max_seqs = atoi(optarg);
			if (o->max_seqs < 1)
				return -EINVAL;
			break;
		case OPT_PREFIX_BLOCKS:
			o->prefix_blocks = atoi(optarg);
			if (o->prefix_blocks < 0)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!o->listen || parse_listen(o->listen, &o->addr) || o->gpus < 1 || o->gpus > GPUS_MAX ||
	    o->scale <= 0 || o->bg_rate < 0 || strchr(o->name, '"') || strchr(o->name, '\\'))
		return -EINVAL;
	return 0;
}

static int server_init(struct server *s, const struct opts *o)
{
	struct sim_profile prof;
	struct sim_config cfg;
	int err;

	if (sim_profile_get(o->profile, &prof)) {
		fprintf(stderr, "llmsim: unknown profile %s (fast or slow)\n", o->profile);
		return -EINVAL;
	}
	{
		double *k[6] = { &prof.beta0,	     &prof.beta_seq,	 &prof.beta_ctx,
				 &prof.beta_prefill, &prof.prefill_base, &prof.prefill_floor };

		for (int i = 0; i < 6; i++)
			if (o->prof[i] >= 0)
				*k[i] = o->prof[i];
	}
	sim_config_default(&cfg, &prof);
	if (o->kv_blocks)
		cfg.kv_blocks = o->kv_blocks;
	cfg.prefix_blocks = o->prefix_blocks >= 0 ? o->prefix_blocks : cfg.kv_blocks / 4;
	if (o->max_batched_tokens)
		cfg.max_batched_tokens = o->max_batched_tokens;
	if (o->max_seqs)
		cfg.max_seqs = o->max_seqs;
	cfg.block_size = o->block_size;
	*s = (struct server){ .name = o->name,
			      .ngpus = o->gpus,
			      .scale = o->scale,
			      .bg_prompt = o->bg_prompt,
			      .bg_output = o->bg_output };
	s->gpus = calloc(o->gpus, sizeof(*s->gpus));
	if (!s->gpus)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	for (int i = 0; i < o->gpus; i++) {
		struct gpu *g = &s->gpus[i];

		if ((err = engine_init(&g->e, &cfg))) {
			fprintf(stderr, "llmsim: engine: %s\n", strerror(-err));
			return err;
		}
		pthread_mutex_init(&g->mu, NULL);
		pthread_cond_init(&g->tokens, NULL);
		pthread_cond_init(&g->work, NULL);
		g->srv = s;
		g->bg_rate = o->bg_rate / o->gpus;
		g->rng = (o->seed + 1) * 0x9E3779B97F4A7C15ULL + i;
		g->bg_next = g->bg_rate > 0 ? rng_exp(&g->rng, g->bg_rate) : 0;
	}
	return 0;
}

static void server_stop(struct server *s, int started)
{
	s->stop = true;
	for (int i = 0; i < s->ngpus; i++) {
		pthread_mutex_lock(&s->gpus[i].mu);
		pthread_cond_broadcast(&s->gpus[i].tokens);
		pthread_cond_broadcast(&s->gpus[i].work);
		pthread_mutex_unlock(&s->gpus[i].mu);
	}
	for (int i = 0; i < started; i++)
		pthread_join(s->gpus[i].thr, NULL);
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct server s;
	struct opts o;
	sigset_t set;
	int sig, i;

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (server_init(&s, &o))
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < s.ngpus; i++)
		if (pthread_create(&s.gpus[i].thr, NULL, gpu_run, &s.gpus[i]))
			break;
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_ERROR_LOG |
				     (o.addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, &o.addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 600u, MHD_OPTION_END);
	if (i < s.ngpus || !d) {
		fprintf(stderr, "llmsim: cannot listen on %s: %s\n", o.listen, strerror(errno));
		server_stop(&s, i);
		return 1;
	}
	printf("llmsim %s listening on %s (profile %s, %d GPU(s), %d KV blocks of %d)\n", o.name,
	       o.listen, o.profile, o.gpus, s.gpus[0].e.cfg.kv_blocks, o.block_size);
	fflush(stdout);
	sigwait(&set, &sig);
	server_stop(&s, i);
	MHD_stop_daemon(d);
	for (i = 0; i < s.ngpus; i++)
		engine_fini(&s.gpus[i].e);
	free(s.gpus);
	return 0;
}
