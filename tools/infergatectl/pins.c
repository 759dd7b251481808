// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Finding the datapath: the pin root of our ABI version, a clear error when
 * nothing is pinned or only another ABI version is, and whether an agent
 * (a process named infergated with the same --pin-root) is running. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/infergatectl/ctl.h"

/* Another v<N> next to root that holds pinned maps: its N, else 0. */
static int ctl_other_abi(const char *root)
{
	char parent[256], path[600];
	struct dirent *d;
	char *slash;
	DIR *dir;
	int found = 0;

	snprintf(parent, sizeof(parent), "%s", root);
	slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	dir = opendir(parent[0] ? parent : "/");
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		int v;
		char end;

		if (sscanf(d->d_name, "v%d%c", &v, &end) != 1 || v == IG_ABI_VERSION)
			continue;
		snprintf(path, sizeof(path), "%s/%s/maps/ig_config", parent, d->d_name);
		if (!access(path, F_OK))
			found = v;
	}
	closedir(dir);
	return found;
}

int ctl_open(struct ctl *c)
{
	char maps[300], probe[320];
	int err, other;

	snprintf(c->root, sizeof(c->root), "%s", c->o.pin_root ?: IG_PIN_ROOT);
	snprintf(maps, sizeof(maps), "%s/maps", c->root);
	snprintf(probe, sizeof(probe), "%s/ig_config", maps);
	if (access(probe, F_OK)) {
		other = ctl_other_abi(c->root);
		if (other) {
			fprintf(stderr,
				"infergatectl: datapath pinned with ABI v%d, this infergatectl "
				"speaks v%d\n",
				other, IG_ABI_VERSION);
			return -EPROTO;
		}
		fprintf(stderr,
			"infergatectl: no infergate datapath pinned under %s: is infergated "
			"running?\n",
			c->root);
		return -ENOENT;
	}
	err = dp_open_pinned(&c->m, maps);
	if (err)
		fprintf(stderr, "infergatectl: cannot open the maps pinned under %s: %s\n", maps,
			strerror(-err));
	else
		ctl_names_load(c);
	return err;
}

void ctl_close(struct ctl *c)
{
	dp_close(&c->m);
	free(c->names);
	c->names = NULL;
	c->n_names = 0;
}

/* The --pin-root given on an infergated command line (NUL-separated). */
static const char *ctl_cmdline_root(const char *buf, size_t len)
{
	const char *root = IG_PIN_ROOT;

	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		const char *a = buf + i;

		if (!strncmp(a, "--pin-root=", 11))
			root = a + 11;
		else if (!strcmp(a, "--pin-root") && i + strlen(a) + 1 < len)
			root = a + strlen(a) + 1;
	}
	return root;
}

static bool ctl_pid_matches(const char *pid, const char *root)
{
	char path[300], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strcmp(buf, "infergated\n"))
		return false;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return !strcmp(ctl_cmdline_root(buf, n), root);
}

int ctl_agent_pid(const char *root)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	int pid = 0;

	if (!dir)
		return 0;
	while (!pid && (d = readdir(dir))) {
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' && ctl_pid_matches(d->d_name, root))
			pid = atoi(d->d_name);
	}
	closedir(dir);
	return pid;
}
