/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* FRR in the netns lab: real zebra, bgpd (and staticd, bfdd where asked),
 * Debian's /usr/lib/frr daemons, one instance per namespace, each with its own
 * runtime directory (config, pid files, zserv and vty sockets, logs) under
 * FRR_RUN_DIR/<namespace>, the way FRR's topotests run routers. Instances
 * are stopped at exit; a crashed test's instances and directories are swept
 * on the next start (their namespace names carry the dead pid, netns.c). */
#ifndef __IG_FRR_H
#define __IG_FRR_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/lab/netns.h"

#define FRR_RUN_DIR "/run/ig-frr"
#define FRR_DIR_MAX (sizeof(FRR_RUN_DIR) + NETNS_NAME_MAX + 1)

/* Daemons to start; zebra always runs (the others talk to it). */
enum frr_daemon {
	FRR_ZEBRA = 1u << 0,
	FRR_BGPD = 1u << 1,
	FRR_STATICD = 1u << 2,
	FRR_BFDD = 1u << 3,
};

/* Keep it at a stable address until it is stopped: the exit cleanup holds it. */
struct frr {
	char ns[NETNS_NAME_MAX];
	char dir[FRR_DIR_MAX];
	unsigned int daemons; /* enum frr_daemon, as started */
	bool running;
};

/* Start FRR in namespace ns with conf, one integrated frr.conf text (every
 * daemon reads the same file and takes its own sections); waits until each
 * daemon answers on its vty socket (up to 10 s). 0 or -errno; on failure
 * what was started is stopped and the daemons' logs go to stderr. */
int frr_start(struct frr *f, const char *ns, unsigned int daemons, const char *conf);
/* vtysh -c cmd... against this instance; out (may be NULL) gets stdout.
 * Several commands: separate them with '\n' in fmt's result. Returns 0 or
 * vtysh's failure (> 0) or -errno. */
int frr_vtysh(const struct frr *f, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Wait up to timeout_ms until the BGP session with peer is Established. */
int frr_bgp_wait_established(const struct frr *f, const char *peer, int timeout_ms);
/* Stop: SIGTERM to every daemon (zebra removes the routes it installed),
 * SIGKILL after 2 s, then remove the runtime directory. */
void frr_stop(struct frr *f);
/* A crash: SIGKILL, routes stay in the kernel as zebra left them. */
void frr_kill(struct frr *f);
/* The daemons' logs to stderr (for a failed test). */
void frr_dump_logs(const struct frr *f);
/* Stop every instance this process started (also at exit). */
void frr_cleanup_all(void);

#endif /* __IG_FRR_H */
