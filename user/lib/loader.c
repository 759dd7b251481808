// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Loader and pinning: libbpf reuses a map whose pin path already exists
 * (after checking type, sizes and flags) and pins the ones it creates, which
 * is exactly "adopt, never replace". Links are pinned so the datapath outlives
 * the agent, and upgraded in place with bpf_link_update. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_host_egress.skel.h"
#include "bpf/tc_host_ingress.skel.h"
#include "bpf/tc_workload.skel.h"
#include "bpf/xdp_gateway.skel.h"
#include "user/lib/loader.h"
#include "user/lib/log.h"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* `ip netns exec NAME` remounts /sys as a sysfs whose source is NAME (the
 * host's says "sysfs"): its signature in /proc/self/mountinfo. */
static bool sys_remounted_by_ip_netns(void)
{
	char line[512], mnt[256], fstype[64], source[128];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(dash, " - %63s %127s", fstype, source) != 2)
			continue;
		found = !strcmp(mnt, "/sys") && !strcmp(fstype, "sysfs") && strcmp(source, "sysfs");
	}
	if (f)
		fclose(f);
	return found;
}

/* 1 when this process's mount namespace is not the host's (PID 1's, or
 * one `ip netns exec` made), 0 when it is PID 1's, -1 when that cannot be
 * told (PID 1's namespace unreadable, as in some sandboxes). */
static int mntns_private(void)
{
	char self[64], init[64];
	ssize_t a = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);
	ssize_t b = readlink("/proc/1/ns/mnt", init, sizeof(init) - 1);

	if (sys_remounted_by_ip_netns())
		return 1;
	if (a <= 0 || b <= 0)
		return -1;
	self[a] = init[b] = '\0';
	return strcmp(self, init) != 0;
}

/* A bpffs is mounted only where none is. In a mount namespace of its own
 * (`ip netns exec` gives the command one, with /sys remounted), a bpffs
 * mounted here would be private: pins would vanish with the command and
 * leave the programs loaded with nothing to adopt them by. Refuse that. */
static int bpffs_mount(void)
{
	struct statfs st;
	int priv;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	priv = mntns_private();
	if (priv == 1) {
		log_err("no bpffs on /sys/fs/bpf in this mount namespace, which is not the "
			"host's (PID 1's): a bpffs mounted here would be private, and the pins "
			"would vanish when this process exits. Under `ip netns exec`, which "
			"remounts /sys, run the agent with `nsenter --net=/run/netns/NAME` "
			"instead; in a container, mount the host's /sys/fs/bpf");
		return -EPERM;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	if (priv)
		log_warn("mounted a new bpffs on /sys/fs/bpf (whether it is the host's cannot be "
			 "told): pins live only as long as this mount; in a container, mount the "
			 "host's /sys/fs/bpf");
	else
		log_info("mounted bpffs on /sys/fs/bpf");
	return 0;
}

/* Reuse a pinned map after checking its layout ourselves: libbpf 1.1 also
 * compares map flags, and the kernel adds BPF_F_RDONLY_PROG to devmaps it
 * creates, so its own check rejects a devmap pinned by an earlier run. */
static int loader_reuse(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!err && (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		     info.value_size != bpf_map__value_size(map) ||
		     info.max_entries != bpf_map__max_entries(map))) {
		log_err("pinned map %s has another layout (type %u, key %u, value %u, %u "
			"entries); remove it or pin under another ABI version",
			path, info.type, info.key_size, info.value_size, info.max_entries);
		err = -EINVAL;
	}
	err = err ?: bpf_map__reuse_fd(map, fd);
	close(fd); /* reuse_fd took its own reference */
	return err;
}

/* Adopt every map already pinned; point the others at their pin path so
 * libbpf pins them when it creates them. */
static int loader_pin_paths(struct loader *ld, struct bpf_object *obj)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", ld->root, bpf_map__name(map));
		if (!access(path, F_OK)) {
			err = loader_reuse(map, path);
			ld->nadopted += !err;
		} else {
			err = bpf_map__set_pin_path(map, path);
		}
		if (err)
			return err;
	}
	return 0;
}

static int loader_prepare(struct loader *ld, const char *root, char *maps, size_t len)
{
	int err;

	memset(ld, 0, sizeof(*ld));
	snprintf(ld->root, sizeof(ld->root), "%s", root ? root : IG_PIN_ROOT);
	snprintf(maps, len, "%s/maps", ld->root);
	err = bpffs_mount() ?: mkdir_p(maps);
	if (err)
		log_errno(LOG_LVL_ERR, err, "cannot prepare %s", maps);
	return err;
}

/* A GPU host without a gateway: tc_host_ingress creates or adopts the maps
 * (every object declares all of them), and xdp_gateway is never loaded. */
int loader_open_host_only(struct loader *ld, const char *root)
{
	char maps[sizeof(ld->root) + 8];
	int err = loader_prepare(ld, root, maps, sizeof(maps));

	if (err)
		return err;
	ld->hi = tc_host_ingress__open();
	if (!ld->hi)
		return -errno;
	err = loader_pin_paths(ld, ld->hi->obj) ?: tc_host_ingress__load(ld->hi);
	err = err ?: dp_from_object(&ld->maps, ld->hi->obj);
	if (err) {
		log_errno(LOG_LVL_ERR, err,
			  "loading tc_host_ingress with the maps pinned under %s "
			  "failed (a pinned map of another layout?)",
			  maps);
		tc_host_ingress__destroy(ld->hi);
		ld->hi = NULL;
		return err;
	}
	log_info("tc_host_ingress loaded; %d of its maps adopted from pins under %s", ld->nadopted,
		 maps);
	return loader_open_host(ld);
}

int loader_open(struct loader *ld, const char *root)
{
	char maps[sizeof(ld->root) + 8];
	int err = loader_prepare(ld, root, maps, sizeof(maps));

	if (err)
		return err;
	ld->gw = xdp_gateway__open();
	if (!ld->gw)
		return -errno;
	err = loader_pin_paths(ld, ld->gw->obj);
	err = err ?: xdp_gateway__load(ld->gw);
	if (err) {
		log_errno(LOG_LVL_ERR, err,
			  "loading xdp_gateway with the maps pinned under %s failed (a pinned map "
			  "of another layout? remove it or use another ABI version)",
			  maps);
		goto err_destroy;
	}
	err = dp_from_object(&ld->maps, ld->gw->obj);
	if (err)
		goto err_destroy;
	log_info("xdp_gateway loaded; %d of its maps adopted from pins under %s", ld->nadopted,
		 maps);
	return 0;

err_destroy:
	xdp_gateway__destroy(ld->gw);
	ld->gw = NULL;
	return err;
}

/* Give an existing pinned link the new program, atomically. */
static int loader_adopt_link(struct loader *ld, struct loader_link *l, int ifindex)
{
	int prog_fd = bpf_program__fd(ld->gw->progs.xdp_gateway);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(l->pin);
	if (fd < 0)
		return -errno;
	if (bpf_link_update(fd, prog_fd, NULL)) {
		err = -errno;
		log_errno(LOG_LVL_WARN, err, "%s: cannot update pinned link %s", l->ifname, l->pin);
		close(fd);
		return err;
	}
	bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	l->att = (struct compat_attachment){ .hook = COMPAT_HOOK_XDP,
					     .method = COMPAT_METHOD_LINK,
					     .ifindex = ifindex,
					     .link_fd = fd,
					     .prog_id = info.id };
	_Static_assert(sizeof(l->att.ifname) == sizeof(l->ifname), "ifname sizes");
	memcpy(l->att.ifname, l->ifname, sizeof(l->ifname));
	l->adopted = true;
	log_info("%s: program %u replaced the old one behind pinned link %s", l->ifname, info.id,
		 l->pin);
	return 0;
}

int loader_attach_xdp(struct loader *ld, const char *ifname, unsigned int compat_flags)
{
	struct loader_link *l;
	char links[sizeof(ld->root) + 8];
	int ifindex, err;

	if (ld->nlinks == LOADER_LINKS_MAX)
		return -ENOSPC;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		log_errno(LOG_LVL_ERR, err, "interface %s", ifname);
		return err;
	}
	l = &ld->links[ld->nlinks];
	memset(l, 0, sizeof(*l));
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	snprintf(links, sizeof(links), "%s/links", ld->root);
	snprintf(l->pin, sizeof(l->pin), "%s/%s-xdp", links, ifname);
	if (!access(l->pin, F_OK) && !loader_adopt_link(ld, l, ifindex)) {
		ld->nlinks++;
		return 0;
	}
	unlink(l->pin); /* a stale pin (its interface was recreated) */
	err = mkdir_p(links) ?:
			       compat_xdp_attach(bpf_program__fd(ld->gw->progs.xdp_gateway), ifindex,
						 compat_flags, &l->att);
	if (err)
		return err;
	if (l->att.method == COMPAT_METHOD_LINK && compat_pin(&l->att, l->pin))
		log_warn("%s: link not pinned: the datapath stops with the agent", ifname);
	ld->nlinks++;
	return 0;
}

/* One pin: nothing when path exists, else pinned again from fd. */
static int loader_repin_one(int fd, const char *path, const char *what, unsigned int *restored)
{
	char dir[PATH_MAX], *slash;
	int err;

	if (fd < 0 || !access(path, F_OK))
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	err = mkdir_p(dir);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s %s: its pin is gone and cannot be restored", what,
			  path);
		return err;
	}
	(*restored)++;
	return 0;
}

int loader_repin(struct loader *ld, unsigned int *restored)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err = 0, e;

	/* The maps are one set: a host-only datapath has them from tc_host_ingress. */
	struct bpf_object *obj = ld->gw ? ld->gw->obj : ld->hi ? ld->hi->obj : NULL;

	*restored = 0;
	if (!obj)
		return 0;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", ld->root, bpf_map__name(map));
		e = loader_repin_one(bpf_map__fd(map), path, "map", restored);
		err = err ?: e;
	}
	for (int i = 0; i < ld->nlinks; i++) {
		const struct loader_link *l = &ld->links[i];

		if (l->att.method != COMPAT_METHOD_LINK)
			continue;
		e = loader_repin_one(l->att.link_fd, l->pin, "link", restored);
		err = err ?: e;
	}
	return err;
}

/* ---- the GPU host's programs ---- */

/* Every map of a host object is the loader's: the three programs and the
 * gateway share one set, pinned once. */
static int loader_host_reuse(struct bpf_object *obj, const struct loader *ld)
{
	int err = obj ? dp_reuse_maps(obj, &ld->maps) : -errno;

	if (err)
		log_errno(LOG_LVL_ERR, err, "opening a GPU-host program");
	return err;
}

int loader_open_host(struct loader *ld)
{
	int err = 0;

	if (ld->wk)
		return 0;
	if (!ld->hi) {
		ld->hi = tc_host_ingress__open();
		err = loader_host_reuse(ld->hi ? ld->hi->obj : NULL, ld) ?:
			      tc_host_ingress__load(ld->hi);
	}
	if (!err) {
		ld->wk = tc_workload__open();
		err = loader_host_reuse(ld->wk ? ld->wk->obj : NULL, ld) ?:
			      tc_workload__load(ld->wk);
	}
	if (!err) {
		ld->he = tc_host_egress__open();
		err = loader_host_reuse(ld->he ? ld->he->obj : NULL, ld) ?:
			      tc_host_egress__load(ld->he);
	}
	if (err) {
		log_errno(LOG_LVL_ERR, err, "loading the GPU-host programs failed");
		return err;
	}
	log_info("tc_host_ingress, tc_workload and tc_host_egress loaded on the maps under %s",
		 ld->root);
	return 0;
}

static int loader_host_fd(const struct loader *ld, enum loader_host_prog prog)
{
	switch (prog) {
	case LOADER_HOST_INGRESS:
		return bpf_program__fd(ld->hi->progs.tc_host_ingress);
	case LOADER_HOST_EGRESS:
		return bpf_program__fd(ld->he->progs.tc_host_egress);
	default:
		return bpf_program__fd(ld->wk->progs.tc_workload);
	}
}

/* A pinned tcx link still on ifindex gets prog_fd. The link info's tcx
 * member (6.6) is missing from older UAPI headers; its ifindex sits where
 * the xdp member's does, at the start of the union. */
static int loader_adopt_tc(struct loader_link *l, int prog_fd, int ifindex, enum compat_hook hook)
{
	struct bpf_link_info info = {};
	struct bpf_prog_info pinfo = {};
	__u32 len = sizeof(info), plen = sizeof(pinfo);
	int fd, err;

	fd = bpf_obj_get(l->pin);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!err && (info.type != COMPAT_LINK_TYPE_TCX || (int)info.xdp.ifindex != ifindex))
		err = -ESTALE; /* its interface was deleted, or recreated */
	if (!err && bpf_link_update(fd, prog_fd, NULL))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	bpf_obj_get_info_by_fd(prog_fd, &pinfo, &plen);
	l->att = (struct compat_attachment){ .hook = hook,
					     .method = COMPAT_METHOD_LINK,
					     .ifindex = ifindex,
					     .link_fd = fd,
					     .prog_id = pinfo.id };
	memcpy(l->att.ifname, l->ifname, sizeof(l->ifname));
	l->adopted = true;
	log_info("%s: program %u replaced the old one behind pinned %s link %s", l->ifname,
		 pinfo.id, compat_hook_str(hook), l->pin);
	return 0;
}

int loader_attach_tc(struct loader *ld, enum loader_host_prog prog, const char *ifname, int ifindex,
		     unsigned int compat_flags, struct loader_link *l)
{
	enum compat_tc_dir dir = prog == LOADER_HOST_EGRESS ? COMPAT_TC_EGRESS : COMPAT_TC_INGRESS;
	enum compat_hook hook = dir == COMPAT_TC_EGRESS ? COMPAT_HOOK_TC_EGRESS :
							  COMPAT_HOOK_TC_INGRESS;
	char links[sizeof(ld->root) + 8];
	int prog_fd, err;

	if (!ld->hi)
		return -EINVAL;
	prog_fd = loader_host_fd(ld, prog);
	memset(l, 0, sizeof(*l));
	l->att.link_fd = -1;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	snprintf(links, sizeof(links), "%s/links", ld->root);
	snprintf(l->pin, sizeof(l->pin), "%s/%s-%s", links, ifname, compat_hook_str(hook));
	if (!access(l->pin, F_OK) && !loader_adopt_tc(l, prog_fd, ifindex, hook))
		return 0;
	unlink(l->pin); /* stale: its interface was deleted or recreated */
	err = mkdir_p(links) ?:
		      compat_tc_attach(prog_fd, ifindex, dir, compat_flags | COMPAT_F_TC_REPLACE,
				       &l->att);
	if (err)
		return err;
	if (l->att.method == COMPAT_METHOD_LINK && compat_pin(&l->att, l->pin))
		log_warn("%s: link not pinned: the datapath stops with the agent", ifname);
	return 0;
}

int loader_link_detach(struct loader_link *l)
{
	int err = compat_detach(&l->att);

	unlink(l->pin);
	return err;
}

void loader_link_close(struct loader_link *l, bool unpin)
{
	if (l->att.link_fd >= 0)
		close(l->att.link_fd);
	l->att.link_fd = -1;
	if (unpin)
		unlink(l->pin);
}

int loader_detach(struct loader *ld)
{
	int err = 0, e;

	for (int i = 0; i < ld->nlinks; i++) {
		struct loader_link *l = &ld->links[i];

		e = compat_detach(&l->att);
		if (e)
			err = e;
		unlink(l->pin);
	}
	ld->nlinks = 0;
	return err;
}

void loader_close(struct loader *ld)
{
	for (int i = 0; i < ld->nlinks; i++) {
		if (ld->links[i].att.link_fd >= 0)
			close(ld->links[i].att.link_fd);
	}
	ld->nlinks = 0;
	tc_host_ingress__destroy(ld->hi);
	tc_workload__destroy(ld->wk);
	tc_host_egress__destroy(ld->he);
	ld->hi = NULL;
	ld->wk = NULL;
	ld->he = NULL;
	if (ld->gw)
		xdp_gateway__destroy(ld->gw);
	ld->gw = NULL;
}

static int unpin_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int loader_unpin_all(const char *root)
{
	if (access(root, F_OK))
		return 0;
	return nftw(root, unpin_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}
