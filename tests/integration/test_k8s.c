// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Kubernetes manifest, validated offline: yamllint (syntax and style)
 * and a structural check with python3-yaml (check_daemonset.py): hostNetwork,
 * the node's bpffs, a ConfigMap, unprivileged with named capabilities only.
 * Debian ships neither kubeconform nor kubeval. */
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
				      " 2>&1"),
		     0, "%s", out);
}
