"""`distribution: auto` / `infrastructure: auto`: what `az connectedk8s connect` detects from the nodes.

The rules are the CLI's (`custom.py get_kubernetes_distro / get_kubernetes_infra`, connectedk8s
1.11.2; connectedk8s.md §5), as pure functions over the items of `kubectl get nodes -o json`.
Detected values outside the CLI's enums (microk8s, talos, an unknown provider scheme, "None") are
returned as the CLI sends them to ARM. `read_nodes` is the one impure part: the live read through
the chosen kubeconfig context, with a bound on time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Node = Mapping[str, Any]

# Seconds: kubectl's own request timeout, and a hard stop for the whole process.
REQUEST_TIMEOUT = 20
PROCESS_TIMEOUT = 30

# The CLI's providerID scheme → infrastructure map; other schemes go through `INFRASTRUCTURES`
# (case-insensitive) or pass through raw (1.10.7+).
_INFRA_SCHEMES = {"azure": "azure", "gce": "gcp", "aws": "aws", "k3s": "k3s", "kind": "kind"}
_AKS_EDGE = ("aks_edge_k3s", "aks_edge_k8s")


class NodesError(Exception):
    """The nodes could not be read or are not a `kubectl get nodes -o json` document."""


def _labels(node: Node) -> Mapping[str, Any]:
    return (node.get("metadata") or {}).get("labels") or {}


def _annotations(node: Node) -> Mapping[str, Any]:
    return (node.get("metadata") or {}).get("annotations") or {}


def _provider_id(node: Node) -> str | None:
    return (node.get("spec") or {}).get("providerID") or None


def _label(*keys: str) -> Callable[[Node], bool]:
    return lambda node: any(key in _labels(node) for key in keys)


def _label_prefix(*prefixes: str) -> Callable[[Node], bool]:
    return lambda node: any(key.startswith(prefixes) for key in _labels(node))


def _annotation(*keys: str) -> Callable[[Node], bool]:
    return lambda node: any(key in _annotations(node) for key in keys)


def _annotation_prefix(prefix: str) -> Callable[[Node], bool]:
    return lambda node: any(key.startswith(prefix) for key in _annotations(node))


def _aks_edge(node: Node) -> str | None:
    value = _annotations(node).get("node.aksedge.io/distro")
    return value if value in _AKS_EDGE else None


def _provider_scheme(*schemes: str) -> Callable[[Node], bool]:
    return lambda node: (_provider_id(node) or "").startswith(tuple(f"{s}://" for s in schemes))


def _kubeadm(node: Node) -> bool:
    return _label_prefix("node-role.kubernetes.io")(node) or _annotation_prefix("kubeadm.alpha.kubernetes.io")(node)


# (rule, distribution) in the CLI's order for one node; the first rule that matches decides.
_DISTRO_RULES: tuple[tuple[Callable[[Node], Any], str | None], ...] = (
    (_label("node.openshift.io/os_id"), "openshift"),
    (_label("kubernetes.azure.com/node-image-version"), "aks"),
    (_label("cloud.google.com/gke-nodepool", "cloud.google.com/gke-os-distribution"), "gke"),
    (_label("eks.amazonaws.com/nodegroup"), "eks"),
    (_label("minikube.k8s.io/version"), "minikube"),
    (_aks_edge, None),  # None: the annotation's own value
    (_provider_scheme("kind"), "kind"),
    (_provider_scheme("k3s"), "k3s"),
    (_annotation("rke.cattle.io/external-ip", "rke.cattle.io/internal-ip"), "rancher_rke"),
    # 1.10.7+: the rke2 annotation sits between talos and tkg; kubeadm is last since 1.11.2.
    (_label_prefix("snap.microk8s"), "microk8s"),
    (_label_prefix("k3os.io"), "k3os"),
    (_label_prefix("talos.dev"), "talos"),
    (_annotation_prefix("rke2.io"), "rke2"),
    (_label_prefix("run.tanzu.vmware.com"), "tkg"),
    (_label_prefix("openebs.io"), "openebs"),
    (_label_prefix("flatcar-linux"), "flatcar"),
    (_label_prefix("k0s.k0sproject.io"), "k0s"),
    (_kubeadm, "kubeadm"),
)


def detect_distribution(nodes: Sequence[Node]) -> str:
    """Nodes in order, rules in order per node; the first node matching any rule decides."""
    for node in nodes:
        for rule, distribution in _DISTRO_RULES:
            matched = rule(node)
            if matched:
                return distribution or matched
    return "generic"


def detect_infrastructure(nodes: Sequence[Node], known: Sequence[str]) -> str:
    """From the first node's providerID scheme; `known` is the CLI's infrastructure enum.

    No providerID gives the literal "None" (the CLI formats a missing value, 1.10.7+); an unknown
    scheme passes through raw. No nodes at all: generic (nothing to look at).
    """
    if not nodes:
        return "generic"
    scheme = str(_provider_id(nodes[0])).split(":", 1)[0]
    if scheme in _INFRA_SCHEMES:
        return _INFRA_SCHEMES[scheme]
    folded = {value.lower(): value for value in known}
    return folded.get(scheme.lower(), scheme)


def parse_nodes(text: str) -> list[Node]:
    """The items of a `kubectl get nodes -o json` document (a v1 List)."""
    try:
        document = json.loads(text)
    except ValueError:
        raise NodesError("is not JSON (expected the output of `kubectl get nodes -o json`)") from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise NodesError("has no `items` list of nodes (expected the output of `kubectl get nodes -o json`)")
    return items


def read_nodes(kubeconfig: str | None, context: str | None, environ: Mapping[str, str]) -> str:
    """`kubectl get nodes -o json` through the given kubeconfig and context (None: in-cluster)."""
    kubectl = shutil.which("kubectl", path=environ.get("PATH"))
    if kubectl is None:
        raise NodesError("needs kubectl on PATH to read the cluster's nodes")
    command = [kubectl, "get", "nodes", "-o", "json", f"--request-timeout={REQUEST_TIMEOUT}s"]
    if kubeconfig:
        command += ["--kubeconfig", kubeconfig]
    if context:
        command += ["--context", context]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, env=dict(environ), check=False
        )
    except subprocess.TimeoutExpired:
        raise NodesError(f"kubectl get nodes did not answer within {PROCESS_TIMEOUT}s") from None
    except OSError as error:
        raise NodesError(f"cannot run kubectl: {error.strerror}") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise NodesError(f"kubectl get nodes failed ({reason})")
    return done.stdout
