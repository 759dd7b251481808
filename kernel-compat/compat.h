/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kernel-compat: what the running kernel can do, probed at run time by really
 * trying (never from LINUX_VERSION_CODE), and attach helpers that fall back
 * from XDP links to netlink attach, from native to generic XDP and from tcx to
 * clsact, logging each choice. Floor: kernel 5.15. */
#ifndef __IG_COMPAT_H
#define __IG_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct compat_features {
	bool xdp_link; /* bpf_link for XDP: 5.9 */
	bool tcx; /* tcx links on tc ingress/egress: 6.6 */
	bool ringbuf; /* BPF_MAP_TYPE_RINGBUF: 5.8 */
	bool lru_hash; /* BPF_MAP_TYPE_LRU_HASH: 4.10 */
	bool spin_lock_hash; /* bpf_spin_lock in hash map values: 5.1 */
};

/* Probe every feature by creating a map, loading a tiny program or asking
 * for a link. Returns 0, or a negative errno when a probe could not tell
 * (e.g. -EPERM without CAP_BPF); f is then only partly filled. */
int compat_probe(struct compat_features *f);
/* The probe's result, made (and logged) once per process. */
int compat_features_get(struct compat_features *f);
/* "xdp_link=yes tcx=yes ..." into buf; returns buf. */
const char *compat_features_str(const struct compat_features *f, char *buf, size_t len);

/* Attach flags, to force the fallbacks (tests, or a kernel that lies). */
#define COMPAT_F_FORCE_NETLINK (1U << 0) /* XDP: netlink attach, no bpf_link */
#define COMPAT_F_FORCE_GENERIC (1U << 1) /* XDP: generic (skb) mode only */
#define COMPAT_F_FORCE_CLSACT (1U << 2) /* tc: clsact via netlink, no tcx */
/* clsact: our fixed handle and priority (COMPAT_TC_HANDLE, COMPAT_TC_PRIO),
 * replacing the filter there, so that a restarted agent takes its own filter
 * over atomically instead of stacking a second one. */
#define COMPAT_F_TC_REPLACE (1U << 3)
#define COMPAT_TC_HANDLE 1
#define COMPAT_TC_PRIO 0x4947 /* "IG" */

/* The tcx attach types (6.6). Debian 12's UAPI headers lack them, and a newer
 * header declares them as enum constants, which an #ifndef cannot see: so
 * they get names of their own. */
#define COMPAT_TCX_INGRESS 46
#define COMPAT_TCX_EGRESS 47
#define COMPAT_LINK_TYPE_TCX 11 /* enum bpf_link_type, 6.6 */

enum compat_tc_dir { COMPAT_TC_INGRESS, COMPAT_TC_EGRESS };
enum compat_hook { COMPAT_HOOK_XDP, COMPAT_HOOK_TC_INGRESS, COMPAT_HOOK_TC_EGRESS };
enum compat_method { COMPAT_METHOD_LINK, COMPAT_METHOD_NETLINK };
enum compat_xdp_mode { COMPAT_XDP_NONE, COMPAT_XDP_NATIVE, COMPAT_XDP_GENERIC };

/* IF_NAMESIZE, or "ifindex N"; <net/if.h> is not included here because it
 * clashes with <linux/if.h> in modules that include that first. */
#define COMPAT_IFNAME_MAX 24

/* One attached program and how it got there; what compat_detach needs. */
struct compat_attachment {
	enum compat_hook hook;
	enum compat_method method;
	enum compat_xdp_mode xdp_mode; /* COMPAT_XDP_NONE for tc */
	int ifindex;
	char ifname[COMPAT_IFNAME_MAX]; /* for messages: "ifindex N" if unknown */
	int link_fd; /* -1 for netlink attachments */
	__u32 prog_id;
	__u32 tc_handle; /* clsact filter, 0 otherwise */
	__u32 tc_priority; /* clsact filter, 0 otherwise */
};

const char *compat_hook_str(enum compat_hook h);
const char *compat_method_str(enum compat_method m);
const char *compat_xdp_mode_str(enum compat_xdp_mode m);

/* XDP: bpf_link in native mode, else netlink attach in native mode, then the
 * same two in generic mode when the driver has no native XDP. Returns 0 or a
 * negative errno; out is filled on success. */
int compat_xdp_attach(int prog_fd, int ifindex, unsigned int flags, struct compat_attachment *out);
/* tc: a tcx link, else a direct-action cls_bpf filter on clsact (an existing
 * clsact qdisc is reused). Returns 0 or a negative errno. */
int compat_tc_attach(int prog_fd, int ifindex, enum compat_tc_dir dir, unsigned int flags,
		     struct compat_attachment *out);
/* Detach and close. Netlink attachments are found by ifindex, so call it from
 * the network namespace that attached. Returns 0 or a negative errno. */
int compat_detach(struct compat_attachment *a);
/* Pin a link attachment at path (bpffs); -EOPNOTSUPP for netlink ones, which
 * outlive the process anyway. */
int compat_pin(const struct compat_attachment *a, const char *path);

#endif /* __IG_COMPAT_H */
