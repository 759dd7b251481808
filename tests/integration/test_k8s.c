// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Kubernetes manifest, validated offline: yamllint (syntax and style)
 * and a structural check with python3-yaml (check_daemonset.py): hostNetwork,
 * the node's bpffs, a ConfigMap, unprivileged with named capabilities only.
 * Debian ships neither kubeconform nor kubeval. */
#include <string.h>
#include <criterion/criterion.h>

#include "tools/lab/netns.h"

#define MANIFEST "deploy/kubernetes/infergated-daemonset.yaml"

Test(k8s, daemonset_lints)
{
	char out[4096];

	cr_expect_eq(netns_run_output(NULL, out, sizeof(out),
				      "yamllint -f parsable -d '{extends: default, rules: "
				      "{line-length: {max: 100}}}' " MANIFEST " 2>&1"),
		     0, "%s", out);
}

Test(k8s, daemonset_structure)
{
	char out[4096];

	cr_expect_eq(netns_run_output(NULL, out, sizeof(out),
				      "python3 tests/integration/check_daemonset.py " MANIFEST
				      " \"$(make -s --no-print-directory image-ref)\" 2>&1"),
		     0, "%s", out);
}

/* The image writer (deploy/image/oci-archive.py) on a small root
 * filesystem: skopeo, a real OCI consumer, reads the archive back with the
 * reference, the entrypoint and a layer whose digest is the gzip's. The
 * whole image (`make image`, Debian packages through mmdebstrap) is
 * `make test-image`, outside make check: it downloads its packages. */
Test(k8s, oci_archive_reads_back)
{
	char out[8192];

	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "set -e; d=$(mktemp -d); mkdir -p $d/r/usr/local/sbin; "
				      "echo hi > $d/r/usr/local/sbin/infergated; "
				      "tar -C $d/r -cf $d/rootfs.tar .; "
				      "deploy/image/oci-archive.py $d/rootfs.tar $d/img.tar t/x:1 "
				      "/usr/local/sbin/infergated --config /etc/x.yaml >/dev/null; "
				      "skopeo inspect oci-archive:$d/img.tar; "
				      "skopeo inspect --config oci-archive:$d/img.tar; "
				      "tar -xOf $d/img.tar index.json; rm -rf $d"),
		     0, "%s", out);
	cr_expect(strstr(out, "\"Architecture\": \"amd64\"") || strstr(out, "\"arm64\""), "%s",
		  out);
	cr_expect(strstr(out, "\"org.opencontainers.image.ref.name\": \"t/x:1\""), "%s", out);
	cr_expect(strstr(out, "\"Entrypoint\": [\n            \"/usr/local/sbin/infergated\",\n"
			      "            \"--config\",\n            \"/etc/x.yaml\""),
		  "%s", out);
}
