#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make test-image`: the image `make image` built is a valid OCI archive
# (skopeo reads it) under the reference the DaemonSet names, and its root
# filesystem runs the agent: infergated --version and --check-config of the
# example configuration, infergatectl --help, chrooted into the image's layer.
#   test-image.sh IMAGE.tar REF
set -euo pipefail
img=$1
ref=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {
	if "${@:2}" >"$tmp/out" 2>&1; then
		echo "ok: $1"; pass=$((pass + 1))
	else
		echo "FAIL: $1"; cat "$tmp/out"; fail=$((fail + 1))
	fi
}
check "skopeo reads the archive" skopeo inspect "oci-archive:$img"
tar -xf "$img" -C "$tmp" index.json oci-layout blobs
check "the archive names $ref" grep -q "\"org.opencontainers.image.ref.name\": \"$ref\"" \
	"$tmp/index.json"
layer=$(python3 -c "import json,sys; d='$tmp/blobs/sha256/'; \
m=json.load(open('$tmp/index.json'))['manifests'][0]['digest'][7:]; \
print(json.load(open(d+m))['layers'][0]['digest'][7:])")
mkdir "$tmp/root"
tar -xzf "$tmp/blobs/sha256/$layer" -C "$tmp/root"
cp deploy/infergate.example.yaml "$tmp/root/tmp/example.yaml"
check "infergated runs in the image" chroot "$tmp/root" /usr/local/sbin/infergated --version
check "it reads the example configuration" chroot "$tmp/root" /usr/local/sbin/infergated \
	--check-config /tmp/example.yaml
check "infergatectl runs in the image" chroot "$tmp/root" /usr/local/sbin/infergatectl --help
check "the BPF objects are in the image" test -s "$tmp/root/usr/local/lib/infergate/bpf/xdp_gateway.bpf.o"
echo "test-image: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
