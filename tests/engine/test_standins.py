"""The stand-ins' own rules, without the engine: the typed and the generic azure-native resource
address one ARM object, azure-native refuses to create what exists, a group's delete takes what
it holds, the kubernetes stand-in refuses a second object of the same name, and the fake az
answers the verify step from the agents' release."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.standins import arm, azure_native, kubernetes, world
from tests.engine.standins.provider import ProviderError

SUB = arm.SUBSCRIPTION
HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def fresh_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(world.WORLD_ENV, str(tmp_path))
    azure_native.PLUGIN.config = {}
    kubernetes.PLUGIN.config = {"context": "kind-arc-dev"}
    return tmp_path


def group() -> str:
    id_: str
    id_, _ = azure_native.ResourceGroup().create("g", {"resourceGroupName": "arc-rg", "location": "eastus"})
    return str(id_)


def test_typed_and_generic_connected_cluster_are_one_arm_object() -> None:
    group()
    typed, _ = azure_native.ConnectedCluster().create(
        "c", {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
    )
    generic = {
        "resourceGroupName": "arc-rg",
        "resourceProviderNamespace": "Microsoft.Kubernetes",
        "parentResourcePath": "",
        "resourceType": "connectedClusters",
        "resourceName": "arc-1",
        "apiVersion": "2026-05-01",
        "location": "eastus",
    }
    assert azure_native.GenericResource().id_of(generic) == typed
    with pytest.raises(ProviderError, match="cannot create already existing resource"):
        azure_native.GenericResource().create("c", generic)


def test_a_cluster_needs_its_group_and_a_group_delete_takes_its_contents() -> None:
    with pytest.raises(ProviderError, match="ResourceGroupNotFound"):
        azure_native.ConnectedCluster().create(
            "c", {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
        )
    group_id = group()
    azure_native.ConnectedCluster().create(
        "c", {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
    )
    assert len(arm.in_group(SUB, "arc-rg") or []) == 1
    assert len(arm.delete(group_id)) == 2
    assert arm.in_group(SUB, "arc-rg") is None


def test_location_and_path_parameters_replace_tags_update() -> None:
    kind = azure_native.ConnectedCluster()
    old = {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus", "tags": {"a": "1"}}
    assert kind.diff(old, {}, {**old, "location": "westeurope"}).replaces == ["location"]
    assert kind.diff(old, {}, {**old, "clusterName": "arc-2"}).replaces == ["clusterName"]
    tags = kind.diff(old, {}, {**old, "tags": {"a": "2"}})
    assert tags.changed == ["tags"] and not tags.replaces


GENERIC_CLUSTER = {
    "resourceGroupName": "arc-rg",
    "resourceProviderNamespace": "Microsoft.Kubernetes",
    "parentResourcePath": "",
    "resourceType": "connectedClusters",
    "resourceName": "arc-1",
    "apiVersion": "2026-05-01",
    "location": "eastus",
}


def test_an_alias_from_the_typed_to_the_generic_cluster_replaces_it_delete_first() -> None:
    """azure-native judges the typed resource's old inputs by the generic type's path parameters:
    resourceName, resourceProviderNamespace, resourceType (and parentResourcePath) are added, so the
    cluster is replaced, and azure-native replaces delete-first."""
    group()
    typed = {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
    _, state = azure_native.ConnectedCluster().create("c", typed)
    diff = azure_native.GenericResource().diff(typed, state, GENERIC_CLUSTER)
    assert set(diff.replaces) == {"resourceName", "resourceProviderNamespace", "resourceType", "parentResourcePath"}
    assert "clusterName" in diff.changed and "clusterName" not in diff.replaces
    assert diff.delete_before_replace


def test_a_path_parameter_the_state_already_holds_is_no_replacement() -> None:
    """The nextgen#238 rule: an added path parameter whose value the old state holds is an ADD, so a
    state rewritten to the generic shape (outputs and inputs) upgrades in place."""
    group()
    _, state = azure_native.GenericResource().create("c", GENERIC_CLUSTER)
    old_inputs = {k: v for k, v in GENERIC_CLUSTER.items() if k != "resourceName"}
    diff = azure_native.GenericResource().diff(old_inputs, state, GENERIC_CLUSTER)
    assert diff.changed == ["resourceName"] and not diff.replaces and not diff.delete_before_replace


def test_location_compares_without_case_or_spaces_and_the_group_name_without_case() -> None:
    kind = azure_native.ConnectedCluster()
    old = {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "West Europe"}
    assert kind.diff(old, {}, {**old, "location": "westeurope", "resourceGroupName": "ARC-RG"}).changed == []


def test_kubernetes_refuses_an_existing_object_and_a_missing_namespace() -> None:
    namespace = kubernetes.Namespace()
    secret = kubernetes.Secret()
    with pytest.raises(ProviderError, match='namespaces "ns" not found'):
        secret.create("s", {"metadata": {"name": "s", "namespace": "ns"}})
    namespace.create("n", {"metadata": {"name": "ns"}})
    secret.create("s", {"metadata": {"name": "s", "namespace": "ns"}})
    with pytest.raises(ProviderError, match="already exists"):
        secret.create("s", {"metadata": {"name": "s", "namespace": "ns"}})
    namespace.delete("ns", {})
    assert not world.read("kubernetes")["objects"]


def test_fake_az_reports_connected_only_once_the_agents_release_names_the_cluster(tmp_path: Path) -> None:
    group()
    azure_native.ConnectedCluster().create(
        "c", {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
    )

    def status() -> str:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "standins.fake_az",
                "resource",
                "show",
                "--resource-group",
                "arc-rg",
                "--name",
                "arc-1",
                "--resource-type",
                "Microsoft.Kubernetes/connectedClusters",
                "--subscription",
                SUB,
                "--query",
                "properties.connectivityStatus",
                "--output",
                "tsv",
            ],
            capture_output=True,
            text=True,
            cwd=HERE,
            env={"ARC_ENGINE_WORLD": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert status() == "Connecting"
    values = {"global": {"subscriptionId": SUB, "resourceGroupName": "arc-rg", "resourceName": "arc-1"}}
    kubernetes.Namespace().create("n", {"metadata": {"name": "azure-arc-release"}})
    kubernetes.Release().create(
        "r", {"name": "azure-arc", "namespace": "azure-arc-release", "chart": "c", "version": "1", "values": values}
    )
    assert status() == "Connected"


def run_script(name: str, environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A lifecycle script under sh with the fake az and kubectl first on the PATH, as the engine runs it."""
    from components import scripts

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool, module in (("az", "fake_az"), ("kubectl", "fake_kubectl")):
        wrapper = bin_dir / tool
        wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={HERE} exec {sys.executable} -m standins.{module} "$@"\n')
        wrapper.chmod(0o755)
    env = {"ARC_ENGINE_WORLD": str(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin", **environment}
    return subprocess.run(
        ["/bin/sh", "-c", scripts.text(name)], capture_output=True, text=True, env=env, check=False
    )  # fmt: skip


KUBE = {
    "ARC_KUBECONFIG": (HERE.parents[1] / "tests" / "fixtures" / "kubeconfig").read_text(),
    "ARC_KUBE_CONTEXT": "kind-arc-dev",
}


def onboarded(key: str) -> str:
    """The generic connected cluster with `key`, and the agents' release naming it; its id."""
    group()
    id_, _ = azure_native.GenericResource().create(
        "c",
        {
            "resourceGroupName": "arc-rg",
            "resourceProviderNamespace": "Microsoft.Kubernetes",
            "parentResourcePath": "",
            "resourceType": "connectedClusters",
            "resourceName": "arc-1",
            "apiVersion": "2026-05-01",
            "location": "eastus",
            "properties": {"agentPublicKeyCertificate": key},
        },
    )
    assert isinstance(id_, str)
    values = {"global": {"subscriptionId": SUB, "resourceGroupName": "arc-rg", "resourceName": "arc-1"}}
    kubernetes.Release().create(
        "r",
        {
            "name": "azure-arc",
            "namespace": "azure-arc-release",
            "createNamespace": True,
            "chart": "c",
            "values": values,
        },
    )
    return id_


def test_the_pre_write_check_reads_the_fakes_as_a_cluster_and_arm(tmp_path: Path) -> None:
    from components import scripts

    environment = {
        **scripts.precheck_environment(
            subscription=SUB,
            resource_group="arc-rg",
            cluster_name="arc-1",
            crd_suffix="azure.com",
            agent_namespace="azure-arc",
            release_name="azure-arc",
            replace_stale=False,
            dry_run=True,
        ),
        **KUBE,
    }
    fresh = run_script("precheck", environment, tmp_path)
    assert (fresh.returncode, fresh.stdout) == (0, ""), fresh.stderr
    onboarded("MIIKEY")
    ours = run_script("precheck", environment, tmp_path)
    assert (ours.returncode, ours.stdout) == (0, "arm-key: MIIKEY\n"), ours.stderr
    # Deleted in the portal: the agents and CRDs are a stale onboarding.
    arm.delete(arm.resource_id(SUB, "arc-rg", "Microsoft.Kubernetes", "connectedClusters", "arc-1"))
    stale = run_script("precheck", environment, tmp_path)
    assert stale.stdout.startswith("stop: ") and "stale Azure Arc onboarding" in stale.stdout, stale.stderr
    assert "helm delete azure-arc --namespace azure-arc-release --no-hooks" in stale.stdout


def test_the_uninstall_guard_deletes_only_unmanaged_extensions_through_the_fakes(tmp_path: Path) -> None:
    from components import scripts

    cluster_id = onboarded("MIIKEY")
    for name in ("flux", "azurepolicy", "foreign"):
        extension = f"{cluster_id}/providers/Microsoft.KubernetesConfiguration/extensions/{name}"
        arm.put({"id": extension, "name": name, "type": "Microsoft.KubernetesConfiguration/extensions"})
    environment = {
        **scripts.delete_guard_environment(
            subscription=SUB,
            resource_group="arc-rg",
            cluster_name="arc-1",
            agent_namespace="azure-arc",
            release_name="azure-arc",
            release_namespace="azure-arc-release",
            managed_extensions=["flux", "azurepolicy"],
            force_delete=False,
        ),
        **KUBE,
        # An extension that does not go fails in seconds, not after the real 900 s.
        "ARC_EXTENSION_TIMEOUT_SECONDS": "2",
        "ARC_POLL_INTERVAL_SECONDS": "1",
    }
    done = run_script("delete_guard", environment, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "carries this stack's agents" in done.stderr and "extension foreign: gone" in done.stderr
    left = sorted(k.rsplit("/", 1)[-1] for k in world.read("azure")["resources"] if "/extensions/" in k)
    assert left == ["azurepolicy", "flux"]
    # Another onboarding's agents on the cluster: refused before anything is deleted.
    refused = run_script("delete_guard", {**environment, "ARC_CLUSTER_NAME": "arc-2"}, tmp_path)
    assert refused.returncode == 1 and "not this stack's" in refused.stderr
