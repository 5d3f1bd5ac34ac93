"""Issue 10 finding 6: code from a pull request never runs with credentials.

A job that a `pull_request` event can start runs the PR's code (and the PR's copy of the workflow),
so it gets no OIDC token, no secret and no environment; credentials live only in jobs bound to a
protected GitHub environment (docs/gitops.md). The checker is tested on broken copies of the
real workflows, so it is known to fail when it should.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PR_EVENTS = {"pull_request", "pull_request_target"}
# A job condition that lets only non-PR events through: `github.event_name == '<event>'`, maybe
# followed by more conditions joined with &&.
ONLY_EVENT = re.compile(r"^\s*github\.event_name\s*==\s*'([a-z_]+)'\s*(&&.*)?$", re.S)


# Workflow documents: YAML 1.1 reads the key `on` as the boolean true, so keys are not all strings.
Workflow = dict[Any, Any]


def load(path: Path) -> Workflow:
    document: Workflow = yaml.safe_load(path.read_text())
    return document


def events(wf: Workflow) -> set[str]:
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return set(on)
    return set(on or {})


def pr_reachable(wf: Workflow, job: dict[str, Any]) -> bool:
    if not events(wf) & PR_EVENTS:
        return False
    match = ONLY_EVENT.match(str(job.get("if", "")))
    return match is None or match.group(1) in PR_EVENTS


def credential_leaks(wf: Workflow) -> list[str]:
    """What in a workflow would hand credentials to a pull request's code."""
    problems = []
    if events(wf) & {"pull_request_target"}:
        problems.append("pull_request_target runs with the base repository's secrets")
    top_permissions = wf.get("permissions") or {}
    for name, job in wf["jobs"].items():
        if not pr_reachable(wf, job):
            continue
        permissions = job.get("permissions", top_permissions)
        if permissions == "write-all" or (isinstance(permissions, dict) and permissions.get("id-token") == "write"):
            problems.append(f"{name}: id-token: write")
        if "environment" in job:
            problems.append(f"{name}: environment {job['environment']!r}")
        text = json.dumps(job) + json.dumps(wf.get("env", {}))
        if re.search(r"\bsecrets\s*\.|secrets\s*\[", text):
            problems.append(f"{name}: references secrets")
        if job.get("secrets") == "inherit" or "secrets" in job:
            problems.append(f"{name}: passes secrets to a reusable workflow")
        for step in job.get("steps", []):
            if str(step.get("uses", "")).split("@")[0].lower() == "azure/login":
                problems.append(f"{name}: azure/login")
    return problems


def all_workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


@pytest.mark.parametrize("path", all_workflows(), ids=lambda p: p.name)
def test_no_pull_request_job_gets_credentials(path: Path) -> None:
    assert credential_leaks(load(path)) == []


def test_the_pull_request_jobs_are_the_offline_ones() -> None:
    reachable = {
        (path.name, name)
        for path in all_workflows()
        for name, job in load(path)["jobs"].items()
        if pr_reachable(load(path), job)
    }
    assert reachable == {("ci.yml", "test"), ("deploy.yml", "offline-plan")}


def test_every_credentialed_job_sits_in_a_protected_environment() -> None:
    """The real guard is on GitHub and Azure: environment secrets, required reviewers, and
    federated credentials that trust `environment:<name>` only. The workflows must use them."""
    environments = set()
    for path in all_workflows():
        wf = load(path)
        for name, job in wf["jobs"].items():
            credentialed = (job.get("permissions") or {}).get("id-token") == "write" or "secrets." in json.dumps(job)
            if credentialed:
                assert job.get("environment"), f"{path.name}: {name}"
                environments.add(job["environment"])
    assert environments == {"prod-example-preview", "prod-example", "e2e"}
    documented = (ROOT / "docs" / "gitops.md").read_text()
    for environment in environments:
        assert f"`{environment}`" in documented, environment


def deploy() -> Workflow:
    return load(WORKFLOWS / "deploy.yml")


def _add_token(wf: Workflow) -> None:
    wf["jobs"]["offline-plan"]["permissions"] = {"contents": "read", "id-token": "write"}


def _add_secret(wf: Workflow) -> None:
    wf["jobs"]["offline-plan"]["steps"][-1]["env"] = {"T": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}


def _preview_on_pull_requests(wf: Workflow) -> None:
    wf["jobs"]["preview"]["if"] = "github.event_name == 'pull_request'"


def _preview_always(wf: Workflow) -> None:
    del wf["jobs"]["preview"]["if"]


def _preview_or(wf: Workflow) -> None:
    wf["jobs"]["preview"]["if"] = "github.event_name == 'workflow_dispatch' || github.event_name == 'pull_request'"


def _top_level_token(wf: Workflow) -> None:
    wf["permissions"] = {"contents": "read", "id-token": "write"}


def _environment(wf: Workflow) -> None:
    wf["jobs"]["offline-plan"]["environment"] = "prod-example"


def _pull_request_target(wf: Workflow) -> None:
    wf[True]["pull_request_target"] = None


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (_add_token, "offline-plan: id-token: write"),
        (_add_secret, "offline-plan: references secrets"),
        (_preview_on_pull_requests, "preview: id-token: write"),
        (_preview_always, "preview: references secrets"),
        (_preview_or, "preview: environment"),
        (_top_level_token, "offline-plan: id-token: write"),
        (_environment, "offline-plan: environment"),
        (_pull_request_target, "pull_request_target"),
    ],
)
def test_the_checker_catches_credentials_given_to_pull_requests(
    mutation: Callable[[Workflow], None], expected: str
) -> None:
    wf = copy.deepcopy(deploy())
    assert credential_leaks(wf) == []
    mutation(wf)
    assert any(expected in problem for problem in credential_leaks(wf)), credential_leaks(wf)
