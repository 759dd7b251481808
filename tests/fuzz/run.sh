#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run libFuzzer targets one after another, each for SECONDS on its corpus.
# Usage: run.sh BUILD_DIR SECONDS TARGET... (called by `make fuzz`, `make test-fuzz`).
# Every input of the corpus directories runs first (seeds, then regression
# inputs of fixed findings), so a regression fails at once. New inputs go to
# BUILD_DIR/fuzz-corpus/TARGET, crashes to BUILD_DIR/fuzz-artifacts; the tree
# is never written. Prints executions, execs/s and coverage per target.
set -eu
build=$1 secs=$2
# A known leak inside libfyaml (see the file); ours still fail.
export LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp:print_suppressions=0"
shift 2
for t in "$@"; do
	case $t in
	prom | telemetry | hostpage) seeds="tests/data/metrics tests/data/metrics/invalid" ;;
	config) seeds="tests/data/config" ;;
	sync) seeds="" ;; # tests/fuzz/corpus/sync: datagrams of the wire format
	neigh) seeds="" ;; # tests/fuzz/corpus/neigh: FDB and neighbour messages
	*) echo "run.sh: unknown target $t" >&2; exit 2 ;;
	esac
	mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts"
	log=$build/fuzz-$t.log
	# -timeout: a hang is a finding (the agent must never wait on a parser).
	if ! "$build/tests/fuzz/fuzz_$t" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -max_total_time="$secs" \
		-artifact_prefix="$build/fuzz-artifacts/$t-" \
		"$build/fuzz-corpus/$t" "tests/fuzz/corpus/$t" $seeds >"$log" 2>&1; then
		tail -40 "$log"
		echo "fuzz $t: FAILED (input in $build/fuzz-artifacts/, log $log)" >&2
		exit 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	printf '  %-8s %-10s %s runs in %ss, %s exec/s, %s\n' FUZZ "$t" "$runs" "$secs" "$rate" "$cov"
done
