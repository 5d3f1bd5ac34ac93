"""The stand-ins' own rules, without the engine: the typed and the generic azure-native resource
address one ARM object, azure-native refuses to create what exists, a group's delete takes what
it holds, the kubernetes stand-in refuses a second object of the same name, and the fake az
answers the verify step from the agents' release."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.conftest import standin_wrapper
from tests.engine.standins import arm, azure_native, kubernetes, world
from tests.engine.standins.provider import PartialFailure, ProviderError

SUB = arm.SUBSCRIPTION
HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def fresh_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(world.WORLD_ENV, str(tmp_path))
    azure_native.PLUGIN.config = {}
    kubernetes.PLUGIN.config = {"context": "kind-arc-dev"}
    return tmp_path


GENERIC_CLUSTER = {
    "resourceGroupName": "arc-rg",
    "resourceProviderNamespace": "Microsoft.Kubernetes",
    "parentResourcePath": "",
    "resourceType": "connectedClusters",
    "resourceName": "arc-1",
    "apiVersion": "2026-05-01",
    "location": "eastus",
}


def group() -> str:
    id_: str
    id_, _ = azure_native.ResourceGroup().create("g", {"resourceGroupName": "arc-rg", "location": "eastus"})
    return str(id_)


def test_the_generic_cluster_is_addressed_as_arm_addresses_connected_clusters() -> None:
    """The generic resource's id is ARM's id of the connected cluster, written out here rather than
    computed by the stand-in's own function; the id parses back into the same path parameters; and
    a typed cluster already at that id makes the generic create refuse."""
    group()
    expected = f"/subscriptions/{SUB}/resourceGroups/arc-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-1"
    kind = azure_native.GenericResource()
    assert kind.id_of(GENERIC_CLUSTER) == expected
    path = {k: v for k, v in GENERIC_CLUSTER.items() if k not in ("apiVersion", "location")}
    assert kind.path_values(expected) == path
    typed, _ = azure_native.ConnectedCluster().create(
        "c", {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus"}
    )
    assert typed == expected
    with pytest.raises(ProviderError, match="cannot create already existing resource"):
        kind.create("c", GENERIC_CLUSTER)


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
    agents_connect("1")
    assert status() == "Connected"


def run_script(name: str, environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A lifecycle script under sh with the fake az and kubectl first on the PATH, as the engine runs it."""
    from components import scripts

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool, module in (("az", "fake_az"), ("kubectl", "fake_kubectl")):
        standin_wrapper(bin_dir / tool, module)
    env = {"ARC_ENGINE_WORLD": str(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin", **environment}
    return subprocess.run(
        ["/bin/sh", "-c", scripts.text(name)], capture_output=True, text=True, env=env, check=False
    )  # fmt: skip


KUBE = {
    "ARC_KUBECONFIG": (HERE.parents[1] / "tests" / "fixtures" / "kubeconfig").read_text(),
    "ARC_KUBE_CONTEXT": "kind-arc-dev",
}


def agents_connect(version: str | None = "1.36.0") -> None:
    """The agents' release naming arc-1, as the chart deploys it (`version` None: a release that
    names no chart version): ARM then reports the cluster Connected with what the agents send."""
    values = {"global": {"subscriptionId": SUB, "resourceGroupName": "arc-rg", "resourceName": "arc-1"}}
    release = {"name": "azure-arc", "namespace": "azure-arc-release", "createNamespace": True, "chart": "c"}
    kubernetes.Release().create("r", {**release, **({"version": version} if version else {}), "values": values})


def onboarded(key: str) -> str:
    """The generic connected cluster with `key`, and the agents' release naming it; its id."""
    group()
    id_, _ = azure_native.GenericResource().create(
        "c", {**GENERIC_CLUSTER, "properties": {"agentPublicKeyCertificate": key}}
    )
    assert isinstance(id_, str)
    agents_connect(version=None)
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
    # No owner tag on a cluster created outside the program: an empty owner.
    assert (ours.returncode, ours.stdout) == (0, "arm-key: MIIKEY\narm-owner: \n"), ours.stderr
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


# --- the faithful ports (issue 17) ---------------------------------------------------------------
CLUSTER_PROPERTIES = {
    "agentPublicKeyCertificate": "MIIKEY",
    "distribution": "kind",
    "infrastructure": "generic",
    "arcAgentProfile": {"agentAutoUpgrade": "Disabled"},
}


def generic_cluster(**properties: object) -> dict[str, object]:
    return {
        **GENERIC_CLUSTER,
        "identity": {"type": "SystemAssigned"},
        "properties": {**CLUSTER_PROPERTIES, **properties},
    }


def test_refresh_of_the_generic_cluster_carries_read_only_properties_into_its_inputs() -> None:
    """azure-native Read: the change between the old and the new outputs' input projection is written
    into the inputs; the generic resource's untyped `properties` keep read-only fields."""
    group()
    inputs = generic_cluster()
    id_, created = azure_native.GenericResource().create("c", inputs)
    assert created["properties"]["connectivityStatus"] == "Connecting"
    agents_connect()
    _, outputs, refreshed = azure_native.GenericResource().read(id_, created, inputs)
    properties = refreshed["properties"]
    assert properties["connectivityStatus"] == "Connected"
    assert properties["agentVersion"] == "1.36.0" and "lastConnectivityTime" in properties
    assert properties["arcAgentProfile"] == {"agentAutoUpgrade": "Disabled", "agentState": "Succeeded"}
    # What the program sends next time lacks them: the recursive Diff names each one.
    diff = azure_native.GenericResource().diff(refreshed, outputs, inputs)
    assert diff.changed == ["properties"] and not diff.replaces
    assert diff.detailed is not None
    assert diff.detailed["properties.connectivityStatus"] == "DELETE"
    assert diff.detailed["properties.arcAgentProfile.agentState"] == "DELETE"


def test_refresh_of_the_typed_cluster_leaves_read_only_properties_out() -> None:
    group()
    typed = {"resourceGroupName": "arc-rg", "clusterName": "arc-1", "location": "eastus", **CLUSTER_PROPERTIES}
    id_, created = azure_native.ConnectedCluster().create("c", typed)
    agents_connect()
    _, _, refreshed = azure_native.ConnectedCluster().read(id_, created, typed)
    assert refreshed == typed


def test_a_nested_key_change_is_reported_at_its_path_and_location_replaces() -> None:
    group()
    kind = azure_native.GenericResource()
    inputs = generic_cluster()
    _, state = kind.create("c", inputs)
    rekeyed = kind.diff(inputs, state, generic_cluster(agentPublicKeyCertificate="MIIOTHER"))
    # An update of the path the program's replace_on_changes names: the engine makes it a replacement.
    assert rekeyed.detailed == {"properties.agentPublicKeyCertificate": "UPDATE"} and rekeyed.changed == ["properties"]
    moved = kind.diff(inputs, state, {**inputs, "location": "westeurope"})
    assert moved.detailed == {"location": "UPDATE_REPLACE"} and moved.delete_before_replace


def test_an_import_builds_the_inputs_from_the_get_body() -> None:
    group()
    id_, _ = azure_native.GenericResource().create("c", generic_cluster())
    agents_connect()
    _, _, imported = azure_native.GenericResource().read(id_, {}, {})
    assert {k: imported[k] for k in ("resourceGroupName", "resourceName", "resourceType", "parentResourcePath")} == {
        "resourceGroupName": "arc-rg",
        "resourceName": "arc-1",
        "resourceType": "connectedClusters",
        "parentResourcePath": "",
    }
    assert "apiVersion" not in imported, "not in the GET body nor the path"
    assert imported["identity"] == {"type": "SystemAssigned"}
    assert imported["properties"]["connectivityStatus"] == "Connected"


def test_a_failed_long_running_put_leaves_the_cluster_created_and_in_the_state() -> None:
    group()
    expected = f"/subscriptions/{SUB}/resourceGroups/arc-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-1"
    with world.locked("faults") as faults:
        faults["armed"] = [{"who": "azure-native", "call": "lro-fails", "match": "arc-1", "message": "LRO failed"}]
    with pytest.raises(PartialFailure, match="LRO failed") as failed:
        azure_native.GenericResource().create("c", generic_cluster())
    assert failed.value.id_ == expected
    assert failed.value.outputs["properties"]["provisioningState"] == "Failed"
    assert arm.get(expected) is not None


def test_kubernetes_release_read_keeps_the_stored_inputs_and_diff_takes_the_live_version() -> None:
    agents_connect("1.36.0")
    release = kubernetes.Release()
    inputs = {"name": "azure-arc", "namespace": "azure-arc-release", "createNamespace": True, "chart": "c"}
    inputs = {**inputs, "version": "1.36.0", "values": {"global": {"resourceName": "arc-1"}}}
    with world.locked("kubernetes") as state:
        state["releases"]["kind-arc-dev|azure-arc-release/azure-arc"]["version"] = "1.37.0"
    _, outputs, read_inputs = release.read("azure-arc-release/azure-arc", {**inputs, "status": {}}, inputs)
    assert read_inputs == inputs, "Read returns the stored inputs unchanged"
    assert outputs["version"] == "1.37.0"
    # Pinned: the live version differs from the pin, so the release diffs (an upgrade back to it).
    assert release.diff_with(inputs, outputs, inputs, []).detailed == {"version": "UPDATE"}
    # ignoreChanges: ["version"]: the engine resets it to the old input, the provider to the old output.
    assert release.diff_with(inputs, outputs, inputs, ["version"]).detailed == {}
    # ... but Update takes the version in the new inputs: the pin (helm_release.go `Update`).
    changed = {**inputs, "values": {"global": {"resourceName": "arc-1", "noProxy": "x"}}}
    assert release.update("azure-arc-release/azure-arc", outputs, changed)["version"] == "1.36.0"


def test_a_failed_atomic_install_is_a_plain_error_and_leaves_no_release() -> None:
    with world.locked("faults") as faults:
        faults["armed"] = [{"who": "kubernetes", "call": "helm-install-fails", "match": "azure-arc", "message": "boom"}]
    inputs = {"name": "azure-arc", "namespace": "azure-arc-release", "createNamespace": True, "chart": "c"}
    with pytest.raises(ProviderError, match="uninstalled due to atomic being set: boom") as failed:
        kubernetes.Release().create("r", {**inputs, "atomic": True})
    assert not isinstance(failed.value, PartialFailure)
    assert not world.read("kubernetes").get("releases")


def test_a_secret_data_change_replaces_it_delete_first() -> None:
    kubernetes.Namespace().create("n", {"metadata": {"name": "ns"}})
    secret = kubernetes.Secret()
    inputs = {"metadata": {"name": "s", "namespace": "ns"}, "type": "Opaque", "stringData": {"NO_PROXY": "a"}}
    _, live = secret.create("s", inputs)
    assert secret.diff(inputs, live, inputs).detailed == {}
    changed = secret.diff(inputs, live, {**inputs, "stringData": {"NO_PROXY": "a,b"}})
    assert changed.detailed == {"data.NO_PROXY": "UPDATE_REPLACE"} and changed.delete_before_replace


def test_an_unready_job_reads_as_a_partial_failure_and_is_replaced_when_annotated() -> None:
    kubernetes.Namespace().create("n", {"metadata": {"name": "ns"}})
    job = kubernetes.Job()
    inputs = {
        "metadata": {"name": "j", "namespace": "ns", "annotations": {"pulumi.com/replaceUnready": "true"}},
        "spec": {"template": {"metadata": {"annotations": {"hmac": "1"}}}},
    }
    with world.locked("faults") as faults:
        faults["armed"] = [{"who": "kubernetes", "call": "job-fails", "match": "ns/j", "message": "unreachable"}]
    with pytest.raises(PartialFailure) as failed:
        job.create("j", inputs)
    live = failed.value.outputs
    with pytest.raises(PartialFailure, match="'j' was created but failed to initialize"):
        job.read("ns/j", live, inputs)
    assert job.diff(inputs, live, inputs).replaces == ['metadata.annotations["pulumi.com/replaceUnready"]']
    template = {**inputs, "spec": {"template": {"metadata": {"annotations": {"hmac": "2"}}}}}
    replaced = job.diff(inputs, live, template)
    assert "spec.template.metadata.annotations.hmac" in replaced.replaces and replaced.delete_before_replace


def test_a_connector_created_cluster_is_converted_and_imported_through_the_fakes(tmp_path: Path) -> None:
    """Issue 19 §5 on the stand-ins: the multicloud connector's cluster reads AgentNotInstalled through
    the fake az, convert.sh's PUT replaces its body (kind gone, key and identity this stack's, status
    Connecting), a second conversion refuses, and azure-native's import reads it back without apiVersion."""
    from components import scripts

    group()
    connector = arm.agentless_cluster(SUB, "arc-rg", "arc-1", "eastus")
    arm.put(connector)
    found = arm.get(connector["id"], via_az=True)
    assert found is not None and found["properties"]["connectivityStatus"] == "AgentNotInstalled"
    body = {
        "location": "eastus",
        "identity": {"type": "SystemAssigned"},
        "properties": {"agentPublicKeyCertificate": "MIIKEY", "distribution": "kind", "infrastructure": "generic"},
        "tags": {"arcOnboardingStack": "arc-onboarding/dev"},
    }
    environment = scripts.convert_environment(
        cluster_id=connector["id"], api_version="2026-05-01", body=json.dumps(body), timeout_seconds=5
    )
    converted = run_script("convert", {**environment, "ARC_POLL_INTERVAL_SECONDS": "0"}, tmp_path)
    assert converted.returncode == 0, converted.stderr
    found = arm.get(connector["id"], via_az=True)
    assert found is not None and "kind" not in found
    assert found["identity"]["principalId"] and found["properties"]["connectivityStatus"] == "Connecting"
    again = run_script("convert", environment, tmp_path)
    assert again.returncode == 1 and "no longer AgentNotInstalled" in again.stderr
    id_, _, imported = azure_native.GenericResource().read(connector["id"], {}, {})
    assert id_ == connector["id"] and "apiVersion" not in imported
    assert imported["properties"]["agentPublicKeyCertificate"] == "MIIKEY" and imported["tags"] == body["tags"]
