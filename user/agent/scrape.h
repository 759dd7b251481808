/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Concurrent, non-blocking probes over libcurl's multi interface: metrics
 * scrapes (http:// or file://, the file source for tests and dry runs) and
 * health checks (HTTP GET, or a TCP connect). Every probe has a timeout; a
 * probe still running when its next round comes is not started twice. */
#ifndef __IG_SCRAPE_H
#define __IG_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#define PROBE_BODY_MAX (4u << 20) /* a /metrics page larger than this is refused */
#define PROBE_URL_MAX 300

enum probe_kind { PROBE_METRICS, PROBE_HTTP, PROBE_TCP };

struct probe {
	enum probe_kind kind;
	char url[PROBE_URL_MAX]; /* PROBE_TCP: "http://host:port/" (connect only) */
	long timeout_ms;
	void *owner; /* for the done callback */
	unsigned int tag; /* the owner's kind, for the done callback (0: a backend) */
	/* Results, valid in the done callback. */
	bool ok; /* transfer succeeded (and for HTTP: a 2xx answer) */
	bool refused; /* the connection was refused (ECONNREFUSED) */
	long http_code;
	double seconds; /* how long the transfer took */
	char error[CURL_ERROR_SIZE];
	char *body; /* PROBE_METRICS: NUL-terminated body; NULL for an empty one */
	size_t len;
	/* Private. */
	CURL *easy;
	size_t cap;
	bool busy;
	bool too_big;
};

struct scraper {
	CURLM *multi;
	int running;
};

typedef void (*probe_done_fn)(struct probe *p, void *ctx);

int scraper_init(struct scraper *s);
void scraper_fini(struct scraper *s);
/* Start p; -EBUSY when its previous round is still running. */
int scraper_start(struct scraper *s, struct probe *p);
/* Wait up to timeout_ms for transfer activity or one of the extra fds. */
int scraper_wait(struct scraper *s, struct curl_waitfd *extra, unsigned int n, int timeout_ms);
/* Move transfers on; call done for each probe that finished. */
int scraper_perform(struct scraper *s, probe_done_fn done, void *ctx);
/* Abort p if running (its owner goes away). */
void scraper_cancel(struct scraper *s, struct probe *p);
void probe_reset(struct probe *p);

#endif /* __IG_SCRAPE_H */
