// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Attach with fallbacks, chosen from the probed features: XDP through a
 * bpf_link, else netlink, in native mode, else generic; tc through a tcx link,
 * else a cls_bpf filter on clsact through netlink. Every choice, and why a
 * fallback was taken, is logged at info level. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel-compat/compat.h"
#include "user/lib/log.h"

const char *compat_hook_str(enum compat_hook h)
{
	static const char *const names[] = {
		[COMPAT_HOOK_XDP] = "xdp",
		[COMPAT_HOOK_TC_INGRESS] = "tc-ingress",
		[COMPAT_HOOK_TC_EGRESS] = "tc-egress",
	};

	return (unsigned int)h < sizeof(names) / sizeof(names[0]) ? names[h] : "?";
}

const char *compat_method_str(enum compat_method m)
{
	static const char *const names[] = {
		[COMPAT_METHOD_LINK] = "bpf_link",
		[COMPAT_METHOD_NETLINK] = "netlink",
	};

	return (unsigned int)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

const char *compat_xdp_mode_str(enum compat_xdp_mode m)
{
	static const char *const names[] = {
		[COMPAT_XDP_NONE] = "none",
		[COMPAT_XDP_NATIVE] = "native",
		[COMPAT_XDP_GENERIC] = "generic",
	};

	return (unsigned int)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* The interface's name for messages, taken at attach time: a detach may run
 * in another network namespace, where the ifindex names another device. */
static void set_ifname(struct compat_attachment *a)
{
	if (!if_indextoname(a->ifindex, a->ifname))
		snprintf(a->ifname, sizeof(a->ifname), "ifindex %d", a->ifindex);
}

static int prog_id_of(int prog_fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static int xdp_attach_one(int prog_fd, int ifindex, __u32 mode, struct compat_attachment *out)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode);
	int fd;

	if (out->method == COMPAT_METHOD_NETLINK)
		/* UPDATE_IF_NOEXIST: never replace someone else's program. */
		return bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return -errno;
	out->link_fd = fd;
	return 0;
}

/* ---- who holds an interface's XDP hook ---- */

#define HOLDER_SCAN_MAX 4096 /* bpffs entries looked at for the link's pin */

static __u32 holder_link_id;
static char holder_pin[PATH_MAX];
static unsigned int holder_seen;

static int holder_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, found;

	(void)st;
	(void)ftw;
	if (++holder_seen > HOLDER_SCAN_MAX)
		return 1;
	if (type != FTW_F)
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	found = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == holder_link_id;
	close(fd);
	if (found)
		snprintf(holder_pin, sizeof(holder_pin), "%s", path);
	return found;
}

/* The XDP bpf_link that attaches prog_id to ifindex, or 0. A link's info
 * names no network namespace, and ifindexes repeat across them: the program
 * (queried in ours) tells them apart. */
static __u32 xdp_link_on(int ifindex, __u32 prog_id)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		bool hit;

		if (fd < 0)
			continue;
		hit = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		      (int)info.xdp.ifindex == ifindex && info.prog_id == prog_id;
		close(fd);
		if (hit)
			return id;
	}
	return 0;
}

/* An attach refused because something holds the hook: say what (program,
 * link, the link's pin under /sys/fs/bpf) and the command that clears it. */
static void xdp_holder_explain(int ifindex, const char *name)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), link;
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
		return;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd >= 0) {
		bpf_obj_get_info_by_fd(fd, &pi, &len);
		close(fd);
	}
	link = xdp_link_on(ifindex, q.prog_id);
	if (!link) {
		log_err("%s: XDP is held by program %u (%s), attached through netlink (no link); "
			"clear it with `ip link set dev %s xdp off` if it is not in use",
			name, q.prog_id, pi.name[0] ? pi.name : "?", name);
		return;
	}
	holder_link_id = link;
	holder_pin[0] = '\0';
	holder_seen = 0;
	nftw("/sys/fs/bpf", holder_visit, 16, FTW_PHYS);
	if (holder_pin[0])
		log_err("%s: XDP is held by program %u (%s) through bpf_link %u, pinned at %s "
			"(another agent's pin root?): stop that agent with --detach, or remove "
			"the pin (`rm %s`) once nothing uses it",
			name, q.prog_id, pi.name[0] ? pi.name : "?", link, holder_pin, holder_pin);
	else
		log_err("%s: XDP is held by program %u (%s) through bpf_link %u, not pinned: "
			"the process holding it (`bpftool link show id %u`) owns it; stop it, or "
			"`bpftool link detach id %u`",
			name, q.prog_id, pi.name[0] ? pi.name : "?", link, link, link);
}

/* XDP links (5.9) detach when their owner dies and cannot be replaced behind
 * our back; netlink attach is the only way before 5.9. */
static enum compat_method xdp_method(const struct compat_features *f, unsigned int flags,
				     const char *name)
{
	if (flags & COMPAT_F_FORCE_NETLINK) {
		log_info("%s: XDP via netlink: forced by the caller", name);
		return COMPAT_METHOD_NETLINK;
	}
	if (!f->xdp_link) {
		log_info("%s: XDP via netlink: this kernel has no XDP bpf_link (needs 5.9)", name);
		return COMPAT_METHOD_NETLINK;
	}
	return COMPAT_METHOD_LINK;
}

int compat_xdp_attach(int prog_fd, int ifindex, unsigned int flags, struct compat_attachment *out)
{
	struct compat_features f;
	const char *name;
	__u32 mode = XDP_FLAGS_SKB_MODE;
	int err;

	*out = (struct compat_attachment){ .hook = COMPAT_HOOK_XDP,
					   .ifindex = ifindex,
					   .link_fd = -1 };
	err = compat_features_get(&f);
	if (!err)
		err = prog_id_of(prog_fd, &out->prog_id);
	if (err)
		return err;
	set_ifname(out);
	name = out->ifname;
	out->method = xdp_method(&f, flags, name);
	err = -EOPNOTSUPP;
	if (flags & COMPAT_F_FORCE_GENERIC) {
		log_info("%s: generic XDP: forced by the caller", name);
	} else {
		mode = XDP_FLAGS_DRV_MODE;
		err = xdp_attach_one(prog_fd, ifindex, mode, out);
		/* EOPNOTSUPP: the driver has no ndo_bpf, i.e. no native XDP. */
		if (err == -EOPNOTSUPP)
			log_info("%s: generic XDP: the driver has no native XDP (falling back)",
				 name);
	}
	if (err == -EOPNOTSUPP) {
		mode = XDP_FLAGS_SKB_MODE;
		err = xdp_attach_one(prog_fd, ifindex, mode, out);
	}
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s: cannot attach XDP program %u via %s", name,
			  out->prog_id, compat_method_str(out->method));
		if (err == -EBUSY || err == -EEXIST)
			xdp_holder_explain(ifindex, name);
		return err;
	}
	out->xdp_mode = mode == XDP_FLAGS_DRV_MODE ? COMPAT_XDP_NATIVE : COMPAT_XDP_GENERIC;
	log_info("%s: XDP program %u attached in %s mode via %s", name, out->prog_id,
		 compat_xdp_mode_str(out->xdp_mode), compat_method_str(out->method));
	return 0;
}

static int tcx_attach(int prog_fd, int ifindex, enum compat_tc_dir dir,
		      struct compat_attachment *out)
{
	int type = dir == COMPAT_TC_INGRESS ? COMPAT_TCX_INGRESS : COMPAT_TCX_EGRESS;
	int fd;

	fd = bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)type, NULL);
	if (fd < 0)
		return -errno;
	out->link_fd = fd;
	return 0;
}

/* Handle and priority 0 let the kernel pick free ones, so filters of other
 * users on the same hook are left alone; the echo tells which it picked. */
static int clsact_attach(int prog_fd, int ifindex, enum compat_tc_dir dir, unsigned int flags,
			 struct compat_attachment *out)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == COMPAT_TC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err;

	if (flags & COMPAT_F_TC_REPLACE) {
		opts.handle = COMPAT_TC_HANDLE;
		opts.priority = COMPAT_TC_PRIO;
		opts.flags = BPF_TC_F_REPLACE;
	}

	/* One clsact qdisc serves both directions and everyone's filters:
	 * reuse an existing one, and never delete it on detach. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	out->tc_handle = opts.handle;
	out->tc_priority = opts.priority;
	return 0;
}

int compat_tc_attach(int prog_fd, int ifindex, enum compat_tc_dir dir, unsigned int flags,
		     struct compat_attachment *out)
{
	struct compat_features f;
	const char *name;
	int err;

	*out = (struct compat_attachment){
		.hook = dir == COMPAT_TC_INGRESS ? COMPAT_HOOK_TC_INGRESS : COMPAT_HOOK_TC_EGRESS,
		.ifindex = ifindex,
		.link_fd = -1,
	};
	err = compat_features_get(&f);
	if (!err)
		err = prog_id_of(prog_fd, &out->prog_id);
	if (err)
		return err;
	set_ifname(out);
	name = out->ifname;
	out->method = COMPAT_METHOD_NETLINK;
	if (flags & COMPAT_F_FORCE_CLSACT)
		log_info("%s: %s via clsact: forced by the caller", name,
			 compat_hook_str(out->hook));
	else if (!f.tcx)
		log_info("%s: %s via clsact: this kernel has no tcx (needs 6.6)", name,
			 compat_hook_str(out->hook));
	else
		out->method = COMPAT_METHOD_LINK;

	if (out->method == COMPAT_METHOD_LINK)
		err = tcx_attach(prog_fd, ifindex, dir, out);
	else
		err = clsact_attach(prog_fd, ifindex, dir, flags, out);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s: cannot attach %s program %u via %s", name,
			  compat_hook_str(out->hook), out->prog_id, compat_method_str(out->method));
		return err;
	}
	log_info("%s: %s program %u attached via %s", name, compat_hook_str(out->hook),
		 out->prog_id, out->method == COMPAT_METHOD_LINK ? "tcx" : "clsact");
	return 0;
}

/* Only our own program is removed: XDP_FLAGS_REPLACE makes the kernel check
 * that the attached program is still the one we attached. */
static int xdp_netlink_detach(const struct compat_attachment *a)
{
	__u32 mode = a->xdp_mode == COMPAT_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(a->prog_id);
	if (fd < 0)
		return -errno;
	opts.old_prog_fd = fd;
	err = bpf_xdp_detach(a->ifindex, mode | XDP_FLAGS_REPLACE, &opts);
	close(fd);
	return err;
}

static int clsact_detach(const struct compat_attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->hook == COMPAT_HOOK_TC_INGRESS ? BPF_TC_INGRESS :
									BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->tc_handle, .priority = a->tc_priority);
	int err;

	err = bpf_tc_query(&hook, &opts);
	if (err)
		return err;
	if (opts.prog_id != a->prog_id)
		return -EEXIST; /* another program took this handle since */
	opts.prog_id = 0; /* bpf_tc_detach wants only handle and priority */
	return bpf_tc_detach(&hook, &opts);
}

int compat_detach(struct compat_attachment *a)
{
	const char *name = a->ifname;
	int err = 0;

	if (a->method == COMPAT_METHOD_LINK) {
		/* An explicit detach, because closing does not detach a link
		 * that is also pinned. */
		if (bpf_link_detach(a->link_fd))
			err = -errno;
		close(a->link_fd);
		a->link_fd = -1;
	} else if (a->hook == COMPAT_HOOK_XDP) {
		err = xdp_netlink_detach(a);
	} else {
		err = clsact_detach(a);
	}
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s: cannot detach %s program %u (%s)", name,
			  compat_hook_str(a->hook), a->prog_id, compat_method_str(a->method));
		return err;
	}
	log_info("%s: %s program %u detached (%s)", name, compat_hook_str(a->hook), a->prog_id,
		 compat_method_str(a->method));
	return 0;
}

int compat_pin(const struct compat_attachment *a, const char *path)
{
	int err;

	if (a->method != COMPAT_METHOD_LINK)
		return -EOPNOTSUPP;
	err = bpf_obj_pin(a->link_fd, path);
	if (err)
		log_errno(LOG_LVL_ERR, err, "cannot pin %s link of program %u at %s",
			  compat_hook_str(a->hook), a->prog_id, path);
	return err;
}
