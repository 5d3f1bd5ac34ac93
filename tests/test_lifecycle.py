"""Lifecycle, from the plan: verify after the release, drift-free upgrades, what replaces, destroy order."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import yaml

from components import arm_read_only, scripts
from components.arc_cluster import kubectl_environment, release_version
from components.onboarding import environment_warnings
from components.plan.engine import PLACEHOLDER_SUBSCRIPTION
from components.settings import KubeTarget
from tests.conftest import BASE_CONFIG, ROOT
from tests.test_plan import (
    CLEANUP,
    CLUSTER,
    GROUP,
    GUARD,
    KEY,
    NO_OPTIONS,
    PREFLIGHT_JOB,
    PROJECT,
    PROVIDER,
    RELEASE,
    VERIFY,
    by_urn,
)  # fmt: skip

CLUSTER_ID = (
    f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/arc-test-rg"
    "/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
)
# What the command SDK adds to every Command: a trigger change replaces.
COMMAND_OPTIONS = {**NO_OPTIONS, "replaceOnChanges": ["triggers[*]"]}


def planned(plan, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = plan(config, "--json")
    assert result.code == 0, result.stderr
    return by_urn(result)


def depends_on(resources: dict[str, dict[str, Any]], urn: str, other: str) -> bool:
    """Whether `urn` depends on `other`, directly or not: `other` is created first, deleted last."""
    direct = resources[urn]["dependencies"]
    return other in direct or any(depends_on(resources, d, other) for d in direct)


# --- 1. verify -------------------------------------------------------------------------------


def test_verify_runs_after_the_release_and_reruns_on_a_new_cluster_or_revision(plan) -> None:
    resources = planned(plan, BASE_CONFIG)
    verify = resources[VERIFY]
    assert verify["dependencies"] == sorted([GROUP, CLUSTER, RELEASE])
    assert verify["options"] == COMMAND_OPTIONS
    assert verify["provider"] is None
    assert verify["inputs"] == {
        "create": scripts.text("verify"),
        "environment": scripts.verify_environment(
            resource_group="arc-test-rg",
            cluster_name="arc-test",
            subscription=PLACEHOLDER_SUBSCRIPTION,
            timeout_seconds=1200,
            agent_namespace="azure-arc",
        ),
        "interpreter": ["/bin/sh", "-c"],
        # The cluster's id and the release's helm revision (1: the mocked first install).
        "triggers": [CLUSTER_ID, 1],
    }
    order = list(resources)
    assert order.index(RELEASE) < order.index(VERIFY)


def test_verify_is_bounded_by_the_agents_timeout(plan) -> None:
    verify = planned(plan, {**BASE_CONFIG, "agents": {"timeoutSeconds": 300}})[VERIFY]
    assert verify["inputs"]["environment"]["ARC_TIMEOUT_SECONDS"] == "300"


def test_verify_can_be_turned_off(plan) -> None:
    resources = planned(plan, {**BASE_CONFIG, "verify": False})
    assert VERIFY not in resources and RELEASE in resources


def test_verify_environment_is_secret_when_agents_is(plan) -> None:
    result = plan(BASE_CONFIG, "--json", raw=yaml.safe_dump({"config": {
        **{f"arc-onboarding:{k}": v for k, v in BASE_CONFIG.items()},
        "arc-onboarding:agents": {"timeoutSeconds": {"secure": "AAABAKxyz=="}},
    }}))  # fmt: skip
    assert result.code == 0, result.stderr
    inputs = result.resource("command:local:Command", "-verify")["inputs"]
    assert inputs["environment"] == "[secret]" and inputs["create"] == scripts.text("verify")


# --- 2. upgrades -----------------------------------------------------------------------------


def test_pinned_agents_upgrade_in_place_atomically(plan) -> None:
    release = planned(plan, {**BASE_CONFIG, "agents": {"chartVersion": "1.37.0"}})[RELEASE]
    assert release["inputs"]["version"] == "1.37.0"
    assert release["inputs"]["atomic"] is True and release["inputs"]["cleanupOnFail"] is True
    assert release["options"] == {**NO_OPTIONS, "deleteBeforeReplace": True}


def test_self_upgrading_agents_start_at_the_pin(plan) -> None:
    """Offline nothing runs on the cluster: the first install is at the pin, nothing is ignored (an
    ignored version would stay the first pin: tests/cluster shows the rollback it caused)."""
    resources = planned(plan, {**BASE_CONFIG, "agents": {"autoUpgrade": True, "chartVersion": "1.35.3"}})
    assert resources[RELEASE]["inputs"]["version"] == "1.35.3"
    assert resources[RELEASE]["options"] == {**NO_OPTIONS, "deleteBeforeReplace": True}
    assert resources[CLUSTER]["inputs"]["properties"]["arcAgentProfile"] == {"agentAutoUpgrade": "Enabled"}


@pytest.mark.parametrize(
    ("auto_upgrade", "running", "expected"),
    [
        (True, "1.37.0", "1.37.0"),  # self-upgraded: stays there
        (True, "1.35.3", "1.35.3"),  # the pin is ignored once they run, even a newer pin
        (True, None, "1.36.1"),  # not installed yet: the pin
        (True, "not-a-version", "1.36.1"),  # an unreadable answer is no version
        (False, "1.37.0", "1.36.1"),  # pinned: the pin, up or down
    ],
)
def test_release_version(auto_upgrade: bool, running: str | None, expected: str) -> None:
    assert release_version("1.36.1", auto_upgrade, running) == expected


def test_every_operation_reads_the_live_state_first() -> None:
    """`refresh: always`: the running (self-upgraded) version is read before any update."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["options"] == {"refresh": "always"}


# --- 3. update or replace --------------------------------------------------------------------


def test_what_replaces_the_connected_cluster(plan) -> None:
    cluster = planned(plan, BASE_CONFIG)[CLUSTER]
    assert cluster["options"] == {
        **NO_OPTIONS,
        "deleteBeforeReplace": True,
        "replaceOnChanges": ["location", "properties.agentPublicKeyCertificate"],
        "aliases": [{"type": "azure-native:kubernetes:ConnectedCluster"}],
        "ignoreChanges": sorted(arm_read_only.CLUSTER_READ_ONLY_PATHS),
    }


def test_a_created_group_keeps_its_location(plan) -> None:
    assert planned(plan, BASE_CONFIG)[GROUP]["options"] == {**NO_OPTIONS, "ignoreChanges": ["location"]}


def test_the_kubernetes_provider_is_keyed_by_the_cluster_not_the_kubeconfig(plan) -> None:
    provider = planned(plan, BASE_CONFIG)[PROVIDER]
    assert provider["inputs"]["clusterIdentifier"] == "arc-test-rg/arc-test"
    assert provider["options"] == NO_OPTIONS


# --- 4. destroy ------------------------------------------------------------------------------


def test_destroy_order(plan) -> None:
    """Destroy deletes dependents first: verify, release, cleanup, cluster, guard, group."""
    resources = planned(plan, BASE_CONFIG)
    chain = [VERIFY, RELEASE, CLEANUP, CLUSTER, GUARD, GROUP]
    for later, earlier in itertools.pairwise(chain):
        assert earlier in resources[later]["dependencies"], (later, earlier)
    # ...and nothing runs the other way round.
    for earlier, later in itertools.pairwise(chain):
        assert not depends_on(resources, later, earlier)


def test_cleanup_is_a_delete_only_step_with_a_secret_environment(plan) -> None:
    cleanup = planned(plan, BASE_CONFIG)[CLEANUP]
    assert cleanup["dependencies"] == [CLUSTER]
    assert cleanup["options"] == COMMAND_OPTIONS
    assert cleanup["inputs"] == {
        "delete": scripts.text("cleanup"),
        "environment": "[secret]",
        "interpreter": ["/bin/sh", "-c"],
        "logging": "stderr",
    }


def test_cleanup_uses_the_clouds_crd_suffix(plan) -> None:
    config = {k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"}
    config = {
        **config,
        "kubeconfig": "in-cluster",
        "cloud": "AzureUSGovernment",
        "location": "usgovvirginia",
        "azure-native:environment": "usgovernment",
    }
    cleanup = planned(plan, config)[CLEANUP]
    assert cleanup["inputs"]["environment"] == scripts.cleanup_environment(
        crd_suffix="us", namespaces=("azure-arc", "azure-arc-release")
    )


def test_kubectl_environment() -> None:
    from_file = KubeTarget(path="/k/config", content="KUBECONFIG-TEXT", context="ctx", context_source="kubeContext")
    assert kubectl_environment(from_file) == {"ARC_KUBECONFIG": "KUBECONFIG-TEXT", "ARC_KUBE_CONTEXT": "ctx"}
    missing = KubeTarget(path="/k/missing", content=None, context=None, context_source="current-context")
    assert kubectl_environment(missing) == {"KUBECONFIG": "/k/missing"}
    in_cluster = KubeTarget(path="in-cluster", content=None, context=None, context_source="in-cluster")
    assert kubectl_environment(in_cluster) is None


def test_in_cluster_cleanup_has_no_credentials_so_a_plain_environment(plan) -> None:
    config = {k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"}
    cleanup = planned(plan, {**config, "kubeconfig": "in-cluster"})[CLEANUP]
    assert cleanup["inputs"]["environment"] == scripts.cleanup_environment(
        crd_suffix="com", namespaces=("azure-arc", "azure-arc-release")
    )


def test_group_guard_sits_between_the_group_and_its_clusters(plan) -> None:
    resources = planned(plan, BASE_CONFIG)
    guard = resources[GUARD]
    assert guard["parent"] is None and guard["dependencies"] == [GROUP]
    assert guard["options"] == COMMAND_OPTIONS
    assert guard["inputs"] == {
        "delete": scripts.text("group_guard"),
        "environment": scripts.group_guard_environment(
            resource_group="arc-test-rg", subscription=PLACEHOLDER_SUBSCRIPTION, own_clusters=["arc-test"]
        ),
        "interpreter": ["/bin/sh", "-c"],
    }
    assert GUARD in resources[CLUSTER]["dependencies"]


def test_an_adopted_group_has_a_disarmed_guard_and_is_never_deleted(plan) -> None:
    # Issue 10 finding 10: the guard stays (disarmed), so switching createResourceGroup to false
    # updates it instead of deleting it, which would run its check during `up`.
    resources = planned(plan, {**BASE_CONFIG, "createResourceGroup": False})
    assert resources[GUARD]["inputs"]["environment"]["ARC_GROUP_ADOPTED"] == "true"
    assert resources[GROUP]["read"] is True
    assert resources[CLUSTER]["dependencies"] == sorted([
        GROUP, KEY, f"{PROJECT}command:local:Command::register-microsoft.kubernetes",
        f"{PROJECT}command:local:Command::register-microsoft.kubernetesconfiguration", PREFLIGHT_JOB,
    ])  # fmt: skip


def test_registrations_are_never_undone(plan) -> None:
    registrations = [r for r in planned(plan, BASE_CONFIG).values() if r["name"].startswith("register-")]
    assert len(registrations) == 2 and all(
        set(r["inputs"]) == {"create", "environment", "interpreter"} for r in registrations
    )
    assert [r["inputs"]["environment"] for r in registrations] == [
        scripts.register_environment(namespace=namespace, subscription=PLACEHOLDER_SUBSCRIPTION)
        for namespace in ("Microsoft.Kubernetes", "Microsoft.KubernetesConfiguration")
    ]
    assert all(r["inputs"]["create"] == scripts.text("register") for r in registrations)


def test_fleet_guards_list_their_groups_clusters(plan) -> None:
    config = {
        "location": "westeurope",
        "resourceGroup": "rg-a",
        "clusters": [
            {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
            {"clusterName": "C2", "resourceGroup": "RG-A", "kubeContext": "kind-other"},
            {"clusterName": "c3", "resourceGroup": "rg-b", "kubeconfig": "tests/fixtures/kubeconfig-edge"},
        ],
    }
    resources = planned(plan, config)
    guards = {r["name"]: r for r in resources.values() if r["name"].endswith("-delete-guard")}
    assert set(guards) == {"rg-a-delete-guard", "rg-b-delete-guard"}
    assert guards["rg-a-delete-guard"]["inputs"]["environment"] == scripts.group_guard_environment(
        resource_group="rg-a", subscription=PLACEHOLDER_SUBSCRIPTION, own_clusters=["c1", "C2"]
    )
    assert guards["rg-b-delete-guard"]["inputs"]["environment"] == scripts.group_guard_environment(
        resource_group="rg-b", subscription=PLACEHOLDER_SUBSCRIPTION, own_clusters=["c3"]
    )
    cluster_guards = {
        r["name"]: [d.rsplit("::", 1)[1] for d in r["dependencies"] if d.endswith("-delete-guard")]
        for r in resources.values() if r["type"] == "azure-native:resources:Resource"
    }  # fmt: skip
    assert cluster_guards == {
        "rg-a/c1-cluster": ["rg-a-delete-guard"],
        "rg-a/c2-cluster": ["rg-a-delete-guard"],
        "rg-b/c3-cluster": ["rg-b-delete-guard"],
    }


@pytest.mark.parametrize(
    ("protect", "expected_cluster", "expected_group"),
    [(None, False, False), (False, False, False), (True, True, True)],
)
def test_protect(plan, protect: bool | None, expected_cluster: bool, expected_group: bool) -> None:
    config = BASE_CONFIG if protect is None else {**BASE_CONFIG, "protect": protect}
    resources = planned(plan, config)
    assert resources[CLUSTER]["options"]["protect"] is expected_cluster
    assert resources[GROUP]["options"]["protect"] is expected_group
    # Only the ARM side: the release, key and commands stay deletable.
    assert not any(r["options"]["protect"] for u, r in resources.items() if u not in (CLUSTER, GROUP))


def test_a_fleet_group_is_protected_when_any_of_its_clusters_is(plan) -> None:
    config = {
        "location": "westeurope",
        "resourceGroup": "rg-a",
        "clusters": [
            {"clusterName": "c1", "kubeContext": "kind-arc-dev", "protect": True},
            {"clusterName": "c2", "kubeContext": "kind-other"},
            {"clusterName": "c3", "resourceGroup": "rg-b", "kubeconfig": "tests/fixtures/kubeconfig-edge"},
        ],
    }
    resources = planned(plan, config).values()
    protected = {r["name"] for r in resources if r["options"]["protect"]}
    assert protected == {"rg-a", "rg-a/c1-cluster"}


def test_protect_must_be_a_boolean(plan) -> None:
    result = plan({**BASE_CONFIG, "protect": "yes"}, "--json")
    assert result.code == 2 and result.stderr.startswith("arc-onboarding:protect: must be true or false")


def test_a_gone_cluster_is_left_to_the_environment_at_destroy(plan, monkeypatch) -> None:
    """The program never stores deleteUnreachable: `PULUMI_K8S_DELETE_UNREACHABLE=true pulumi
    destroy` decides (an explicit provider value would override that variable)."""
    monkeypatch.delenv("PULUMI_K8S_DELETE_UNREACHABLE", raising=False)
    result = plan(BASE_CONFIG, "--json")
    assert "deleteUnreachable" not in result.resource("pulumi:providers:kubernetes")["inputs"]
    assert result.document["warnings"] == []


def test_delete_unreachable_set_while_the_program_runs_is_a_warning(plan, monkeypatch) -> None:
    monkeypatch.setenv("PULUMI_K8S_DELETE_UNREACHABLE", "true")
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0
    # The SDK reads the variable itself and the provider would keep it in the state.
    assert result.resource("pulumi:providers:kubernetes")["inputs"]["deleteUnreachable"] == "true"
    assert result.document["warnings"] == environment_warnings({"PULUMI_K8S_DELETE_UNREACHABLE": "true"})
    assert len(result.document["warnings"]) == 1


def test_environment_warnings() -> None:
    assert environment_warnings({}) == []
    assert environment_warnings({"PULUMI_K8S_DELETE_UNREACHABLE": "false"}) == []
    (warning,) = environment_warnings({"PULUMI_K8S_DELETE_UNREACHABLE": "TRUE"})
    assert warning.startswith("PULUMI_K8S_DELETE_UNREACHABLE=true is set while the program runs")


def test_verify_per_fleet_item(plan) -> None:
    config = {
        "location": "westeurope",
        "resourceGroup": "rg-a",
        "verify": False,
        "clusters": [
            {"clusterName": "c1", "kubeContext": "kind-arc-dev", "verify": True},
            {"clusterName": "c2", "kubeContext": "kind-other"},
        ],
    }
    verifies = {r["name"] for r in planned(plan, config).values() if r["name"].endswith("-verify")}
    assert verifies == {"rg-a/c1-verify"}


def test_human_output_shows_a_script_as_its_first_line(plan) -> None:
    result = plan(BASE_CONFIG, "--diff")  # inputs show in the text with --diff
    assert result.code == 0
    # The title comment of components/scripts/cleanup.sh.
    assert "     delete: # arc-onboarding cleanup: what `az connectedk8s delete` leav… (" in result.stdout
    assert "\ngroup=" not in result.stdout and "\nset -eu" not in result.stdout
