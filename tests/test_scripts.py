"""The lifecycle scripts (components/scripts/*.sh): their behaviour under `sh` with fake `az` and
`kubectl`, run as the Commands run them: the file's text, the values in the environment."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from components import scripts

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
NAMESPACES = ("azure-arc", "azure-arc-release")
KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: script-secret-token-42\n"

needs_sh = pytest.mark.skipif(
    shutil.which("sh") is None or not Path(scripts.INTERPRETER[0]).exists(), reason="needs a POSIX sh"
)

# Fakes record each call's arguments, one line per call, in $FAKE_LOG.
FAKE_AZ = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
if [ -n "${FAKE_AZ_ERROR:-}" ]; then printf '%s\n' "$FAKE_AZ_ERROR" >&2; exit 1; fi
if [ -n "${FAKE_STATUSES:-}" ]; then
  # One status per call; the last one repeats.
  count=$(wc -l <"$FAKE_LOG")
  printf '%s\n' $FAKE_STATUSES | sed -n "${count}p;\$p" | head -n 1
  exit 0
fi
printf '%s' "$FAKE_LISTING"
"""
FAKE_KUBECTL = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
previous=
for argument in "$@"; do
  if [ "$previous" = --kubeconfig ]; then
    cp "$argument" "$FAKE_SEEN"
    printf '%s\n' "$argument" >"$FAKE_SEEN.path"
  fi
  previous=$argument
done
# A kubectl that hangs (a login that never ends); exec, so that killing it (its pid is in
# $FAKE_SEEN.pid) ends the sleep too.
if [ -n "${FAKE_HANG:-}" ]; then echo $$ >"$FAKE_SEEN.pid"; exec sleep "$FAKE_HANG"; fi
case "$*" in
  *"get --raw /version"*)
    if [ -n "${FAKE_UNREACHABLE:-}" ]; then
      echo "The connection to the server 127.0.0.1:6443 was refused" >&2
      exit 1
    fi ;;
  *"delete customresourcedefinition ${FAKE_STUCK_CRD:-none} "*)
    echo "error: timed out waiting for the condition" >&2
    exit 1 ;;
esac
"""


def credential_files(tmp_path: Path) -> list[Path]:
    """Files under `tmp_path` ($TMPDIR of the runs) holding a kubeconfig's credentials, but for the
    fake kubectl's own copy of what it was given."""
    return [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and not p.name.startswith("seen-kubeconfig") and "secret-token" in p.read_text(errors="replace")
    ]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    calls: list[str]


@pytest.fixture
def sh(tmp_path: Path):
    """Run a script as the Commands do (`/bin/sh -c`), with the fakes first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("az", FAKE_AZ), ("kubectl", FAKE_KUBECTL)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"

    def run(script: tuple[str, dict[str, str]], **env: str) -> Run:
        text, values = script
        log.write_text("")
        environment = {
            **values,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path),
            "FAKE_LOG": str(log),
            "FAKE_SEEN": str(tmp_path / "seen-kubeconfig"),
            **env,
        }
        done = subprocess.run(
            [*scripts.INTERPRETER, text], env=environment, capture_output=True, text=True, timeout=120
        )
        return Run(done.returncode, done.stdout, done.stderr, log.read_text().splitlines())

    run.bin_dir = bin_dir  # type: ignore[attr-defined]
    return run


def verify(timeout_seconds: int, group: str = "arc-test-rg") -> tuple[str, dict[str, str]]:
    environment = scripts.verify_environment(
        resource_group=group,
        cluster_name="arc-test",
        subscription=SUBSCRIPTION,
        timeout_seconds=timeout_seconds,
        agent_namespace="azure-arc",
    )
    return scripts.text("verify"), {**environment, "ARC_VERIFY_INTERVAL_SECONDS": "0"}


AZ_SHOW = (
    "resource show --resource-group arc-test-rg --name arc-test --resource-type "
    f"Microsoft.Kubernetes/connectedClusters --subscription {SUBSCRIPTION} "
    "--query properties.connectivityStatus --output tsv"
)


def test_verify_environment() -> None:
    environment = scripts.verify_environment(
        resource_group="rg(1).x",
        cluster_name="c",
        subscription=SUBSCRIPTION,
        timeout_seconds=1200,
        agent_namespace="azure-arc",
    )
    assert environment == {
        "ARC_RESOURCE_GROUP": "rg(1).x",
        "ARC_CLUSTER_NAME": "c",
        "ARC_SUBSCRIPTION": SUBSCRIPTION,
        "ARC_TIMEOUT_SECONDS": "1200",
        "ARC_AGENT_NAMESPACE": "azure-arc",
    }


@needs_sh
class TestVerifyRuns:
    def test_waits_until_connected(self, sh) -> None:
        run = sh(verify(600), FAKE_STATUSES="Connecting Connecting Connected")
        assert run.code == 0, run.stderr
        assert run.calls == [AZ_SHOW] * 3
        assert run.stdout == "arc-onboarding: connected cluster arc-test in group arc-test-rg is Connected\n"

    def test_timeout_names_the_last_status_and_where_to_look(self, sh) -> None:
        run = sh(verify(0), FAKE_STATUSES="Connecting")
        assert run.code == 1
        assert run.calls == [AZ_SHOW]
        assert run.stderr == (
            "arc-onboarding: connected cluster arc-test in group arc-test-rg is not Connected after 0 s "
            "(agents.timeoutSeconds); last status seen: Connecting. Look at the agents: kubectl -n azure-arc get pods\n"
        )

    def test_az_failure_is_reported_as_the_last_status(self, sh) -> None:
        run = sh(verify(0), FAKE_AZ_ERROR="ERROR: Please run 'az login' to setup account.")
        assert run.code == 1
        assert (
            "last status seen: unknown (az resource show failed: ERROR: Please run 'az login' to setup account.)."
            in run.stderr
        )

    def test_offline_and_expired_are_not_connected(self, sh) -> None:
        run = sh(verify(0), FAKE_STATUSES="Offline")
        assert run.code == 1 and "last status seen: Offline." in run.stderr


def cleanup(suffix: str = "com") -> tuple[str, dict[str, str]]:
    return scripts.text("cleanup"), scripts.cleanup_environment(crd_suffix=suffix, namespaces=NAMESPACES)


@pytest.mark.parametrize("suffix", ["com", "us", "cn"])
def test_cleanup_names_the_seven_crds_with_the_cloud_suffix(suffix: str) -> None:
    text, environment = cleanup(suffix)
    assert environment["ARC_CRDS"].split() == [f"{crd}.{suffix}" for crd in scripts.ARC_CRDS]
    assert len(scripts.ARC_CRDS) == 7
    assert "--ignore-not-found" in text and "set -x" not in text
    assert "ARC_KUBECONFIG" in text and 'echo "$ARC_KUBECONFIG' not in text


@needs_sh
class TestCleanupRuns:
    ENV: ClassVar[dict[str, str]] = {"ARC_KUBECONFIG": KUBECONFIG_TEXT, "ARC_KUBE_CONTEXT": "kind-arc-dev"}

    def test_deletes_crds_then_namespaces_with_the_stored_kubeconfig(self, sh, tmp_path: Path) -> None:
        run = sh(cleanup(), **self.ENV)
        assert run.code == 0, run.stderr
        path = (tmp_path / "seen-kubeconfig.path").read_text().strip()
        assert (tmp_path / "seen-kubeconfig").read_text() == KUBECONFIG_TEXT + "\n"
        assert path == "/dev/fd/3", "kubectl reads the kubeconfig through a descriptor, not a file name"
        assert credential_files(tmp_path) == [], "the temporary kubeconfig is removed"
        prefix = f"--kubeconfig {path} --context kind-arc-dev"
        assert run.calls == [
            f"{prefix} --request-timeout=20s get --raw /version",
            *(
                f"{prefix} delete customresourcedefinition {crd}.com --ignore-not-found --wait=true --timeout=20s"
                for crd in scripts.ARC_CRDS
            ),
            *(f"{prefix} delete namespace {ns} --ignore-not-found --wait=true --timeout=180s" for ns in NAMESPACES),
        ]
        assert "arc-onboarding cleanup: crd connectedclusters.arc.azure.com: gone" in run.stderr
        assert "arc-onboarding cleanup: namespace azure-arc-release: gone" in run.stderr
        assert run.stdout == ""
        assert "script-secret-token-42" not in run.stdout + run.stderr

    def test_unreachable_cluster_is_skipped_quickly_and_says_so(self, sh) -> None:
        run = sh(cleanup(), **self.ENV, FAKE_UNREACHABLE="1")
        assert run.code == 0
        assert len(run.calls) == 1 and run.calls[0].endswith("--request-timeout=20s get --raw /version")
        assert (
            "arc-onboarding cleanup: cluster not reachable with the stored kubeconfig (kubectl's error above): "
            "skipped deleting the Arc CRDs and namespaces azure-arc, azure-arc-release; nothing is left if the "
            "cluster is gone, else delete them by hand\n" in run.stderr
        )
        assert "was refused" in run.stderr  # kubectl's own reason stays visible

    def test_a_crd_stuck_on_finalizers_gets_them_removed(self, sh) -> None:
        run = sh(cleanup(), **self.ENV, FAKE_STUCK_CRD="connectedclusters.arc.azure.com")
        assert run.code == 0, run.stderr
        patch = [c for c in run.calls if " patch " in f" {c}"]
        assert len(patch) == 1 and patch[0].endswith(
            'patch customresourcedefinition connectedclusters.arc.azure.com --type=merge -p {"metadata":{"finalizers":null}}'
        )
        assert "crd connectedclusters.arc.azure.com: deletion was blocked; removed its finalizers" in run.stderr

    def signalled(
        self,
        sh,
        tmp_path: Path,
        text: str,
        values: Mapping[str, object],
        signal_number: int,
        hang: str,
        while_running: Callable[[], None] = lambda: None,
    ) -> tuple[list[Path], int]:
        """Run `text` under /bin/sh with a kubectl that hangs `hang` seconds, signal the shell once
        kubectl has the kubeconfig (after `while_running()`), and return the files left in $TMPDIR
        that hold the kubeconfig's credentials, and the exit code."""
        environment = {
            **{name: str(value) for name, value in values.items()}, **self.ENV,
            "PATH": f"{sh.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "TMPDIR": str(tmp_path),
            "FAKE_LOG": str(tmp_path / "calls.log"),
            "FAKE_SEEN": str(tmp_path / "seen-kubeconfig"),
            "FAKE_HANG": hang,
        }  # fmt: skip
        started = subprocess.Popen(
            ["/bin/sh", "-c", text], env=environment, stderr=subprocess.PIPE, text=True, preexec_fn=default_signals
        )
        try:
            seen = tmp_path / "seen-kubeconfig.pid"  # written once the kubeconfig is copied, as it hangs
            deadline = time.monotonic() + 20
            while not (seen.exists() and seen.read_text().endswith("\n")) and time.monotonic() < deadline:
                time.sleep(0.02)
            while_running()
            started.send_signal(signal_number)  # to the shell only, while kubectl hangs
            code = started.wait(timeout=15)
        finally:
            # The hanging fake kubectl first: an orphan would hold stderr open for `hang` seconds.
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((tmp_path / "seen-kubeconfig.pid").read_text()), signal.SIGKILL)
            started.kill()
            started.communicate()
        return credential_files(tmp_path), code

    @pytest.mark.parametrize("signal_number", [signal.SIGHUP, signal.SIGINT, signal.SIGTERM])
    def test_finding_4_the_temporary_kubeconfig_goes_on_a_signal(self, sh, tmp_path: Path, signal_number: int) -> None:
        """dash runs no EXIT trap when a signal ends it: the kubeconfig (credentials) must go anyway."""
        text, values = cleanup()
        # kubectl hangs far longer than the wait: the cleanup must not wait for it.
        left, code = self.signalled(sh, tmp_path, text, values, signal_number, hang="30")
        assert left == [], "the temporary kubeconfig survived the signal"
        assert code == 128 + signal_number

    @pytest.mark.parametrize("script", ["precheck", "delete_guard"])
    def test_the_other_kubeconfig_writers_remove_it_on_a_signal_too(self, sh, tmp_path: Path, script: str) -> None:
        """The pre-write check and the delete guard write the same credentials: SIGTERM (under dash)
        must not leave them behind either; the trap runs once the kubectl call in flight returns."""
        values: Mapping[str, object] = (
            scripts.precheck_environment(
                subscription=SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test", crd_suffix="com",
                agent_namespace="azure-arc", release_name="azure-arc", replace_stale=False, dry_run=False,
            )
            if script == "precheck"
            else scripts.delete_guard_environment(
                subscription=SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test",
                agent_namespace="azure-arc", release_name="azure-arc", release_namespace="azure-arc-release",
                managed_extensions=(), force_delete=False,
            )
        )  # fmt: skip
        left, code = self.signalled(sh, tmp_path, scripts.text(script), values, signal.SIGTERM, hang="2")
        assert left == [], "the temporary kubeconfig survived the signal"
        assert code == 128 + signal.SIGTERM

    def test_without_a_kubeconfig_kubectl_uses_its_defaults(self, sh) -> None:
        run = sh(cleanup())
        assert run.code == 0, run.stderr
        assert run.calls[0] == "--request-timeout=20s get --raw /version"
        assert not any("--kubeconfig" in c or "--context" in c for c in run.calls)


def default_signals() -> None:
    """The signals these tests send, at their default action in the shell. A shell ignores a trap on
    a signal ignored when it started (POSIX `trap`), and a test run from a background job (`make
    test &`, nohup, some CI runners) passes such dispositions down: the script would then outlive
    the signal and the test time out, telling nothing about the script."""
    for signal_number in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, signal.SIG_DFL)


def guard(own: tuple[str, ...] = ("arc-test",), group: str = "arc-test-rg") -> tuple[str, dict[str, str]]:
    environment = scripts.group_guard_environment(resource_group=group, subscription=SUBSCRIPTION, own_clusters=own)
    return scripts.text("group_guard"), environment


@needs_sh
class TestGroupGuardRuns:
    def test_only_this_stacks_clusters_let_the_group_go(self, sh) -> None:
        listing = "Microsoft.Kubernetes/connectedClusters\tARC-Test\nmicrosoft.kubernetes/connectedclusters\tc2\n"
        run = sh(guard(("arc-test", "c2")), FAKE_LISTING=listing)
        assert run.code == 0, run.stderr
        assert run.calls == [
            f"resource list --resource-group arc-test-rg --subscription {SUBSCRIPTION} --query [].[type, name] --output tsv"
        ]
        assert run.stdout == "arc-onboarding: resource group arc-test-rg holds nothing but this stack's resources\n"

    def test_an_empty_group_goes(self, sh) -> None:
        assert sh(guard(), FAKE_LISTING="").code == 0

    def test_finding_10_a_disarmed_guard_checks_nothing(self, sh) -> None:
        # An adopted group's guard: its deletion (a switch back, or destroy) never lists nor blocks.
        text, _ = guard()
        environment = scripts.group_guard_environment(
            resource_group="arc-test-rg", subscription=SUBSCRIPTION, own_clusters=["arc-test"], adopted=True
        )
        run = sh((text, environment), FAKE_LISTING="Microsoft.Storage/storageAccounts\tteamdata01\n")
        assert (run.code, run.calls) == (0, [])
        assert (
            run.stdout
            == "arc-onboarding: resource group arc-test-rg is adopted, never deleted by this stack: nothing to guard\n"
        )

    def test_a_groups_stack_owns_no_cluster_so_it_keeps_a_group_its_shards_still_use(self, sh) -> None:
        """A groups stack (issue 13, sharding) declares groups without clusters: every cluster in
        them belongs to a shard, so its guard refuses until they are gone (it used to refuse to be
        built with no clusters: deliberately changed)."""
        listing = "Microsoft.Kubernetes/connectedClusters\tstore-001\n"
        run = sh(guard(()), FAKE_LISTING=listing)
        assert run.code == 1
        assert "  - Microsoft.Kubernetes/connectedClusters/store-001\n" in run.stderr
        assert sh(guard(()), FAKE_LISTING="").code == 0

    def test_anything_else_fails_the_destroy_naming_it(self, sh) -> None:
        listing = (
            "Microsoft.Kubernetes/connectedClusters\tarc-test\n"
            "Microsoft.Storage/storageAccounts\tteamdata01\n"
            "Microsoft.Kubernetes/connectedClusters\tsomeone-elses\n"
        )
        run = sh(guard(group="rg(1).x"), FAKE_LISTING=listing)
        assert run.code == 1
        assert run.stderr == (
            "arc-onboarding: resource group rg(1).x is not deleted: it holds resources this stack did not create:\n"
            "  - Microsoft.Storage/storageAccounts/teamdata01\n"
            "  - Microsoft.Kubernetes/connectedClusters/someone-elses\n"
            "Delete or move them, then run pulumi destroy again; or keep the group: "
            "pulumi state delete --target-dependents GROUP_URN (pulumi stack --show-urns lists it)\n"
        )

    def test_a_group_already_gone_is_fine(self, sh) -> None:
        run = sh(
            guard(), FAKE_AZ_ERROR="ERROR: (ResourceGroupNotFound) Resource group 'arc-test-rg' could not be found."
        )
        assert run.code == 0 and "already gone" in run.stdout

    def test_a_listing_that_fails_keeps_the_group(self, sh) -> None:
        run = sh(guard(), FAKE_AZ_ERROR="ERROR: Please run 'az login' to setup account.")
        assert run.code == 1
        assert run.stderr == (
            "arc-onboarding: resource group arc-test-rg is not deleted: its resources cannot be listed: "
            "ERROR: Please run 'az login' to setup account.\n"
        )


# --- finding 5: the subscription id never reaches a shell as code ------------------------------

INJECTION = "x; touch {pwned}"


def register(subscription: str) -> tuple[str, dict[str, str]]:
    environment = scripts.register_environment(namespace="Microsoft.Kubernetes", subscription=subscription)
    return scripts.text("register"), environment


@needs_sh
class TestRegisterRuns:
    def test_registers_the_namespace_in_the_subscription(self, sh) -> None:
        run = sh(register(SUBSCRIPTION))
        assert run.code == 0, run.stderr
        assert run.calls == [f"provider register --namespace Microsoft.Kubernetes --subscription {SUBSCRIPTION} --wait"]

    def test_finding_5_a_subscription_that_is_code_is_refused_and_never_run(self, sh, tmp_path: Path) -> None:
        pwned = tmp_path / "pwned"
        run = sh(register(INJECTION.format(pwned=pwned)))
        assert not pwned.exists()
        assert run.code == 2 and run.calls == []
        assert (
            run.stderr
            == "arc-onboarding: the subscription id (azure-native:subscriptionId) is not a GUID; nothing registered\n"
        )

    @pytest.mark.parametrize("script", ["verify", "group_guard"])
    def test_finding_5_other_scripts_pass_it_to_az_as_one_argument(self, sh, tmp_path: Path, script: str) -> None:
        pwned = tmp_path / "pwned"
        subscription = INJECTION.format(pwned=pwned) + " $(touch " + str(pwned) + ") `touch " + str(pwned) + "`"
        text, values = verify(0) if script == "verify" else guard()
        fake = {"FAKE_STATUSES": "Connected"} if script == "verify" else {"FAKE_LISTING": ""}
        run = sh((text, {**values, "ARC_SUBSCRIPTION": subscription}), **fake)
        assert not pwned.exists()
        assert run.code == 0, run.stderr
        assert f"--subscription {subscription} " in run.calls[0]


def test_finding_5_a_subscription_id_that_is_no_guid_is_a_config_error(plan, monkeypatch) -> None:
    from pulumi.runtime import MockCallArgs

    from components.plan.engine import PlanMocks

    call = PlanMocks.call

    def injected(self: PlanMocks, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        result, failures = call(self, args)
        return {**result, "subscriptionId": INJECTION.format(pwned="/tmp/pwned")}, failures

    monkeypatch.setattr(PlanMocks, "call", injected)
    result = plan(
        {
            "clusterName": "arc-test",
            "resourceGroup": "arc-test-rg",
            "location": "eastus",
            "kubeContext": "kind-arc-dev",
        },
        "--json",
    )
    assert result.code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        (
            "azure-native:subscriptionId: the azure-native provider's subscription id is not a GUID (8-4-4-4-12 "
            "hexadecimal digits, as `az account show` prints it); nothing was changed"
        )
    ]
    assert "touch" not in result.stderr


def test_client_config_problems_accept_guids_only() -> None:
    from types import SimpleNamespace

    from components.onboarding import client_config_problems

    good = SimpleNamespace(subscription_id=SUBSCRIPTION, tenant_id="11111111-1111-1111-1111-11111111ABCD")
    assert client_config_problems(good) == []  # type: ignore[arg-type]
    for bad in ("", "0000", f"{SUBSCRIPTION}\n", f" {SUBSCRIPTION}", f"{SUBSCRIPTION};id", None):
        problems = client_config_problems(SimpleNamespace(subscription_id=bad, tenant_id=SUBSCRIPTION))  # type: ignore[arg-type]
        assert [p.split(":")[1] for p in problems] == ["subscriptionId"], bad
    assert [
        p.split(":")[1]
        for p in client_config_problems(SimpleNamespace(subscription_id=SUBSCRIPTION, tenant_id="t"))  # type: ignore[arg-type]
    ] == ["tenantId"]


# --- a new script text in state: an update of the Commands, never a replacement ------------------


def test_a_new_script_text_replaces_nothing_but_the_preflight_job(plan, monkeypatch) -> None:
    """What the next `pulumi up` does when the scripts' text changes (as when they moved into files):
    only the Commands' `create`/`delete` differ, and for a Command only `triggers` replaces
    (pulumi-command 1.2.1: any other change is an update, which reruns `create` if it has one). The
    preflight Job is replaced, as on any change to it: it runs its checks again."""
    from components import preflight
    from tests.conftest import BASE_CONFIG

    config = {**BASE_CONFIG, "proxy": {"httpsProxy": "http://proxy.corp:3128"}}
    before = plan(config, "--json")
    assert before.code == 0, before.stderr
    original = scripts.text
    monkeypatch.setattr(scripts, "text", lambda name: original(name) + "# a new version\n")
    monkeypatch.setattr(preflight, "SCRIPT", preflight.SCRIPT + "# a new version\n")
    after = plan(config, "--json")
    assert after.code == 0, after.stderr

    old = {r["urn"]: r for r in before.document["resources"]}
    new = {r["urn"]: r for r in after.document["resources"]}
    assert list(old) == list(new)
    changed = {
        urn: sorted(k for k in new[urn]["inputs"] if new[urn]["inputs"][k] != old[urn]["inputs"].get(k)) for urn in new
    }
    changed = {urn: keys for urn, keys in changed.items() if keys}
    commands = {urn for urn, r in new.items() if r["type"] == "command:local:Command"}
    assert set(changed) == commands | {urn for urn, r in new.items() if r["type"] == "kubernetes:batch/v1:Job"}
    for urn in commands:
        assert set(changed[urn]) <= {"create", "delete"}, urn
        assert new[urn]["options"]["replaceOnChanges"] == ["triggers[*]"], urn
        assert new[urn]["options"] == old[urn]["options"] and new[urn]["dependencies"] == old[urn]["dependencies"]
    # Nothing that holds the onboarding moves: the group, the key, the connected cluster, the release.
    for type_ in ("azure-native:resources:ResourceGroup", "tls:index/privateKey:PrivateKey",
                  "azure-native:resources:Resource", "kubernetes:helm.sh/v3:Release"):  # fmt: skip
        assert any(r["type"] == type_ for r in new.values()), type_
        assert all(urn not in changed for urn, r in new.items() if r["type"] == type_), type_
    # ...and no option anywhere replaces on a script's text.
    for resource in new.values():
        assert not {"create", "delete", "environment", "*"} & set(resource["options"]["replaceOnChanges"]) or (
            resource["type"] == "kubernetes:batch/v1:Job"
        ), resource["urn"]
