"""The pre-write check (precheck.sh, components/precheck.py) and the uninstall guard (delete_guard.sh):
the scripts under `sh` with fake `kubectl` and `az` that answer like a cluster and ARM, and the
program's wiring in the offline plan (what waits for the check, what destroy runs first)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components import precheck, scripts
from components.keys import pkcs1_public_key_b64
from components.plan import keygen
from components.plan.engine import PLACEHOLDER_SUBSCRIPTION, PlanMocks
from tests.conftest import BASE_CONFIG
from tests.test_lifecycle import depends_on, planned
from tests.test_plan import CLEANUP, CLUSTER, GROUP, RELEASE, UNINSTALL_GUARD
from tests.test_scripts import needs_sh

SUB = "00000000-0000-0000-0000-000000000000"
OURS = f"{SUB}/arc-test-rg/arc-test"
THEIRS = f"{SUB}/other-rg/other-cluster"
KEY = "MIICCgKCAgEAours"
KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: precheck-secret-token-7\n"
IN_CLUSTER = {**{k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"}, "kubeconfig": "in-cluster"}
PROXY_SERVER = "https://127.0.0.1:47011/" + "ab" * 32

# kubectl as a cluster would answer: FAKE_* say what the cluster holds. Every call is logged.
FAKE_KUBECTL = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
case "$*" in
  *"get --raw /version"*)
    if [ -n "${FAKE_UNREACHABLE:-}" ]; then echo "dial tcp 10.0.0.1:6443: i/o timeout" >&2; exit 1; fi ;;
  *"auth can-i"*) echo "${FAKE_CAN_I:-yes}"; [ "${FAKE_CAN_I:-yes}" = yes ] ;;
  *"get secrets --all-namespaces"*status=pending-install*) [ -z "${FAKE_PENDING_NS:-}" ] || printf '%s\n' "$FAKE_PENDING_NS" ;;
  *"get secrets --all-namespaces"*) [ -z "${FAKE_RELEASE_NS:-}" ] || printf '%s\n' "$FAKE_RELEASE_NS" ;;
  *"get secrets --namespace"*) [ -z "${FAKE_RELEASE_NS:-}" ] || echo secret/sh.helm.release.v1.azure-arc.v1 ;;
  *"get configmap azure-clusterconfig"*AZURE_ARC_AGENT_VERSION*) printf '%s' "${FAKE_AGENT_VERSION:-}" ;;
  *"get configmap azure-clusterconfig"*) printf '%s' "${FAKE_IDENTITY:-}" ;;
  *"get customresourcedefinition"*)
    for crd in ${FAKE_CRDS:-}; do echo "customresourcedefinition.apiextensions.k8s.io/$crd"; done ;;
  *"config view"*) printf '%s' "${FAKE_SERVER:-https://10.0.0.1:6443}" ;;
  *"get clusterroles,"*) printf '%s' "${FAKE_OWNED:-}" ;;
  *"get nodes"*) printf '%s' "${FAKE_NODES-node/kind-control-plane}" ;;
esac
"""
# az as ARM would answer: FAKE_ARM lists the connected clusters that exist, `sub/group/name=key`;
# FAKE_EXTENSIONS the cluster's extensions; a deleted extension is gone on the next GET.
FAKE_AZ = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
if [ -n "${FAKE_AZ_ERROR:-}" ]; then echo "$FAKE_AZ_ERROR" >&2; exit 1; fi
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
case "$1 $2" in
  "provider show") printf '%s\n' ${FAKE_REGIONS:-}; exit 0 ;;
  "resource show")
    case "$4" in
      */privateLinkScopes/*)
        if [ -n "${FAKE_SCOPE_LOCATION:-}" ]; then echo "$FAKE_SCOPE_LOCATION"; exit 0; fi
        echo "ERROR: (ResourceNotFound) The Resource was not found." >&2; exit 3 ;;
    esac
    id=$(lower "$4")
    if [ "$6" = tags.arcOnboardingStack ]; then echo "${FAKE_OWNER:-}"; exit 0; fi
    if [ "$6" = properties.provisioningState ]; then echo "${FAKE_STATE:-Succeeded}"; exit 0; fi
    if [ "$6" = tags.arcOnboardingRetry ]; then echo "${FAKE_RETRY:-}"; exit 0; fi
    for entry in ${FAKE_ARM:-}; do
      case "$id" in
        "/subscriptions/$(lower "${entry%%/*}")/resourcegroups/$(lower "$(echo "$entry" | cut -d/ -f2)")/providers/microsoft.kubernetes/connectedclusters/$(lower "$(echo "${entry%%=*}" | cut -d/ -f3)")")
          echo "${entry#*=}"; exit 0 ;;
      esac
    done
    echo "ERROR: (ResourceNotFound) The Resource was not found." >&2; exit 3 ;;
esac
if [ "$1" = rest ]; then
  method=$3 url=$5
  case "$url" in
    */extensions\?*) for name in ${FAKE_EXTENSIONS:-}; do echo "$name"; done; exit 0 ;;
    */extensions/*)
      name=${url##*/extensions/}; name=${name%%\?*}
      if [ "$method" = delete ]; then echo "$name" >>"$FAKE_DELETED"; exit 0; fi
      if grep -qx "$name" "$FAKE_DELETED" 2>/dev/null; then echo "ERROR: Not Found({\"error\":{\"code\":\"ResourceNotFound\"}})" >&2; exit 1; fi
      exit 0 ;;
    *connectedClusters/*) exit 0 ;;
  esac
fi
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    calls: list[str]

    def writes(self) -> list[str]:
        """The calls that change something on the cluster or in ARM."""
        return [c for c in self.calls if any(w in f" {c} " for w in (" delete ", " patch ", "--method delete"))]


@pytest.fixture
def run_script(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("az", FAKE_AZ), ("kubectl", FAKE_KUBECTL)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"

    def run(name: scripts.Script, values: dict[str, str], **env: str) -> Run:
        log.write_text("")
        environment = {
            **values,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path),
            "FAKE_LOG": str(log),
            "FAKE_DELETED": str(tmp_path / "deleted"),
            **env,
        }
        done = subprocess.run(
            [*scripts.INTERPRETER, scripts.text(name)], env=environment, capture_output=True, text=True, timeout=60
        )
        return Run(done.returncode, done.stdout, done.stderr, log.read_text().splitlines())

    return run


def check_env(replace_stale: bool = False, dry_run: bool = False) -> dict[str, str]:
    return {
        **scripts.precheck_environment(
            subscription=SUB,
            resource_group="arc-test-rg",
            cluster_name="arc-test",
            crd_suffix="com",
            agent_namespace="azure-arc",
            release_name="azure-arc",
            replace_stale=replace_stale,
            dry_run=dry_run,
        ),
        "ARC_KUBECONFIG": KUBECONFIG_TEXT,
        "ARC_KUBE_CONTEXT": "kind-arc-dev",
    }


def answer(run: Run) -> precheck.CheckAnswer:
    assert run.code == 0, run.stderr
    assert "precheck-secret-token-7" not in run.stdout + run.stderr
    return precheck.parse(run.stdout)


@needs_sh
class TestPreWriteCheck:
    def test_a_clean_cluster_and_no_connected_cluster_pass_reading_only(self, run_script) -> None:
        run = run_script("precheck", check_env())
        assert answer(run) == precheck.CheckAnswer()
        assert run.writes() == []
        assert all(
            c.startswith("--request-timeout=20s --kubeconfig ") and " --context kind-arc-dev " in c
            for c in run.calls
            if "resource show" not in c
        )
        assert run.calls[-1].startswith(f"resource show --ids /subscriptions/{SUB}/resourceGroups/arc-test-rg/")

    def test_same_identity_live_in_arm_reports_the_key_for_the_program_to_compare(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=OURS,
                         FAKE_CRDS="connectedclusters.arc.azure.com", FAKE_ARM=f"{OURS}={KEY}")  # fmt: skip
        assert answer(run) == precheck.CheckAnswer(arm_key=KEY)
        assert run.writes() == []
        owned = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=OURS,
                           FAKE_ARM=f"{OURS}={KEY}", FAKE_OWNER="org/arc-onboarding/dev")  # fmt: skip
        assert answer(owned) == precheck.CheckAnswer(arm_key=KEY, arm_owner="org/arc-onboarding/dev")

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_an_interrupted_install_of_this_stacks_agents_is_forgotten_at_up(self, run_script, dry_run) -> None:
        """A killed `pulumi up` leaves the release pending-install; Helm refuses to install it again."""
        run = run_script("precheck", check_env(dry_run=dry_run), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_PENDING_NS="azure-arc-release", FAKE_IDENTITY=OURS, FAKE_ARM=f"{OURS}={KEY}")  # fmt: skip
        found = answer(run)
        assert found.stops == () and found.arm_key == KEY
        (note,) = found.notes
        assert "interrupted install of this stack's agents" in note and "pending-install" in note
        expected = (
            []
            if dry_run
            else ["delete secrets --namespace azure-arc-release -l owner=helm,name=azure-arc,status=pending-install"]
        )
        assert [w.split("--context kind-arc-dev ", 1)[-1] for w in run.writes()] == expected

    def test_same_identity_live_in_arm_reports_the_running_agent_version(self, run_script) -> None:
        """What a self-upgrade moved: the release asks for it (arc_cluster.release_version)."""
        run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=OURS,
                         FAKE_ARM=f"{OURS}={KEY}", FAKE_AGENT_VERSION="1.37.0")  # fmt: skip
        assert answer(run) == precheck.CheckAnswer(arm_key=KEY, agent_version="1.37.0")
        assert run.writes() == []

    def test_same_identity_in_other_case_is_the_same_identity(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=OURS.upper(), FAKE_ARM=f"{OURS}={KEY}")  # fmt: skip
        assert answer(run).arm_key == KEY

    def test_another_live_identity_stops_naming_it_with_the_offboarding_command(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=THEIRS,
                         FAKE_ARM=f"{THEIRS}=OTHERKEY")  # fmt: skip
        found = answer(run)
        assert len(found.stops) == 1 and found.arm_key is None
        assert "another connected cluster: connected cluster other-cluster in group other-rg" in found.stops[0]
        assert (
            f"az connectedk8s delete --name other-cluster --resource-group other-rg --subscription {SUB} "
            "--kube-context kind-arc-dev" in found.stops[0]
        )
        assert run.writes() == []

    def test_another_identity_stays_untouched_even_with_replace_stale(self, run_script) -> None:
        run = run_script("precheck", check_env(replace_stale=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=THEIRS, FAKE_ARM=f"{THEIRS}=OTHERKEY")  # fmt: skip
        assert answer(run).stops and run.writes() == []

    def test_unreachable_cluster_stops(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_UNREACHABLE="1")
        found = answer(run)
        assert found.stops == (
            "the cluster that kubeconfig context kind-arc-dev reaches does not answer (GET /version: dial tcp "
            "10.0.0.1:6443: i/o timeout); check kubeconfig and kubeContext",
        )
        assert len(run.calls) == 1

    def test_no_right_to_create_cluster_role_bindings_stops(self, run_script) -> None:
        found = answer(run_script("precheck", check_env(), FAKE_CAN_I="no"))
        assert len(found.stops) == 1 and "may not create cluster role bindings" in found.stops[0]

    def test_stale_onboarding_stops_with_the_exact_cleanup_command(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=THEIRS,
                         FAKE_CRDS="connectedclusters.arc.azure.com gitconfigs.clusterconfig.azure.com")  # fmt: skip
        found = answer(run)
        assert len(found.stops) == 1
        assert "stale Azure Arc onboarding: agents onboarded as connected cluster other-cluster" in found.stops[0]
        assert (
            "helm delete azure-arc --namespace azure-arc-release --no-hooks --kube-context kind-arc-dev && "
            "kubectl --context kind-arc-dev delete namespace azure-arc && kubectl --context kind-arc-dev delete crd "
            "connectedclusters.arc.azure.com gitconfigs.clusterconfig.azure.com; or set agents.replaceStale: true"
        ) in found.stops[0]
        assert run.writes() == []

    def test_stale_onboarding_of_this_identity_gone_from_arm_stops(self, run_script) -> None:
        found = answer(run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=OURS))
        assert len(found.stops) == 1 and "arc-test in group arc-test-rg, which no longer exists" in found.stops[0]

    def test_release_without_its_configmap_is_stale(self, run_script) -> None:
        found = answer(run_script("precheck", check_env(), FAKE_RELEASE_NS="default"))
        assert len(found.stops) == 1 and "release azure-arc in namespace(s) default without" in found.stops[0]
        assert "helm delete azure-arc --namespace default --no-hooks" in found.stops[0]

    def test_crds_left_behind_are_stale(self, run_script) -> None:
        found = answer(run_script("precheck", check_env(), FAKE_CRDS="extensionconfigs.clusterconfig.azure.com"))
        assert len(found.stops) == 1 and "Arc CRDs left behind" in found.stops[0]

    def test_crds_of_a_failed_install_of_this_connected_cluster_are_taken_over(self, run_script) -> None:
        run = run_script("precheck", check_env(), FAKE_CRDS="connectedclusters.arc.azure.com", FAKE_ARM=f"{OURS}={KEY}")
        found = answer(run)
        assert found.stops == () and found.arm_key == KEY
        assert found.notes and "left by an earlier install of it" in found.notes[0]

    def test_replace_stale_in_a_preview_only_says_what_up_will_remove(self, run_script) -> None:
        run = run_script("precheck", check_env(replace_stale=True, dry_run=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=THEIRS, FAKE_CRDS="connectedclusters.arc.azure.com")  # fmt: skip
        found = answer(run)
        assert found.stops == () and len(found.notes) == 1 and "pulumi up removes it" in found.notes[0]
        assert run.writes() == []

    def test_replace_stale_at_up_cleans_up_as_connect_does_and_never_writes_to_arm(self, run_script) -> None:
        run = run_script("precheck", check_env(replace_stale=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=THEIRS, FAKE_CRDS="connectedclusters.arc.azure.com")  # fmt: skip
        found = answer(run)
        assert found.stops == () and found.notes[0].startswith("removed a stale Azure Arc onboarding")
        writes = [c.split(" ", 5)[5] for c in run.writes()]  # without the timeout, kubeconfig and context
        assert writes == [
            "delete secrets --namespace azure-arc-release -l owner=helm,name=azure-arc",
            "delete namespace azure-arc --ignore-not-found --wait=true --timeout=180s",
            "delete customresourcedefinition connectedclusters.arc.azure.com --ignore-not-found --wait=true --timeout=20s",
        ]
        assert not any(c.startswith(("rest", "resource delete")) for c in run.calls)

    @pytest.mark.parametrize("agents", [True, False], ids=["agents-installed", "no-agents"])
    def test_a_connected_cluster_left_failed_is_reported_with_its_retry_tag(self, run_script, agents) -> None:
        """A write whose long-running operation failed leaves the cluster Failed in ARM, which a
        refresh does not show: the check says so (and the retry count), with or without agents."""
        cluster = {"FAKE_RELEASE_NS": "azure-arc-release", "FAKE_IDENTITY": OURS} if agents else {}
        run = run_script("precheck", check_env(), FAKE_ARM=f"{OURS}={KEY}", FAKE_OWNER="o/p/s",
                         FAKE_STATE="Failed", FAKE_RETRY="2", **cluster)  # fmt: skip
        found = answer(run)
        assert (found.stops, found.arm_key, found.arm_owner) == ((), KEY, "o/p/s")
        assert (found.arm_state, found.arm_retry) == ("Failed", "2")
        assert run.writes() == []
        healthy = answer(run_script("precheck", check_env(), FAKE_ARM=f"{OURS}={KEY}", **cluster))
        assert (healthy.arm_state, healthy.arm_retry) == (None, None)

    def test_arm_that_cannot_answer_stops(self, run_script) -> None:
        found = answer(run_script("precheck", check_env(), FAKE_AZ_ERROR="ERROR: Please run 'az login'."))
        assert found.stops == (
            "cannot read connected cluster arc-test in group arc-test-rg from Azure: ERROR: Please run 'az login'.",
        )

    def test_a_subscription_not_registered_for_the_namespace_holds_no_connected_cluster(self, run_script) -> None:
        # A fresh subscription's first `up`: the check runs before the registration Commands do.
        unregistered = (
            "ERROR: (MissingSubscriptionRegistration) The subscription is not registered to use namespace "
            "'Microsoft.Kubernetes'. See https://aka.ms/rps-not-found for how to register subscriptions."
        )
        found = answer(run_script("precheck", check_env(), FAKE_AZ_ERROR=unregistered))
        assert found.stops == () and found.arm_key is None


class TestVerdict:
    def test_parse(self) -> None:
        assert precheck.parse("note: a\nstop: b\narm-key: K \n\nodd line\n") == precheck.CheckAnswer(
            stops=("b",), notes=("a", "odd line"), arm_key="K"
        )

    def test_stops_fail_naming_the_cluster(self) -> None:
        with pytest.raises(precheck.PreWriteCheckFailed, match=r"^rg/c: not written to Azure: x; y$"):
            precheck.verdict("rg/c")("stop: x\nstop: y\n")

    def test_own_key_passes_another_key_is_not_this_stacks(self) -> None:
        found = precheck.CheckAnswer(arm_key="AAAA\nBBBB")
        assert precheck.key_problem("rg/c", "c", "rg", found, "AAAABBBB") is None
        assert precheck.key_problem("rg/c", "c", "rg", precheck.CheckAnswer(), "AAAA") is None
        problem = precheck.key_problem("rg/c", "c", "rg", found, "CCCC")
        assert problem is not None and "already exists with another agent key" in problem
        assert "set agents.privateKey" in problem and "az connectedk8s delete --name c --resource-group rg" in problem

    def test_another_key_on_a_cluster_this_stack_owns_is_the_stacks_key_change(self) -> None:
        """The owner tag names this stack: a new key replaces the cluster (delete-first) instead of
        stopping; another stack's tag, or none, still stops."""
        ours = precheck.CheckAnswer(arm_key="AAAA", arm_owner="org/arc-onboarding/dev")
        assert precheck.key_problem("rg/c", "c", "rg", ours, "CCCC", "org/arc-onboarding/dev") is None
        assert precheck.key_problem("rg/c", "c", "rg", ours, "CCCC", "org/arc-onboarding/prod") is not None
        untagged = precheck.CheckAnswer(arm_key="AAAA")
        assert precheck.key_problem("rg/c", "c", "rg", untagged, "CCCC", "org/arc-onboarding/dev") is not None

    def test_a_failed_cluster_of_this_stack_gets_the_next_retry_count_and_keeps_it(self) -> None:
        """The retry tag changes only while this stack's cluster is Failed or Canceled in ARM, so
        the engine PUTs it then, and never on the happy path or once the write succeeded."""
        owner = "org/arc-onboarding/dev"
        failed = precheck.CheckAnswer(arm_key="K", arm_owner=owner, arm_state="Failed")
        assert precheck.retry_tag(failed, owner) == "1"
        assert precheck.retry_tag(dataclasses.replace(failed, arm_retry="1"), owner) == "2"
        assert precheck.retry_tag(dataclasses.replace(failed, arm_state="Canceled", arm_retry="x"), owner) == "1"
        assert precheck.retry_tag(dataclasses.replace(failed, arm_retry="\u00b2"), owner) == "1"
        # Succeeded (no arm-state), still provisioning, or not this stack's cluster: as ARM holds it.
        assert precheck.retry_tag(precheck.CheckAnswer(arm_key="K", arm_owner=owner), owner) is None
        assert precheck.retry_tag(precheck.CheckAnswer(arm_key="K", arm_owner=owner, arm_retry="3"), owner) == "3"
        assert precheck.retry_tag(dataclasses.replace(failed, arm_state="Updating"), owner) is None
        assert precheck.retry_tag(dataclasses.replace(failed, arm_owner="org/arc-onboarding/prod"), owner) is None
        assert precheck.retry_tag(precheck.CheckAnswer(), owner) is None

    def test_parse_reads_the_state_and_retry_count(self) -> None:
        found = precheck.parse("arm-key: K\narm-state: Failed\narm-retry: 3\n")
        assert (found.arm_state, found.arm_retry) == ("Failed", "3")

    def test_parse_reads_the_owner_and_an_empty_one_is_none(self) -> None:
        assert precheck.parse("arm-key: K\narm-owner: o/p/s\n").arm_owner == "o/p/s"
        assert precheck.parse("arm-key: K\narm-owner: \n").arm_owner is None


def guard_env(force: bool = False, managed: tuple[str, ...] = ("flux",)) -> dict[str, str]:
    environment = scripts.delete_guard_environment(
        subscription=SUB,
        resource_group="arc-test-rg",
        cluster_name="arc-test",
        agent_namespace="azure-arc",
        release_name="azure-arc",
        release_namespace="azure-arc-release",
        managed_extensions=managed,
        force_delete=force,
    )
    return {**environment, "ARC_KUBECONFIG": KUBECONFIG_TEXT, "ARC_POLL_INTERVAL_SECONDS": "0"}


EXTENSIONS = f"/subscriptions/{SUB}/resourceGroups/arc-test-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-test/providers/Microsoft.KubernetesConfiguration/extensions"


@needs_sh
class TestUninstallGuard:
    def test_same_identity_passes_and_deletes_only_unmanaged_extensions_waiting_for_them(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=OURS,
                         FAKE_EXTENSIONS="flux azuremonitor-containers")  # fmt: skip
        assert run.code == 0, run.stderr
        assert "carries this stack's agents" in run.stderr
        deletes = [c for c in run.calls if "--method delete" in c]
        assert deletes == [f"rest --method delete --url {EXTENSIONS}/azuremonitor-containers?api-version=2023-05-01"]
        assert (
            run.calls[-1]
            == f"rest --method get --url {EXTENSIONS}/azuremonitor-containers?api-version=2023-05-01 --output none"
        )
        assert "extension azuremonitor-containers: gone" in run.stderr
        assert "precheck-secret-token-7" not in run.stderr

    def test_another_identity_refuses_before_anything_is_deleted(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=THEIRS,
                         FAKE_EXTENSIONS="azuremonitor-containers")  # fmt: skip
        assert run.code == 1
        assert (
            f"carries the agents of connected cluster {THEIRS} (subscription/group/name), not this stack's {OURS}"
            in run.stderr
        )
        assert "nothing was uninstalled" in run.stderr
        assert not any("rest" in c or "delete" in c for c in run.calls)

    def test_a_release_without_its_configmap_refuses(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(), FAKE_RELEASE_NS="azure-arc-release")
        assert run.code == 1 and "whose agents they are cannot be told" in run.stderr

    def test_cluster_connect_proxy_kubeconfig_refuses(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(), FAKE_SERVER=PROXY_SERVER, FAKE_IDENTITY=OURS)
        assert run.code == 1
        assert f"Cluster Connect proxy kubeconfig (server {PROXY_SERVER})" in run.stderr
        assert len(run.calls) == 1 and "config view --minify" in run.calls[0]

    def test_unreachable_cluster_refuses_unless_the_destroy_says_it_is_gone(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(), FAKE_UNREACHABLE="1")
        assert run.code == 1 and "PULUMI_K8S_DELETE_UNREACHABLE=true" in run.stderr
        gone = run_script("delete_guard", guard_env(), FAKE_UNREACHABLE="1", PULUMI_K8S_DELETE_UNREACHABLE="true")
        assert gone.code == 0 and "treated as gone" in gone.stderr

    def test_no_release_on_the_reached_cluster_passes(self, run_script) -> None:
        run = run_script("delete_guard", guard_env())
        assert run.code == 0 and "nothing of the agents to check there" in run.stderr

    def test_force_delete_forces_the_extension_and_the_arm_delete(self, run_script) -> None:
        run = run_script("delete_guard", guard_env(force=True), FAKE_RELEASE_NS="azure-arc-release",
                         FAKE_IDENTITY=OURS, FAKE_EXTENSIONS="policy")  # fmt: skip
        assert run.code == 0, run.stderr
        deletes = [c for c in run.calls if "--method delete" in c]
        assert deletes == [
            f"rest --method delete --url {EXTENSIONS}/policy?api-version=2023-05-01&forceDelete=true",
            f"rest --method delete --url /subscriptions/{SUB}/resourceGroups/arc-test-rg/providers/"
            "Microsoft.Kubernetes/connectedClusters/arc-test?api-version=2025-08-01-preview&force=true",
        ]


# --- the program's wiring, in the offline plan ----------------------------------------------------


def test_the_uninstall_guard_runs_before_the_release_is_uninstalled(plan) -> None:
    resources = planned(plan, BASE_CONFIG)
    guard = resources[UNINSTALL_GUARD]
    # Destroy deletes dependents first: the guard's delete step runs before helm uninstalls the release,
    # and the cleanup (CRDs, namespaces) only after the release.
    assert depends_on(resources, UNINSTALL_GUARD, RELEASE) and not depends_on(resources, RELEASE, UNINSTALL_GUARD)
    assert depends_on(resources, RELEASE, CLEANUP)
    assert set(guard["inputs"]) == {"delete", "environment", "interpreter", "logging"}
    assert guard["inputs"]["delete"] == scripts.text("delete_guard")
    assert guard["inputs"]["environment"] == "[secret]"  # it holds the kubeconfig


def test_the_uninstall_guard_knows_the_managed_flux_extension(plan) -> None:
    config = {**IN_CLUSTER, "gitops": {"url": "https://github.com/example/repo"}}
    resources = planned(plan, config)
    environment = resources[UNINSTALL_GUARD]["inputs"]["environment"]
    assert environment["ARC_MANAGED_EXTENSIONS"] == "flux" and environment["ARC_FORCE_DELETE"] == "false"
    assert environment["ARC_SUBSCRIPTION"] == PLACEHOLDER_SUBSCRIPTION


@pytest.mark.parametrize(
    ("extra", "managed"),
    [
        ({}, ""),
        ({"policy": {"enabled": True}}, "azurepolicy"),
        ({"policy": {"enabled": True}, "gitops": {"url": "https://github.com/example/repo"}}, "azurepolicy\nflux"),
    ],
)
def test_the_uninstall_guard_leaves_the_policy_extension_to_the_stack(plan, extra, managed) -> None:
    """With `policy.enabled` the stack's ArcPolicy deletes `azurepolicy` itself: the guard must not."""
    resources = planned(plan, {**IN_CLUSTER, **extra})
    assert resources[UNINSTALL_GUARD]["inputs"]["environment"]["ARC_MANAGED_EXTENSIONS"] == managed


def test_existing_resources_keep_their_inputs_and_dependencies(plan) -> None:
    """The check is an invoke: waiting for it adds no dependency (nothing changes in the state of a
    stack that predates it) and the key passes through unchanged."""
    resources = planned(plan, BASE_CONFIG)
    assert resources[GROUP]["dependencies"] == []
    cluster = resources[CLUSTER]
    assert not any("uninstall-guard" in d or "cleanup" in d for d in cluster["dependencies"])
    own = pkcs1_public_key_b64(keygen.key(4096)[1])
    assert cluster["inputs"]["properties"]["agentPublicKeyCertificate"] == own


# How the resources that wait for the check are registered: (type, name).
CONNECTED_CLUSTER = ("azure-native:resources:Resource", "arc-test-rg/arc-test-cluster")
RESOURCE_GROUP = ("azure-native:resources:ResourceGroup", "arc-test-rg")


def registrations_while(
    plan, monkeypatch, stdout: str, config: dict[str, Any] | None = None, script: scripts.Script = "precheck"
) -> tuple[Any, list[tuple[str, str]]]:
    """Plan with the pre-write check (or the agentless listing) answering `stdout`; the (type, name)
    the program registered."""
    registered: list[tuple[str, str]] = []
    new_resource, call = PlanMocks.new_resource, PlanMocks.call

    def record(self: PlanMocks, args: Any) -> tuple[str | None, dict[str, Any]]:
        registered.append((args.typ, args.name))
        return new_resource(self, args)

    def answer_check(self: PlanMocks, args: Any) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "command:local:run" and args.args["command"] == scripts.text(script):
            return {"stdout": stdout, "stderr": ""}, []
        return call(self, args)

    monkeypatch.setattr(PlanMocks, "new_resource", record)
    monkeypatch.setattr(PlanMocks, "call", answer_check)
    return plan(config or BASE_CONFIG, "--json"), registered


def test_a_stop_fails_the_run_before_the_group_or_the_connected_cluster_is_written(plan, monkeypatch) -> None:
    result, registered = registrations_while(plan, monkeypatch, "stop: the cluster holds another onboarding\n")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        "error: arc-test-rg/arc-test: not written to Azure: the cluster holds another onboarding"
    ]
    assert CONNECTED_CLUSTER not in registered
    assert RESOURCE_GROUP not in registered


def test_a_stop_keeps_the_connected_cluster_unwritten_in_an_adopted_group_too(plan, monkeypatch) -> None:
    config = {**BASE_CONFIG, "createResourceGroup": False}
    result, registered = registrations_while(plan, monkeypatch, "stop: stale onboarding\n", config)
    assert result.code == 1 and "arc-test-rg/arc-test: not written to Azure: stale onboarding" in result.stderr
    assert CONNECTED_CLUSTER not in registered


def test_another_key_in_arm_fails_the_run_before_the_connected_cluster_is_written(plan, monkeypatch) -> None:
    result, registered = registrations_while(plan, monkeypatch, "arm-key: MIIBCgKCAQEAnotours\n")
    assert result.code == 1
    assert "connected cluster arc-test in group arc-test-rg already exists with another agent key" in result.stderr
    assert CONNECTED_CLUSTER not in registered


def test_this_stacks_own_key_in_arm_passes(plan, monkeypatch) -> None:
    own = pkcs1_public_key_b64(keygen.key(4096)[1])
    result, registered = registrations_while(plan, monkeypatch, f"arm-key: {own}\n")
    assert result.code == 0, result.stderr
    assert CONNECTED_CLUSTER in registered


@pytest.mark.parametrize(
    ("found", "retry", "warned"),
    [("arm-state: Failed\narm-retry: 1\n", "2", True), ("arm-retry: 1\n", "1", False), ("", None, False)],
    ids=["failed", "succeeded-after-a-retry", "happy-path"],
)
def test_a_failed_cluster_of_this_stack_is_written_again_through_its_retry_tag(
    plan, monkeypatch, found: str, retry: str | None, warned: bool
) -> None:
    own = pkcs1_public_key_b64(keygen.key(4096)[1])
    check = f"arm-key: {own}\narm-owner: arc-onboarding/test\n{found}"
    result, _ = registrations_while(plan, monkeypatch, check)
    assert result.code == 0, result.stderr
    tags = result.resource("azure-native:resources:Resource")["inputs"]["tags"]
    assert tags.get("arcOnboardingRetry") == retry and tags["arcOnboardingStack"] == "arc-onboarding/test"
    written_again = [w for w in result.document["warnings"] if "provisioningState Failed" in w]
    assert bool(written_again) == warned, result.document["warnings"]


def test_notes_are_warnings(plan, monkeypatch) -> None:
    result, _ = registrations_while(plan, monkeypatch, "note: removed a stale onboarding\n")
    assert result.code == 0, result.stderr
    assert "arc-test-rg/arc-test: removed a stale onboarding" in result.document["warnings"]


def test_the_check_runs_with_this_clusters_values(plan, monkeypatch) -> None:
    seen: list[dict[str, str]] = []
    call = PlanMocks.call

    def capture(self: PlanMocks, args: Any) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "command:local:run" and args.args["command"] == scripts.text("precheck"):
            seen.append(dict(args.args["environment"]))
        return call(self, args)

    monkeypatch.setattr(PlanMocks, "call", capture)
    config = {**BASE_CONFIG, "agents": {"replaceStale": True}}
    assert plan(config, "--json").code == 0
    assert len(seen) == 1
    environment = seen[0]
    expected = {
        **scripts.precheck_environment(
            subscription=PLACEHOLDER_SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test",
            crd_suffix="com", agent_namespace="azure-arc", release_name="azure-arc", replace_stale=True, dry_run=False,
            location="eastus",
        ),
        "ARC_KUBE_CONTEXT": "kind-arc-dev",
    }  # fmt: skip
    del expected["ARC_DRY_RUN"]
    assert {k: v for k, v in environment.items() if k not in ("ARC_KUBECONFIG", "ARC_DRY_RUN")} == expected
    # The offline plan is no preview of a real engine: the SDK's mocks run it as an update.
    assert environment["ARC_DRY_RUN"] in ("true", "false")


def test_settings_keys(plan) -> None:
    result = plan({**BASE_CONFIG, "agents": {"forceDelete": "yes"}}, "--json")
    assert result.code == 2 and "arc-onboarding:agents.forceDelete" in result.stderr
    resources = planned(plan, {**IN_CLUSTER, "agents": {"forceDelete": True}})
    assert resources[UNINSTALL_GUARD]["inputs"]["environment"]["ARC_FORCE_DELETE"] == "true"
    assert CLUSTER in resources and GROUP in resources


def test_a_fleet_lists_agentless_clusters_once_and_checks_its_clusters_asynchronously(plan, monkeypatch) -> None:
    """One synchronous read (the listing, every group once); each cluster's check is an asynchronous
    invoke, so the engine runs a fleet's checks at the same time (not one after the other)."""
    import pulumi_command

    synchronous: list[str] = []
    calls: list[dict[str, str]] = []
    run, call = pulumi_command.local.run, PlanMocks.call

    def record_synchronous(**kwargs: Any) -> Any:
        synchronous.append(kwargs["command"])
        return run(**kwargs)

    def record(self: PlanMocks, args: Any) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "command:local:run":
            calls.append({"command": args.args["command"], **args.args["environment"]})
        return call(self, args)

    monkeypatch.setattr(pulumi_command.local, "run", record_synchronous)
    monkeypatch.setattr(PlanMocks, "call", record)
    config = {
        "location": "eastus",
        "clusters": [
            {"clusterName": "c1", "resourceGroup": "Rg-A", "kubeContext": "kind-arc-dev"},
            {"clusterName": "c2", "resourceGroup": "rg-a", "kubeContext": "kind-other"},
            {"clusterName": "c3", "resourceGroup": "rg-b", "kubeconfig": "tests/fixtures/kubeconfig-edge"},
        ],
    }
    result = plan(config, "--json")
    assert result.code == 0, result.stderr
    assert synchronous == [scripts.text("agentless")]
    (listing,) = [c for c in calls if c["command"] == scripts.text("agentless")]
    assert listing["ARC_RESOURCE_GROUPS"] == "Rg-A rg-b"
    checked = sorted(c["ARC_CLUSTER_NAME"] for c in calls if c["command"] == scripts.text("precheck"))
    assert checked == ["c1", "c2", "c3"]
    assert {c["ARC_AGENTLESS"] for c in calls if c["command"] == scripts.text("precheck")} == {"false"}


def test_a_listing_that_cannot_read_a_group_stops_before_anything_is_registered(plan, monkeypatch) -> None:
    stop = "stop: cannot list the connected clusters of group arc-test-rg in Azure (az rest: Forbidden)\n"
    result, registered = registrations_while(plan, monkeypatch, stop, script="agentless")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        "error: not written to Azure: cannot list the connected clusters of group arc-test-rg in Azure (az rest: Forbidden)"
    ]
    assert [r for r in registered if r[0] != "pulumi:pulumi:Stack"] == []
