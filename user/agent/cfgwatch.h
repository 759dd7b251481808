/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Watching the configuration file, so that an edit is applied like SIGHUP:
 * inotify on the file's directory (where a Kubernetes ConfigMap swaps its
 * `..data` symlink, an editor renames a new file over the old one, or a tool
 * rewrites it in place). Events only arm a short settle delay; the file is
 * reloaded when what the path resolves to (device, inode, size, mtime) has
 * changed once the writes settled. */
#ifndef __IG_CFGWATCH_H
#define __IG_CFGWATCH_H

#include <stdbool.h>
#include <linux/types.h>
#include <sys/stat.h>

#define CFGWATCH_SETTLE_NS (200ULL * 1000000) /* writes settle before a reload */

struct cfgwatch {
	int fd; /* inotify; -1 when not watching */
	const char *path;
	struct stat seen; /* what path resolved to at the last (re)load */
	bool have_seen;
	__u64 due_ns; /* 0: nothing pending */
};

/* Start watching path's directory. On failure (no inotify, no directory)
 * the agent runs on without the watch: SIGHUP still reloads. */
int cfgwatch_open(struct cfgwatch *w, const char *path);
/* Read the pending events (the fd polled readable); arms the settle delay
 * when one may concern the file. */
void cfgwatch_events(struct cfgwatch *w, __u64 now_ns);
/* True once, when the settle delay has passed and the file changed since
 * the last true (or since open). */
bool cfgwatch_due(struct cfgwatch *w, __u64 now_ns);
/* Record what the path is now (after a reload for another reason). */
void cfgwatch_rebase(struct cfgwatch *w);
void cfgwatch_close(struct cfgwatch *w);

#endif /* __IG_CFGWATCH_H */
