"""Issue 19 §5: `agents.forceDelete` destroys as `az connectedk8s delete --force` does (azure-cli-extensions
@ 0b4bb2eb, custom.py `delete_connectedk8s`): ARM force delete, the release uninstalled without its
hooks, a missing azure-clusterconfig no refusal, and still never another onboarding's agents."""

from __future__ import annotations

from tests.conftest import BASE_CONFIG
from tests.test_precheck import KEY, OURS, SUB, THEIRS, answer, check_env, guard_env, run_script  # noqa: F401  # run_script: the fixture
from tests.test_scripts import needs_sh

RELEASE = "kubernetes:helm.sh/v3:Release"
ARM_FORCE = (
    f"rest --method delete --url /subscriptions/{SUB}/resourceGroups/arc-test-rg/providers/"
    "Microsoft.Kubernetes/connectedClusters/arc-test?api-version=2025-08-01-preview&force=true"
)
# What `kubectl get clusterroles,... -o jsonpath` prints: kind/name, then release/namespace from
# Helm's annotations; one object of another release, one with none.
OWNED = (
    "ClusterRole/azure-arc-operator azure-arc/azure-arc-release\n"
    "ClusterRoleBinding/azure-arc-operator azure-arc/azure-arc-release\n"
    "ClusterRole/cert-manager cert-manager/cert-manager\n"
    "ClusterRole/system:basic-user /\n"
)


@needs_sh
class TestGuard:
    def test_uninstalls_without_hooks_after_the_arm_force_delete(self, run_script) -> None:  # noqa: F811
        run = run_script("delete_guard", guard_env(force=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=OURS, FAKE_OWNED=OWNED)  # fmt: skip
        assert run.code == 0, run.stderr
        writes = run.writes()
        assert writes == [
            ARM_FORCE,
            "--kubeconfig "
            + writes[1].split("--kubeconfig ", 1)[1].split(" ", 1)[0]
            + " delete ClusterRole/azure-arc-operator --ignore-not-found",
            "--kubeconfig "
            + writes[2].split("--kubeconfig ", 1)[1].split(" ", 1)[0]
            + " delete ClusterRoleBinding/azure-arc-operator --ignore-not-found",
            "--kubeconfig "
            + writes[3].split("--kubeconfig ", 1)[1].split(" ", 1)[0]
            + " delete secrets --namespace azure-arc-release -l owner=helm,name=azure-arc",
        ]
        assert "uninstalled without its hooks" in run.stderr

    def test_a_missing_configmap_is_no_refusal_with_force(self, run_script) -> None:  # noqa: F811
        run = run_script("delete_guard", guard_env(force=True), FAKE_RELEASE_NS="azure-arc-release")
        assert run.code == 0, run.stderr
        assert "agents.forceDelete: going on" in run.stderr
        assert ARM_FORCE in run.calls

    def test_without_force_a_missing_configmap_still_refuses_and_names_the_way_out(self, run_script) -> None:  # noqa: F811
        run = run_script("delete_guard", guard_env(), FAKE_RELEASE_NS="azure-arc-release")
        assert run.code == 1 and "agents.forceDelete: true" in run.stderr and run.writes() == []

    def test_another_onboardings_agents_are_refused_even_with_force(self, run_script) -> None:  # noqa: F811
        run = run_script("delete_guard", guard_env(force=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=THEIRS, FAKE_OWNED=OWNED)  # fmt: skip
        assert run.code == 1 and "nothing was uninstalled" in run.stderr
        assert run.writes() == []

    def test_no_release_no_uninstall(self, run_script) -> None:  # noqa: F811
        run = run_script("delete_guard", guard_env(force=True), FAKE_OWNED=OWNED)
        assert run.code == 0, run.stderr
        assert run.writes() == [ARM_FORCE]


def test_force_delete_retains_the_release_so_its_hooks_never_run(plan) -> None:
    forced = plan({**BASE_CONFIG, "agents": {"forceDelete": True}}, "--json")
    assert forced.code == 0, forced.stderr
    assert forced.resource(RELEASE)["options"]["retainOnDelete"] is True
    assert plan(BASE_CONFIG, "--json").resource(RELEASE)["options"]["retainOnDelete"] is False


# --- the pre-write check's other CLI checks (issue 19 §5) --------------------------------------------


@needs_sh
def agentless_env() -> dict[str, str]:
    """The listing (agentless.sh) found this stack's connected cluster AgentNotInstalled, which the CLI
    treats as absent (custom.py connected_cluster_exists, azure-cli-extensions @ 0b4bb2eb)."""
    return {**check_env(), "ARC_AGENTLESS": "true"}


class TestPreWriteChecks:
    def test_no_linux_node_is_a_note_as_the_cli_warns(self, run_script) -> None:  # noqa: F811
        run = run_script("precheck", check_env(), FAKE_NODES="")
        found = answer(run)
        assert found.stops == () and any("kubernetes.io/os=linux" in note for note in found.notes)
        assert not [n for n in answer(run_script("precheck", check_env())).notes if "linux" in n]

    def test_an_agent_not_installed_cluster_is_converted_as_the_cli_does(self, run_script) -> None:  # noqa: F811
        run = run_script("precheck", agentless_env(), FAKE_ARM=f"{OURS}=")
        found = answer(run)
        assert found.stops == ()
        assert any("converted as az connectedk8s connect does" in note for note in found.notes)
        # No key to compare: the program's key gate must not take the connector's for another onboarding's.
        assert found.arm_key is None and run.writes() == []

    def test_an_agent_not_installed_cluster_with_stale_crds_is_a_stale_onboarding(self, run_script) -> None:  # noqa: F811
        run = run_script("precheck", agentless_env(), FAKE_ARM=f"{OURS}=", FAKE_CRDS="connectedclusters.arc.azure.com")
        found = answer(run)
        assert len(found.stops) == 1 and "stale" in found.stops[0]

    def test_a_live_cluster_is_no_conversion(self, run_script) -> None:  # noqa: F811
        found = answer(run_script("precheck", check_env(), FAKE_ARM=f"{OURS}={KEY}"))
        assert found.arm_key == KEY and not [n for n in found.notes if "converted" in n]

    def test_a_location_microsoft_kubernetes_does_not_offer_stops(self, run_script) -> None:  # noqa: F811
        environment = {**check_env(), "ARC_LOCATION": "westeurope"}
        run = run_script("precheck", environment, FAKE_REGIONS="East US\nwesteurope")
        assert answer(run).stops == ()
        (stop,) = answer(run_script("precheck", {**environment, "ARC_LOCATION": "mars"}, FAKE_REGIONS="eastus")).stops
        assert stop.startswith("location mars is not a region")

    def test_the_private_link_scope_must_be_in_the_clusters_region(self, run_script) -> None:  # noqa: F811
        scope = f"/subscriptions/{SUB}/resourceGroups/net-rg/providers/Microsoft.HybridCompute/privateLinkScopes/s"
        environment = {**check_env(), "ARC_LOCATION": "eastus", "ARC_PRIVATE_LINK_SCOPE": scope}
        assert answer(run_script("precheck", environment, FAKE_SCOPE_LOCATION="eastus")).stops == ()
        (stop,) = answer(run_script("precheck", environment, FAKE_SCOPE_LOCATION="westeurope")).stops
        assert "privateLink.scopeResourceId" in stop and "westeurope" in stop
        (gone,) = answer(run_script("precheck", environment)).stops
        assert "does not exist" in gone
