#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The suite of one kernel in the matrix, run on that kernel: inside the qemu
# guest (by tests/kernels/init, under busybox sh) or natively for the running
# kernel. For each compiler's build: the verifier budget over every BPF
# object and the BPF fixture suite; with the first, the kernel-compat suite
# (tests/kernels/test_kcompat.c). Results go to
# RESULTS/<compiler>.<part>.{out,log,tap,rc,time}, which
# tests/kernels/test-kernels.sh reads. Exit status: 0 when every part of every
# build passed.
#
# usage: run-suite.sh RESULTS VERIFIER_BUDGET COMPILER=BUILD_DIR...
# Progress goes to stderr: the guest's console, where a stuck part shows.
set -eu

res=$1
vb=$2
shift 2
mkdir -p "$res"
uname -r >"$res/kernel"
jobs=$(nproc)
part_timeout=${PART_TIMEOUT:-240}
prop_packets=${IG_PROP_PACKETS:-20000}
status=0

# run NAME CMD...: stdout to NAME.out, stderr to NAME.log, exit status to
# NAME.rc, seconds taken to NAME.time.
# Each part is time-limited (PART_TIMEOUT seconds): a part that hangs fails
# alone, and the others still report.
run() {
	name=$1
	shift
	rc=0
	t0=$(date +%s)
	echo "run-suite: $name: started" >&2
	timeout "$part_timeout" "$@" >"$res/$name.out" 2>"$res/$name.log" || rc=$?
	echo "$rc" >"$res/$name.rc"
	echo $(($(date +%s) - t0)) >"$res/$name.time"
	echo "run-suite: $name: exit status $rc after $(cat "$res/$name.time") s" >&2
	[ "$rc" = 0 ] || status=1
	emit "$res/$name".*
}

# With RESULT_SINK set (the guest's ttyS1), each part's files go there as soon
# as it ends, as "==> name <==" sections: a boot that runs out of time still
# returns what finished.
emit() {
	[ -n "${RESULT_SINK:-}" ] || return 0
	for f in "$@"; do
		echo "==> ${f##*/} <=="
		cat "$f"
		# A last line without its newline would swallow the next header.
		[ -z "$(tail -c 1 "$f")" ] || echo
	done >>"$RESULT_SINK"
}

emit "$res/kernel"
for spec in "$@"; do
	cc=${spec%%=*}
	dir=${spec#*=}
	# shellcheck disable=SC2046 # every object, as separate arguments
	run "$cc.verifier" "$vb" $(ls "$dir"/bpf/*.bpf.o "$dir"/tests/bpf/progs/*.bpf.o)
	# The property test's million packets take 20 s natively and far too
	# long under TCG: each kernel gets a smaller, still random, sample.
	run "$cc.bpf" env IG_BUILD="$dir" IG_PROP_PACKETS="$prop_packets" \
		"$dir/tests/bpf-tests" --jobs="$jobs" \
		--short-filename --verbose --tap="$res/$cc.bpf.tap"
	# Attaching is the kernel's business, not the compiler's: the first
	# build's objects take every attach path; the others save a TCG minute.
	# One test at a time: each builds its own namespaces and veth pair.
	[ "$spec" = "$1" ] || continue
	run "$cc.kcompat" "$dir/tests/kcompat-tests" --jobs=1 --short-filename --verbose \
		--tap="$res/$cc.kcompat.tap"
done
exit "$status"
