"""The stand-ins' own rules, without the engine: the typed and the generic azure-native resource
address one ARM object, azure-native refuses to create what exists, a group's delete takes what
it holds, the kubernetes stand-in refuses a second object of the same name, and the fake az
answers the verify step from the agents' release."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from standins import arm, azure_native, kubernetes, world
from standins.provider import ProviderError

SUB = arm.SUBSCRIPTION


@pytest.fixture(autouse=True)
def fresh_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(world.WORLD_ENV, str(tmp_path))
    azure_native.PLUGIN.config = {}
    kubernetes.PLUGIN.config = {"context": "kind-arc-dev"}
    yield tmp_path


def group() -> str:
    id_, _ = azure_native.ResourceGroup().create("g", {"resourceGroupName": "arc-rg", "location": "eastus"})
    return id_


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
