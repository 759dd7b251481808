// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The map writer. Every write keeps the datapath consistent on its own: a
 * Maglev table is swapped whole, a service brings its VIP marker, a load
 * update never touches the kernel's in-flight counts. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "user/lib/addr.h"
#include "user/lib/dp.h"
#include "user/lib/log.h"
#include "maps/flowhash.h"

const char *const dp_map_names[] = {
	"ig_config",	   "ig_services",  "ig_backends",    "ig_be_load",  "ig_inflight",
	"ig_svc_backends", "ig_maglev",	   "ig_conns",	     "ig_tenants",  "ig_drops",
	"ig_counters",	   "ig_svc_stats", "ig_be_stats",    "ig_tn_stats", "ig_flood",
	"ig_tx_ports",	   "ig_events",	   "ig_vni_tenants", "ig_vteps",    "ig_endpoints",
	"ig_workloads",	   "ig_tn_drops",  "ig_tn_usage",    "ig_tn_conns", "ig_shed",
	"ig_tn_resp",	   "ig_flow_resp", "ig_host_addrs",  "ig_wl_stats", "ig_names",
	"ig_operator",	   "ig_sync",	   "ig_sync_lost",
};
const size_t dp_map_count = sizeof(dp_map_names) / sizeof(dp_map_names[0]);
/* ig_host_addrs and what follows (ig_wl_stats, ig_names, ig_operator)
 * came after ABI 1's first pins; ig_sync and ig_sync_lost within ABI 2 (every
 * ABI 3 datapath has them). */
#define DP_FIRST_OPTIONAL 27
_Static_assert(sizeof(dp_map_names) / sizeof(dp_map_names[0]) ==
		       sizeof(struct dp_maps) / sizeof(int) - 1,
	       "dp_map_names and struct dp_maps disagree");

_Static_assert(offsetof(struct dp_maps, host_addrs) / sizeof(int) == DP_FIRST_OPTIONAL,
	       "DP_FIRST_OPTIONAL names ig_host_addrs");

static int *dp_slot(struct dp_maps *m, size_t i)
{
	return &m->config + i;
}

int dp_from_object(struct dp_maps *m, struct bpf_object *obj)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < dp_map_count; i++) {
		int fd = bpf_object__find_map_fd_by_name(obj, dp_map_names[i]);

		if (fd < 0) {
			log_err("object %s has no map %s", bpf_object__name(obj), dp_map_names[i]);
			return -ENOENT;
		}
		*dp_slot(m, i) = fd;
	}
	return 0;
}

int dp_open_pinned(struct dp_maps *m, const char *dir)
{
	char path[256];
	int err;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < dp_map_count; i++)
		*dp_slot(m, i) = -1;
	m->owned = true;
	for (size_t i = 0; i < dp_map_count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dp_map_names[i]);
		*dp_slot(m, i) = bpf_obj_get(path);
		/* Maps added within ABI 1 are missing from older pins: their
		 * fd stays -1 and their readers find nothing. */
		if (*dp_slot(m, i) < 0 && errno == ENOENT && i >= DP_FIRST_OPTIONAL)
			continue;
		if (*dp_slot(m, i) < 0) {
			err = -errno;
			log_errno(LOG_LVL_DBG, err, "opening pinned map %s", path);
			dp_close(m);
			return err;
		}
	}
	return 0;
}

void dp_close(struct dp_maps *m)
{
	if (!m->owned)
		return;
	for (size_t i = 0; i < dp_map_count; i++) {
		if (*dp_slot(m, i) >= 0)
			close(*dp_slot(m, i));
		*dp_slot(m, i) = -1;
	}
}

static int dp_update(int fd, const void *key, const void *val, const char *what)
{
	int err;

	if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		err = -errno;
		log_errno(LOG_LVL_WARN, err, "updating %s", what);
		return err;
	}
	return 0;
}

static int dp_lookup(int fd, const void *key, void *val)
{
	return bpf_map_lookup_elem(fd, key, val) ? -errno : 0;
}

int dp_config_get(const struct dp_maps *m, struct ig_config *cfg)
{
	__u32 zero = 0;

	return dp_lookup(m->config, &zero, cfg);
}

int dp_config_set(const struct dp_maps *m, const struct ig_config *cfg)
{
	__u32 zero = 0;

	return dp_update(m->config, &zero, cfg, "ig_config");
}

int dp_service_key(struct ig_service_key *k, const char *vip, unsigned int port, unsigned int proto)
{
	memset(k, 0, sizeof(*k));
	if (port > 65535 || proto > 255)
		return -EINVAL;
	if (addr_parse(vip, k->addr))
		return -EINVAL;
	k->port = htons(port);
	k->proto = proto;
	return 0;
}

int dp_service_set(const struct dp_maps *m, const struct ig_service_key *k,
		   const struct ig_service *svc)
{
	struct ig_service_key marker = {};
	struct ig_service none = {};
	int err;

	if (!svc->id || svc->id >= IG_SERVICE_MAX || svc->tenant >= IG_TENANT_MAX)
		return -EINVAL;
	memcpy(marker.addr, k->addr, sizeof(marker.addr));
	err = dp_update(m->services, &marker, &none, "ig_services (VIP marker)");
	if (err)
		return err;
	return dp_update(m->services, k, svc, "ig_services");
}

/* Does any service other than k still use k's VIP? */
static bool dp_vip_in_use(const struct dp_maps *m, const struct ig_service_key *k)
{
	struct ig_service_key cur, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->services, prev, &next)) {
		if (!memcmp(next.addr, k->addr, sizeof(next.addr)) && next.proto &&
		    memcmp(&next, k, sizeof(next)))
			return true;
		cur = next;
		prev = &cur;
	}
	return false;
}

int dp_service_del(const struct dp_maps *m, const struct ig_service_key *k)
{
	struct ig_service_key marker = {};

	if (bpf_map_delete_elem(m->services, k))
		return -errno;
	memcpy(marker.addr, k->addr, sizeof(marker.addr));
	if (!dp_vip_in_use(m, k))
		bpf_map_delete_elem(m->services, &marker);
	return 0;
}

int dp_backend_set(const struct dp_maps *m, __u32 id, const struct ig_backend *be)
{
	if (!id || id >= IG_BACKEND_MAX || be->state >= IG_BE_STATE__MAX)
		return -EINVAL;
	return dp_update(m->backends, &id, be, "ig_backends");
}

int dp_backend_get(const struct dp_maps *m, __u32 id, struct ig_backend *be)
{
	if (!id || id >= IG_BACKEND_MAX)
		return -EINVAL;
	return dp_lookup(m->backends, &id, be);
}

int dp_backend_set_state(const struct dp_maps *m, __u32 id, enum ig_backend_state state)
{
	struct ig_backend be;
	int err = dp_backend_get(m, id, &be);

	if (err)
		return err;
	be.state = state;
	return dp_backend_set(m, id, &be);
}

int dp_backend_set_load(const struct dp_maps *m, __u32 id, __u32 score, __u32 capacity)
{
	struct ig_backend_load l = { .score = score > IG_SCORE_SCALE ? IG_SCORE_SCALE : score,
				     .capacity = capacity };

	if (!id || id >= IG_BACKEND_MAX)
		return -EINVAL;
	return dp_update(m->be_load, &id, &l, "ig_be_load");
}

int dp_backend_inflight(const struct dp_maps *m, __u32 id, __u64 *inflight)
{
	return dp_lookup(m->inflight, &id, inflight);
}

int dp_backend_inflight_set(const struct dp_maps *m, __u32 id, __u64 inflight)
{
	return dp_update(m->inflight, &id, &inflight, "ig_inflight");
}

int dp_backend_load_get(const struct dp_maps *m, __u32 id, struct ig_backend_load *load)
{
	return dp_lookup(m->be_load, &id, load);
}

int dp_service_get(const struct dp_maps *m, const struct ig_service_key *k, struct ig_service *svc)
{
	return dp_lookup(m->services, k, svc);
}

/* Every entry of a hash map, DP_WALK_BATCH at a time; cb() sees each and
 * stops the walk with a non-zero return (which the walk returns). An entry
 * added or deleted during the walk may be seen or not, as with any batch
 * read of a changing map. */
#define DP_WALK_BATCH 1024
static int dp_walk(int fd, size_t ksize, size_t vsize, dp_walk_cb cb, void *ctx)
{
	char *keys = calloc(DP_WALK_BATCH, ksize), *vals = calloc(DP_WALK_BATCH, vsize);
	bool first = true, done = false;
	__u64 batch = 0;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!done && !err) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 n = DP_WALK_BATCH;

		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &n,
					   &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		done = err != 0; /* ENOENT: this was the last batch */
		err = 0;
		first = false;
		for (__u32 i = 0; i < n && !err; i++)
			err = cb(keys + i * ksize, vals + i * vsize, ctx);
	}
out:
	free(keys);
	free(vals);
	return err;
}

int dp_services_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx)
{
	return dp_walk(m->services, sizeof(struct ig_service_key), sizeof(struct ig_service), cb,
		       ctx);
}

int dp_flow_resp_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx)
{
	return dp_walk(m->flow_resp, sizeof(struct ig_conn_key), sizeof(struct ig_flow_usage), cb,
		       ctx);
}

int dp_svc_backends_set(const struct dp_maps *m, __u32 service, const __u32 *ids, __u32 n)
{
	struct ig_svc_backends sb = {};

	if (!service || service >= IG_SERVICE_MAX || n > IG_SVC_BE_MAX)
		return -EINVAL;
	/* A lost cursor step or two while the datapath advances it is harmless. */
	dp_lookup(m->svc_backends, &service, &sb);
	sb.count = n;
	memset(sb.ids, 0, sizeof(sb.ids));
	memcpy(sb.ids, ids, n * sizeof(*ids));
	return dp_update(m->svc_backends, &service, &sb, "ig_svc_backends");
}

int dp_tenant_set(const struct dp_maps *m, __u32 id, __u32 vni, __u8 prio)
{
	struct ig_tenant t = { .vni = vni, .flags = IG_TENANT_F_ACTIVE, .prio = prio };

	if (!id || id >= IG_TENANT_MAX || vni > 0xffffff || prio >= IG_PRIO__MAX)
		return -EINVAL;
	return dp_update(m->tenants, &id, &t, "ig_tenants");
}

int dp_tenant_put(const struct dp_maps *m, __u32 id, const struct ig_tenant *t)
{
	if (!id || id >= IG_TENANT_MAX || t->vni > 0xffffff || t->prio >= IG_PRIO__MAX)
		return -EINVAL;
	return dp_update(m->tenants, &id, t, "ig_tenants");
}

int dp_tenant_get(const struct dp_maps *m, __u32 id, struct ig_tenant *t)
{
	return dp_lookup(m->tenants, &id, t);
}

int dp_tenant_limits(struct ig_tenant *t, __u32 conn_rate, __u32 conn_burst, __u32 max_conns,
		     __u64 bw_rate, __u64 bw_burst)
{
	if (!conn_burst)
		conn_burst = conn_rate;
	if (!bw_burst)
		bw_burst = bw_rate;
	if (conn_rate > IG_CONN_RATE_MAX || (__u64)conn_burst > conn_rate * IG_BURST_SECONDS_MAX)
		return -EINVAL;
	if (bw_rate && (bw_rate < IG_BW_RATE_MIN || bw_rate > IG_BW_RATE_MAX ||
			bw_burst > bw_rate * IG_BURST_SECONDS_MAX))
		return -EINVAL;
	t->conn_rate = conn_rate;
	t->conn_burst = conn_rate ? conn_burst : 0;
	t->conn_cost = conn_rate ? IG_GOV_UNITS_PER_SEC / conn_rate : 0;
	t->conn_depth = t->conn_burst * t->conn_cost;
	t->max_conns = max_conns;
	t->bw_rate = bw_rate;
	t->bw_burst = bw_rate ? bw_burst : 0;
	/* <= 2^40: times a 16-bit packet length it stays within 64 bits. */
	t->bw_cost = bw_rate ? (IG_GOV_UNITS_PER_SEC << IG_GOV_COST_FRAC) / bw_rate : 0;
	t->bw_depth = (__u64)((unsigned __int128)t->bw_burst * t->bw_cost >> IG_GOV_COST_FRAC);
	t->flags &= ~IG_TENANT_F_LIMITED;
	if (conn_rate || max_conns || bw_rate)
		t->flags |= IG_TENANT_F_LIMITED;
	return 0;
}

int dp_shed_set(const struct dp_maps *m, __u32 service, enum ig_shed_level level)
{
	__u32 v = level;

	if (!service || service >= IG_SERVICE_MAX || level >= IG_SHED__MAX)
		return -EINVAL;
	return dp_update(m->shed, &service, &v, "ig_shed");
}

int dp_shed_get(const struct dp_maps *m, __u32 service, __u32 *level)
{
	return dp_lookup(m->shed, &service, level);
}

int dp_tenant_conns(const struct dp_maps *m, __u32 tenant, __u64 *n)
{
	return dp_lookup(m->tn_conns, &tenant, n);
}

int dp_tenant_conns_set(const struct dp_maps *m, __u32 tenant, __u64 n)
{
	return dp_update(m->tn_conns, &tenant, &n, "ig_tn_conns");
}

int dp_tenant_resp(const struct dp_maps *m, __u32 tenant, __u64 *bytes, __u64 *packets)
{
	int err = dp_percpu_sum(m->tn_resp, tenant, offsetof(struct ig_traffic, bytes), bytes);

	if (err)
		return err;
	return dp_percpu_sum(m->tn_resp, tenant, offsetof(struct ig_traffic, packets), packets);
}

int dp_flow_cut(const struct dp_maps *m, const struct ig_conn_key *k, bool cut)
{
	struct ig_flow_usage u;

	if (bpf_map_lookup_elem(m->flow_resp, k, &u))
		return -errno;
	if (!!(u.flags & IG_FLOW_F_CUT) == cut)
		return 0;
	/* The host adds to the counters meanwhile: a lost increment between
	 * this read and write is a few bytes of a flow being judged anyway. */
	u.flags = cut ? u.flags | IG_FLOW_F_CUT : u.flags & ~IG_FLOW_F_CUT;
	return dp_update(m->flow_resp, k, &u, "ig_flow_resp");
}

int dp_tx_port_add(const struct dp_maps *m, __u32 ifindex)
{
	return dp_update(m->tx_ports, &ifindex, &ifindex, "ig_tx_ports");
}

/* Inner tables are mmapable arrays: slot i lives at i * 8 (array elements
 * are rounded up to 8 bytes). Aligned 4-byte stores are atomic, so an
 * in-place slot update never shows a torn id. */
#define DP_SLOT_STRIDE 8

static __u32 *dp_maglev_map(int fd, __u32 entries, int prot, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((size_t)entries * DP_SLOT_STRIDE + page - 1) / page * page;
	p = mmap(NULL, *len, prot, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static __u32 *dp_slot_ptr(__u32 *base, __u32 key)
{
	return (__u32 *)((char *)base + (size_t)key * DP_SLOT_STRIDE);
}

static int dp_maglev_fill(int fd, const __u32 *table, __u32 msize)
{
	size_t len;
	__u32 *p = dp_maglev_map(fd, msize + 1, PROT_READ | PROT_WRITE, &len);

	if (!p)
		return -errno;
	*dp_slot_ptr(p, 0) = msize;
	for (__u32 i = 0; i < msize; i++)
		*dp_slot_ptr(p, i + 1) = table[i];
	munmap(p, len);
	return 0;
}

int dp_maglev_swap(const struct dp_maps *m, __u32 service, const __u32 *table, __u32 msize)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	char name[16];
	int fd, err;

	if (!service || service >= IG_SERVICE_MAX || !msize || msize > IG_MAGLEV_MAX)
		return -EINVAL;
	snprintf(name, sizeof(name), "ig_mg_%u", service);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), sizeof(__u32), msize + 1,
			    &opts);
	if (fd < 0) {
		err = -errno;
		log_errno(LOG_LVL_WARN, err, "creating Maglev table for service %u", service);
		return err;
	}
	err = dp_maglev_fill(fd, table, msize);
	if (!err)
		err = dp_update(m->maglev, &service, &fd, "ig_maglev");
	close(fd); /* ig_maglev holds the table now; the old one goes with its last user */
	return err;
}

static int dp_maglev_inner(const struct dp_maps *m, __u32 service)
{
	__u32 id;
	int fd;

	if (dp_lookup(m->maglev, &service, &id))
		return -ENOENT; /* no table for this service yet */
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

/* The size of an inner table from its map info (slot 0 may be mid-write). */
static int dp_maglev_entries(int fd, __u32 *entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*entries = info.max_entries;
	return 0;
}

int dp_maglev_update(const struct dp_maps *m, __u32 service, const __u32 *slots, const __u32 *ids,
		     size_t n)
{
	int fd = dp_maglev_inner(m, service), err;
	__u32 entries = 0, *p = NULL;
	size_t len = 0;

	if (fd < 0)
		return fd;
	err = dp_maglev_entries(fd, &entries);
	if (!err) {
		p = dp_maglev_map(fd, entries, PROT_READ | PROT_WRITE, &len);
		err = p ? 0 : -errno;
	}
	for (size_t i = 0; !err && i < n; i++) {
		if (slots[i] + 1 >= entries) {
			err = -EINVAL;
			break;
		}
		/* Slot 0 holds the size. */
		__atomic_store_n(dp_slot_ptr(p, slots[i] + 1), ids[i], __ATOMIC_RELAXED);
	}
	if (p)
		munmap(p, len);
	close(fd);
	return err;
}

int dp_maglev_read(const struct dp_maps *m, __u32 service, __u32 *table, __u32 cap, __u32 *msize)
{
	int fd = dp_maglev_inner(m, service), err;
	__u32 entries = 0, *p = NULL;
	size_t len = 0;

	if (fd < 0)
		return fd;
	err = dp_maglev_entries(fd, &entries);
	if (!err) {
		p = dp_maglev_map(fd, entries, PROT_READ, &len);
		err = p ? 0 : -errno;
	}
	if (!err) {
		*msize = *dp_slot_ptr(p, 0);
		for (__u32 i = 0; i < *msize && i < cap && i + 1 < entries; i++)
			table[i] = *dp_slot_ptr(p, i + 1);
		munmap(p, len);
	}
	close(fd);
	return err;
}

int dp_name_set(const struct dp_maps *m, __u32 kind, __u32 id, const char *name)
{
	struct ig_name_key k = { .kind = kind, .id = id };
	struct ig_name v = {};

	snprintf(v.name, sizeof(v.name), "%s", name);
	return dp_update(m->names, &k, &v, "ig_names");
}

int dp_name_get(const struct dp_maps *m, __u32 kind, __u32 id, char name[IG_NAME_LEN])
{
	struct ig_name_key k = { .kind = kind, .id = id };
	struct ig_name v;
	int err = dp_lookup(m->names, &k, &v);

	if (!err)
		snprintf(name, IG_NAME_LEN, "%.*s", IG_NAME_LEN - 1, v.name);
	return err;
}

int dp_name_del(const struct dp_maps *m, __u32 kind, __u32 id)
{
	struct ig_name_key k = { .kind = kind, .id = id };

	return bpf_map_delete_elem(m->names, &k) ? -errno : 0;
}

int dp_names_walk(const struct dp_maps *m, dp_walk_cb cb, void *ctx)
{
	return dp_walk(m->names, sizeof(struct ig_name_key), sizeof(struct ig_name), cb, ctx);
}

int dp_operator_get(const struct dp_maps *m, __u32 backend, struct ig_operator *op)
{
	return dp_lookup(m->operator, & backend, op);
}

int dp_operator_set(const struct dp_maps *m, __u32 backend, const struct ig_operator *op)
{
	return dp_update(m->operator, & backend, op, "ig_operator");
}

int dp_map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

int dp_pinned_map_id(const char *dir, const char *name, __u32 *id)
{
	char path[PATH_MAX];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = dp_map_id(fd, id);
	close(fd);
	return err;
}

int dp_percpu_sum(int map_fd, __u32 key, __u32 field_off, __u64 *sum)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	size_t stride;
	__u8 *vals;

	if (ncpu < 0)
		return ncpu;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY && info.type != BPF_MAP_TYPE_PERCPU_HASH)
		ncpu = 1;
	stride = ncpu > 1 ? (info.value_size + 7) / 8 * 8 : info.value_size;
	if (field_off + sizeof(__u64) > info.value_size)
		return -EINVAL;
	vals = calloc(ncpu, stride);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		err = -errno;
	*sum = 0;
	for (int c = 0; !err && c < ncpu; c++) {
		__u64 v;

		memcpy(&v, vals + c * stride + field_off, sizeof(v));
		*sum += v;
	}
	free(vals);
	return err;
}

int dp_vni_set(const struct dp_maps *m, __u32 vni, __u32 tenant)
{
	int err;

	if (vni > 0xffffff || !tenant || tenant >= IG_TENANT_MAX)
		return -EINVAL;
	err = dp_tenant_drops_init(m, tenant);
	if (err)
		return err;
	return dp_update(m->vni_tenants, &vni, &tenant, "ig_vni_tenants");
}

int dp_vni_del(const struct dp_maps *m, __u32 vni)
{
	return bpf_map_delete_elem(m->vni_tenants, &vni) ? -errno : 0;
}

int dp_vni_get(const struct dp_maps *m, __u32 vni, __u32 *tenant)
{
	return bpf_map_lookup_elem(m->vni_tenants, &vni, tenant) ? -errno : 0;
}

static int dp_vtep_key(struct ig_vtep_key *k, __u32 vni, const __u8 addr[IG_ADDR_LEN])
{
	memset(k, 0, sizeof(*k));
	if (vni > 0xffffff)
		return -EINVAL;
	memcpy(k->addr, addr, IG_ADDR_LEN);
	k->vni = vni;
	return 0;
}

int dp_vtep_allow(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN])
{
	return dp_vtep_allow_flags(m, vni, addr, 0);
}

int dp_vtep_allow_flags(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN],
			__u32 flags)
{
	struct ig_vtep_key k;
	int err = dp_vtep_key(&k, vni, addr);

	return err ? err : dp_update(m->vteps, &k, &flags, "ig_vteps");
}

int dp_vtep_flags(int vteps_fd, const struct ig_vtep_key *k, __u32 *flags)
{
	return bpf_map_lookup_elem(vteps_fd, k, flags) ? -errno : 0;
}

int dp_vtep_deny(const struct dp_maps *m, __u32 vni, const __u8 addr[IG_ADDR_LEN])
{
	struct ig_vtep_key k;
	int err = dp_vtep_key(&k, vni, addr);

	if (err)
		return err;
	return bpf_map_delete_elem(m->vteps, &k) ? -errno : 0;
}

static bool dp_addr_zero(const __u8 *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

int dp_endpoint_set(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN],
		    const struct ig_endpoint *ep)
{
	struct ig_endpoint_key k;
	bool local = ep->flags & IG_EP_F_LOCAL, remote = ep->flags & IG_EP_F_REMOTE;

	if (!ep->tenant || ep->tenant >= IG_TENANT_MAX || (local && remote) ||
	    (local && !ep->ifindex) || (remote && dp_addr_zero(ep->vtep, sizeof(ep->vtep))))
		return -EINVAL;
	memcpy(k.addr, addr, IG_ADDR_LEN);
	return dp_update(m->endpoints, &k, ep, "ig_endpoints");
}

int dp_endpoint_del(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN])
{
	struct ig_endpoint_key k;

	memcpy(k.addr, addr, IG_ADDR_LEN);
	return bpf_map_delete_elem(m->endpoints, &k) ? -errno : 0;
}

int dp_endpoint_get(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], struct ig_endpoint *ep)
{
	struct ig_endpoint_key k;

	memcpy(k.addr, addr, IG_ADDR_LEN);
	return bpf_map_lookup_elem(m->endpoints, &k, ep) ? -errno : 0;
}

int dp_workload_get(const struct dp_maps *m, __u32 ifindex, struct ig_workload *wl)
{
	return bpf_map_lookup_elem(m->workloads, &ifindex, wl) ? -errno : 0;
}

static int dp_host_addr_key(struct ig_host_addr_key *k, const __u8 addr[IG_ADDR_LEN],
			    __u32 prefixlen)
{
	memset(k, 0, sizeof(*k));
	if (prefixlen > IG_ADDR_LEN * 8)
		return -EINVAL;
	k->prefixlen = prefixlen;
	memcpy(k->addr, addr, IG_ADDR_LEN);
	return 0;
}

int dp_host_addr_set(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen,
		     __u32 flags)
{
	struct ig_host_addr_key k;
	int err = dp_host_addr_key(&k, addr, prefixlen);

	return err ? err : dp_update(m->host_addrs, &k, &flags, "ig_host_addrs");
}

int dp_host_addr_del(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen)
{
	struct ig_host_addr_key k;
	int err = dp_host_addr_key(&k, addr, prefixlen);

	if (err)
		return err;
	return bpf_map_delete_elem(m->host_addrs, &k) ? -errno : 0;
}

int dp_host_addr_get(const struct dp_maps *m, const __u8 addr[IG_ADDR_LEN], __u32 prefixlen,
		     __u32 *flags)
{
	struct ig_host_addr_key k;
	int err = dp_host_addr_key(&k, addr, prefixlen);

	if (err)
		return err;
	return bpf_map_lookup_elem(m->host_addrs, &k, flags) ? -errno : 0;
}

int dp_keys(int map_fd, size_t key_size, void *keys, unsigned int max)
{
	unsigned int n = 0;
	char *k = keys;

	if (!max)
		return 0;
	if (bpf_map_get_next_key(map_fd, NULL, k))
		return errno == ENOENT ? 0 : -errno;
	for (n = 1; n < max; n++) {
		if (bpf_map_get_next_key(map_fd, k + (n - 1) * key_size, k + n * key_size))
			break;
	}
	return (int)n;
}

int dp_workload_set(const struct dp_maps *m, __u32 ifindex, const struct ig_workload *wl)
{
	int err;

	if (!ifindex || !wl->tenant || wl->tenant >= IG_TENANT_MAX)
		return -EINVAL;
	err = dp_wl_stats_init(m, ifindex);
	return err ?: dp_update(m->workloads, &ifindex, wl, "ig_workloads");
}

int dp_wl_stats_init(const struct dp_maps *m, __u32 ifindex)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct ig_wl_stats *zero;

	if (ncpu < 0)
		return ncpu;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	/* NOEXIST: the counts of a workload that is rewritten are kept. */
	if (bpf_map_update_elem(m->wl_stats, &ifindex, zero, BPF_NOEXIST) && errno != EEXIST)
		err = -errno;
	free(zero);
	return err;
}

int dp_wl_stats(const struct dp_maps *m, __u32 ifindex, struct ig_wl_stats *sum)
{
	static const size_t n = sizeof(*sum) / sizeof(__u64);
	__u64 *f = (__u64 *)sum;
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = dp_percpu_sum(m->wl_stats, ifindex, i * sizeof(__u64), &f[i]);
	return err;
}

int dp_workload_del(const struct dp_maps *m, __u32 ifindex)
{
	bpf_map_delete_elem(m->wl_stats, &ifindex); /* the counts go with it */
	return bpf_map_delete_elem(m->workloads, &ifindex) ? -errno : 0;
}

int dp_tenant_drops_init(const struct dp_maps *m, __u32 tenant)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct ig_drop_stat *zero;

	if (ncpu < 0)
		return ncpu;
	if (tenant >= IG_TENANT_MAX)
		return -EINVAL;
	zero = calloc(ncpu, sizeof(*zero)); /* 16 bytes: already 8-aligned per CPU */
	if (!zero)
		return -ENOMEM;
	for (__u32 r = 0; r < IG_DROP__MAX && !err; r++) {
		__u32 key = IG_TN_DROP_KEY(tenant, r);

		if (bpf_map_update_elem(m->tn_drops, &key, zero, BPF_NOEXIST) && errno != EEXIST) {
			err = -errno;
			log_errno(LOG_LVL_WARN, err, "creating ig_tn_drops entries of tenant %u",
				  tenant);
		}
	}
	free(zero);
	return err;
}

int dp_tenant_drops(const struct dp_maps *m, __u32 tenant, __u32 reason, __u64 *packets)
{
	int err = dp_percpu_sum(m->tn_drops, IG_TN_DROP_KEY(tenant, reason),
				offsetof(struct ig_drop_stat, packets), packets);

	if (err == -ENOENT) {
		*packets = 0;
		return 0;
	}
	return err;
}

int dp_reuse_maps(struct bpf_object *obj, const struct dp_maps *m)
{
	for (size_t i = 0; i < dp_map_count; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, dp_map_names[i]);
		int err;

		if (!map) {
			log_err("object %s has no map %s", bpf_object__name(obj), dp_map_names[i]);
			return -ENOENT;
		}
		err = bpf_map__reuse_fd(map, (&m->config)[i]); /* dp_slot's layout */
		if (err) {
			log_errno(LOG_LVL_WARN, err, "reusing map %s in %s", dp_map_names[i],
				  bpf_object__name(obj));
			return err;
		}
	}
	return 0;
}

/* ---- the connection table (maps/conn.h) ----
 * ig_conns is an mmapable array of buckets. Userspace reads it through the
 * mapping and frees or fills a way with the datapath's protocol: a
 * compare-and-swap of the way's tag to BUSY, the slot written, the tag
 * published (docs/conntable.md). */

struct dp_conn_table {
	struct ig_conn_bucket *b;
	__u32 buckets;
	size_t len;
};

static int dp_conns_map(const struct dp_maps *m, struct dp_conn_table *t)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (bpf_obj_get_info_by_fd(m->conns, &info, &ilen))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct ig_conn_bucket) ||
	    !info.max_entries || (info.max_entries & (info.max_entries - 1))) {
		log_err("ig_conns is not a table of %zu-byte buckets (ABI mismatch?)",
			sizeof(struct ig_conn_bucket));
		return -EPROTO;
	}
	t->buckets = info.max_entries;
	t->len =
		((size_t)info.max_entries * sizeof(struct ig_conn_bucket) + page - 1) / page * page;
	p = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->conns, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->b = p;
	return 0;
}

/* The API's entry from a way's slot and cold record (maps/conn.h). */
static void dp_conn_get_way(const struct ig_conn_bucket *b, __u32 w, struct ig_conn *v)
{
	const struct ig_conn_slot *s = &b->ways[w];

	memset(v, 0, sizeof(*v));
	v->first_ns = b->cold[w].first_ns;
	v->last_ns = s->last_ns;
	v->backend = s->backend;
	v->service = s->service;
	v->flags = s->flags;
	v->hash = b->cold[w].hash;
	v->prio = b->cold[w].prio;
}

static void dp_conn_put_way(struct ig_conn_bucket *b, __u32 w, const struct ig_conn *v, __u32 hash)
{
	struct ig_conn_slot *s = &b->ways[w];

	s->last_ns = v->last_ns;
	s->backend = v->backend;
	s->service = v->service;
	s->flags = v->flags;
	memset(&b->cold[w], 0, sizeof(b->cold[w]));
	b->cold[w].first_ns = v->first_ns;
	b->cold[w].hash = hash;
	b->cold[w].prio = v->prio;
}

/* A consistent copy of one way: its tag held still while it was copied. */
static bool dp_conn_copy(struct ig_conn_bucket *b, __u32 w, struct dp_conn *c)
{
	__u32 tag = __atomic_load_n(&b->tags[w], __ATOMIC_ACQUIRE);

	if (tag == IG_CONN_TAG_EMPTY || tag == IG_CONN_TAG_BUSY)
		return false;
	memcpy(&c->key, &b->ways[w].key, sizeof(c->key));
	dp_conn_get_way(b, w, &c->val);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c->tag = tag;
	return __atomic_load_n(&b->tags[w], __ATOMIC_RELAXED) == tag;
}

int dp_conns_walk(const struct dp_maps *m, dp_conn_fn fn, void *arg, __u64 *deleted)
{
	struct dp_conn_table t = {};
	struct dp_conn c;
	int err = dp_conns_map(m, &t), ret;

	for (__u32 i = 0; !err && i < t.buckets; i++) {
		for (__u32 w = 0; !err && w < IG_CONN_WAYS; w++) {
			if (!dp_conn_copy(&t.b[i], w, &c))
				continue;
			c.bucket = i;
			c.way = w;
			ret = fn(&c, arg);
			if (ret < 0)
				err = ret;
			/* Fails when the datapath replaced the entry meanwhile: it stays. */
			else if (ret > 0 &&
				 __sync_bool_compare_and_swap(&t.b[i].tags[w], c.tag,
							      IG_CONN_TAG_EMPTY) &&
				 deleted)
				(*deleted)++;
		}
	}
	if (t.b)
		munmap(t.b, t.len);
	return err;
}

static __u32 dp_conn_hash(const struct ig_conn_key *k)
{
	return ig_flow_hash((const __u32 *)k->saddr, (const __u32 *)k->daddr, k->sport, k->dport,
			    k->proto);
}

static bool dp_conn_key_eq(const struct ig_conn_slot *s, const struct ig_conn_key *k)
{
	return !memcmp(&s->key, k, sizeof(*k));
}

/* The way of k in its bucket, or -1. */
static int dp_conn_find(const struct dp_conn_table *t, const struct ig_conn_key *k,
			struct ig_conn_bucket **bp)
{
	__u32 hash = dp_conn_hash(k);
	struct ig_conn_bucket *b = &t->b[hash & (t->buckets - 1)];

	*bp = b;
	for (int w = 0; w < IG_CONN_WAYS; w++)
		if (__atomic_load_n(&b->tags[w], __ATOMIC_ACQUIRE) == IG_CONN_TAG(hash) &&
		    dp_conn_key_eq(&b->ways[w], k))
			return w;
	return -1;
}

int dp_conn_get(const struct dp_maps *m, const struct ig_conn_key *k, struct ig_conn *v)
{
	struct ig_conn_bucket *b;
	struct dp_conn_table t;
	struct dp_conn c;
	int err = dp_conns_map(m, &t), w;

	if (err)
		return err;
	w = dp_conn_find(&t, k, &b);
	err = w >= 0 && dp_conn_copy(b, w, &c) ? 0 : -ENOENT;
	if (!err)
		*v = c.val;
	munmap(t.b, t.len);
	return err;
}

int dp_conn_put(const struct dp_maps *m, const struct ig_conn_key *k, const struct ig_conn *v)
{
	struct ig_conn_bucket *b;
	struct dp_conn_table t;
	__u32 hash, old = IG_CONN_TAG_EMPTY;
	int err = dp_conns_map(m, &t), w;

	if (err)
		return err;
	hash = dp_conn_hash(k);
	w = dp_conn_find(&t, k, &b);
	if (w >= 0)
		old = IG_CONN_TAG(hash);
	/* The home way first, as the datapath does (maps/conn.h). */
	for (int j = 0; w < 0 && j < IG_CONN_WAYS; j++) {
		int i = (IG_CONN_HOME(IG_CONN_TAG(hash)) + j) % IG_CONN_WAYS;

		if (__atomic_load_n(&b->tags[i], __ATOMIC_ACQUIRE) == IG_CONN_TAG_EMPTY)
			w = i;
	}
	if (w < 0 || !__sync_bool_compare_and_swap(&b->tags[w], old, IG_CONN_TAG_BUSY)) {
		err = -ENOSPC; /* every way is taken (or was just taken) */
		goto out_unmap;
	}
	memcpy(&b->ways[w].key, k, sizeof(*k));
	dp_conn_put_way(b, w, v, hash);
	__atomic_store_n(&b->tags[w], IG_CONN_TAG(hash), __ATOMIC_RELEASE);
out_unmap:
	munmap(t.b, t.len);
	return err;
}

/* ---- connection-state sync (docs/scale-out.md) ---- */

struct dp_conns {
	struct dp_conn_table t;
};

int dp_conns_open(const struct dp_maps *m, struct dp_conns **out)
{
	struct dp_conns *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = dp_conns_map(m, &c->t);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void dp_conns_close(struct dp_conns *c)
{
	if (!c)
		return;
	munmap(c->t.b, c->t.len);
	free(c);
}

/* How good a victim a way is for a peer's entry, as the datapath ranks
 * them (conn_class in bpf/lib/conn.bpf.h): lower is better; DP_CV_LIVE is
 * never taken. */
enum { DP_CV_EMPTY, DP_CV_EXPIRED, DP_CV_CLOSED, DP_CV_HALF_OPEN, DP_CV_LIVE };

static int dp_conn_class(const struct ig_config *cfg, const struct ig_conn_slot *s, __u32 tag,
			 __u64 now)
{
	__u64 last = s->last_ns, idle = now > last ? now - last : 0;
	__u64 syn = cfg->syn_timeout_ns ?: IG_SYN_TIMEOUT_DEFAULT_NS;
	__u64 linger = cfg->linger_ns ?: IG_CONN_LINGER_DEFAULT_NS;
	__u64 udp = cfg->udp_idle_ns ?: IG_UDP_IDLE_DEFAULT_NS;
	__u32 flags = s->flags;

	if (tag == IG_CONN_TAG_EMPTY)
		return DP_CV_EMPTY;
	if (tag == IG_CONN_TAG_BUSY)
		return DP_CV_LIVE;
	if (flags & IG_CONN_F_CLOSING)
		return idle > linger ? DP_CV_EXPIRED : DP_CV_CLOSED;
	if (!(flags & IG_CONN_F_EST))
		return idle > syn ? DP_CV_EXPIRED : DP_CV_HALF_OPEN;
	if (s->key.proto == IPPROTO_UDP)
		return idle > udp ? DP_CV_EXPIRED : DP_CV_LIVE;
	if (cfg->tcp_idle_ns && idle > cfg->tcp_idle_ns)
		return DP_CV_EXPIRED;
	if (!(flags & IG_CONN_F_CONFIRMED) && idle > syn)
		return DP_CV_HALF_OPEN;
	return DP_CV_LIVE;
}

/* As conn_way_victim: the flow's home way if it is empty, else the first
 * empty way, else the best class, the least recently seen among equals. */
static int dp_conn_victim(const struct ig_config *cfg, struct ig_conn_bucket *b, __u32 hash,
			  __u64 now, __u32 *tag_seen)
{
	int best = -1, best_class = DP_CV_LIVE, c;
	__u32 home = IG_CONN_HOME(IG_CONN_TAG(hash)) % IG_CONN_WAYS, tag;
	__u64 best_seen = ~0ULL, seen;

	if (__atomic_load_n(&b->tags[home], __ATOMIC_ACQUIRE) == IG_CONN_TAG_EMPTY)
		best = home;
	for (int w = 0; best < 0 && w < IG_CONN_WAYS; w++)
		if (__atomic_load_n(&b->tags[w], __ATOMIC_ACQUIRE) == IG_CONN_TAG_EMPTY)
			best = w;
	if (best >= 0) {
		*tag_seen = IG_CONN_TAG_EMPTY;
		return best;
	}
	for (int w = 0; w < IG_CONN_WAYS; w++) {
		tag = __atomic_load_n(&b->tags[w], __ATOMIC_ACQUIRE);
		c = dp_conn_class(cfg, &b->ways[w], tag, now);
		seen = __atomic_load_n(&b->ways[w].last_ns, __ATOMIC_RELAXED);
		if (c < best_class || (c == best_class && c != DP_CV_LIVE && seen < best_seen)) {
			best = w;
			best_class = c;
			best_seen = seen;
			*tag_seen = tag;
		}
	}
	return best;
}

int dp_conn_sync_put(struct dp_conns *c, const struct ig_conn_key *k, const struct ig_conn *v,
		     const struct ig_config *cfg, __u64 now)
{
	struct ig_conn_bucket *b;
	struct ig_conn_slot *cur;
	struct ig_conn nv;
	__u32 hash = dp_conn_hash(k), tag_seen = 0, keep;
	int w = dp_conn_find(&c->t, k, &b);

	if (w >= 0) {
		/* The flow's own entry (ours, or an earlier sync): rewritten
		 * in place, field by field, as the datapath writes last_ns;
		 * its tenant-cap mark stays with it, for the release. */
		cur = &b->ways[w];
		keep = __atomic_load_n(&cur->flags, __ATOMIC_RELAXED);
		/* Never back: an EST that overtook its NEW, or the same
		 * decision refreshed, keeps the state it reached. */
		keep &= cur->backend == v->backend && !(keep & IG_CONN_F_CLOSING) ?
				IG_CONN_F_COUNTED | IG_CONN_F_EST | IG_CONN_F_CONFIRMED :
				IG_CONN_F_COUNTED;
		__atomic_store_n(&cur->backend, v->backend, __ATOMIC_RELAXED);
		__atomic_store_n(&cur->service, v->service, __ATOMIC_RELAXED);
		b->cold[w].prio = v->prio; /* its first-seen time and hash stay */
		__atomic_store_n(&cur->last_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&cur->flags, v->flags | keep, __ATOMIC_RELEASE);
		return 0;
	}
	w = dp_conn_victim(cfg, b, hash, now, &tag_seen);
	if (w < 0 || !__sync_bool_compare_and_swap(&b->tags[w], tag_seen, IG_CONN_TAG_BUSY))
		return -ENOSPC; /* every way is live (or was just taken) */
	nv = *v;
	nv.first_ns = now;
	nv.last_ns = now;
	memcpy(&b->ways[w].key, k, sizeof(*k));
	dp_conn_put_way(b, w, &nv, hash);
	__atomic_store_n(&b->tags[w], IG_CONN_TAG(hash), __ATOMIC_RELEASE);
	return 0;
}

int dp_conns_get(struct dp_conns *c, const struct ig_conn_key *k, struct ig_conn *v)
{
	struct ig_conn_bucket *b;
	struct dp_conn e;
	int w = dp_conn_find(&c->t, k, &b);

	if (w < 0 || !dp_conn_copy(b, w, &e))
		return -ENOENT;
	*v = e.val;
	return 0;
}

int dp_conn_sync_close(struct dp_conns *c, const struct ig_conn_key *k, __u64 now)
{
	struct ig_conn_bucket *b;
	int w = dp_conn_find(&c->t, k, &b);

	if (w < 0)
		return -ENOENT;
	__atomic_store_n(&b->ways[w].last_ns, now, __ATOMIC_RELAXED);
	__atomic_fetch_or(&b->ways[w].flags, IG_CONN_F_CLOSING, __ATOMIC_SEQ_CST);
	return 0;
}

int dp_conn_sync_delete(struct dp_conns *c, const struct ig_conn_key *k,
			const struct ig_config *cfg, __u64 now)
{
	__u32 hash = dp_conn_hash(k), flags;
	struct ig_conn_bucket *b;
	__u64 idle, last, half = 0;
	int w = dp_conn_find(&c->t, k, &b);

	if (w < 0)
		return -ENOENT;
	flags = __atomic_load_n(&b->ways[w].flags, __ATOMIC_RELAXED);
	last = __atomic_load_n(&b->ways[w].last_ns, __ATOMIC_RELAXED);
	idle = now > last ? now - last : 0;
	if (!(flags & IG_CONN_F_SYNCED))
		return -ENOENT;
	if (!(flags & IG_CONN_F_CLOSING) && flags & IG_CONN_F_EST) {
		half = (k->proto == IPPROTO_UDP ? cfg->udp_idle_ns ?: IG_UDP_IDLE_DEFAULT_NS :
						  cfg->tcp_idle_ns) /
		       2;
		if (!half || idle < half)
			return -ENOENT;
	}
	/* Fails when the datapath replaced the entry meanwhile: it stays. */
	return __sync_bool_compare_and_swap(&b->tags[w], IG_CONN_TAG(hash), IG_CONN_TAG_EMPTY) ?
		       0 :
		       -ENOENT;
}

struct dp_sync_ring {
	struct ring_buffer *rb;
};

int dp_sync_ring_open(const struct dp_maps *m, dp_sync_cb cb, void *ctx, struct dp_sync_ring **out)
{
	struct dp_sync_ring *r;
	int err;

	if (m->sync < 0)
		return -ENOENT; /* pins of a datapath older than sync */
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->rb = ring_buffer__new(m->sync, cb, ctx, NULL);
	if (!r->rb) {
		err = -errno;
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

int dp_sync_ring_fd(const struct dp_sync_ring *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int dp_sync_ring_consume(struct dp_sync_ring *r)
{
	return ring_buffer__consume(r->rb);
}

int dp_sync_lost(const struct dp_maps *m, __u64 *n)
{
	*n = 0;
	return m->sync_lost < 0 ? -ENOENT : dp_percpu_sum(m->sync_lost, 0, 0, n);
}

void dp_sync_ring_close(struct dp_sync_ring *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}
