// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The configuration file watch (cfgwatch.h). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>

#include "user/agent/cfgwatch.h"
#include "user/lib/log.h"

/* Everything that can make the path resolve to other content: the file
 * written or replaced, or a symlink on the way (ConfigMap's ..data) swapped. */
#define CFGWATCH_MASK                                                                      \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVE_SELF | \
	 IN_DELETE_SELF)

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

void cfgwatch_rebase(struct cfgwatch *w)
{
	w->have_seen = !stat(w->path, &w->seen);
}

int cfgwatch_open(struct cfgwatch *w, const char *path)
{
	char dir[PATH_MAX];
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->path = path;
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || inotify_add_watch(w->fd, dirname(dir), CFGWATCH_MASK) < 0) {
		err = -errno;
		log_errno(LOG_LVL_WARN, err,
			  "not watching %s for changes (SIGHUP still reloads it)", path);
		cfgwatch_close(w);
		return err;
	}
	cfgwatch_rebase(w);
	return 0;
}

void cfgwatch_events(struct cfgwatch *w, __u64 now_ns)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	if (w->fd < 0)
		return;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		any = true;
	if (any)
		w->due_ns = now_ns + CFGWATCH_SETTLE_NS;
}

bool cfgwatch_due(struct cfgwatch *w, __u64 now_ns)
{
	struct stat st;
	bool ok;

	if (!w->due_ns || now_ns < w->due_ns)
		return false;
	w->due_ns = 0;
	ok = !stat(w->path, &st);
	if (ok == w->have_seen && (!ok || same_file(&st, &w->seen)))
		return false; /* another file of the directory */
	w->seen = st;
	w->have_seen = ok;
	return true;
}

void cfgwatch_close(struct cfgwatch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
