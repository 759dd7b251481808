// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sd_notify(3) over the NOTIFY_SOCKET unix datagram socket: the protocol is
 * one "KEY=VALUE" datagram per state change, so libsystemd is not needed. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "user/agent/sdnotify.h"

int sdnotify_send_to(const char *path, const char *state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	socklen_t len;
	int fd, err = 0;

	if ((path[0] != '/' && path[0] != '@') || plen < 2 || plen >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no NUL after the name */
	len = offsetof(struct sockaddr_un, sun_path) + plen;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

int sdnotify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");

	return path && *path ? sdnotify_send_to(path, state) : -ENOENT;
}

static int sdnotify_env_u64(const char *name, unsigned long long *v)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return -ENOENT;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

__u64 sdnotify_watchdog_ns(void)
{
	unsigned long long usec, pid;

	if (sdnotify_env_u64("WATCHDOG_USEC", &usec) || !usec || usec > ~0ULL / 1000)
		return 0;
	if (!sdnotify_env_u64("WATCHDOG_PID", &pid) && pid != (unsigned long long)getpid())
		return 0;
	return usec * 1000;
}
