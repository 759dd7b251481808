#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run a benchmark (or the kernel matrix) and keep what it printed as a
# result file: a header with the date, kernel, CPU, commit and the command,
# then the output verbatim. `make bench*` and `make test-kernels` write
# theirs under $(O)/results/; `make results-snapshot` copies them to
# docs/results/ for committing.
#   record.sh [--append FILE] OUT CMD [ARG...]
# --append FILE adds a report the command writes itself (bench-routing's
# results.md) after its output. The command's exit status is kept.
set -uo pipefail
append=
if [ "${1:-}" = --append ]; then
	append=$2
	shift 2
fi
out=$1
shift
mkdir -p "$(dirname "$out")"
tmp=$out.tmp
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
{
	echo "# $(basename "$out" .md)"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
	echo "| kernel | $(uname -r) ($(uname -m)) |"
	echo "| CPU | ${cpu:-unknown}, $(nproc) CPUs online |"
	echo "| commit | $(git describe --always --dirty 2>/dev/null || echo unknown) |"
	echo "| command | \`$*\` |"
	echo
	echo '```'
} >"$tmp"
"$@" 2>&1 | tee -a "$tmp"
rc=${PIPESTATUS[0]}
echo '```' >>"$tmp"
if [ -n "$append" ] && [ -f "$append" ]; then
	{ echo; cat "$append"; } >>"$tmp"
fi
[ "$rc" -eq 0 ] || echo "(exit status $rc)" >>"$tmp"
mv "$tmp" "$out"
echo "record: $out"
exit "$rc"
