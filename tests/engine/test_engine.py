"""The program under the real Pulumi engine (issue 12): preview against the offline plan, up, a
second up with no changes, config as users set it, secrets in the state, updates and replacements,
destroy, faults, and upgrades from the previous commit. Stand-ins and fakes: standins/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, Engine

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK_TYPE = "pulumi:pulumi:Stack"
CLUSTER_TYPES = ("azure-native:kubernetes:ConnectedCluster", "azure-native:resources:Resource")
GROUP_TYPE = "azure-native:resources:ResourceGroup"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
JOB_TYPE = "kubernetes:batch/v1:Job"
KEY_TYPE = "tls:index/privateKey:PrivateKey"


def dev_config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


FLEET_KUBECONFIG = """apiVersion: v1
kind: Config
current-context: store-0101
clusters:
""" + "".join(f"- name: {c}\n  cluster: {{server: 'https://10.0.0.{i}:6443'}}\n" for i, c in enumerate(("store-0101", "store-0102", "plant-07"), 1)) + """contexts:
""" + "".join(f"- name: {c}\n  context: {{cluster: {c}, user: {c}}}\n" for c in ("store-0101", "store-0102", "plant-07")) + """users:
""" + "".join(f"- name: {c}\n  user: {{token: fleet-token-{c}}}\n" for c in ("store-0101", "store-0102", "plant-07"))


def fleet_config(engine: Engine) -> dict[str, Any]:
    """The fleet example (three clusters, two groups, a proxy) plus GitOps, with a kubeconfig for it."""
    config = yaml.safe_load((ROOT / "Pulumi.fleet-example.yaml").read_text())["config"]
    path = engine.project / config["arc-onboarding:kubeconfig"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FLEET_KUBECONFIG)
    config["arc-onboarding:gitops"] = {"url": "https://git.corp.example/platform/edge-config.git", "branch": "main", "path": "./clusters"}
    return config


def custom_by_type(resources: dict[str, dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["type"] in types]


def offline_plan(engine: Engine) -> dict[str, Any]:
    """`python -m components.plan --json` on the same stack file, as a user runs it."""
    done = subprocess.run([sys.executable, "-m", "components.plan", "--json", "--stack", engine.stack], cwd=engine.project,
                          env={**engine.env, "PYTHONPATH": str(engine.project)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _same(planned: Any, previewed: Any) -> bool:
    """Equal, where a value the engine does not know yet (a new resource's output) matches anything."""
    if previewed == UNKNOWN:
        return True
    if isinstance(planned, dict) and isinstance(previewed, dict):
        return planned.keys() == previewed.keys() and all(_same(planned[k], previewed[k]) for k in planned)
    if isinstance(planned, list) and isinstance(previewed, list):
        return len(planned) == len(previewed) and all(_same(a, b) for a, b in zip(planned, previewed))
    return planned == previewed


def preview_registrations(engine: Engine) -> dict[str, dict[str, Any]]:
    """The resources `pulumi preview --json` would create, keyed by URN (default providers and the
    stack left out, as the offline plan leaves them out)."""
    steps = json.loads(engine.run("preview", "--json").stdout)["steps"]
    found = {}
    for step in steps:
        state = step.get("newState") or {}
        if state.get("type") == STACK_TYPE or "::default" in step["urn"] and state.get("type", "").startswith("pulumi:providers:"):
            continue
        found[step["urn"]] = state
    return found


def compare_with_plan(engine: Engine) -> None:
    plan = {r["urn"]: r for r in offline_plan(engine)["resources"]}
    preview = preview_registrations(engine)
    assert sorted(preview) == sorted(plan)
    stack_urn = f"urn:pulumi:{engine.stack}::arc-onboarding::{STACK_TYPE}::arc-onboarding-{engine.stack}"
    problems = []
    for urn, planned in plan.items():
        state = preview[urn]
        parent = state.get("parent")
        if (None if parent == stack_urn else parent) != planned["parent"]:
            problems.append(f"{urn}: parent {parent} != {planned['parent']}")
        if sorted(state.get("dependencies") or []) != sorted(planned["dependencies"]):
            problems.append(f"{urn}: dependencies {sorted(state.get('dependencies') or [])} != {planned['dependencies']}")
        provider = (state.get("provider") or "").rsplit("::", 1)[0] if "::default" not in (state.get("provider") or "") else None
        if provider != ((planned["provider"] or "").rsplit("::", 1)[0] if planned["provider"] and "::default" not in planned["provider"] else None):
            problems.append(f"{urn}: provider {state.get('provider')} != {planned['provider']}")
        if state.get("custom", False) and not _same(planned["inputs"], state.get("inputs", {})):
            keys = sorted(k for k in set(planned["inputs"]) | set(state.get("inputs", {}))
                          if not _same(planned["inputs"].get(k), state.get("inputs", {}).get(k)))
            problems.append(f"{urn}: inputs differ at {keys}: plan {[planned['inputs'].get(k) for k in keys]} engine {[state.get('inputs', {}).get(k) for k in keys]}")
    assert not problems, "\n".join(problems)


# 1 ------------------------------------------------------------------------------------------------
def test_preview_registers_what_the_offline_plan_shows_dev(engine: Engine) -> None:
    engine.init(dev_config())
    compare_with_plan(engine)


def test_preview_registers_what_the_offline_plan_shows_fleet(engine: Engine) -> None:
    engine.init(fleet_config(engine))
    compare_with_plan(engine)


# 2, 3 --------------------------------------------------------------------------------------------
def created_in_dependency_order(engine: Engine) -> None:
    resources = engine.resources()
    done_at = {c["subject"]: i for i, c in enumerate(engine.calls()) if c["call"] == "Create:done"}
    started_at = {c["subject"]: i for i, c in enumerate(engine.calls()) if c["call"] == "Create"}
    for urn, resource in resources.items():
        if urn not in started_at:
            continue
        for dependency in resource.get("dependencies", []):
            if dependency in done_at:
                assert done_at[dependency] < started_at[urn], f"{urn} was created before its dependency {dependency} was"


def test_up_creates_in_order_verifies_and_runs_the_preflight_first(engine: Engine) -> None:
    engine.init(dev_config())
    engine.up()
    created_in_dependency_order(engine)
    calls = engine.calls()
    kube = [c for c in calls if c["who"] == "kubernetes" and c["call"] == "Create:done"]
    job = next(i for i, c in enumerate(calls) if c["call"] == "Create:done" and "batch/v1:Job" in c["subject"])
    release = next(i for i, c in enumerate(calls) if c["call"] == "Create" and "helm.sh/v3:Release" in c["subject"])
    assert job < release, "the preflight Job must be complete before the agents' release is installed"
    assert kube, "the kubernetes stand-in created nothing"
    shows = [c for c in calls if c["who"] == "az" and c["argv"][:2] == ["resource", "show"]]
    assert shows and "arc-dev" in shows[-1]["argv"], "the verify step never asked ARM for the cluster"
    after_release = [i for i, c in enumerate(calls) if c["who"] == "az" and c["argv"][:2] == ["resource", "show"]]
    assert min(after_release) > release, "verify ran before the agents were installed"
    registered = engine.state("azure").get("registered", {})
    assert {"Microsoft.Kubernetes", "Microsoft.KubernetesConfiguration"} <= set(registered)
    clusters = [r for r in engine.state("azure")["resources"].values() if r["type"].lower() == "microsoft.kubernetes/connectedclusters"]
    assert [c["name"] for c in clusters] == ["arc-dev"]


def test_second_up_changes_nothing(engine: Engine) -> None:
    engine.init(dev_config())
    engine.up()
    before = len(engine.calls())
    engine.up("--expect-no-changes")
    changed = [c for c in engine.calls()[before:] if c["call"] in ("Create", "Update", "Delete")]
    assert not changed, f"the second up changed: {changed}"
