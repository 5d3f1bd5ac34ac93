"""Shard a fleet stack into many small stacks of the same program.

    python -m components.shard --stack NAME --size N [--by region|group] --out DIR
        [--map PATH] [--org ORG] [--esc ENV] [--max-parallel N]

Run from the project directory. Validates the stack as the program does (exit 2 on a bad
configuration), assigns its clusters (inline `clusters` or its `inventory`) to shards of at most
N, keeping every cluster in the shard the shard map gives it, and writes into DIR:
`Pulumi.<shard>.yaml` per shard, `Pulumi.<stack>-groups.yaml` (the groups and registrations,
once), `operator-stacks.yaml` (Pulumi Kubernetes Operator Stacks), `shards.yml` (a GitHub
workflow), and `set-secrets.sh` when the source has `secure:` values. The shard map is written
beside the inventory (or the stack file). docs/scale.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from components.schema import NAMESPACE
from components.settings import ConfigError, StackSettings, component_name, inventory_items, load
from components.settings.inventory import inventory_path

from .assign import (
    MAX_NAME,
    Member,
    ShardError,
    ShardMap,
    assign,
    check_one_shard_each,
    map_text,
    partition_value,
    read_map,
    slug,
)
from .deployments import kubeconfig_secret, operator_documents, operator_text, workflow_text
from .stackfiles import (
    IN_CLUSTER,
    KUBECONFIG_KEY,
    Previous,
    StackFile,
    groups_file,
    item_kubeconfig_problems,
    previous_secrets,
    secret_variable,
    shard_file,
    source_config,
    source_environment,
    source_sections,
    stack_file_text,
)

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
OPERATOR_TEMPLATE = Path("deploy/operator/stack.yaml")
WORKFLOW_TEMPLATE = Path(".github/workflows/deploy.yml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m components.shard", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="the fleet stack to shard (Pulumi.<stack>.yaml)")
    parser.add_argument("--size", type=int, required=True, help="at most this many clusters per new shard")
    parser.add_argument("--by", choices=("region", "group"), help="keep each shard to one region or one group")
    parser.add_argument("--out", type=Path, required=True, help="directory for the generated files")
    parser.add_argument("--map", type=Path, help="shard map file (default: beside the inventory or stack file)")
    parser.add_argument("--org", default="example-org", help="Pulumi organization of the shards' stacks")
    parser.add_argument(
        "--repo",
        help="git URL of this project for the operator (default: the template's, example-org replaced by --org)",
    )
    parser.add_argument("--esc", help="a Pulumi ESC environment every stack imports for the source's secrets")
    parser.add_argument("--max-parallel", type=int, default=4, help="shards the workflow updates at once")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project_dir = Path.cwd()
    # The plan's reader: the stack file's values as the engine hands them to the program.
    from components.plan.runner import PlanInputError, read_stack_config

    try:
        stack_config = read_stack_config(project_dir, args.stack, None)
        settings = load(stack_config.config, stack_config.secret_keys, project_dir, os.environ)
        return _shard(args, project_dir, stack_config.project, settings)
    except PlanInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except ShardError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID


# Pulumi's rule for stack names (pulumi/pulumi, validateStackName: ^[A-Za-z0-9_.-]{1,100}$); the
# generated workflow's `run:` steps also name the output directory, so it keeps to the same letters.
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_OUT_DIR = re.compile(r"[A-Za-z0-9_./-]+")


def _shard(args: argparse.Namespace, project_dir: Path, project: str, settings: StackSettings) -> int:
    if not _STACK_NAME.fullmatch(args.stack):
        raise ShardError(["--stack: a Pulumi stack name has 1-100 letters, digits, '-', '_' or '.'"])
    if not _OUT_DIR.fullmatch(_shown(args.out, project_dir)):
        raise ShardError(["--out: the generated workflow's commands name it: use letters, digits, '-', '_', '.', '/'"])
    stack_path = project_dir / f"Pulumi.{args.stack}.yaml"
    document = yaml.safe_load(stack_path.read_text(encoding="utf-8")) or {}
    config = source_config(document, project)
    inventory = config.get(f"{NAMESPACE}:inventory")
    if isinstance(inventory, str):
        items: list[Any] = inventory_items(inventory, project_dir)
        beside = inventory_path(inventory, project_dir)
        default_map = beside.with_name(f"{beside.stem}.shards.yaml")
    elif f"{NAMESPACE}:clusters" in config:
        items = list(config[f"{NAMESPACE}:clusters"])
        default_map = project_dir / f"{args.stack}.shards.yaml"
    else:
        raise ShardError([f"stack {args.stack} is not a fleet: it sets neither clusters nor inventory"])
    if len(slug(args.stack)) > MAX_NAME - len("-groups"):
        raise ShardError([f"stack name {args.stack!r} is too long for shard names of at most {MAX_NAME} characters"])
    by = args.by or "none"
    members = [
        Member(component_name(c.resource_group, c.cluster_name), partition_value(by, c.location, c.resource_group))
        for c in settings.clusters
    ]
    map_path: Path = args.map or default_map
    previous = read_map(map_path)
    if previous is not None and previous.stack != args.stack:
        raise ShardError([f"{map_path}: the shard map of stack {previous.stack}, not {args.stack}"])
    label = f"inventory({inventory})" if isinstance(inventory, str) else "clusters"
    kube_secret = kubeconfig_secret(args.stack)
    problems = item_kubeconfig_problems(list(enumerate(items)), label, kube_secret)
    if problems:
        raise ShardError(problems)
    shard_map = assign(members, previous, args.stack, by, args.size)
    check_one_shard_each(shard_map.shards)

    environment = source_environment(document) + ([args.esc] if args.esc else [])
    index_of = {m.id: i for i, m in enumerate(members)}
    command = f"python -m components.shard --stack {args.stack} --size {args.size}" + (
        f" --by {args.by}" if args.by else ""
    )
    files: list[StackFile] = []
    groups_stack = _groups_stack(args.stack, settings)
    if groups_stack is not None:
        created = [g.name for g in settings.groups if g.create]
        created_keys = {name.lower() for name in created}
        protect = any(c.protect for c in settings.clusters if c.resource_group.lower() in created_keys)
        header = (
            f"Groups stack of the sharded stack {args.stack}: the resource groups its shards share and "
            f"the provider registrations, declared here once.\nGenerated by `{command}`; regenerate, do not edit. "
            "`pulumi up` it before the shards."
        )
        previous_file = _previous(args.out / f"Pulumi.{groups_stack}.yaml", project, {})
        groups = groups_file(groups_stack, config, created, protect, environment, header, previous_file, not args.esc)
        if args.esc and not groups.secrets:
            # The ESC environment holds the shards' secrets, per-cluster keys among them, which a groups
            # stack refuses (it would ignore them): it imports it only for a secret of its own.
            own = source_environment(document)
            groups = groups_file(groups_stack, config, created, protect, own, header, previous_file, False)
        files.append(groups)
    for name, held in shard_map.shards.items():
        # Nothing that changes when other shards come or go (no "N of M"): adding stores rewrites
        # only the files of the shards they join.
        header = (
            f"Shard of stack {args.stack}. Generated by `{command}`;\n"
            f"regenerate, do not edit: the shard map {_shown(map_path, project_dir)} keeps each cluster in its shard.\n"
            "No `secure:` value is copied (ciphertext is per stack): an empty one is set by set-secrets.sh\n"
            "(`pulumi up` cannot decrypt it before), or comes from the ESC environment."
        )
        previous_file = _previous(args.out / f"Pulumi.{name}.yaml", project, {m: j for j, m in enumerate(held)})
        slice_ = [(index_of[m], items[index_of[m]]) for m in held]
        files.append(shard_file(name, config, slice_, environment, header, previous_file, not args.esc))

    secrets = [s for f in files for s in f.secrets]
    if not args.esc:
        _check_variables({source for _, source in secrets})
    if secrets and args.esc and any("clusters[" in key for _, key in secrets):
        raise ShardError(
            ["secure values inside cluster items cannot come from an ESC environment: move them to the top level"]
        )
    out: Path = args.out
    new_stacks = [f.name for f in files if not (out / f"Pulumi.{f.name}.yaml").exists()]
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale(out, previous, shard_map)
    for stack_file in files:
        (out / f"Pulumi.{stack_file.name}.yaml").write_text(stack_file_text(stack_file), encoding="utf-8")
    out_shown = _shown(out, project_dir)
    shard_names = list(shard_map.shards)
    (out / "operator-stacks.yaml").write_text(
        operator_text(
            operator_documents(
                project_dir / OPERATOR_TEMPLATE,
                groups_stack,
                shard_names,
                args.org,
                f"{slug(args.stack)}-kubeconfig",
                args.repo,
            ),
            f"Pulumi Kubernetes Operator Stacks for the shards of {args.stack}, derived from {OPERATOR_TEMPLATE}.\n"
            f"The operator reads Pulumi.<shard>.yaml from the project directory: commit these stack files there\n"
            f"(--out .). Secret {slug(args.stack)}-kubeconfig holds the fleet's kubeconfig. Generated by `{command}`.",
        ),
        encoding="utf-8",
    )
    (out / "shards.yml").write_text(
        workflow_text(
            project_dir / WORKFLOW_TEMPLATE, args.stack, out_shown, groups_stack, shard_names, args.max_parallel
        ),
        encoding="utf-8",
    )
    script = out / "set-secrets.sh"
    if secrets and not args.esc:
        script.write_text(_secrets_script(files, out_shown, new_stacks), encoding="utf-8")
    elif script.exists():
        script.unlink()
    map_path.write_text(map_text(shard_map), encoding="utf-8")
    _report(args, settings, shard_map, previous, files, map_path, project_dir, source_sections(document))
    if new_stacks and not script.exists():
        # `pulumi up --stack` does not create a stack: CI's first update of a new shard needs it.
        print(f"new stacks ({len(new_stacks)}): create each once, before CI updates it:")
        print("\n".join(f"  {line}" for line in _stack_init_lines(new_stacks)))
    kubeconfig = config.get(KUBECONFIG_KEY)
    if isinstance(kubeconfig, str) and kubeconfig != IN_CLUSTER:
        print(
            f"not copied: `{KUBECONFIG_KEY}: {kubeconfig}` (it would override the KUBECONFIG that CI writes from "
            f"the secret {kube_secret} and the operator mounts): run a shard by hand with "
            f"`KUBECONFIG={shlex.quote(kubeconfig)} pulumi up ...`"
        )
    return EXIT_OK


def _previous(path: Path, project: str, position_of: dict[str, int]) -> Previous | None:
    """The secrets a stack's existing file holds (set by set-secrets.sh), to keep on regeneration."""
    if not path.is_file():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ShardError([f"{path}: cannot read the existing stack file: {str(error).splitlines()[0]}"]) from None
    return previous_secrets(document, project, position_of) if isinstance(document, dict) else None


def _groups_stack(stack: str, settings: StackSettings) -> str | None:
    """The groups stack's name, when the fleet creates a group or registers providers."""
    if settings.register_providers or any(g.create for g in settings.groups):
        return f"{slug(stack)}-groups"
    return None


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(project_dir.resolve())) or "."
    except ValueError:
        return str(path)


def _remove_stale(out: Path, previous: ShardMap | None, shard_map: ShardMap) -> None:
    """A shard left empty keeps no stack file (its stack is to be destroyed, reported below)."""
    for name in set(previous.shards if previous else ()) - set(shard_map.shards):
        (out / f"Pulumi.{name}.yaml").unlink(missing_ok=True)


def _stack_init_lines(new_stacks: Sequence[str]) -> list[str]:
    """`pulumi stack init` of the stacks whose files this run wrote first: a secret is encrypted
    for a stack, so the stack must exist before `pulumi config set --secret` (and before CI's
    `pulumi up --stack`, which creates none)."""
    return [f'pulumi stack init --no-select "$PULUMI_ORG"/{shlex.quote(name)}' for name in new_stacks]


def _check_variables(sources: set[str]) -> None:
    """Two source keys whose variable names collide (`tags.a-b`, `tags.a_b`) would get one value."""
    by_variable: dict[str, list[str]] = {}
    for source in sorted(sources):
        by_variable.setdefault(secret_variable(source), []).append(source)
    clashes = [
        f"{', '.join(keys)} would all be read from ${name}" for name, keys in by_variable.items() if len(keys) > 1
    ]
    if clashes:
        raise ShardError([*clashes, "rename the keys (tag names?) so that each secure value has its own variable"])


def _secrets_script(files: Sequence[StackFile], out_shown: str, new_stacks: Sequence[str] = ()) -> str:
    lines = [
        "#!/bin/sh",
        "# The source stack's `secure:` values, which are not copied: ciphertext decrypts only in the",
        "# stack that encrypted it. Run it once after each run of the sharder (it inits the new stacks),",
        "# with each value in the environment variable named; it is piped to `pulumi config set`, which",
        "# encrypts it for that stack, so it never appears on a command line. Set PULUMI_ORG first.",
        "set -eu",
    ]
    lines += _stack_init_lines(new_stacks)
    for stack_file in files:
        for key, source in stack_file.secrets:
            # Every value quoted for the shell: a key path holds map keys (tag names) from the stack
            # file, which a pull request can set; the variable name and the stack are ours.
            stack = shlex.quote(stack_file.name)
            lines.append(
                f"printf '%s' \"${secret_variable(source)}\" | pulumi config set --secret --path {shlex.quote(key)} "
                f'--stack "$PULUMI_ORG"/{stack} --config-file {shlex.quote(f"{out_shown}/Pulumi.{stack_file.name}.yaml")}'
            )
    return "\n".join(lines) + "\n"


def _report(
    args: argparse.Namespace,
    settings: StackSettings,
    shard_map: ShardMap,
    previous: ShardMap | None,
    files: Sequence[StackFile],
    map_path: Path,
    project_dir: Path,
    sections: Sequence[str],
) -> None:
    sizes = [len(held) for held in shard_map.shards.values()]
    print(
        f"{len(settings.clusters)} clusters in {len(sizes)} shards "
        f"({min(sizes, default=0)}-{max(sizes, default=0)} each) -> {_shown(args.out, project_dir)}/"
    )
    print(f"shard map: {_shown(map_path, project_dir)} (commit it)")
    if previous is not None:
        kept = previous.shard_of()
        added = sum(1 for held in shard_map.shards.values() for m in held if m not in kept)
        removed = len(set(kept) - set(shard_map.shard_of()))
        print(f"since the last map: {added} added, {removed} removed, none moved")
        for name in sorted(set(previous.shards) - set(shard_map.shards)):
            print(f"shard {name} is now empty: `pulumi destroy` and `pulumi stack rm` its stack")
    if any(c.features.custom_locations_oid for c in settings.clusters):
        print(
            "warning: a cluster uses custom locations: register Microsoft.ExtendedLocation once "
            "(`az provider register -n Microsoft.ExtendedLocation`); the groups stack registers only the agents' namespaces",
            file=sys.stderr,
        )
    secrets = sorted({source for f in files for _, source in f.secrets})
    if secrets:
        where = (
            f"the ESC environment {args.esc} must set them under pulumiConfig"
            if args.esc
            else "run set-secrets.sh with these variables set"
        )
        print(f"secure values not copied ({len(secrets)}): {where}:")
        for source in secrets:
            print(f"  {source}" + ("" if args.esc else f"  <- ${secret_variable(source)}"))
    for section in sections:
        print(f"not copied: `{section}` (each stack has its own; `pulumi stack init` makes it)")
