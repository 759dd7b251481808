// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libmicrohttpd serving the last page the agent published, /healthz and
 * /readyz. The agent thread renders; the server thread only copies under a
 * mutex, so a slow scraper never stalls the agent. The listener is bounded
 * (connections, per IP, idle time) so that no number of clients can take
 * the file descriptors the control loop needs, and its error log is a
 * failure streak: one line, then one a minute with a count. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "user/agent/metrics.h"
#include "user/lib/log.h"

struct metrics_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *page;
	size_t len;
	__u16 port;
	__u64 beat_ns; /* the control loop's last completed iteration (atomic) */
	bool ready; /* (atomic) */
};

static pthread_mutex_t metrics_log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_streak metrics_log_streak;

static __u64 metrics_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool metrics_alive(__u64 beat_ns, __u64 now_ns, __u64 bound_ns)
{
	return beat_ns && (beat_ns >= now_ns || now_ns - beat_ns <= bound_ns);
}

void metrics_beat(struct metrics_server *m, __u64 now_ns)
{
	if (m)
		__atomic_store_n(&m->beat_ns, now_ns, __ATOMIC_RELEASE);
}

void metrics_set_ready(struct metrics_server *m, bool ready)
{
	if (m)
		__atomic_store_n(&m->ready, ready, __ATOMIC_RELEASE);
}

/* libmicrohttpd's messages (e.g. one per connection refused at the limit). A
 * streak quiet for LOG_STREAK_REPEAT_NS ends: the next message is news. */
static void metrics_log(void *cls, const char *fmt, va_list ap)
{
	__u64 now = metrics_now_ns();
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	pthread_mutex_lock(&metrics_log_lock);
	if (metrics_log_streak.count && !metrics_log_streak.unlogged &&
	    now - metrics_log_streak.logged_ns >= LOG_STREAK_REPEAT_NS)
		memset(&metrics_log_streak, 0, sizeof(metrics_log_streak));
	log_streak_fail(&metrics_log_streak, LOG_LVL_WARN, now, "metrics: %s", buf);
	pthread_mutex_unlock(&metrics_log_lock);
}

/* /healthz and /readyz: a short text answer and its status. */
static char *metrics_probe(struct metrics_server *m, const char *url, unsigned int *status)
{
	__u64 beat = __atomic_load_n(&m->beat_ns, __ATOMIC_ACQUIRE), now = metrics_now_ns();
	char buf[160];

	if (!strcmp(url, "/healthz")) {
		if (metrics_alive(beat, now, METRICS_STALL_NS))
			return strdup("ok\n");
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		if (!beat)
			return strdup("starting: the control loop has not run yet\n");
		snprintf(
			buf, sizeof(buf),
			"stalled: the control loop's last iteration ended %.1f s ago (bound %.1f s)\n",
			(now - beat) / 1e9, METRICS_STALL_NS / 1e9);
		return strdup(buf);
	}
	if (__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE))
		return strdup("ready\n");
	*status = MHD_HTTP_SERVICE_UNAVAILABLE;
	return strdup("not ready: the tables are not pushed yet\n");
}

static enum MHD_Result metrics_answer(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version, const char *upload,
				      size_t *upload_len, void **state)
{
	struct metrics_server *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	char *copy;
	size_t len;

	(void)version, (void)upload, (void)upload_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (!strcmp(url, "/healthz") || !strcmp(url, "/readyz")) {
		copy = metrics_probe(m, url, &status);
		len = copy ? strlen(copy) : 0;
		goto respond;
	}
	pthread_mutex_lock(&m->lock);
	if (!strcmp(url, "/metrics")) {
		len = m->len;
		copy = malloc(len + 1);
		if (copy)
			memcpy(copy, m->page ? m->page : "", len);
	} else {
		status = MHD_HTTP_NOT_FOUND;
		copy = strdup("infergated: /metrics, /healthz, /readyz\n");
		len = copy ? strlen(copy) : 0;
	}
	pthread_mutex_unlock(&m->lock);
respond:
	if (!copy)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(copy);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void metrics_sockaddr(const __u8 *addr, __u16 port, struct sockaddr_storage *ss)
{
	static const __u8 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!memcmp(addr, pfx, sizeof(pfx))) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr + 12, 4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
	}
}

int metrics_start(struct metrics_server **out, const __u8 addr[16], __u16 port)
{
	struct metrics_server *m = calloc(1, sizeof(*m));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	/* epoll, not select(): no FD_SETSIZE ceiling, and no fd above it that
	 * select() cannot watch (libmicrohttpd logged each one). */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	metrics_sockaddr(addr, port, &ss);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first: libmicrohttpd reports option errors through it. */
	m->d = MHD_start_daemon(flags, port, NULL, NULL, metrics_answer, m,
				MHD_OPTION_EXTERNAL_LOGGER, metrics_log, NULL, MHD_OPTION_SOCK_ADDR,
				&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned int)METRICS_CONN_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)METRICS_IDLE_S, MHD_OPTION_LISTEN_BACKLOG_SIZE,
				(unsigned int)METRICS_BACKLOG, MHD_OPTION_END);
	if (!m->d) {
		log_err("metrics: cannot listen on port %u", port);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : port;
	*out = m;
	return 0;
}

__u16 metrics_port(const struct metrics_server *m)
{
	return m->port;
}

int metrics_publish(struct metrics_server *m, const char *text, size_t len)
{
	char *page = malloc(len + 1);

	if (!page)
		return -ENOMEM;
	memcpy(page, text, len);
	page[len] = '\0';
	pthread_mutex_lock(&m->lock);
	free(m->page);
	m->page = page;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void metrics_stop(struct metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->page);
	free(m);
}

void mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int tries = 0; tries < 2 && !b->err; tries++) {
		va_start(ap, fmt);
		n = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->buf && b->len + n < b->cap) {
			b->len += n;
			return;
		}
		size_t cap = b->cap ? b->cap : 8192;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
}

void mbuf_family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

const char *mbuf_label(char *buf, size_t len, const char *value)
{
	size_t n = 0;

	for (const char *p = value; *p && len; p++) {
		const char *esc = *p == '"'  ? "\\\"" :
				  *p == '\\' ? "\\\\" :
				  *p == '\n' ? "\\n" :
					       NULL;
		size_t k = esc ? 2 : 1;

		if (n + k >= len)
			break;
		if (esc)
			memcpy(buf + n, esc, 2);
		else
			buf[n] = *p;
		n += k;
	}
	if (len)
		buf[n] = '\0';
	return buf;
}

void mbuf_free(struct mbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* ---- histograms ---- */

const double hist_bounds[HIST_BOUNDS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					  0.05,	  0.1,	 0.25,	 0.5,	1,    10 };

void hist_observe(struct hist *h, double seconds)
{
	unsigned int i = 0;

	while (i < HIST_BOUNDS && seconds > hist_bounds[i])
		i++;
	h->in[i]++;
	h->count++;
	h->sum += seconds;
}

void mbuf_hist(struct mbuf *b, const char *name, const char *help, const struct hist *h)
{
	__u64 cum = 0;

	mbuf_family(b, name, "histogram", help);
	for (unsigned int i = 0; i < HIST_BOUNDS; i++) {
		cum += h->in[i];
		mbuf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, hist_bounds[i],
			    (unsigned long long)cum);
	}
	mbuf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9g\n%s_count %llu\n", name,
		    (unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

/* ---- process_* ---- */

/* Fields of /proc/self/stat after the command name: utime, stime (14, 15),
 * starttime (22), vsize (23), rss (24). */
static int proc_stat(double *cpu_s, double *start_s, double *vsize, double *rss)
{
	unsigned long long ut, st, start, vs;
	long pages, hz = sysconf(_SC_CLK_TCK), psz = sysconf(_SC_PAGESIZE);
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	double boot = 0, up;

	if (f)
		fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || hz <= 0 ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
		   "%*d %llu %llu %ld",
		   &ut, &st, &start, &vs, &pages) != 5)
		return -EINVAL;
	f = fopen("/proc/uptime", "r");
	if (f && fscanf(f, "%lf", &up) == 1) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		boot = now.tv_sec + now.tv_nsec / 1e9 - up;
	}
	if (f)
		fclose(f);
	*cpu_s = (double)(ut + st) / hz;
	*start_s = boot + (double)start / hz;
	*vsize = vs;
	*rss = (double)pages * psz;
	return 0;
}

static double proc_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	double n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d) {
		closedir(d);
		n--; /* the directory's own fd */
	}
	return n;
}

void mbuf_process(struct mbuf *b)
{
	double cpu, start, vsize, rss;
	struct rlimit rl;

	if (!proc_stat(&cpu, &start, &vsize, &rss)) {
		mbuf_family(b, "process_cpu_seconds_total", "counter",
			    "Total user and system CPU time spent in seconds.");
		mbuf_printf(b, "process_cpu_seconds_total %.2f\n", cpu);
		mbuf_family(b, "process_resident_memory_bytes", "gauge",
			    "Resident memory size in bytes.");
		mbuf_printf(b, "process_resident_memory_bytes %.0f\n", rss);
		mbuf_family(b, "process_virtual_memory_bytes", "gauge",
			    "Virtual memory size in bytes.");
		mbuf_printf(b, "process_virtual_memory_bytes %.0f\n", vsize);
		mbuf_family(b, "process_start_time_seconds", "gauge",
			    "Start time of the process since unix epoch in seconds.");
		mbuf_printf(b, "process_start_time_seconds %.2f\n", start);
	}
	mbuf_family(b, "process_open_fds", "gauge", "Number of open file descriptors.");
	mbuf_printf(b, "process_open_fds %.0f\n", proc_open_fds());
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		mbuf_family(b, "process_max_fds", "gauge",
			    "Maximum number of open file descriptors.");
		mbuf_printf(b, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
	}
}
