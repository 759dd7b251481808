#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The layering check must fail on each rule it enforces: plant one violation
# at a time in a copy of the tree and expect check-layers.py to name it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && git ls-files -co --exclude-standard -z '*.c' '*.h' | xargs -0 tar cf -) |
	(cd "$tmp" && tar xf - && git init -q .)

pass=0 fail=0
# expect RULE DESCRIPTION: the planted tree must fail with RULE.
expect() {
	local out
	if out=$(python3 "$here/check-layers.py" "$tmp" 2>&1); then
		echo "FAIL: $2: check-layers passed"; fail=$((fail + 1))
	elif ! grep -q ": $1: " <<<"$out"; then
		echo "FAIL: $2: no '$1' violation in:"; echo "$out"; fail=$((fail + 1))
	else
		echo "ok: $2: $(grep ": $1: " <<<"$out" | head -1)"; pass=$((pass + 1))
	fi
}
plant() { cp "$tmp/$1" "$tmp/$1.orig"; printf '%s\n' "$2" >>"$tmp/$1"; }
unplant() { mv "$tmp/$1.orig" "$tmp/$1"; }

if python3 "$here/check-layers.py" "$tmp" >/dev/null; then
	echo "ok: the tree as it is passes"; pass=$((pass + 1))
else
	echo "FAIL: the tree as it is does not pass"; fail=$((fail + 1))
fi

plant user/agent/agent.c 'static void planted(int fd) { bpf_map_delete_elem(fd, 0); }'
expect map-io "a raw map delete in the agent"; unplant user/agent/agent.c
plant tools/infergatectl/main.c 'static int planted(int fd, void *k, void *v) { return bpf_map_lookup_batch(fd, 0, 0, k, v, 0, 0); }'
expect map-io "a raw batch read in infergatectl"; unplant tools/infergatectl/main.c
plant tools/lab/lab.c '#include "tests/lib/pktbuild.h"'
expect test-hdr "the lab includes a test header"; unplant tools/lab/lab.c
plant user/lib/dp.c '#include "user/agent/agent.h"'
expect lib-deps "libinfergate includes the agent"; unplant user/lib/dp.c
plant tools/infergatectl/main.c '#include "user/agent/conf.h"'
expect ctl-deps "infergatectl includes the agent"; unplant tools/infergatectl/main.c
plant user/agent/main.c '#include "../lib/log.h"'
expect dotdot "an include with ../"; unplant user/agent/main.c
plant user/agent/main.c '#include "log.h"'
expect rooted "an include relative to the file"; unplant user/agent/main.c
plant maps/conn.h '#include "user/lib/log.h"'
expect abi-deps "the ABI includes userspace"; unplant maps/conn.h
cp "$tmp/user/lib/log.h" "$tmp/tools/lab/log.h"
expect hdr-name "two log.h"; rm "$tmp/tools/lab/log.h"
printf '#include "user/lib/planted_b.h"\n' >"$tmp/user/lib/planted_a.h"
printf '#include "user/lib/planted_a.h"\n' >"$tmp/user/lib/planted_b.h"
expect cycle "two headers including each other"; rm "$tmp/user/lib/planted_"[ab].h

echo "check-layers self-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
