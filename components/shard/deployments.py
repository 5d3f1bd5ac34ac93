"""How the shards are deployed: one Pulumi Kubernetes Operator `Stack` per shard, and a GitHub
workflow whose matrix runs every shard. Both are derived from the single-stack originals
(deploy/operator/stack.yaml, .github/workflows/deploy.yml), so the credentials, images and pinned
actions reviewed there are the ones the shards use."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .assign import ShardError

# The organization the template names, for the user's to replace.
_PLACEHOLDER_ORG = "example-org"
# A matrix has at most 256 jobs (GitHub Actions' limit).
MAX_MATRIX = 256
# The actions the jobs use, pinned as deploy.yml pins them.
_ACTIONS = {
    "checkout": "actions/checkout",
    "python": "actions/setup-python",
    "login": "azure/login",
    "pulumi": "pulumi/actions",
}


def kubeconfig_secret(source_stack: str) -> str:
    """The GitHub environment secret holding the fleet's kubeconfig, which the workflow writes to $KUBECONFIG."""
    return source_stack.upper().replace("-", "_") + "_KUBECONFIG"


def operator_documents(
    template: Path,
    groups_stack: str | None,
    shards: Sequence[str],
    org: str,
    kubeconfig_secret: str,
    repo: str | None = None,
) -> list[dict[str, Any]]:
    """The template's ServiceAccount and binding once, then one Stack per stack (groups first);
    every shard waits for the groups stack to have succeeded (`prerequisites`). The template's
    placeholder organization (`example-org`) is replaced in the repository URL too."""
    documents = [d for d in yaml.safe_load_all(template.read_text(encoding="utf-8")) if d]
    stacks = [d for d in documents if d.get("kind") == "Stack"]
    if len(stacks) != 1:
        raise ShardError([f"{template}: expected one Stack to derive the shards' Stacks from"])
    out = [copy.deepcopy(d) for d in documents if d.get("kind") != "Stack"]
    names = ([groups_stack] if groups_stack else []) + list(shards)
    for name in names:
        stack = copy.deepcopy(stacks[0])
        stack["metadata"]["name"] = name
        spec = stack["spec"]
        spec["stack"] = f"{org}/{name}"
        if "projectRepo" in spec:
            spec["projectRepo"] = repo or str(spec["projectRepo"]).replace(f"/{_PLACEHOLDER_ORG}/", f"/{org}/")
        if groups_stack and name != groups_stack:
            spec["prerequisites"] = [{"name": groups_stack}]
        for volume in (
            spec.get("workspaceTemplate", {}).get("spec", {}).get("podTemplate", {}).get("spec", {}).get("volumes", [])
        ):
            if "secret" in volume and volume.get("name") == "target-kubeconfig":
                volume["secret"]["secretName"] = kubeconfig_secret
        out.append(stack)
    return out


def operator_text(documents: Sequence[dict[str, Any]], header: str) -> str:
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=False)


def _pinned(template: str, action: str) -> str:
    """The `uses:` reference of `action` in the template workflow, with its release comment."""
    found = re.search(rf"^\s*-?\s*uses:\s*({re.escape(action)}@[0-9a-f]{{40}} # v[\d.]+)\s*$", template, re.M)
    if found is None:
        raise ShardError([f"the template workflow uses no pinned {action}"])
    return found.group(1)


def workflow_text(
    template_path: Path,
    source_stack: str,
    out_dir: str,
    groups_stack: str | None,
    shards: Sequence[str],
    max_parallel: int,
) -> str:
    """A workflow: the offline plan of every shard on pull requests; on main, `pulumi up` of the
    groups stack, then of every shard (a matrix), with deploy.yml's credential rules: OIDC only,
    everything in one protected environment named after the source stack."""
    if len(shards) > MAX_MATRIX:
        raise ShardError([f"{len(shards)} shards: a GitHub matrix holds at most {MAX_MATRIX}; use larger shards"])
    text = template_path.read_text(encoding="utf-8")
    pins = {name: _pinned(text, action) for name, action in _ACTIONS.items()}
    version = re.search(r"^\s*pulumi-version:\s*([0-9.]+)\s*$", text, re.M)
    if version is None:
        raise ShardError([f"{template_path}: no pulumi-version to pin the CLI to"])
    pins["version"] = version.group(1)
    secret = kubeconfig_secret(source_stack)
    matrix = "\n".join(f"          - {name}" for name in shards)
    groups_job = needs = ""
    if groups_stack:
        groups_job = _up_job("groups", groups_stack, source_stack, out_dir, secret, "", pins)
        needs = "    needs: groups\n"
    strategy = (
        f"{needs}    strategy:\n      fail-fast: false\n      max-parallel: {max_parallel}\n"
        f"      matrix:\n        shard:\n{matrix}\n"
    )
    shards_job = _up_job("shards", "${{ matrix.shard }}", source_stack, out_dir, secret, strategy, pins)
    checkout, python = pins["checkout"], pins["python"]
    return f"""\
# Generated by `python -m components.shard` for the shards of stack {source_stack} ({out_dir}/).
# Copy it to .github/workflows/ (docs/scale.md). Credential rules as deploy.yml (docs/gitops.md):
#   pull request  the offline plan of every shard: no secrets, no OIDC token, no environment.
#   push to main  `pulumi up` of the groups stack, then of every shard, in the environment
#                 {source_stack} (required reviewers, main only), whose identity trusts that
#                 environment only. Shards share one identity, so one ARM throttling budget
#                 (docs/onboarding-model.md): max-parallel bounds the engines, not ARM's limits.
name: shards {source_stack}
on:
  pull_request:
    branches: [main]
  push:
    branches: [main]

permissions:
  contents: read

defaults:
  run:
    shell: bash

jobs:
  offline-plan:
    name: offline plan of the shards
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - uses: {python}
        with:
          python-version: "3.11"
      - name: Offline plan of every shard
        run: |
          make venv/.installed
          venv/bin/python -m components.plan --shards {out_dir} | tee -a "$GITHUB_STEP_SUMMARY"
{groups_job}{shards_job}"""


def _up_job(
    job: str, stack: str, source_stack: str, out_dir: str, secret: str, extra: str, refs: dict[str, str]
) -> str:
    """`pulumi up` of one stack (`stack` may be the matrix's expression)."""
    return f"""
  {job}:
    name: up {stack}
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 120
    environment: {source_stack}
    permissions:
      contents: read
      id-token: write  # OIDC token for Azure
{extra}    # One update of a stack at a time; a running update is never cancelled.
    concurrency:
      group: pulumi-{stack}
      cancel-in-progress: false
    env:
      ARM_USE_OIDC: "true"
      ARM_CLIENT_ID: ${{{{ vars.AZURE_CLIENT_ID }}}}
      ARM_TENANT_ID: ${{{{ vars.AZURE_TENANT_ID }}}}
      ARM_SUBSCRIPTION_ID: ${{{{ vars.AZURE_SUBSCRIPTION_ID }}}}
    steps:
      - uses: {refs["checkout"]}
        with:
          persist-credentials: false
      - uses: {refs["python"]}
        with:
          python-version: "3.11"
      - uses: {refs["login"]}
        with:
          client-id: ${{{{ vars.AZURE_CLIENT_ID }}}}
          tenant-id: ${{{{ vars.AZURE_TENANT_ID }}}}
          subscription-id: ${{{{ vars.AZURE_SUBSCRIPTION_ID }}}}
      - name: Kubeconfig of the fleet
        env:
          KUBECONFIG_CONTENT: ${{{{ secrets.{secret} }}}}
        run: |
          umask 077
          printf '%s\\n' "$KUBECONFIG_CONTENT" > "$RUNNER_TEMP/kubeconfig"
          echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"
      # Without a command the action only installs the Pulumi CLI.
      - uses: {refs["pulumi"]}
        with:
          pulumi-version: {refs["version"]}
      - name: uv
        run: python -m pip install --disable-pip-version-check --require-hashes -r tools/uv.txt
      - name: pulumi install
        run: pulumi install
      # pulumi/actions has no --config-file input: the CLI it installed runs the update.
      - name: pulumi up
        env:
          PULUMI_ACCESS_TOKEN: ${{{{ secrets.PULUMI_ACCESS_TOKEN }}}}
          PULUMI_ORG: ${{{{ vars.PULUMI_ORG }}}}
          STACK: {stack}
        run: pulumi up --yes --refresh --stack "$PULUMI_ORG/$STACK" --config-file "{out_dir}/Pulumi.$STACK.yaml"
"""
