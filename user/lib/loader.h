/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Load, pin, adopt and attach the gateway's datapath. Maps are pinned under
 * <root>/maps/<name> and an existing pin is adopted instead of replaced (from
 * an earlier agent or from `bpftool prog loadall ... pinmaps`), so a restart
 * loses no flow. XDP links are pinned under <root>/links/<ifname>-xdp and a
 * new program replaces the old one behind the link atomically. */
#ifndef __IG_LOADER_H
#define __IG_LOADER_H

#include <stdbool.h>
#include <limits.h>

#include "kernel-compat/compat.h"
#include "user/lib/dp.h"

#define LOADER_LINKS_MAX 16

struct xdp_gateway;
struct tc_host_ingress;
struct tc_workload;
struct tc_host_egress;

/* The GPU host's programs (loader_open_host). */
enum loader_host_prog {
	LOADER_HOST_INGRESS, /* tc ingress on the underlay */
	LOADER_HOST_EGRESS, /* tc egress on the underlay */
	LOADER_WORKLOAD, /* tc ingress on each workload's host-side interface */
};

struct loader_link {
	char ifname[COMPAT_IFNAME_MAX];
	char pin[PATH_MAX];
	struct compat_attachment att;
	bool adopted; /* an existing pinned link got the new program */
};

struct loader {
	char root[256]; /* IG_PIN_ROOT unless a test or --pin-root says otherwise */
	struct xdp_gateway *gw;
	struct tc_host_ingress *hi; /* GPU host: NULL until loader_open_host */
	struct tc_workload *wk;
	struct tc_host_egress *he;
	struct dp_maps maps;
	int nadopted; /* maps that already existed as pins */
	int nlinks;
	struct loader_link links[LOADER_LINKS_MAX];
};

/* Open and load xdp_gateway with every map pinned under root/maps (root
 * NULL: IG_PIN_ROOT), reusing the maps already pinned there. Mounts bpffs
 * when it is missing. A pinned map of another layout is an error naming it. */
int loader_open(struct loader *ld, const char *root);
/* Attach to ifname: a pinned link there gets the new program atomically
 * (bpf_link_update), else kernel-compat attaches and the link is pinned. */
int loader_attach_xdp(struct loader *ld, const char *ifname, unsigned int compat_flags);
/* Pin again every map and link this loader holds an fd for whose pin is
 * gone (rm -rf of the pin root, or of one link): without it, the link would
 * end with the agent's fd and the program would leave its interface. Sets
 * *restored to the pins made; returns 0 or the first error. */
int loader_repin(struct loader *ld, unsigned int *restored);
/* Load the GPU host's three programs on the maps loader_open opened (one
 * set for the whole machine: a single-box lab is gateway and host). */
int loader_open_host(struct loader *ld);
/* loader_open for a GPU host that is no gateway: the maps come from
 * tc_host_ingress and xdp_gateway is not loaded; then loader_open_host. */
int loader_open_host_only(struct loader *ld, const char *root);
/* Attach a host program to ifname (ifindex) into l, which the caller owns:
 * a pinned tcx link <root>/links/<ifname>-tc-ingress|egress on that very
 * interface gets the new program atomically (bpf_link_update: a restarted
 * agent loses no packet), else kernel-compat attaches (tcx, else clsact,
 * whose filter has a fixed handle and is replaced in place) and pins. */
int loader_attach_tc(struct loader *ld, enum loader_host_prog prog, const char *ifname, int ifindex,
		     unsigned int compat_flags, struct loader_link *l);
/* Detach l and remove its pin (a workload removed from the configuration). */
int loader_link_detach(struct loader_link *l);
/* Forget l without detaching: its interface is gone (the kernel detached
 * it), or the agent exits and leaves the datapath running. */
void loader_link_close(struct loader_link *l, bool unpin);
/* Detach every link this loader attached or adopted and remove their pins
 * (infergated --detach). Maps stay pinned. */
int loader_detach(struct loader *ld);
/* Close fds; pinned links and maps keep the datapath running. */
void loader_close(struct loader *ld);
/* Remove the whole pin tree under root (tests, uninstall). */
int loader_unpin_all(const char *root);

#endif /* __IG_LOADER_H */
