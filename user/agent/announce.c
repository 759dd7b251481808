// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* VIP announcement through the kernel routing table FRR imports
 * (user/agent/announce.h). The table is the whole interface: FRR needs no
 * agent, the agent needs no BGP, and an agent killed with -9 leaves the
 * routes where they are, like the datapath it leaves running. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "user/agent/announce.h"

static __u64 announce_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct announce_vip *announce_find(struct announce *an, const __u8 addr[IG_ADDR_LEN])
{
	for (unsigned int i = 0; i < an->n; i++)
		if (!memcmp(an->vips[i].addr.addr, addr, IG_ADDR_LEN))
			return &an->vips[i];
	return NULL;
}

static int announce_route(struct announce *an, struct netlink *nl, struct announce_vip *v, bool add)
{
	char a[INET6_ADDRSTRLEN];
	int err;

	cfg_addr_str(&v->addr, a, sizeof(a));
	err = add ? netlink_vip_add(nl, &an->rt, v->addr.addr) :
		    netlink_vip_del(nl, &an->rt, v->addr.addr);
	if (err == -ENOENT && !add)
		err = 0; /* already gone: withdrawn all the same */
	if (err) {
		an->errors++;
		log_streak_fail(&an->log, LOG_LVL_WARN, announce_now(),
				"VIP %s: cannot %s its route in table %u: %s", a,
				add ? "add" : "delete", an->rt.table, strerror(-err));
		return err;
	}
	log_streak_ok(&an->log, LOG_LVL_INFO, announce_now(), "VIP routes in table %u work again",
		      an->rt.table);
	log_info("VIP %s %s (table %u)", a, add ? "announced" : "withdrawn", an->rt.table);
	v->announced = add;
	v->changes++;
	return 0;
}

static bool announce_same_table(const struct announce *an, const struct ig_cfg *cfg)
{
	return an->on && cfg->announce.present && an->rt.table == cfg->announce.table &&
	       an->rt.proto == cfg->announce.protocol && an->rt.metric == cfg->announce.metric;
}

int announce_configure(struct announce *an, const struct ig_cfg *cfg, struct netlink *nl)
{
	struct announce_vip *next = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*next));
	bool same = announce_same_table(an, cfg);
	unsigned int n = 0;

	if (!next)
		return -ENOMEM;
	for (unsigned int s = 0; cfg->announce.present && s < cfg->n_services; s++) {
		const struct config_service *svc = &cfg->services[s];
		struct announce_vip *old = announce_find(an, svc->vip.addr);
		bool dup = false;

		for (unsigned int j = 0; j < n && !dup; j++)
			dup = !memcmp(next[j].addr.addr, svc->vip.addr, IG_ADDR_LEN);
		if (dup || !svc->announce)
			continue;
		next[n].addr = svc->vip;
		if (old && same) {
			next[n] = *old;
			old->announced = false; /* carried over: not withdrawn below */
		}
		next[n++].want = false;
	}
	/* What is left announced in the old set goes: out of the file, opted
	 * out, or the table moved (re-added in the new one by the commit). */
	for (unsigned int i = 0; i < an->n; i++)
		if (an->vips[i].announced)
			announce_route(an, nl, &an->vips[i], false);
	free(an->vips);
	an->vips = next;
	an->n = n;
	an->on = cfg->announce.present;
	an->rt = (struct netlink_vip_route){ .table = cfg->announce.table,
					     .proto = cfg->announce.protocol,
					     .metric = cfg->announce.metric };
	return 0;
}

void announce_clear(struct announce *an)
{
	for (unsigned int i = 0; i < an->n; i++)
		an->vips[i].want = false;
}

void announce_want(struct announce *an, const struct config_addr *vip)
{
	struct announce_vip *v = announce_find(an, vip->addr);

	if (v)
		v->want = true;
}

void announce_hold(struct announce *an, __u64 hold_ns)
{
	an->hold_until_ns = hold_ns ? announce_now() + hold_ns : 0;
	if (an->on && hold_ns)
		log_info("announcing nothing for %llu ms (announce.hold)",
			 (unsigned long long)hold_ns / 1000000);
}

static bool announce_held(struct announce *an)
{
	if (!an->hold_until_ns)
		return false;
	if (announce_now() < an->hold_until_ns)
		return true;
	an->hold_until_ns = 0;
	return false;
}

int announce_commit(struct announce *an, struct netlink *nl)
{
	int changed = 0;

	if (announce_held(an))
		return 0;
	for (unsigned int i = 0; an->on && i < an->n; i++) {
		struct announce_vip *v = &an->vips[i];

		if (v->want != v->announced && !announce_route(an, nl, v, v->want))
			changed++;
	}
	return changed;
}

struct announce_seen {
	struct announce *an;
	__u8 (*stray)[IG_ADDR_LEN];
	unsigned int n_stray, cap;
	bool *present;
};

static void announce_seen_one(const __u8 dst[16], void *ctx)
{
	struct announce_seen *s = ctx;
	struct announce_vip *v = announce_find(s->an, dst);

	if (v && v->announced) {
		s->present[v - s->an->vips] = true;
		return;
	}
	if (s->n_stray < s->cap)
		memcpy(s->stray[s->n_stray++], dst, IG_ADDR_LEN);
}

void announce_reconcile(struct announce *an, struct netlink *nl)
{
	struct announce_seen s = { .an = an, .cap = 256 };
	int n;

	if (!an->on || announce_held(an))
		return;
	s.stray = calloc(s.cap, IG_ADDR_LEN);
	s.present = calloc(an->n ? an->n : 1, sizeof(bool));
	if (!s.stray || !s.present)
		goto out;
	n = netlink_vip_list(nl, &an->rt, announce_seen_one, &s);
	if (n < 0) {
		an->errors++;
		log_streak_fail(&an->log, LOG_LVL_WARN, announce_now(),
				"cannot read routing table %u: %s", an->rt.table, strerror(-n));
		goto out;
	}
	for (unsigned int i = 0; i < s.n_stray; i++) {
		struct announce_vip stray = { .announced = true };

		memcpy(stray.addr.addr, s.stray[i], IG_ADDR_LEN);
		stray.addr.family = !memcmp(s.stray[i], "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) ?
					    AF_INET :
					    AF_INET6;
		announce_route(an, nl, &stray, false);
	}
	for (unsigned int i = 0; i < an->n; i++) {
		if (an->vips[i].announced && !s.present[i]) {
			log_warn("a VIP route in table %u vanished: adding it again", an->rt.table);
			an->vips[i].announced = false;
			announce_route(an, nl, &an->vips[i], true);
		}
	}
out:
	free(s.stray);
	free(s.present);
}

int announce_withdraw_all(struct announce *an, struct netlink *nl)
{
	int n = 0;

	for (unsigned int i = 0; an->on && i < an->n; i++)
		if (an->vips[i].announced && !announce_route(an, nl, &an->vips[i], false))
			n++;
	an->hold_until_ns = 0;
	announce_reconcile(an, nl); /* a predecessor's routes, kept during a hold */
	return n;
}

void announce_render(const struct announce *an, struct mbuf *m)
{
	char a[INET6_ADDRSTRLEN];

	if (!an->on)
		return;
	mbuf_family(m, "infergate_vip_announced", "gauge",
		    "1 while the VIP's route is in the announce table (FRR announces it).");
	for (unsigned int i = 0; i < an->n; i++) {
		cfg_addr_str(&an->vips[i].addr, a, sizeof(a));
		mbuf_printf(m, "infergate_vip_announced{vip=\"%s\"} %d\n", a,
			    an->vips[i].announced);
	}
	mbuf_family(m, "infergate_vip_announce_changes_total", "counter",
		    "Announcements and withdrawals of the VIP.");
	for (unsigned int i = 0; i < an->n; i++) {
		cfg_addr_str(&an->vips[i].addr, a, sizeof(a));
		mbuf_printf(m, "infergate_vip_announce_changes_total{vip=\"%s\"} %llu\n", a,
			    (unsigned long long)an->vips[i].changes);
	}
	mbuf_family(m, "infergate_vip_announce_errors_total", "counter",
		    "VIP route changes the kernel refused.");
	mbuf_printf(m, "infergate_vip_announce_errors_total %llu\n",
		    (unsigned long long)an->errors);
}

void announce_free(struct announce *an)
{
	free(an->vips);
	an->vips = NULL;
	an->n = 0;
}
