// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libcurl multi driver for metrics scrapes and health checks: one thread, no
 * blocking call, a timeout on every transfer, bodies bounded in size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/agent/scrape.h"
#include "user/lib/log.h"

static size_t probe_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	size_t n = size * nmemb, cap;
	char *nb;

	if (p->len + n + 1 > PROBE_BODY_MAX) {
		p->too_big = true;
		return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (p->len + n + 1 > p->cap) {
		cap = p->cap ? p->cap : 16384;
		while (cap < p->len + n + 1)
			cap *= 2;
		nb = realloc(p->body, cap);
		if (!nb)
			return 0;
		p->body = nb;
		p->cap = cap;
	}
	memcpy(p->body + p->len, data, n);
	p->len += n;
	p->body[p->len] = '\0';
	return n;
}

int scraper_init(struct scraper *s)
{
	memset(s, 0, sizeof(*s));
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	s->multi = curl_multi_init();
	return s->multi ? 0 : -ENOMEM;
}

void scraper_fini(struct scraper *s)
{
	if (s->multi)
		curl_multi_cleanup(s->multi);
	s->multi = NULL;
	curl_global_cleanup();
}

static int probe_setup(struct probe *p)
{
	CURL *e = p->easy;

	curl_easy_setopt(e, CURLOPT_URL, p->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->error);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "infergated");
	if (p->kind == PROBE_TCP) {
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		return 0;
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, probe_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	return 0;
}

int scraper_start(struct scraper *s, struct probe *p)
{
	if (p->busy)
		return -EBUSY;
	if (!p->easy)
		p->easy = curl_easy_init();
	else
		curl_easy_reset(p->easy);
	if (!p->easy)
		return -ENOMEM;
	p->len = 0;
	p->ok = false;
	p->refused = false;
	p->too_big = false;
	p->http_code = 0;
	p->error[0] = '\0';
	if (p->body)
		p->body[0] = '\0';
	probe_setup(p);
	if (curl_multi_add_handle(s->multi, p->easy) != CURLM_OK)
		return -EIO;
	p->busy = true;
	return 0;
}

int scraper_wait(struct scraper *s, struct curl_waitfd *extra, unsigned int n, int timeout_ms)
{
	int numfds = 0;

	return curl_multi_poll(s->multi, extra, n, timeout_ms, &numfds) == CURLM_OK ? 0 : -EIO;
}

static void probe_finish(struct probe *p, CURLcode res)
{
	p->busy = false;
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &p->http_code);
	if (curl_easy_getinfo(p->easy, CURLINFO_TOTAL_TIME, &p->seconds) != CURLE_OK)
		p->seconds = 0;
	if (res != CURLE_OK) {
		long os_errno = 0;

		/* A refused port is an answer, not a silence: nothing listens. */
		curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &os_errno);
		p->refused = res == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED;
		if (p->too_big)
			snprintf(p->error, sizeof(p->error), "body larger than %u bytes",
				 PROBE_BODY_MAX);
		else if (!p->error[0])
			snprintf(p->error, sizeof(p->error), "%s", curl_easy_strerror(res));
		return;
	}
	/* file:// has no status; an http answer must be 2xx. */
	p->ok = p->kind == PROBE_TCP || !strncmp(p->url, "file:", 5) ||
		(p->http_code >= 200 && p->http_code < 300);
	if (!p->ok)
		snprintf(p->error, sizeof(p->error), "HTTP status %ld", p->http_code);
}

int scraper_perform(struct scraper *s, probe_done_fn done, void *ctx)
{
	struct probe *p;
	CURLMsg *msg;
	int left;

	if (curl_multi_perform(s->multi, &s->running) != CURLM_OK)
		return -EIO;
	while ((msg = curl_multi_info_read(s->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		curl_multi_remove_handle(s->multi, msg->easy_handle);
		probe_finish(p, msg->data.result);
		done(p, ctx);
	}
	return 0;
}

void scraper_cancel(struct scraper *s, struct probe *p)
{
	if (p->busy)
		curl_multi_remove_handle(s->multi, p->easy);
	p->busy = false;
}

void probe_reset(struct probe *p)
{
	if (p->easy)
		curl_easy_cleanup(p->easy);
	free(p->body);
	p->easy = NULL;
	p->body = NULL;
	p->len = p->cap = 0;
	p->busy = false;
}
