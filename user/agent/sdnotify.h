/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* systemd's service notification protocol (sd_notify(3)) without libsystemd:
 * READY=1, RELOADING=1, STOPPING=1 and the watchdog's WATCHDOG=1, one
 * datagram each to the unix socket named by $NOTIFY_SOCKET. */
#ifndef __IG_SDNOTIFY_H
#define __IG_SDNOTIFY_H

#include <linux/types.h>

/* Send state to $NOTIFY_SOCKET: 0, -ENOENT when it is not set (not run by
 * systemd: nothing to do), or the error of the send. */
int sdnotify_send(const char *state);
/* Send state to the socket at path ("/run/...", or "@name" for the
 * abstract namespace). */
int sdnotify_send_to(const char *path, const char *state);
/* The watchdog period systemd asks for (WatchdogSec= gives $WATCHDOG_USEC,
 * and $WATCHDOG_PID when set must be ours), in ns; 0: no watchdog. */
__u64 sdnotify_watchdog_ns(void);

#endif /* __IG_SDNOTIFY_H */
