#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make test-kernels: run the BPF fixture suite, the kernel-compat suite and the
# verifier budget (tests/kernels/run-suite.sh) on every kernel of the matrix,
# with the BPF objects of every compiler, and print pass/fail per kernel and
# per test, the attach method kernel-compat chose on each kernel and the
# verifier's processed-instruction count per program.
#
# Debian kernels (6.1, 6.12) are fetched as .debs, unpacked under the build
# directory and booted under qemu (TCG: no KVM here) with everything the
# suite needs in an initramfs; results come back on the guest's second serial
# port. "running" is the kernel this machine runs, tested natively (a
# Firecracker-style kernel has no image or modules to boot).
#
# Environment (set by tests/kernels/kernels.mk):
#   O               build directory; compiler builds in $O/kernels/cc/<clang>
#   KERNELS         e.g. "6.1 6.12 running"
#   KERNEL_CLANGS   e.g. "clang-14 clang-19"
#   KERNEL_MODULES  modules the guest loads (their dependencies come along)
#   KERNEL_TIMEOUT  seconds per boot, after which qemu is killed
#   PART_TIMEOUT    seconds per part of the suite (run-suite.sh)
#   IG_PROP_PACKETS packets for the property test (run-suite.sh's default)
#   KERNEL_SMP      guest CPUs (TCG threads)
#   KERNEL_JOBS     kernels tested at the same time
#   VERIFIER_BUDGET the verifier_budget binary
set -euo pipefail

O=${O:-build}
KERNELS=${KERNELS:-6.1 6.12 running}
KERNEL_CLANGS=${KERNEL_CLANGS:-clang-14 clang-19}
KERNEL_MODULES=${KERNEL_MODULES:-veth sch_ingress cls_bpf}
KERNEL_TIMEOUT=${KERNEL_TIMEOUT:-3000}
export PART_TIMEOUT=${PART_TIMEOUT:-1200}
KERNEL_SMP=${KERNEL_SMP:-1}
KERNEL_JOBS=${KERNEL_JOBS:-2}
VERIFIER_BUDGET=${VERIFIER_BUDGET:-$O/tests/kernels/verifier_budget}
here=$(dirname "$0")
kdir=$O/kernels
start=$SECONDS

log() {
	printf '  %-8s %s\n' "$1" "$2"
}

# ---- the initramfs -----------------------------------------------------------

# Copy an ELF and every shared library it loads to the same paths under $1.
copy_elf() {
	local root=$1 src=$2 dst=$3 lib
	install -D -m 0755 "$src" "$root/$dst"
	for lib in $(ldd "$src" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$root/$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root/$lib"
	done
}

# What every guest gets: busybox, init, iproute2 and ethtool (the netns
# helpers run them), the verifier budget tool and each compiler's objects and
# test binaries, laid out as in the build directory.
stage_common() {
	local root=$kdir/rootfs cc b builds=""
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,ig}
	install -m 0755 /bin/busybox "$root/bin/busybox"
	install -m 0755 "$here/init" "$root/init"
	install -m 0755 "$here/run-suite.sh" "$root/ig/run-suite.sh"
	copy_elf "$root" "$(command -v ip)" usr/sbin/ip
	copy_elf "$root" "$(command -v ethtool)" usr/sbin/ethtool
	copy_elf "$root" "$VERIFIER_BUDGET" ig/verifier_budget
	for cc in $KERNEL_CLANGS; do
		b=$kdir/cc/$cc
		mkdir -p "$root/ig/cc/$cc/bpf" "$root/ig/cc/$cc/tests/bpf/progs"
		cp "$b"/bpf/*.bpf.o "$root/ig/cc/$cc/bpf/"
		cp "$b"/tests/bpf/progs/*.bpf.o "$root/ig/cc/$cc/tests/bpf/progs/"
		copy_elf "$root" "$b/tests/bpf-tests" "ig/cc/$cc/tests/bpf-tests"
		# run-suite.sh runs kcompat with the first compiler only.
		[ "$cc" != "${KERNEL_CLANGS%% *}" ] ||
			copy_elf "$root" "$b/tests/kcompat-tests" "ig/cc/$cc/tests/kcompat-tests"
		builds="$builds $cc=/ig/cc/$cc"
	done
	echo "$builds" >"$root/ig/builds"
	# The guest's environment: what run-suite.sh takes from ours.
	{
		echo "export PART_TIMEOUT=$PART_TIMEOUT"
		[ -z "${IG_PROP_PACKETS:-}" ] || echo "export IG_PROP_PACKETS=$IG_PROP_PACKETS"
	} >"$root/ig/env"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$kdir/rootfs.cpio"
	rm -rf "$root"
}

# The "depends=" of a module, from its .modinfo section.
mod_depends() {
	objcopy -O binary -j .modinfo "$1" "$1.modinfo"
	tr '\0' '\n' <"$1.modinfo" | sed -n 's/^depends=//p' | tr ',' ' '
	rm -f "$1.modinfo"
}

# Modules for one kernel: KERNEL_MODULES and what they depend on, dependencies
# first, uncompressed (6.12's are .ko.xz; busybox insmod takes plain .ko), as
# a second cpio archive that the kernel unpacks over the first.
stage_modules() {
	local kroot=$1 out=$2 path name f
	local -A index=() seen=()
	rm -rf "$out"
	mkdir -p "$out/ig/modules"
	: >"$out/ig/modules.order"
	while read -r path; do
		name=$(basename "$path")
		name=${name%%.ko*}
		index[${name//-/_}]=$path
	done < <(find "$kroot"/lib/modules/*/kernel -name '*.ko*')

	add_module() {
		local m=${1//-/_} d ko
		[ -z "${seen[$m]:-}" ] || return 0
		seen[$m]=1
		f=${index[$m]:-}
		if [ -z "$f" ]; then
			echo "test-kernels: module $m not in $kroot" >&2
			return 1
		fi
		ko=$out/ig/modules/$m.ko
		case $f in
		*.xz) xz -dc "$f" >"$ko" ;;
		*.zst) zstd -qdc "$f" >"$ko" ;;
		*) cp "$f" "$ko" ;;
		esac
		for d in $(mod_depends "$ko"); do
			add_module "$d"
		done
		echo "$m.ko" >>"$out/ig/modules.order"
	}
	for name in $KERNEL_MODULES; do
		add_module "$name"
	done
	(cd "$out" && find . | cpio -o -H newc --quiet) >"$out.cpio"
}

# ---- one kernel --------------------------------------------------------------

# Boot kernel $1 (a Debian series), unpacked at $2, and collect its results
# into $3.
run_guest() {
	local series=$1 kroot=$2 res=$3 vmlinuz initrd
	vmlinuz=$(echo "$kroot"/boot/vmlinuz-*)
	stage_modules "$kroot" "$kdir/modules-$series"
	initrd=$kdir/initrd-$series.cpio
	cat "$kdir/rootfs.cpio" "$kdir/modules-$series.cpio" >"$initrd"
	log QEMU "$(basename "$vmlinuz") (TCG, ${KERNEL_TIMEOUT}s limit)"
	# -no-reboot with panic=-1: a guest that panics ends qemu at once.
	# console=ttyS0 (the boot log); ttyS1 carries only the results.
	if ! timeout -k 10 "$KERNEL_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max \
		-smp "$KERNEL_SMP" -m 1G -nodefaults -no-reboot -display none -nic none \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off" \
		-serial "file:$res/console.log" -serial "file:$res/serial.txt"; then
		echo "test-kernels: $series: qemu failed or ran past ${KERNEL_TIMEOUT}s" >&2
	fi
	# Split "==> name <==" sections back into files (the tty adds \r).
	tr -d '\r' <"$res/serial.txt" | awk -v dir="$res" '
		/^==> .* <==$/ { f = $2; if (f == "END") f = ""; else f = dir "/" f; next }
		f != "" { print > f }'
}

run_native() {
	local res=$1 cc builds=()
	log NATIVE "$(uname -r) (the running kernel)"
	for cc in $KERNEL_CLANGS; do
		builds+=("$cc=$kdir/cc/$cc")
	done
	"$here/run-suite.sh" "$res" "$VERIFIER_BUDGET" "${builds[@]}" 2>"$res/console.log" || true
}

# ---- the report --------------------------------------------------------------

# One line per result: kernel compiler part test result, into $kdir/results.tsv.
collect() {
	local k res cc part rc
	: >"$kdir/results.tsv"
	: >"$kdir/verifier.tsv"
	: >"$kdir/choices.tsv"
	for k in $KERNELS; do
		res=$kdir/results/$k
		for cc in $KERNEL_CLANGS; do
			for part in verifier bpf kcompat; do
				# run-suite.sh runs kcompat with the first compiler only.
				[ "$part" != kcompat ] || [ "$cc" = "${KERNEL_CLANGS%% *}" ] || continue
				rc=$(cat "$res/$cc.$part.rc" 2>/dev/null || echo missing)
				printf '%s\t%s\t%s\t(exit status)\t%s\n' "$k" "$cc" "$part" "$rc" \
					>>"$kdir/results.tsv"
			done
			for part in bpf kcompat; do
				awk -v k="$k" -v cc="$cc" -v p="$part" '
					/^ok / { print k "\t" cc "\t" p "\t" $3 "\tpass" }
					/^not ok / { print k "\t" cc "\t" p "\t" $4 "\tFAIL" }' \
					"$res/$cc.$part.tap" 2>/dev/null >>"$kdir/results.tsv" || true
			done
			# object program insns source [OVER-BUDGET], or object * - REJECTED.
			awk -v k="$k" -v cc="$cc" '!/^#/ && NF >= 4 {
					n = $4 == "REJECTED" ? "REJECTED" : $3 ($5 ? " OVER" : "")
					print k "\t" cc "\t" $1 ":" $2 "\t" n "\t" $4 ($5 ? " " $5 : "") }' \
				"$res/$cc.verifier.out" 2>/dev/null >>"$kdir/verifier.tsv" || true
			sed -n 's/^kcompat-choice: //p' "$res/$cc.kcompat.out" 2>/dev/null |
				awk -v k="$k" -v cc="$cc" '{ print k "\t" cc "\t" $1 "\t" $2 }' \
					>>"$kdir/choices.tsv" || true
		done
	done
}

# Columns: one per kernel and compiler, e.g. "6.1/clang-14".
print_tables() {
	local cols=() k cc
	for k in $KERNELS; do
		for cc in $KERNEL_CLANGS; do
			cols+=("$k/$cc")
		done
	done
	echo
	echo "kernel matrix: $(for k in $KERNELS; do
		printf '%s=%s ' "$k" "$(cat "$kdir/results/$k/kernel" 2>/dev/null || echo '?')"
	done)"
	# pivot FILE ROWCOL VALCOL: rows by ROWCOL, a column per kernel/compiler.
	pivot() {
		awk -F'\t' -v cols="${cols[*]}" -v rc="$2" -v vc="$3" -v title="$4" '
			BEGIN { n = split(cols, c, " ") }
			{ key = $1 "/" $2; row = $rc; if (!(row in seen)) { seen[row] = 1; order[++m] = row }
			  v[row, key] = $vc }
			END {
				w = length(title); for (i = 1; i <= m; i++) if (length(order[i]) > w) w = length(order[i])
				printf "%-" w "s", title; for (j = 1; j <= n; j++) printf "  %13s", c[j]; print ""
				for (i = 1; i <= m; i++) {
					printf "%-" w "s", order[i]
					for (j = 1; j <= n; j++) { x = v[order[i], c[j]]; printf "  %13s", x == "" ? "-" : x }
					print ""
				}
			}' "$1"
	}
	echo
	awk -F'\t' '$4 != "(exit status)" { print $1 "\t" $2 "\t" $4 "\t" $5 }' \
		"$kdir/results.tsv" | pivot /dev/stdin 3 4 "test"
	echo
	awk -F'\t' '{ print $1 "\t" $2 "\t" $3 "\t" $4 }' "$kdir/choices.tsv" |
		pivot /dev/stdin 3 4 "attach (kernel-compat's choice)"
	echo
	pivot "$kdir/verifier.tsv" 3 4 "verifier: processed insns (budget 500000)"
}

# Fails on any part that did not exit 0, any test that is not "ok", any
# program over budget or rejected, and on a kernel that returned nothing.
verdict() {
	local bad
	bad=$(awk -F'\t' '($4 == "(exit status)" && $5 != 0) || $5 == "FAIL" {
		print "  " $1 "/" $2 " " $3 " " $4 ": " $5 }' "$kdir/results.tsv"
		awk -F'\t' '$5 != "prog_info" && $5 != "log" { print "  " $1 "/" $2 " " $3 ": " $5 }' \
			"$kdir/verifier.tsv")
	if [ -n "$bad" ]; then
		echo
		echo "test-kernels: FAILED:"
		echo "$bad"
		# What each failed test said (its TAP diagnostics), so that a CI
		# log alone tells why.
		for tap in "$kdir"/results/*/*.tap; do
			[ -e "$tap" ] || continue
			awk -v f="${tap#"$kdir"/results/}" '
				/^not ok / { print "  " f ": " $0; n = 12; next }
				n > 0 && /^  / { print "  " $0; n--; next }
				{ n = 0 }' "$tap"
		done
		echo "Logs: $kdir/results/<kernel>/<compiler>.<part>.{log,out}, console.log"
		return 1
	fi
	echo
	echo "test-kernels: every kernel passed with every compiler ($((SECONDS - start)) s)"
}

main() {
	local k kroots=()
	command -v qemu-system-x86_64 >/dev/null || {
		echo "test-kernels: qemu-system-x86_64 missing (make deps)" >&2
		exit 1
	}
	[ "$(id -u)" = 0 ] || {
		echo "test-kernels: needs root (BPF, namespaces); it fails rather than skips" >&2
		exit 1
	}
	mkdir -p "$kdir/results"
	for k in $KERNELS; do
		rm -rf "$kdir/results/$k"
		mkdir -p "$kdir/results/$k"
		# One at a time: apt-get may update its lists on a fresh machine.
		[ "$k" = running ] || kroots+=("$k=$("$here/fetch-kernel.sh" "$kdir" "$k")")
	done
	if [ ${#kroots[@]} -gt 0 ]; then
		log STAGE "initramfs ($KERNEL_CLANGS)"
		stage_common
	fi
	# Kernels side by side, KERNEL_JOBS at a time: a TCG guest is one busy
	# thread per CPU, and much of each suite runs one test at a time.
	for k in $KERNELS; do
		while [ "$(jobs -rp | wc -l)" -ge "$KERNEL_JOBS" ]; do
			wait -n || true
		done
		if [ "$k" = running ]; then
			run_native "$kdir/results/$k" &
		else
			run_guest "$k" "$(kroot_of "$k" "${kroots[@]}")" "$kdir/results/$k" &
		fi
	done
	wait
	collect
	print_tables
	verdict
}

# kroot_of SERIES SERIES=ROOT...: the unpacked root fetched for SERIES.
kroot_of() {
	local k=$1 spec
	shift
	for spec in "$@"; do
		[ "${spec%%=*}" != "$k" ] || echo "${spec#*=}"
	done
}

main "$@"
