// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Run-time feature probes: each one creates the map, loads the program or asks
 * for the link it is about, and reads the kernel's answer. libbpf 1.1's own
 * helper probe misreports on kernels >= 6.10, and version numbers lie on
 * distribution kernels, so neither is used. The attach code in attach.c picks
 * its method from the struct filled here. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "kernel-compat/compat.h"
#include "user/lib/log.h"

/* Raw instructions for the probe programs, as the kernel's selftests write
 * them (tools/include/linux/filter.h is not installed). */
#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_MEM_W(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define LD_MAP_FD(d, fd) \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* "Not supported" is EINVAL from the syscall (unknown map type, attach type
 * or helper) or EACCES from the verifier; anything else means the probe
 * itself failed (no privilege, no memory) and the answer is unknown. */
static int classify(int err, bool *has)
{
	*has = !err;
	if (!err || err == -EINVAL || err == -EACCES)
		return 0;
	return err;
}

static int probe_map(enum bpf_map_type type, __u32 key, __u32 val, __u32 max, bool *has)
{
	int fd, err = 0;

	fd = bpf_map_create(type, NULL, key, val, max, NULL);
	if (fd < 0)
		err = -errno;
	else
		close(fd);
	return classify(err, has);
}

static int load_trivial(enum bpf_prog_type type, int ret)
{
	const struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, ret), EXIT() };
	int fd;

	fd = bpf_prog_load(type, NULL, "GPL", insns, ARRAY_LEN(insns), NULL);
	return fd < 0 ? -errno : fd;
}

/* XDP links (5.9): asking for a hardware-offload link on lo reaches the
 * driver check, which answers EOPNOTSUPP and attaches nothing; a kernel
 * without XDP links rejects the attach type with EINVAL first. */
static int probe_xdp_link(bool *has)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_HW_MODE);
	int prog_fd, fd, ifindex, err = 0;

	ifindex = if_nametoindex("lo");
	if (!ifindex)
		return -errno;
	prog_fd = load_trivial(BPF_PROG_TYPE_XDP, XDP_PASS);
	if (prog_fd < 0)
		return prog_fd;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		err = -errno;
	else
		close(fd);
	close(prog_fd);
	*has = !err || err == -EOPNOTSUPP;
	if (*has || err == -EINVAL)
		return 0;
	return err;
}

/* tcx (6.6): a tcx link on an ifindex that does not exist gets ENODEV from
 * tcx_link_attach; an older kernel rejects attach type 46 with EINVAL. */
static int probe_tcx(bool *has)
{
	int prog_fd, fd, err = 0;

	prog_fd = load_trivial(BPF_PROG_TYPE_SCHED_CLS, 0);
	if (prog_fd < 0)
		return prog_fd;
	fd = bpf_link_create(prog_fd, INT_MAX, (enum bpf_attach_type)COMPAT_TCX_INGRESS, NULL);
	if (fd < 0)
		err = -errno;
	else
		close(fd);
	close(prog_fd);
	*has = !err || err == -ENODEV;
	if (*has || err == -EINVAL)
		return 0;
	return err;
}

/* BTF for a hash value { struct bpf_spin_lock lock; int cnt; }: the kernel
 * finds the lock by the struct's name. Returns a BTF fd or a negative errno. */
static int spin_lock_btf(__u32 *key_id, __u32 *val_id)
{
	struct btf *btf;
	int int_id, lock_id, id, fd, err;

	btf = btf__new_empty();
	if (!btf)
		return -errno;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	lock_id = btf__add_struct(btf, "bpf_spin_lock", 4);
	btf__add_field(btf, "val", int_id, 0, 0);
	id = btf__add_struct(btf, "val", 8);
	btf__add_field(btf, "lock", lock_id, 0, 0);
	err = btf__add_field(btf, "cnt", int_id, 32, 0);
	if (int_id < 0 || lock_id < 0 || id < 0 || err) {
		fd = -ENOMEM;
		goto out_free;
	}
	*key_id = int_id;
	*val_id = id;
	/* The fd outlives btf__free(): the map needs the BTF object. */
	fd = btf__load_into_kernel(btf);
	if (!fd) {
		fd = dup(btf__fd(btf));
		if (fd < 0)
			fd = -errno;
	}
out_free:
	btf__free(btf);
	return fd;
}

/* Look up key 0, take the value's lock and release it. */
static int load_spin_lock_prog(int map_fd)
{
	const struct bpf_insn insns[] = {
		ST_MEM_W(BPF_REG_10, -4, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		LD_MAP_FD(BPF_REG_1, map_fd),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 5),
		MOV64_REG(BPF_REG_6, BPF_REG_0),
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		CALL(BPF_FUNC_spin_lock),
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		CALL(BPF_FUNC_spin_unlock),
		MOV64_IMM(BPF_REG_0, XDP_PASS),
		EXIT(),
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", insns, ARRAY_LEN(insns), NULL);
	return fd < 0 ? -errno : fd;
}

/* bpf_spin_lock in hash values (5.1): the map alone is not proof (older
 * kernels took the BTF and ignored the lock), so a program takes and
 * releases the lock too. */
static int probe_spin_lock_hash(bool *has)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	int btf_fd, map_fd, prog_fd, err;

	btf_fd = spin_lock_btf(&mopts.btf_key_type_id, &mopts.btf_value_type_id);
	if (btf_fd < 0)
		return classify(btf_fd, has);
	mopts.btf_fd = btf_fd;
	map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 8, 1, &mopts);
	if (map_fd < 0) {
		err = classify(-errno, has);
		goto out_btf;
	}
	prog_fd = load_spin_lock_prog(map_fd);
	err = classify(prog_fd < 0 ? prog_fd : 0, has);
	if (prog_fd >= 0)
		close(prog_fd);
	close(map_fd);
out_btf:
	close(btf_fd);
	return err;
}

int compat_probe(struct compat_features *f)
{
	long page = sysconf(_SC_PAGESIZE);
	int err;

	*f = (struct compat_features){};
	err = probe_xdp_link(&f->xdp_link);
	if (!err)
		err = probe_tcx(&f->tcx);
	if (!err)
		err = probe_map(BPF_MAP_TYPE_RINGBUF, 0, 0, page > 0 ? page : 4096, &f->ringbuf);
	if (!err)
		err = probe_map(BPF_MAP_TYPE_LRU_HASH, 4, 4, 1, &f->lru_hash);
	if (!err)
		err = probe_spin_lock_hash(&f->spin_lock_hash);
	if (err)
		log_errno(LOG_LVL_ERR, err, "kernel-compat: feature probe failed (run as root)");
	return err;
}

const char *compat_features_str(const struct compat_features *f, char *buf, size_t len)
{
	snprintf(buf, len, "xdp_link=%s tcx=%s ringbuf=%s lru_hash=%s spin_lock_hash=%s",
		 f->xdp_link ? "yes" : "no", f->tcx ? "yes" : "no", f->ringbuf ? "yes" : "no",
		 f->lru_hash ? "yes" : "no", f->spin_lock_hash ? "yes" : "no");
	return buf;
}

static struct compat_features cached;
static int cached_err;
static pthread_once_t cached_once = PTHREAD_ONCE_INIT;

static void probe_once(void)
{
	char buf[128];

	cached_err = compat_probe(&cached);
	if (!cached_err)
		log_info("kernel features: %s", compat_features_str(&cached, buf, sizeof(buf)));
}

int compat_features_get(struct compat_features *f)
{
	pthread_once(&cached_once, probe_once);
	*f = cached;
	return cached_err;
}
