// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `infergatectl status`: the pin root and ABI, whether the datapath is
 * enabled, whether infergated runs, and every link pinned under <root>/links
 * with its interface, program and XDP attach mode (bpf_xdp_query, in the
 * named network namespace that holds the interface when it is not ours). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "tools/infergatectl/ctl.h"

struct link_row {
	char pin[NAME_MAX + 1];
	char ifname[IF_NAMESIZE + 8];
	char prog[BPF_OBJ_NAME_LEN];
	const char *mode;
	__u32 ifindex, link_id, prog_id;
};

/* Native or generic, from the interface's point of view; "unknown" when the
 * interface lives in another network namespace (its ifindex means nothing
 * here) or the link's program is not the one attached. */
static const char *link_mode(__u32 ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (!ifindex || bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	if (q.drv_prog_id == prog_id)
		return "native";
	if (q.skb_prog_id == prog_id)
		return "generic";
	if (q.hw_prog_id == prog_id)
		return "offload";
	return "unknown";
}

/* The mode as seen from the named network namespace (/run/netns/NAME) where
 * ifindex is ifname and carries prog_id; "unknown" when none does. An agent
 * for a namespace (nsenter --net) pins its links on the host's bpffs, so
 * status, run from another namespace, looks for the interface there. */
static const char *link_mode_elsewhere(const char *ifname, __u32 ifindex, __u32 prog_id)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	const char *mode = "unknown";
	char path[PATH_MAX], here[IF_NAMESIZE];
	DIR *d = opendir("/run/netns");
	struct dirent *e;

	while (home >= 0 && d && !strcmp(mode, "unknown") && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		if (if_indextoname(ifindex, here) && !strcmp(here, ifname))
			mode = link_mode(ifindex, prog_id);
		setns(home, CLONE_NEWNET);
	}
	if (d)
		closedir(d);
	if (home >= 0)
		close(home);
	return mode;
}

static int link_read(const char *dir, const char *name, struct link_row *r)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(li);
	char path[PATH_MAX], here[IF_NAMESIZE];
	int fd, pfd, err = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->pin, sizeof(r->pin), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &li, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	r->link_id = li.id;
	r->prog_id = li.prog_id;
	r->ifindex = li.type == BPF_LINK_TYPE_XDP ? li.xdp.ifindex : 0;
	/* The pin is named <ifname>-xdp: trust it when the ifindex is not ours. */
	snprintf(r->ifname, sizeof(r->ifname), "%.*s", (int)(strcspn(name, "-")), name);
	if (r->ifindex && if_indextoname(r->ifindex, here) && !strcmp(here, r->ifname))
		r->mode = link_mode(r->ifindex, r->prog_id);
	else
		r->mode = "unknown";
	if (r->ifindex && !strcmp(r->mode, "unknown"))
		r->mode = link_mode_elsewhere(r->ifname, r->ifindex, r->prog_id);
	pfd = bpf_prog_get_fd_by_id(r->prog_id);
	len = sizeof(pi);
	if (pfd >= 0 && !bpf_obj_get_info_by_fd(pfd, &pi, &len))
		snprintf(r->prog, sizeof(r->prog), "%s", pi.name);
	if (pfd >= 0)
		close(pfd);
	return 0;
}

static void status_link(const struct ctl *c, const struct link_row *r, bool first)
{
	if (c->o.json)
		printf("%s{\"pin\":\"%s\",\"ifname\":\"%s\",\"ifindex\":%u,\"link_id\":%u,"
		       "\"prog_id\":%u,\"program\":\"%s\",\"mode\":\"%s\"}",
		       first ? "" : ",", r->pin, r->ifname, r->ifindex, r->link_id, r->prog_id,
		       r->prog, r->mode);
	else
		printf("%-16s %-12s %7u %7u %7u %-15s %s\n", r->pin, r->ifname, r->ifindex,
		       r->link_id, r->prog_id, r->prog, r->mode);
}

static void status_links(const struct ctl *c)
{
	char dir[300];
	struct dirent **ents = NULL;
	struct link_row r;
	bool first = true;
	int n;

	snprintf(dir, sizeof(dir), "%s/links", c->root);
	n = scandir(dir, &ents, NULL, alphasort);
	if (!c->o.json)
		printf("\n%-16s %-12s %7s %7s %7s %-15s %s\n", "LINK", "IFNAME", "IFINDEX",
		       "LINK_ID", "PROG_ID", "PROGRAM", "MODE");
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && !link_read(dir, ents[i]->d_name, &r)) {
			status_link(c, &r, first);
			first = false;
		}
		free(ents[i]);
	}
	free(ents);
}

int ctl_status(struct ctl *c)
{
	struct ig_config cfg = {};
	int pid = ctl_agent_pid(c->root);
	size_t nmaps = 0;
	bool on;

	dp_config_get(&c->m, &cfg);
	on = cfg.flags & IG_CFG_ENABLED;
	/* Older pins lack the maps added within the ABI version. */
	for (size_t i = 0; i < dp_map_count; i++)
		nmaps += (&c->m.config)[i] >= 0;
	if (c->o.json) {
		printf("{\"pin_root\":\"%s\",\"abi\":%d,\"maps\":%zu,\"enabled\":%s,"
		       "\"event_sample\":%u,\"agent\":{\"running\":%s,\"pid\":%d},\"links\":[",
		       c->root, IG_ABI_VERSION, nmaps, on ? "true" : "false", cfg.event_sample,
		       pid ? "true" : "false", pid);
		status_links(c);
		printf("]}\n");
		return 0;
	}
	printf("pin root:  %s\nABI:       v%d\nmaps:      %zu pinned\n", c->root, IG_ABI_VERSION,
	       nmaps);
	printf("datapath:  %s, event sample %u\n", on ? "enabled" : "disabled (passes everything)",
	       cfg.event_sample);
	if (pid)
		printf("agent:     infergated running (pid %d)\n", pid);
	else
		printf("agent:     not running (the datapath runs on its pins)\n");
	status_links(c);
	return 0;
}
