// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BGP EVPN through the kernel (user/agent/evpn.h, docs/evpn.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>

#include "user/agent/evpn.h"
#include "user/agent/metrics.h"
#include "user/lib/addr.h"
#include "user/lib/log.h"

static const __u8 zero_mac[6];

/* ---- the mirror ---- */

static int grow(void **arr, unsigned int *cap, unsigned int n, size_t size)
{
	unsigned int c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= EVPN_TABLE_MAX)
		return -ENOSPC;
	if (c > EVPN_TABLE_MAX)
		c = EVPN_TABLE_MAX;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* An FDB entry's identity: (VNI, MAC) for a MAC, (VNI, 0, VTEP) for the
 * flood list, which has one entry per VTEP. */
static bool fdb_same(const struct evpn_fdb *f, __u32 vni, const __u8 *mac, const __u8 *vtep)
{
	if (f->vni != vni || memcmp(f->mac, mac, 6))
		return false;
	return memcmp(mac, zero_mac, 6) || !memcmp(f->vtep, vtep, 16);
}

int evpn_table_fdb(struct evpn_table *t, bool add, __u32 vni, const __u8 mac[6],
		   const __u8 vtep[16])
{
	int err;

	for (unsigned int i = 0; i < t->n_fdb; i++) {
		struct evpn_fdb *f = &t->fdb[i];

		if (!fdb_same(f, vni, mac, vtep))
			continue;
		if (add) {
			if (!memcmp(f->vtep, vtep, 16))
				return 0;
			memcpy(f->vtep, vtep, 16); /* the MAC moved */
			return 1;
		}
		/* A delete names the VTEP it removes: after a move, the
		 * old one's delete must not remove the new one. */
		if (memcmp(f->vtep, vtep, 16))
			return 0;
		*f = t->fdb[--t->n_fdb];
		return 1;
	}
	if (!add)
		return 0;
	err = grow((void **)&t->fdb, &t->cap_fdb, t->n_fdb, sizeof(*t->fdb));
	if (err)
		return err;
	t->fdb[t->n_fdb].vni = vni;
	memcpy(t->fdb[t->n_fdb].mac, mac, 6);
	memcpy(t->fdb[t->n_fdb].vtep, vtep, 16);
	t->n_fdb++;
	return 1;
}

int evpn_table_neigh(struct evpn_table *t, bool add, __u32 vni, const __u8 addr[16],
		     const __u8 mac[6])
{
	int err;

	for (unsigned int i = 0; i < t->n_nb; i++) {
		struct evpn_nb *b = &t->nb[i];

		if (b->vni != vni || memcmp(b->addr, addr, 16))
			continue;
		if (!add) {
			*b = t->nb[--t->n_nb];
			return 1;
		}
		if (!memcmp(b->mac, mac, 6))
			return 0;
		memcpy(b->mac, mac, 6);
		return 1;
	}
	if (!add)
		return 0;
	err = grow((void **)&t->nb, &t->cap_nb, t->n_nb, sizeof(*t->nb));
	if (err)
		return err;
	t->nb[t->n_nb].vni = vni;
	memcpy(t->nb[t->n_nb].addr, addr, 16);
	memcpy(t->nb[t->n_nb].mac, mac, 6);
	t->nb[t->n_nb].seq = ++t->seq;
	t->n_nb++;
	return 1;
}

int evpn_table_sync(struct evpn_table *t, const struct evpn_table *now)
{
	int changed = 0, r;

	for (unsigned int i = t->n_fdb; i-- > 0;) {
		const struct evpn_fdb *f = &t->fdb[i];
		bool found = false;

		for (unsigned int j = 0; j < now->n_fdb && !found; j++)
			found = fdb_same(&now->fdb[j], f->vni, f->mac, f->vtep) &&
				!memcmp(now->fdb[j].vtep, f->vtep, 16);
		if (!found) {
			t->fdb[i] = t->fdb[--t->n_fdb];
			changed = 1;
		}
	}
	for (unsigned int i = t->n_nb; i-- > 0;) {
		const struct evpn_nb *b = &t->nb[i];
		bool found = false;

		for (unsigned int j = 0; j < now->n_nb && !found; j++)
			found = now->nb[j].vni == b->vni && !memcmp(now->nb[j].addr, b->addr, 16);
		if (!found) {
			t->nb[i] = t->nb[--t->n_nb];
			changed = 1;
		}
	}
	for (unsigned int j = 0; j < now->n_fdb; j++) {
		r = evpn_table_fdb(t, true, now->fdb[j].vni, now->fdb[j].mac, now->fdb[j].vtep);
		if (r < 0)
			return r;
		changed |= r;
	}
	/* In now's order of learning: new ones keep it among themselves. */
	for (unsigned int j = 0; j < now->n_nb; j++) {
		r = evpn_table_neigh(t, true, now->nb[j].vni, now->nb[j].addr, now->nb[j].mac);
		if (r < 0)
			return r;
		changed |= r;
	}
	return changed;
}

void evpn_table_drop_vni(struct evpn_table *t, __u32 vni)
{
	for (unsigned int i = t->n_fdb; i-- > 0;)
		if (t->fdb[i].vni == vni)
			t->fdb[i] = t->fdb[--t->n_fdb];
	for (unsigned int i = t->n_nb; i-- > 0;)
		if (t->nb[i].vni == vni)
			t->nb[i] = t->nb[--t->n_nb];
}

bool evpn_table_member(const struct evpn_table *t, __u32 vni, const __u8 vtep[16])
{
	for (unsigned int i = 0; i < t->n_fdb; i++)
		if (t->fdb[i].vni == vni && !memcmp(t->fdb[i].mac, zero_mac, 6) &&
		    !memcmp(t->fdb[i].vtep, vtep, 16))
			return true;
	return false;
}

bool evpn_table_vtep(const struct evpn_table *t, unsigned int i, __u32 *vni, __u8 vtep[16])
{
	for (unsigned int j = 0; j < t->n_fdb; j++) {
		if (memcmp(t->fdb[j].mac, zero_mac, 6) || i--)
			continue;
		*vni = t->fdb[j].vni;
		memcpy(vtep, t->fdb[j].vtep, 16);
		return true;
	}
	return false;
}

struct ep_tmp {
	struct evpn_ep ep;
	__u64 seq;
};

static int ep_tmp_cmp(const void *a, const void *b)
{
	const struct ep_tmp *x = a, *y = b;
	int c = memcmp(x->ep.addr, y->ep.addr, 16);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

unsigned int evpn_table_endpoints(const struct evpn_table *t, struct evpn_ep *out, unsigned int max,
				  unsigned int *conflicts)
{
	struct ep_tmp *tmp = calloc(t->n_nb + 1, sizeof(*tmp));
	unsigned int n = 0, k = 0;

	*conflicts = 0;
	if (!tmp)
		return 0;
	for (unsigned int i = 0; i < t->n_nb; i++) {
		const struct evpn_nb *b = &t->nb[i];
		const struct evpn_fdb *f = NULL;

		for (unsigned int j = 0; j < t->n_fdb && !f; j++)
			if (t->fdb[j].vni == b->vni && !memcmp(t->fdb[j].mac, b->mac, 6) &&
			    memcmp(b->mac, zero_mac, 6))
				f = &t->fdb[j];
		/* Only toward a VTEP that serves the VNI: the datapath
		 * would refuse to send there anyway. */
		if (!f || !evpn_table_member(t, b->vni, f->vtep))
			continue;
		memcpy(tmp[n].ep.addr, b->addr, 16);
		tmp[n].ep.vni = b->vni;
		memcpy(tmp[n].ep.vtep, f->vtep, 16);
		tmp[n].seq = b->seq;
		n++;
	}
	qsort(tmp, n, sizeof(*tmp), ep_tmp_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (i && !memcmp(tmp[i].ep.addr, tmp[i - 1].ep.addr, 16)) {
			/* The same address again: a conflict when in another
			 * VNI (same VNI cannot happen: one entry per address). */
			(*conflicts)++;
			continue;
		}
		if (k < max)
			out[k++] = tmp[i].ep;
	}
	free(tmp);
	return k;
}

void evpn_table_free(struct evpn_table *t)
{
	free(t->fdb);
	free(t->nb);
	memset(t, 0, sizeof(*t));
}

/* ---- the kernel objects ---- */

static struct evpn_vni *evpn_vni_of(const struct evpn *e, __u32 vni)
{
	for (unsigned int i = 0; i < e->n_vnis; i++)
		if (e->vnis[i].vni == vni)
			return &e->vnis[i];
	return NULL;
}

__u32 evpn_tenant(const struct evpn *e, __u32 vni)
{
	const struct evpn_vni *v = e ? evpn_vni_of(e, vni) : NULL;

	return v ? v->tenant : 0;
}

int evpn_start(struct evpn **out, struct netlink *nl)
{
	struct evpn *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->nl = nl;
	*out = e;
	return 0;
}

static void evpn_have_drop_vni(struct evpn *e, __u32 vni)
{
	for (unsigned int i = e->n_have; i-- > 0;)
		if (e->have[i].vni == vni)
			e->have[i] = e->have[--e->n_have];
}

static void evpn_resync(struct evpn *e);

/* Make or re-assert v's objects. New ifindexes (made the first time, after
 * a failure, or anew under the agent): what was learned on the old ones is
 * forgotten and the tables are dumped again (events for the new devices
 * are followed from now on). A failure is logged and counted once per
 * streak; the VNI is tried again at each evpn_tick. */
static int evpn_vni_check(struct evpn *e, struct evpn_vni *v)
{
	struct netlink_evpn_ifs ifs;
	int err = netlink_evpn_vni_up(e->nl, v->vni, e->vtep, e->cfg.port, &ifs);

	if (err) {
		if (!v->failing) {
			e->errors++;
			log_errno(LOG_LVL_WARN, err,
				  "evpn: VNI %u: making its kernel objects (tried again each "
				  "second)",
				  v->vni);
		}
		v->failing = true;
		v->up = false;
		return err;
	}
	if (memcmp(&ifs, &v->ifs, sizeof(ifs))) {
		if (v->up)
			log_warn("evpn: VNI %u: its kernel objects changed under the agent: "
				 "following the new ones",
				 v->vni);
		v->ifs = ifs;
		evpn_table_drop_vni(&e->learned, v->vni);
		evpn_have_drop_vni(e, v->vni);
		e->resync = true;
		e->changed = true;
	}
	if (v->failing)
		log_info("evpn: VNI %u: its kernel objects are made", v->vni);
	if (!v->up) { /* its events were not followed while down */
		e->changed = true;
		e->resync = true;
	}
	v->failing = false;
	v->up = true;
	return 0;
}

struct evpn_keep {
	const __u32 *vnis;
	unsigned int n;
};

static bool evpn_keep(__u32 vni, void *ctx)
{
	const struct evpn_keep *k = ctx;

	for (unsigned int i = 0; i < k->n; i++)
		if (k->vnis[i] == vni)
			return true;
	return false;
}

int evpn_apply(struct evpn *e, const struct config_evpn *cfg, const __u8 vtep[16],
	       const __u32 *vnis, const __u32 *tenants, unsigned int n)
{
	struct evpn_vni *nv = calloc(n + 1, sizeof(*nv));
	int ret = 0, err;

	if (!nv)
		return -ENOMEM;
	e->cfg = *cfg;
	memcpy(e->vtep, vtep, 16);
	/* A VNI removed while no agent ran: zebra would go on announcing it
	 * from the devices left (as announce.c cleans a previous run's
	 * routes). */
	if (!e->started) {
		struct evpn_keep k = { vnis, n };

		err = netlink_evpn_leftovers(e->nl, evpn_keep, &k);
		if (err < 0)
			log_errno(LOG_LVL_WARN, err, "evpn: looking for a previous run's devices");
		e->started = true;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct evpn_vni *old = evpn_vni_of(e, vnis[i]);

		if (old)
			nv[i] = *old;
		nv[i].vni = vnis[i];
		nv[i].tenant = tenants[i];
		err = evpn_vni_check(e, &nv[i]);
		ret = ret ?: err;
	}
	for (unsigned int i = 0; i < e->n_vnis; i++) {
		bool kept = false;

		for (unsigned int j = 0; j < n; j++)
			kept |= vnis[j] == e->vnis[i].vni;
		if (kept)
			continue;
		log_info("evpn: VNI %u no longer served: its kernel objects removed",
			 e->vnis[i].vni);
		netlink_evpn_vni_down(e->nl, e->vnis[i].vni);
		evpn_table_drop_vni(&e->learned, e->vnis[i].vni);
		evpn_have_drop_vni(e, e->vnis[i].vni);
		e->changed = true;
	}
	free(e->vnis);
	e->vnis = nv;
	e->n_vnis = n;
	if (e->resync)
		evpn_resync(e);
	return ret;
}

/* ---- what the kernel says ---- */

static bool nb_valid(const struct netlink_neigh *n)
{
	return !n->del && (n->state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_STALE |
				       NUD_DELAY | NUD_PROBE));
}

static void evpn_have_update(struct evpn *e, bool add, const struct evpn_local *l)
{
	for (unsigned int i = 0; i < e->n_have; i++) {
		struct evpn_local *h = &e->have[i];

		if (h->vni != l->vni || h->has_addr != l->has_addr ||
		    (l->has_addr ? memcmp(h->addr, l->addr, 16) : memcmp(h->mac, l->mac, 6)))
			continue;
		if (add)
			*h = *l;
		else
			*h = e->have[--e->n_have];
		return;
	}
	if (add && !grow((void **)&e->have, &e->cap_have, e->n_have, sizeof(*e->have)))
		e->have[e->n_have++] = *l;
}

static void evpn_on_neigh(const struct netlink_neigh *n, void *ctx)
{
	struct evpn *e = ctx;
	struct evpn_local l = {};
	const struct evpn_vni *v = NULL;
	struct evpn_table *t = &e->learned;
	bool add = nb_valid(n);
	int r = 0;

	for (unsigned int i = 0; i < e->n_vnis && !v; i++)
		if (e->vnis[i].up &&
		    (e->vnis[i].ifs.vx == n->ifindex || e->vnis[i].ifs.br == n->ifindex ||
		     e->vnis[i].ifs.port == n->ifindex))
			v = &e->vnis[i];
	if (!v)
		return; /* not one of ours */
	e->events++;
	l.vni = v->vni;
	if (e->dumping)
		t = &e->fresh;
	if (n->family == AF_BRIDGE && n->ifindex == v->ifs.vx) {
		/* zebra's remote entries carry the VTEP; the bridge's own
		 * (master) entries for the same MACs do not. */
		if (!n->has_dst || !n->has_mac)
			return;
		if (!memcmp(n->dst, e->vtep, 16)) {
			e->ignored++;
			return;
		}
		r = evpn_table_fdb(t, add, v->vni, n->mac, n->dst);
	} else if (n->family != AF_BRIDGE && n->ifindex == v->ifs.br && n->has_dst) {
		if (n->flags & NTF_EXT_LEARNED) { /* zebra's: a remote type-2 */
			if (add && !n->has_mac)
				return;
			r = evpn_table_neigh(t, add, v->vni, n->dst, n->mac);
		} else if (n->state & NUD_PERMANENT || n->del) { /* the agent's own */
			l.has_addr = true;
			memcpy(l.addr, n->dst, 16);
			memcpy(l.mac, n->mac, 6);
			evpn_have_update(e, add, &l);
		}
	} else if (n->family == AF_BRIDGE && n->ifindex == v->ifs.port && n->has_mac &&
		   (n->flags & NTF_MASTER) && !(n->state & NUD_PERMANENT)) {
		memcpy(l.mac, n->mac, 6); /* the agent's own static entry */
		evpn_have_update(e, add, &l);
	}
	if (r < 0) {
		e->ignored++;
		log_errno(LOG_LVL_WARN, r, "evpn: a learned entry of VNI %u is left out", v->vni);
	}
	if (r > 0 && !e->dumping)
		e->changed = true;
}

int evpn_watch(struct evpn *e)
{
	int err = netlink_neigh_watch(e->nl, evpn_on_neigh, e);

	e->watching = !err;
	if (err)
		log_errno(LOG_LVL_ERR, err, "evpn: cannot follow the FDB and neighbour tables");
	e->changed = true;
	e->resync = false; /* just dumped */
	return err;
}

/* Dump the tables into fresh and make learned what they hold; the agent's
 * own entries (have) are read anew too. A failed dump is tried again at
 * the next call. */
static void evpn_resync(struct evpn *e)
{
	int err, r;

	if (!e->watching)
		return;
	e->resync = false;
	evpn_table_free(&e->fresh);
	e->n_have = 0;
	e->dumping = true;
	err = netlink_neigh_dump(e->nl);
	e->dumping = false;
	r = err ? 0 : evpn_table_sync(&e->learned, &e->fresh);
	evpn_table_free(&e->fresh);
	e->changed = true; /* have was read anew */
	if (err || r < 0) {
		e->errors++;
		e->resync = true;
		log_errno(LOG_LVL_WARN, err ?: r, "evpn: dumping the FDB and neighbour tables");
		return;
	}
	e->resyncs++;
}

void evpn_events(struct evpn *e)
{
	if (!e || !e->watching)
		return;
	if (netlink_neigh_lost(e->nl)) {
		log_warn("evpn: netlink events lost (receive buffer overrun): dumping the FDB and "
			 "neighbour tables again");
		e->resync = true;
	}
	if (e->resync)
		evpn_resync(e);
}

void evpn_tick(struct evpn *e)
{
	if (!e)
		return;
	for (unsigned int i = 0; i < e->n_vnis; i++)
		if (!e->vnis[i].up)
			evpn_vni_check(e, &e->vnis[i]);
	evpn_events(e);
}

bool evpn_take_changed(struct evpn *e)
{
	bool c = e && e->changed;

	if (e)
		e->changed = false;
	return c;
}

/* ---- the local workloads for zebra ---- */

void evpn_local_begin(struct evpn *e)
{
	e->n_want = 0;
}

int evpn_local_add(struct evpn *e, __u32 tenant, const __u8 mac[6], const __u8 *addr)
{
	struct evpn_local *l;
	__u32 vni = 0;
	int err;

	for (unsigned int i = 0; i < e->n_vnis && !vni; i++)
		if (e->vnis[i].tenant == tenant)
			vni = e->vnis[i].vni;
	if (!vni || !e->cfg.advertise)
		return 0;
	err = grow((void **)&e->want, &e->cap_want, e->n_want, sizeof(*e->want));
	if (err)
		return err;
	l = &e->want[e->n_want++];
	memset(l, 0, sizeof(*l));
	l->vni = vni;
	memcpy(l->mac, mac, 6);
	if (addr) {
		l->has_addr = true;
		memcpy(l->addr, addr, 16);
	}
	return 0;
}

static const struct evpn_local *local_find(const struct evpn_local *arr, unsigned int n,
					   const struct evpn_local *l)
{
	for (unsigned int i = 0; i < n; i++)
		if (!memcmp(&arr[i], l, sizeof(*l)))
			return &arr[i];
	return NULL;
}

static int evpn_local_write(struct evpn *e, const struct evpn_local *l, bool del)
{
	const struct evpn_vni *v = evpn_vni_of(e, l->vni);
	int err;

	if (!v || !v->up)
		return 0;
	err = l->has_addr ? netlink_evpn_neigh(e->nl, v->ifs.br, l->addr, l->mac, del) :
			    netlink_evpn_fdb(e->nl, v->ifs.port, l->mac, del);
	if (err) {
		e->errors++;
		log_errno(LOG_LVL_WARN, err, "evpn: VNI %u: %s a local entry", l->vni,
			  del ? "removing" : "writing");
	} else {
		evpn_have_update(e, !del, l);
	}
	return err;
}

void evpn_local_commit(struct evpn *e)
{
	struct evpn_local *old;
	unsigned int n_old;

	/* The bridge resets a port's state when its link comes back up;
	 * devices deleted under the agent are made anew and followed. */
	for (unsigned int i = 0; i < e->n_vnis; i++)
		if (e->vnis[i].up)
			evpn_vni_check(e, &e->vnis[i]);
	evpn_events(e);
	/* FDB entries first: zebra advertises a neighbour once its MAC is local. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < e->n_want; i++)
			if (e->want[i].has_addr == pass &&
			    !local_find(e->have, e->n_have, &e->want[i]))
				evpn_local_write(e, &e->want[i], false);
	n_old = e->n_have;
	old = malloc((n_old + 1) * sizeof(*old));
	if (!old)
		return;
	memcpy(old, e->have, n_old * sizeof(*old));
	for (int pass = 1; pass >= 0; pass--)
		for (unsigned int i = 0; i < n_old; i++)
			if (old[i].has_addr == pass && !local_find(e->want, e->n_want, &old[i]))
				evpn_local_write(e, &old[i], true);
	free(old);
}

/* ---- /metrics ---- */

void evpn_render(const struct evpn *e, struct mbuf *m)
{
	if (!e)
		return;
	mbuf_family(m, "infergate_evpn_vni_up", "gauge",
		    "1 while the VNI's kernel objects for the EVPN daemon exist as wanted.");
	for (unsigned int i = 0; i < e->n_vnis; i++)
		mbuf_printf(m, "infergate_evpn_vni_up{vni=\"%u\"} %d\n", e->vnis[i].vni,
			    e->vnis[i].up);
	mbuf_family(m, "infergate_evpn_remote_vteps", "gauge",
		    "Remote VTEPs the EVPN daemon installed for the VNI (type-3 routes).");
	mbuf_family(m, "infergate_evpn_remote_macs", "gauge",
		    "Remote MACs the EVPN daemon installed for the VNI (type-2 routes).");
	mbuf_family(m, "infergate_evpn_remote_neighbours", "gauge",
		    "Remote addresses the EVPN daemon installed for the VNI (type-2 MAC+IP).");
	for (unsigned int i = 0; i < e->n_vnis; i++) {
		unsigned int vt = 0, mac = 0, nb = 0;

		for (unsigned int j = 0; j < e->learned.n_fdb; j++) {
			if (e->learned.fdb[j].vni != e->vnis[i].vni)
				continue;
			if (memcmp(e->learned.fdb[j].mac, zero_mac, 6))
				mac++;
			else
				vt++;
		}
		for (unsigned int j = 0; j < e->learned.n_nb; j++)
			nb += e->learned.nb[j].vni == e->vnis[i].vni;
		mbuf_printf(m, "infergate_evpn_remote_vteps{vni=\"%u\"} %u\n", e->vnis[i].vni, vt);
		mbuf_printf(m, "infergate_evpn_remote_macs{vni=\"%u\"} %u\n", e->vnis[i].vni, mac);
		mbuf_printf(m, "infergate_evpn_remote_neighbours{vni=\"%u\"} %u\n", e->vnis[i].vni,
			    nb);
	}
	mbuf_family(m, "infergate_evpn_local_entries", "gauge",
		    "FDB and neighbour entries the agent gives the EVPN daemon for local "
		    "workloads.");
	mbuf_printf(m, "infergate_evpn_local_entries %u\n", e->n_have);
	mbuf_family(m, "infergate_evpn_events_total", "counter",
		    "FDB and neighbour events of the EVPN objects the agent read.");
	mbuf_printf(m, "infergate_evpn_events_total %llu\n", (unsigned long long)e->events);
	mbuf_family(m, "infergate_evpn_ignored_total", "counter",
		    "Learned entries left out: the machine's own VTEP, a full table.");
	mbuf_printf(m, "infergate_evpn_ignored_total %llu\n", (unsigned long long)e->ignored);
	mbuf_family(m, "infergate_evpn_errors_total", "counter",
		    "Kernel object and entry writes that failed.");
	mbuf_printf(m, "infergate_evpn_errors_total %llu\n", (unsigned long long)e->errors);
	mbuf_family(m, "infergate_evpn_resyncs_total", "counter",
		    "Dumps of the FDB and neighbour tables after lost netlink events or "
		    "devices made anew.");
	mbuf_printf(m, "infergate_evpn_resyncs_total %llu\n", (unsigned long long)e->resyncs);
	mbuf_family(m, "infergate_evpn_conflicts", "gauge",
		    "Learned addresses left out at the last mirror: another VNI or the "
		    "configuration has them.");
	mbuf_printf(m, "infergate_evpn_conflicts %u\n", e->conflicts);
}

void evpn_stop(struct evpn *e)
{
	if (!e)
		return;
	evpn_table_free(&e->learned);
	evpn_table_free(&e->fresh);
	free(e->vnis);
	free(e->have);
	free(e->want);
	free(e);
}
