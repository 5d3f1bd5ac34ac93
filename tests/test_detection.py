"""Distribution and infrastructure detection: the az CLI's node rules (connectedk8s.md §5), and the live read."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components import detection
from components.detection import NodesError, detect_distribution, detect_infrastructure, parse_nodes, read_nodes
from components.settings import INFRASTRUCTURES
from tests.conftest import FIXTURES


def node(
    labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None, provider: str | None = None
) -> dict[str, Any]:
    spec = {"providerID": provider} if provider is not None else {}
    return {"metadata": {"name": "n", "labels": labels or {}, "annotations": annotations or {}}, "spec": spec}


# One node per rule, each matching only that rule.
DISTRO_RULES = [
    (node({"node.openshift.io/os_id": "rhcos"}), "openshift"),
    (node({"kubernetes.azure.com/node-image-version": "AKSUbuntu"}), "aks"),
    (node({"cloud.google.com/gke-nodepool": "default-pool"}), "gke"),
    (node({"cloud.google.com/gke-os-distribution": "cos"}), "gke"),
    (node({"eks.amazonaws.com/nodegroup": "ng"}), "eks"),
    (node({"minikube.k8s.io/version": "v1.33.1"}), "minikube"),
    (node(annotations={"node.aksedge.io/distro": "aks_edge_k3s"}), "aks_edge_k3s"),
    (node(annotations={"node.aksedge.io/distro": "aks_edge_k8s"}), "aks_edge_k8s"),
    (node(provider="kind://docker/c/c-control-plane"), "kind"),
    (node(provider="k3s://server-0"), "k3s"),
    (node(annotations={"rke.cattle.io/external-ip": "192.0.2.1"}), "rancher_rke"),
    (node(annotations={"rke.cattle.io/internal-ip": "10.0.0.1"}), "rancher_rke"),
    (node({"snap.microk8s/x": "1"}), "microk8s"),
    (node({"k3os.io/version": "v0.21"}), "k3os"),
    (node({"talos.dev/x": "1"}), "talos"),
    (node(annotations={"rke2.io/node-args": "[]"}), "rke2"),
    (node({"run.tanzu.vmware.com/kubernetesDistributionVersion": "v1.26"}), "tkg"),
    (node({"openebs.io/nodeid": "x"}), "openebs"),
    (node({"flatcar-linux/x": "1"}), "flatcar"),
    (node({"k0s.k0sproject.io/role": "worker"}), "k0s"),
    (node({"node-role.kubernetes.io/control-plane": ""}), "kubeadm"),
    (node(annotations={"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd.sock"}), "kubeadm"),
    (node({"kubernetes.io/os": "linux"}, {"other": "x"}, "azure:///subscriptions/x"), "generic"),
]


@pytest.mark.parametrize(("one", "expected"), DISTRO_RULES, ids=[f"{i}-{e}" for i, (_, e) in enumerate(DISTRO_RULES)])
def test_each_distribution_rule(one: dict[str, Any], expected: str) -> None:
    assert detect_distribution([one]) == expected


def test_each_rule_beats_every_later_rule_on_the_same_node() -> None:
    rules = DISTRO_RULES[:-1]
    for i, (first, expected) in enumerate(rules):
        for later, later_expected in rules[i + 1 :]:
            providers = [n["spec"]["providerID"] for n in (first, later) if "providerID" in n["spec"]]
            shared = set(first["metadata"]["annotations"]) & set(later["metadata"]["annotations"])
            if later_expected == expected or len(providers) > 1 or shared:
                continue  # same result, or one key/providerID that a node can hold only once
            combined = node(
                {**first["metadata"]["labels"], **later["metadata"]["labels"]},
                {**first["metadata"]["annotations"], **later["metadata"]["annotations"]},
                providers[0] if providers else None,
            )
            assert detect_distribution([combined]) == expected, (expected, later_expected)


def test_rke2_sits_between_talos_and_tkg_and_kubeadm_is_last() -> None:
    rke2 = {"rke2.io/node-args": "[]"}
    assert detect_distribution([node({"talos.dev/x": "1"}, rke2)]) == "talos"
    assert detect_distribution([node({"run.tanzu.vmware.com/x": "1"}, rke2)]) == "rke2"
    assert detect_distribution([node({"node-role.kubernetes.io/worker": "", "k0s.k0sproject.io/x": "1"})]) == "k0s"


def test_aks_edge_annotation_with_another_value_does_not_match() -> None:
    assert detect_distribution([node(annotations={"node.aksedge.io/distro": "something"})]) == "generic"


def test_label_rules_look_at_labels_and_annotation_rules_at_annotations() -> None:
    assert detect_distribution([node(annotations={"eks.amazonaws.com/nodegroup": "ng"})]) == "generic"
    assert detect_distribution([node({"rke.cattle.io/external-ip": "192.0.2.1"})]) == "generic"
    assert detect_distribution([node({"rke2.io/x": "1"})]) == "generic"


def test_node_order_first_matching_node_wins() -> None:
    plain = node({"kubernetes.io/os": "linux"})
    eks = node({"eks.amazonaws.com/nodegroup": "ng"})
    aks = node({"kubernetes.azure.com/node-image-version": "x"})
    kubeadm = node({"node-role.kubernetes.io/control-plane": ""})
    assert detect_distribution([plain, eks, aks]) == "eks"
    assert detect_distribution([plain, aks, eks]) == "aks"
    # A later rule on an earlier node beats an earlier rule on a later node.
    assert detect_distribution([kubeadm, aks]) == "kubeadm"


def test_no_nodes_and_bare_nodes_are_generic() -> None:
    assert detect_distribution([]) == "generic"
    assert detect_distribution([{}, {"metadata": {}}, {"metadata": {"labels": None}}]) == "generic"


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("azure:///subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm", "azure"),
        ("gce://project/zone/name", "gcp"),
        ("aws:///us-east-1a/i-0123", "aws"),
        ("k3s://server-0", "k3s"),
        ("kind://docker/c/n", "kind"),
        ("vsphere://4230b7a2", "vsphere"),
        ("vSphere://4230b7a2", "vsphere"),  # an enum entry, matched case-insensitively
        ("Azure_Stack_HCI://x", "azure_stack_hci"),
        ("openstack:///8c7f0a4e", "openstack"),  # 1.10.7+: the raw scheme
        ("moc://node", "moc"),
        ("Equinix://m3", "Equinix"),  # raw means as written
        ("no-scheme-at-all", "no-scheme-at-all"),
        (None, "None"),  # 1.10.7+: a missing providerID is the string "None"
    ],
)
def test_infrastructure_from_the_first_nodes_provider_scheme(provider: str | None, expected: str) -> None:
    assert detect_infrastructure([node(provider=provider)], INFRASTRUCTURES) == expected


def test_infrastructure_looks_at_the_first_node_only() -> None:
    assert detect_infrastructure([node(), node(provider="aws:///x")], INFRASTRUCTURES) == "None"
    assert (
        detect_infrastructure([node(provider="openstack:///x"), node(provider="aws:///x")], INFRASTRUCTURES)
        == "openstack"
    )
    assert detect_infrastructure([], INFRASTRUCTURES) == "generic"


FIXTURE_EXPECTATIONS = {
    "kind.json": ("kind", "kind"),
    "aks.json": ("aks", "azure"),
    "gke.json": ("gke", "gcp"),
    "eks-generic-first.json": ("eks", "aws"),
    "k3s.json": ("k3s", "k3s"),
    "rke-vsphere.json": ("rancher_rke", "vsphere"),
    "kubeadm-openstack.json": ("kubeadm", "openstack"),
    "kubeadm-bare-metal.json": ("kubeadm", "None"),
    "empty.json": ("generic", "generic"),
}


@pytest.mark.parametrize("name", FIXTURE_EXPECTATIONS)
def test_fixtures(name: str) -> None:
    nodes = parse_nodes((FIXTURES / "nodes" / name).read_text())
    assert (detect_distribution(nodes), detect_infrastructure(nodes, INFRASTRUCTURES)) == FIXTURE_EXPECTATIONS[name]


def test_every_fixture_is_covered() -> None:
    names = {p.name for p in (FIXTURES / "nodes").glob("*.json")}
    assert names == {*FIXTURE_EXPECTATIONS, "not-a-list.json"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not JSON"),
        ((FIXTURES / "nodes" / "not-a-list.json").read_text(), "has no `items` list"),
        ('{"items": [1, 2]}', "has no `items` list"),
        ("[]", "has no `items` list"),
    ],
)
def test_parse_nodes_rejects_other_documents(text: str, message: str) -> None:
    with pytest.raises(NodesError, match=message):
        parse_nodes(text)


def fake_kubectl(tmp_path: Path, script: str) -> dict[str, str]:
    """A `kubectl` on PATH that records its arguments and runs `script`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/argv"\n{script}\n')
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.defpath}", "HOME": str(tmp_path)}


def test_read_nodes_runs_kubectl_with_the_kubeconfig_and_context(tmp_path: Path) -> None:
    env = fake_kubectl(tmp_path, f'cat "{FIXTURES / "nodes" / "kind.json"}"')
    text = read_nodes("/k/config", "kind-arc-dev", env)
    assert json.loads(text)["items"][0]["metadata"]["name"] == "arc-dev-control-plane"
    assert (tmp_path / "argv").read_text().splitlines() == [
        "get",
        "nodes",
        "-o",
        "json",
        "--request-timeout=20s",
        "--kubeconfig",
        "/k/config",
        "--context",
        "kind-arc-dev",
    ]


def test_read_nodes_in_cluster_passes_neither(tmp_path: Path) -> None:
    env = fake_kubectl(tmp_path, "echo '{\"items\": []}'")
    assert read_nodes(None, None, env) == '{"items": []}\n'
    assert (tmp_path / "argv").read_text().splitlines() == ["get", "nodes", "-o", "json", "--request-timeout=20s"]


def test_read_nodes_failure_gives_kubectls_last_line(tmp_path: Path) -> None:
    env = fake_kubectl(
        tmp_path,
        'echo "E0101 memcache.go" >&2; echo "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused" >&2; exit 1',
    )
    with pytest.raises(
        NodesError,
        match=r"^kubectl get nodes failed \(Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused\)$",
    ):
        read_nodes("/k/config", "ctx", env)


def test_read_nodes_without_kubectl(tmp_path: Path) -> None:
    with pytest.raises(NodesError, match="needs kubectl on PATH"):
        read_nodes("/k/config", "ctx", {"PATH": str(tmp_path)})


def test_read_nodes_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_kubectl(tmp_path, "true")

    def hang(command: list[str], **kwargs: Any) -> None:
        assert kwargs["timeout"] == detection.PROCESS_TIMEOUT
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", hang)  # the module detection runs kubectl with
    with pytest.raises(NodesError, match="did not answer within 30s"):
        read_nodes("/k/config", "ctx", env)
