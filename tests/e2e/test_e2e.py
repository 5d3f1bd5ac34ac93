"""End to end, for maintainers with a subscription: the real engine, through the Automation API,
onboards a kind cluster to Azure Arc, the agents and the connection are checked, a second `up`
changes nothing, and `destroy` removes the group and the agents' namespaces.

Needs the `pulumi`, `kind`, `az` and `kubectl` commands, `az login` to the subscription and a kind
cluster (conftest.py; skipped otherwise). Environment:

    ARC_E2E_SUBSCRIPTION_ID  required; the provider and the az commands both use it
    ARC_E2E_LOCATION         default eastus
    ARC_E2E_KIND_CLUSTER     default arc-e2e (context kind-arc-e2e)
    ARC_E2E_BACKEND_URL      default: a local backend in pytest's temporary directory

The project is copied to a temporary directory (its stack file is written there, not in the
repository) and uses the repository's ./venv when there is one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "pyproject.toml", "uv.lock")
AGENT_NAMESPACE = "azure-arc"
CHART_VERSION = "1.36.1"


def run(*command: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def wait_until(what: str, check: Callable[[], tuple[bool, str]], timeout: int, interval: int = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        done, detail = check()
        print(f"[e2e] {what}: {detail}", flush=True)
        if done:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not reached in {timeout} s; last: {detail}")
        time.sleep(interval)


def copy_project(target: Path) -> Path:
    target.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "components", target / "components", ignore=shutil.ignore_patterns("__pycache__"))
    venv = ROOT / "venv"
    if venv.exists():
        (target / "venv").symlink_to(venv.resolve(), target_is_directory=True)
    return target


def change_kinds(summary: Any) -> dict[str, int]:
    return {str(getattr(op, "value", op)): count for op, count in (summary.resource_changes or {}).items()}


def test_onboard_check_update_without_changes_and_destroy(e2e, tmp_path: Path) -> None:
    from pulumi import automation as auto

    name = f"arc-e2e-{secrets.token_hex(3)}"
    group = f"{name}-rg"
    context = e2e.kube_context
    env = {"PULUMI_SKIP_UPDATE_CHECK": "true"}
    backend = os.environ.get("ARC_E2E_BACKEND_URL")
    if not backend:
        state = tmp_path / "state"
        state.mkdir()
        env["PULUMI_BACKEND_URL"] = f"file://{state}"
        env["PULUMI_CONFIG_PASSPHRASE"] = os.environ.get("PULUMI_CONFIG_PASSPHRASE") or secrets.token_hex(16)
    else:
        env["PULUMI_BACKEND_URL"] = backend
    print(
        f"[e2e] stack {name}, group {group} in {e2e.location}, context {context}, backend {env['PULUMI_BACKEND_URL']}"
    )

    project = copy_project(tmp_path / "project")
    stack = auto.create_stack(
        name, work_dir=str(project), opts=auto.LocalWorkspaceOptions(work_dir=str(project), env_vars=env)
    )
    destroyed = False
    try:
        stack.set_all_config({
            "azure-native:subscriptionId": auto.ConfigValue(e2e.subscription),
            "arc-onboarding:clusterName": auto.ConfigValue(name),
            "arc-onboarding:resourceGroup": auto.ConfigValue(group),
            "arc-onboarding:location": auto.ConfigValue(e2e.location),
            "arc-onboarding:kubeContext": auto.ConfigValue(context),
            "arc-onboarding:distribution": auto.ConfigValue("kind"),
        })  # fmt: skip
        stack.set_all_config(
            {
                "arc-onboarding:tags.purpose": auto.ConfigValue("e2e"),
                "arc-onboarding:agents.chartVersion": auto.ConfigValue(CHART_VERSION),
            },
            path=True,
        )

        first = stack.up(on_output=print, color="never", show_secrets=False)
        assert first.summary.result == "succeeded"
        assert change_kinds(first.summary).get("create", 0) > 0
        (cluster,) = first.outputs["clusters"].value.values()
        assert cluster["clusterName"] == name and cluster["resourceGroup"] == group
        assert cluster["agentNamespace"] == AGENT_NAMESPACE

        def agents_running() -> tuple[bool, str]:
            result = run("kubectl", "--context", context, "-n", AGENT_NAMESPACE, "get", "pods", "-o", "json")
            if result.returncode != 0:
                return False, result.stderr.strip()
            pods = [p for p in json.loads(result.stdout)["items"] if p["status"].get("phase") != "Succeeded"]
            states = {
                p["metadata"]["name"]: p["status"].get("phase") == "Running"
                and all(c.get("ready") for c in p["status"].get("containerStatuses", []))
                for p in pods
            }
            return bool(states) and all(states.values()), f"{sum(states.values())}/{len(states)} pods ready"

        def connected() -> tuple[bool, str]:
            result = run(
                "az", "resource", "show", "--ids", cluster["clusterId"], "--api-version", "2024-01-01",
                "--query", "properties.connectivityStatus", "--output", "tsv",
            )  # fmt: skip
            status = result.stdout.strip() or result.stderr.strip()
            return status == "Connected", status

        wait_until("agents' pods running", agents_running, timeout=900)
        wait_until("connectivityStatus Connected", connected, timeout=1200, interval=30)

        # The connected cluster is azure-native's generic resource at the stable API 2026-05-01
        # (docs/cli-parity.md): ARM holds what it sent at that version...
        shown = run(
            "az", "resource", "show", "--ids", cluster["clusterId"], "--api-version", "2026-05-01",
            "--query", "properties.gateway.enabled", "--output", "tsv",
        )  # fmt: skip
        assert shown.stdout.strip() == "false", shown.stderr
        # ...and the provider reads the generic resource back at that version: with `refresh: always`
        # a read at another version would show a diff here.
        second = stack.up(on_output=print, color="never", show_secrets=False)
        assert second.summary.result == "succeeded"
        assert set(change_kinds(second.summary)) == {"same"}, change_kinds(second.summary)

        gone = stack.destroy(on_output=print, color="never", show_secrets=False)
        destroyed = True
        assert gone.summary.result == "succeeded"

        def group_gone() -> tuple[bool, str]:
            result = run("az", "group", "exists", "--name", group, "--subscription", e2e.subscription)
            return result.stdout.strip() == "false", f"exists: {result.stdout.strip() or result.stderr.strip()}"

        def namespaces_gone() -> tuple[bool, str]:
            result = run(
                "kubectl", "--context", context, "get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}"
            )
            if result.returncode != 0:
                return False, result.stderr.strip()
            left = [n for n in result.stdout.split() if n.startswith("azure-arc")]
            return not left, f"left: {left}"

        wait_until("resource group deleted", group_gone, timeout=600)
        wait_until("azure-arc* namespaces deleted", namespaces_gone, timeout=600)
    finally:
        if not destroyed:
            try:
                stack.destroy(on_output=print, color="never", show_secrets=False)
            except Exception as error:
                print(f"[e2e] destroy after failure failed ({error}); delete by hand: az group delete -n {group}")
        try:
            stack.workspace.remove_stack(name)
        except Exception as error:
            print(f"[e2e] could not remove stack {name}: {error}")
