"""One-time state migration for stacks made before the connected cluster moved to the generic resource.

Earlier versions declared the connected cluster as `azure-native:kubernetes:ConnectedCluster`; now it
is `azure-native:resources:Resource` (api 2026-05-01, components/arm_body.py) with an alias to the
old type. An alias alone replaces the cluster: azure-native's Diff judges the old type's *inputs*
under the new type's rules, and the generic resource's path parameters (resourceName,
resourceProviderNamespace, resourceType, parentResourcePath), absent from those inputs, are replace
keys; a replacement deletes first (provider/pkg/provider/diff.go `calculateDetailedDiff`,
`calculateChangesAndReplacements`; docs/engine-tests.md). This adds those keys, with the values the
program sends, to the recorded inputs and outputs, so the next `up` is an in-place update.

    python -m components.migrate --stack NAME [--dry-run]

Idempotent; refuses a state with pending operations; prints key names only, never a value.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components import arm_body

# The typed resource's body keys (flattened at its top level): the generic resource sends them under
# `properties`, where `replace_on_changes` looks (properties.agentPublicKeyCertificate).
TYPED_BODY_KEYS = (
    "agentPublicKeyCertificate",
    "arcAgentProfile",
    "azureHybridBenefit",
    "distribution",
    "distributionVersion",
    "infrastructure",
    "privateLinkScopeResourceId",
    "privateLinkState",
)


class MigrationError(Exception):
    """The state cannot be migrated as it is (said in the message)."""


@dataclass(frozen=True)
class Change:
    urn: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def describe(self) -> str:
        parts = (("inputs", self.inputs), ("outputs", self.outputs))
        return f"{printable(self.urn)}: " + "; ".join(f"{where} + {', '.join(keys)}" for where, keys in parts if keys)


def printable(text: str) -> str:
    """`text` with control characters escaped: a URN holds names from the state, and a terminal
    would act on an escape sequence in one."""
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)


def path_parameters(inputs: dict[str, Any]) -> dict[str, Any]:
    """The generic resource's path parameters as the program sends them (arc_cluster.py
    `_connected_cluster`), from the typed resource's inputs."""
    if "clusterName" not in inputs:
        raise MigrationError("a connected cluster without clusterName in its inputs")
    return {
        "resourceName": inputs["clusterName"],
        "resourceProviderNamespace": arm_body.CLUSTER_NAMESPACE,
        "resourceType": arm_body.CLUSTER_TYPE,
        "parentResourcePath": "",
    }


def _added(target: dict[str, Any], wanted: dict[str, Any]) -> tuple[str, ...]:
    """Set the missing keys of `wanted` in `target`; the names set. A key present with another value
    is left alone: it is the user's change, and the Diff judges it."""
    names = tuple(k for k in wanted if k not in target)
    for k in names:
        target[k] = wanted[k]
    return names


def migrate_cluster(resource: dict[str, Any]) -> Change | None:
    """Migrate one exported resource of the typed connected cluster in place; None when it has nothing to add."""
    inputs = resource.setdefault("inputs", {})
    outputs = resource.setdefault("outputs", {})
    params = path_parameters(inputs)
    added_inputs = list(_added(inputs, params))
    if "properties" not in inputs:
        body = {k: inputs[k] for k in TYPED_BODY_KEYS if k in inputs}
        if body:
            inputs["properties"] = body
            added_inputs.append("properties")
    added_outputs = _added(outputs, params)
    if not added_inputs and not added_outputs:
        return None
    return Change(urn=str(resource.get("urn", "?")), inputs=tuple(added_inputs), outputs=added_outputs)


def migrate(exported: dict[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    """The exported stack (`pulumi stack export`) with every typed connected cluster migrated, and the
    changes; the argument is left untouched."""
    deployment = exported.get("deployment")
    if not isinstance(deployment, dict):
        raise MigrationError("not an exported stack (no deployment)")
    if deployment.get("pending_operations"):
        raise MigrationError(
            "the state has pending operations (an interrupted update): resolve them first with "
            "`pulumi refresh --clear-pending-creates` or `--import-pending-creates`, then run this again"
        )
    migrated = copy.deepcopy(exported)
    changes = [
        change
        for resource in migrated["deployment"].get("resources") or []
        if resource.get("type") == arm_body.LEGACY_CLUSTER_TYPE and (change := migrate_cluster(resource)) is not None
    ]
    return migrated, changes


def _pulumi(*args: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(["pulumi", *args], capture_output=True, text=True, input=stdin, check=False)
    except FileNotFoundError:
        raise MigrationError(
            "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/) and log in to "
            "the stack's backend, then run this again"
        ) from None
    if done.returncode != 0:
        raise MigrationError(f"pulumi {' '.join(args)} failed:\n{printable(done.stderr.strip())}")
    return done.stdout


def run(stack: str, dry_run: bool) -> int:
    exported = json.loads(_pulumi("stack", "export", "--stack", stack))
    migrated, changes = migrate(exported)
    if not changes:
        print(f"{stack}: nothing to migrate (no connected cluster of type {arm_body.LEGACY_CLUSTER_TYPE} lacks a key)")
        return 0
    for change in changes:
        print(change.describe())
    if dry_run:
        print(f"{stack}: dry run, state not written ({len(changes)} resource(s) would change)")
        return 0
    # Piped (`pulumi stack import` reads standard input without --file: pulumi/pulumi
    # pkg/cmd/pulumi/stack/stack_import.go, newStackImportCmd): no copy of the state is left in
    # $TMPDIR when this process is killed.
    _pulumi("stack", "import", "--stack", stack, stdin=json.dumps(migrated))
    print(f"{stack}: migrated {len(changes)} resource(s); check `pulumi preview --diff` shows `~ update`, no replace")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.migrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="the stack to migrate")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    args = parser.parse_args(argv)
    try:
        return run(args.stack, args.dry_run)
    except (MigrationError, json.JSONDecodeError) as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
