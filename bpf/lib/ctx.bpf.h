/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The context adapter: XDP and tc hand the shared parser and policy code the
 * same view of a packet (linear data, length, ingress interface). */
#ifndef __IG_CTX_BPF_H
#define __IG_CTX_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Headers the tc programs need linear: outer Eth + IPv6 + UDP + VXLAN, inner
 * Eth + IPv6 with a few extension headers + TCP with options. */
#define CTX_PULL_LEN 256

struct ig_ctx {
	void *data;
	void *data_end;
	__u32 len; /* whole packet, including non-linear parts */
	__u32 ifindex;
};

static __always_inline void ctx_from_xdp(struct ig_ctx *c, struct xdp_md *xdp)
{
	c->data = (void *)(long)xdp->data;
	c->data_end = (void *)(long)xdp->data_end;
	c->len = c->data_end - c->data;
	c->ifindex = xdp->ingress_ifindex;
}

/* A GSO skb or one built from pages may hold only part of its headers in the
 * linear area; pull what the parser reads (never the whole 64 KiB payload). */
static __always_inline void ctx_from_skb(struct ig_ctx *c, struct __sk_buff *skb)
{
	__u32 pull = skb->len < CTX_PULL_LEN ? skb->len : CTX_PULL_LEN;
	void *data = (void *)(long)skb->data;

	if (data + pull > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, pull);
	c->data = (void *)(long)skb->data;
	c->data_end = (void *)(long)skb->data_end;
	c->len = skb->len;
	c->ifindex = skb->ingress_ifindex;
}

#endif /* __IG_CTX_BPF_H */
