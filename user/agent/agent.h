/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent: keeps the datapath's maps in step with the configuration and
 * with live telemetry. Probes (metrics scrapes, health checks) run
 * concurrently; each completed scrape is scored and, when the weights move,
 * pushed to the service's Maglev table at once (incrementally when few slots
 * change). main.c owns the event loop and signals; this module owns state. */
#ifndef __IG_AGENT_H
#define __IG_AGENT_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/announce.h"
#include "user/agent/conf.h"
#include "user/agent/governor.h"
#include "user/agent/hosttok.h"
#include "user/agent/metrics.h"
#include "user/agent/score.h"
#include "user/agent/scrape.h"
#include "user/agent/sync.h"
#include "user/agent/telemetry.h"
#include "user/lib/dp.h"
#include "user/lib/loader.h"
#include "user/lib/log.h"

struct host;
struct evpn;
struct netlink;
struct nvml;

struct agent_backend {
	const struct config_backend *cfg;
	__u32 svc_id;
	struct score_state score;
	struct telemetry_sample last; /* aggregate of the last good scrape */
	__u64 last_ns; /* when it arrived; 0: never */
	unsigned int n_probes;
	struct probe *metrics; /* one per metrics source */
	struct probe health;
	__u64 health_next_ns;
	__u32 fails, oks; /* consecutive health results */
	bool up; /* health checks pass */
	bool scrape_refused; /* its server's metrics port refused the last scrape */
	bool *serves; /* per metrics source: it is the inference server's own port */
	bool reachable; /* the underlay next hop is resolved */
	bool draining; /* removed from the configuration */
	struct ig_operator op; /* the operator's standing requests, as last read */
	__u64 scrape_errors;
	__u64 health_errors;
	__u64 refusals; /* refused health checks and server scrapes */
	struct log_streak scrape_log, route_log; /* one line per failure streak */
};

struct agent_service {
	const struct config_service *cfg;
	unsigned int first, n; /* its backends in agent.be[] */
	__u32 *table; /* what the datapath holds now; NULL before the first push */
	bool stuck; /* no healthy backend: the last table stays */
	__u64 pushes, incremental;
	struct log_streak push_log; /* one line per streak of failed pushes */
};

struct agent_opts {
	const char *config_path;
	const char *pin_root; /* NULL: IG_PIN_ROOT */
	const char *metrics_listen; /* NULL: the file's metrics.listen; else over it */
	unsigned int compat_flags;
};

/* Connection-table entries by state, as the sweep finds them (/metrics). */
enum agent_conn_state {
	AGENT_CONN_OPEN,
	AGENT_CONN_HALF_OPEN,
	AGENT_CONN_CLOSING,
	AGENT_CONN__MAX
};

struct agent {
	struct agent_opts opts;
	struct ig_cfg cfg;
	struct loader ld;
	struct netlink *nl;
	struct scraper sc;
	struct metrics_server *ms;
	struct nvml *nvml; /* NULL unless telemetry.nvml and the library loads */
	struct host *host; /* GPU host datapath (user/agent/gpuhost.h); NULL without host: */
	struct evpn *evpn; /* evpn: section (user/agent/evpn.h); NULL without it */
	unsigned int n_be, n_svc;
	struct agent_backend *be;
	struct agent_service *svc;
	struct governor gov; /* token governance: tenants, host maps, shed levels */
	struct announce an; /* VIP routes FRR announces (announce: section) */
	struct hosttok tok; /* a GPU host's token counts (with host:) */
	__u64 next_scrape_ns;
	__u64 next_sweep_ns;
	__u64 swept; /* idle connection entries removed */
	__u64 conns_by_state[AGENT_CONN__MAX]; /* entries at the last sweep */
	__u64 reloads, reload_errors;
	__u64 last_push_ns; /* for the telemetry-to-datapath latency */
	struct hist h_scrape; /* metrics scrapes, failed ones included */
	struct hist h_health; /* health checks that passed (their round trip) */
	struct hist h_push; /* Maglev table pushes */
	struct hist h_delay; /* a scrape's arrival to its table in the datapath */
	__u64 pins_restored; /* pins put back after they were removed (pins.c) */
	bool pins_failed; /* the last check could not restore one: logged once */
	struct sync sync; /* connection-state sync with peer gateways (sync.h) */
	bool sync_on; /* sync is running */
	bool sync_more; /* sync_perform left work: the loop does not sleep */
};

/* Load the configuration, open or adopt the datapath, attach, fill the maps,
 * start the metrics endpoint. */
int agent_start(struct agent *a, const struct agent_opts *opts);
/* Re-read the configuration (SIGHUP). A bad file changes nothing. */
int agent_reload(struct agent *a);
/* Start the probes that are due; returns ms until the next one is due. */
int agent_tick(struct agent *a, __u64 now_ns);
/* Remove expired entries from ig_conns (closed after gateway.conn_linger,
 * half-open after syn_timeout, TCP after tcp_idle, UDP after udp_idle) and
 * set each backend's in-flight count, and each tenant's open connections
 * (ig_tn_conns), to the entries that remain open: half-open connections that
 * time out and connections closed without a FIN or RST the gateway saw
 * would otherwise leave them high. */
int agent_sweep(struct agent *a);
/* Drive transfers and consume finished probes (and a host's link events). */
void agent_perform(struct agent *a);
/* A descriptor the event loop also waits on (a host's link events), or -1. */
int agent_event_fd(const struct agent *a);
/* The sync's descriptor (its ring and socket), or -1 without sync. */
int agent_sync_fd(const struct agent *a);
/* At start: every backend of ig_backends (adopted pins) that the
 * configuration lacks is set draining; returns how many (adopt.c). */
unsigned int agent_retire_stale(struct agent *a);
/* Pin again the maps and links whose pins were removed (pins.c). */
void agent_check_pins(struct agent *a);
/* Render and publish the /metrics page. */
void agent_publish(struct agent *a);
/* Stop; with detach, remove the programs from their interfaces. */
void agent_stop(struct agent *a, bool detach);
__u64 agent_now_ns(void);
/* A service's saturation for shedding (score_service_saturation() over its
 * backends' scores; 1.0 when memory runs out). */
double agent_saturation(struct agent *a, const struct agent_service *s);

#endif /* __IG_AGENT_H */
