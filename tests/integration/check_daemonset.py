#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Offline structural check of deploy/kubernetes/infergated-daemonset.yaml (no
# cluster, no schema download): the fields a node agent with BPF needs, and
# nothing more privileged than it needs: capabilities dropped but for the
# named ones, no privilege escalation, a read-only root, the runtime's
# seccomp profile, and probes on /healthz and /readyz (issue #15). Exits 1
# naming the first problem.
import sys
import yaml


def fail(msg):
    print(f"{sys.argv[1]}: {msg}")
    sys.exit(1)


def main():
    with open(sys.argv[1]) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    if len(ds) != 1 or ds[0].get("apiVersion") != "apps/v1":
        fail("want exactly one apps/v1 DaemonSet")
    ds = ds[0]
    spec = ds["spec"]
    labels = spec["template"]["metadata"]["labels"]
    for k, v in spec["selector"]["matchLabels"].items():
        if labels.get(k) != v:
            fail(f"selector {k}={v} does not match the pod template")
    pod = spec["template"]["spec"]
    if pod.get("hostNetwork") is not True:
        fail("hostNetwork must be true")
    (c,) = pod["containers"]
    sc = c["securityContext"]
    if sc.get("privileged") is not False:
        fail("privileged must be false")
    if sc.get("allowPrivilegeEscalation") is not False:
        fail("allowPrivilegeEscalation must be false")
    if sc.get("readOnlyRootFilesystem") is not True:
        fail("readOnlyRootFilesystem must be true")
    seccomp = sc.get("seccompProfile") or pod.get("securityContext", {}).get("seccompProfile")
    if (seccomp or {}).get("type") != "RuntimeDefault":
        fail("seccompProfile must be RuntimeDefault")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    if ports.get("metrics") != 9469:
        fail("the container must name its port 9469 'metrics'")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") not in (9469, "metrics"):
            fail(f"{probe} must GET {path} on the metrics port 9469")
        if "host" in get:
            fail(f"{probe} must probe the pod's (the node's) address, where the agent listens")
    args = c.get("args", [])
    env = {e["name"]: e for e in c.get("env", [])}
    if "--metrics-listen" not in args or args[args.index("--metrics-listen") + 1] != \
            "$(NODE_IP):9469":
        fail("the agent must listen on $(NODE_IP):9469 (--metrics-listen)")
    if env.get("NODE_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != \
            "status.hostIP":
        fail("NODE_IP must come from status.hostIP")
    ann = spec["template"]["metadata"].get("annotations", {})
    if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != "9469":
        fail("the pod template must carry the prometheus.io scrape annotations")
    svcs = [d for d in docs if d.get("kind") == "Service"]
    if not any(s["spec"].get("selector") == spec["selector"]["matchLabels"] and
               any(p.get("port") == 9469 for p in s["spec"].get("ports", []))
               for s in svcs):
        fail("a Service must select the agents and expose their metrics port")
    if len(sys.argv) > 2 and c.get("image") != sys.argv[2]:
        fail(f"the image is {c.get('image')}, `make image` builds {sys.argv[2]}")
    caps = sc["capabilities"]
    if caps.get("drop") != ["ALL"]:
        fail("capabilities must drop ALL")
    if not set(caps["add"]) <= {"BPF", "NET_ADMIN", "PERFMON", "SYS_ADMIN"}:
        fail(f"unexpected capabilities {caps['add']}")
    if not {"BPF", "NET_ADMIN"} <= set(caps["add"]):
        fail("BPF and NET_ADMIN are required")
    vols = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    bpffs = vols.get(mounts.get("/sys/fs/bpf"), {})
    if bpffs.get("hostPath", {}).get("path") != "/sys/fs/bpf":
        fail("/sys/fs/bpf must be the node's bpffs (hostPath)")
    cfg = vols.get(mounts.get("/etc/infergate"), {})
    if "configMap" not in cfg:
        fail("/etc/infergate must come from a ConfigMap")
    if "/etc/infergate/infergate.yaml" not in c.get("args", []):
        fail("the agent must read /etc/infergate/infergate.yaml")


main()
