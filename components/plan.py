"""Offline plan: what `pulumi up` would ask the engine to do, with no cloud and no credentials.

    python -m components.plan [--stack NAME] [--config-file PATH] [--nodes-file PATH] [--json] [--endpoints]

Run from the project directory. Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` (default `dev`),
runs `__main__.py` under the Pulumi SDK's mock engine and prints the resources it registers.
`--endpoints` prints the stack's outbound endpoints instead (a firewall list) and exits.
Exit codes: 0 planned; 2 invalid configuration; 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import heapq
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import pulumi
import yaml

from . import network
from .offline import ProgramRun, Registration, run_program
from .settings import NODES_FILE_ENV, SECURE_PLACEHOLDER, YAML_LOADER, StackSettings, component_name, load

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class PlanInputError(Exception):
    """A project or stack file the plan cannot use (exit 2)."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]


def _encode(value: Any) -> tuple[Any, bool]:
    """A stack-file value as the engine passes it on, and whether it held a `secure:` leaf."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECURE_PLACEHOLDER, True
        pairs = {str(k): _encode(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_encode(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _engine_string(value: Any) -> str:
    """Config values reach the program as strings; objects and arrays JSON-encoded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        # YAML has types JSON lacks (an unquoted 2026-01-31 is a date): pass them on as text.
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def _load_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except OSError as error:
        raise PlanInputError(f"{path}: cannot read {what}: {error.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        reason = str(error).splitlines()[0]
        raise PlanInputError(f"{path}: {what} is not valid YAML: {reason}") from None


def read_stack_config(project_dir: Path, stack: str | None, config_file: Path | None) -> StackConfig:
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise PlanInputError(f"{project_file}: not found; run from the project directory")
    project_doc = _load_yaml(project_file, "the project file")
    if not isinstance(project_doc, dict) or not isinstance(project_doc.get("name"), str):
        raise PlanInputError(f"{project_file}: not a Pulumi project file (no name)")
    project = project_doc["name"]

    if config_file is None:
        stack = stack or "dev"
        config_file = project_dir / f"Pulumi.{stack}.yaml"
    elif stack is None:
        name = config_file.name
        stack = name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else "dev"
    stack_doc = _load_yaml(config_file, "the stack file")
    if stack_doc is None:
        stack_doc = {}
    if not isinstance(stack_doc, dict):
        raise PlanInputError(f"{config_file}: a stack file must be a mapping with a `config:` section")
    section = stack_doc.get("config") or {}
    if not isinstance(section, dict):
        raise PlanInputError(f"{config_file}: `config:` must be a mapping of keys to values")

    config: dict[str, str] = {}
    declared = project_doc.get("config") or {}
    for key, declaration in declared.items():
        default = declaration.get("default") if isinstance(declaration, dict) else declaration
        if default is not None:
            config[f"{project}:{key}"] = _engine_string(default)
    secret_keys: list[str] = []
    for key, value in section.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        encoded, secret = _encode(value)
        config[full] = encoded if encoded == SECURE_PLACEHOLDER else _engine_string(encoded)
        if secret:
            secret_keys.append(full)
    return StackConfig(project=project, stack=stack, config=config, secret_keys=sorted(secret_keys))


def ordered(registrations: list[Registration]) -> list[Registration]:
    """Dependencies (and parents, providers) before dependents; ties by URN."""
    by_urn = {r.urn: r for r in registrations}
    needs = {
        r.urn: {u for u in [*r.dependencies, r.parent, r.provider] if u in by_urn} for r in registrations
    }
    dependents: dict[str, list[str]] = {urn: [] for urn in by_urn}
    for urn, before in needs.items():
        for other in before:
            dependents[other].append(urn)
    ready = [urn for urn, before in needs.items() if not before]
    heapq.heapify(ready)
    out: list[Registration] = []
    while ready:
        urn = heapq.heappop(ready)
        out.append(by_urn[urn])
        for dependent in dependents[urn]:
            needs[dependent].discard(urn)
            if not needs[dependent]:
                heapq.heappush(ready, dependent)
    if len(out) != len(registrations):
        raise RuntimeError("dependency cycle among resources")
    return out


def plan_document(stack_config: StackConfig, run: ProgramRun) -> dict[str, Any]:
    return {
        "project": stack_config.project,
        "stack": stack_config.stack,
        "mocked": run.mocked,
        "warnings": run.warnings,
        "resources": [r.as_json() for r in ordered(run.registrations)],
        "outputs": run.outputs,
    }


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _flatten(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


def render_tree(document: dict[str, Any]) -> str:
    lines = [f"Offline plan of {document['project']} / stack {document['stack']} (no cloud contacted)", ""]
    depth: dict[str, int] = {}
    for resource in document["resources"]:
        level = depth.get(resource["parent"], 0) + 1 if resource["parent"] else 0
        depth[resource["urn"]] = level
        indent = "  " * level
        verb = "read  " if resource["read"] else "create"
        lines.append(f"{indent}+ {verb} {resource['type']}  {resource['name']}")
        options = [k for k, v in resource["options"].items() if v not in (False, [], None)]
        if options:
            shown = ", ".join(f"{k}={resource['options'][k]}" for k in options)
            lines.append(f"{indent}    options: {shown}")
        if resource["provider"]:
            lines.append(f"{indent}    provider: {resource['provider'].rsplit('::', 1)[-1]}")
        if resource["dependencies"]:
            names = ", ".join(u.rsplit("::", 1)[-1] for u in resource["dependencies"])
            lines.append(f"{indent}    after: {names}")
        for key, value in _flatten(resource["inputs"]):
            text = json.dumps(value) if not isinstance(value, str) else value
            # A script shows as its first line, so the tree stays one line per input.
            first = text.split("\n", 1)[0]
            text = text if len(text) <= 72 and first == text else f"{first[:60]}… ({len(text)} chars)"
            lines.append(f"{indent}    {key}: {text}")
    lines.append("")
    for name, cluster in document["outputs"].get("clusters", {}).items():
        lines.append(f"kube context for {name}: {cluster.get('kubeContext') or '(the file is missing: current-context at up time)'}")
    for name, cluster in document["outputs"].get("clusters", {}).items():
        endpoints = cluster.get("requiredEndpoints")
        if isinstance(endpoints, list):
            targets = [f"{e['host']}:{e['port']}" + (" (websockets)" if e["websockets"] else "") for e in endpoints]
            lines.append(f"required endpoints for {name} ({len(targets)}; all: --endpoints):")
            lines.extend(f"  {t}" for t in targets or ["none documented for this cloud"])
        elif endpoints is not None:
            lines.append(f"required endpoints for {name}: {endpoints}")
    if document["mocked"]:
        lines.append("")
        lines.append("Mocked (not real answers):")
        lines.extend(f"  - {m}" for m in document["mocked"])
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _nodes_file(path: Path | None) -> Iterator[None]:
    """Hand `--nodes-file` to the settings loader, which the program reaches only through the environment."""
    if path is None:
        yield
        return
    if not path.is_file():
        raise PlanInputError(f"--nodes-file {path}: no such file")
    previous = os.environ.get(NODES_FILE_ENV)
    os.environ[NODES_FILE_ENV] = str(path.resolve())
    try:
        yield
    finally:
        if previous is None:
            del os.environ[NODES_FILE_ENV]
        else:
            os.environ[NODES_FILE_ENV] = previous


EndpointRow = tuple[network.Endpoint, bool, list[str]]


def endpoint_rows(settings: StackSettings) -> list[EndpointRow]:
    """Every endpoint of the stack's cloud once per host and port, for all of its clusters' regions.

    Each with whether some cluster's agents need it (the others serve features this program does
    not configure) and the clusters it serves; required ones first, then the table's order.
    """
    rows: dict[tuple[str, int | None], EndpointRow] = {}
    for template in network.ENDPOINTS[settings.cloud.name]:
        for cluster in settings.clusters:
            endpoint = template.for_region(cluster.location)
            required = endpoint.required(cluster.network_conditions)
            _, before, clusters = rows.get((endpoint.host, endpoint.port), (endpoint, False, []))
            rows[(endpoint.host, endpoint.port)] = (endpoint, before or required, [*clusters, component_name(cluster.resource_group, cluster.cluster_name)])
    return sorted(rows.values(), key=lambda row: not row[1])


def endpoints_document(stack_config: StackConfig, settings: StackSettings, rows: list[EndpointRow]) -> dict[str, Any]:
    cloud = settings.cloud.name
    return {
        "project": stack_config.project,
        "stack": stack_config.stack,
        "cloud": cloud,
        "documented": network.documented(cloud),
        "notes": list(network.NOTES[cloud]),
        "clusters": [{"name": component_name(c.resource_group, c.cluster_name), "location": c.location} for c in settings.clusters],
        "endpoints": [{**e.as_json(required=required), "clusters": clusters} for e, required, clusters in rows],
    }


def render_endpoints(document: dict[str, Any], rows: list[EndpointRow]) -> str:
    everyone = [c["name"] for c in document["clusters"]]
    shown = [(e, required, ["all"] if clusters == everyone else clusters) for e, required, clusters in rows]
    title = f"Outbound endpoints of {document['project']} / stack {document['stack']}: " + ", ".join(
        f"{c['name']} ({c['location']})" for c in document["clusters"]
    )
    return network.firewall_text(title, document["cloud"], shown)


def _print_endpoints(stack_config: StackConfig, project_dir: Path, as_json: bool) -> int:
    settings = load(stack_config.config, stack_config.secret_keys, project_dir, os.environ)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for key in settings.unvalidated:
        print(f"warning: {key}: secure value not decrypted offline, so not validated", file=sys.stderr)
    rows = endpoint_rows(settings)
    document = endpoints_document(stack_config, settings, rows)
    if as_json:
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_endpoints(document, rows))
    return EXIT_OK


def failure_line(error: BaseException) -> str:
    """One line for a failed run: the program's own errors (RunError) as written, others typed."""
    # The SDK wraps a ValueError raised while serializing a resource's inputs in "While processing
    # resource: 'NAME', type: 'TYPE'" and "While processing input: …"; keep the resource, report
    # the original error.
    resource = ""
    while isinstance(error.__cause__, Exception) and str(error).startswith("While processing"):
        found = re.match(r"While processing resource: '(.*)', type:? '(.*)'", str(error))
        if found and not resource:
            resource = f"{found[2]} {found[1]}: "
        error = error.__cause__
    text = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, pulumi.RunError) and text:
        return f"error: {resource}{text}"
    return f"error: {resource}{type(error).__name__}" + (f": {text}" if text else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.plan", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", help="stack name (default: dev)")
    parser.add_argument("--config-file", type=Path, help="stack file to read instead of Pulumi.<stack>.yaml")
    parser.add_argument(
        "--nodes-file",
        type=Path,
        help="`kubectl get nodes -o json` dump that `distribution/infrastructure: auto` read instead of the cluster",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--endpoints", action="store_true", help="print the outbound endpoints to allow (a firewall list) and exit"
    )
    args = parser.parse_args(argv)
    project_dir = Path.cwd()
    try:
        stack_config = read_stack_config(project_dir, args.stack, args.config_file)
        with _nodes_file(args.nodes_file):
            if args.endpoints:
                return _print_endpoints(stack_config, project_dir, args.json)
            run = run_program(
                project_dir / "__main__.py",
                stack_config.project,
                stack_config.stack,
                stack_config.config,
                stack_config.secret_keys,
            )
    except PlanInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # noqa: BLE001 - the contract is one line, never a traceback
        problems = getattr(error, "problems", None)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            return EXIT_INVALID
        print(failure_line(error), file=sys.stderr)
        return EXIT_FAILED
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    document = plan_document(stack_config, run)
    if args.json:
        json.dump(document, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_tree(document))
    return EXIT_OK


def tune_gc_for_one_run() -> None:
    """The SDK allocates heavily per resource, and with Python's default thresholds a 500-cluster
    plan spent about half its time in collections that freed little (docs/benchmarks.md). This
    process plans once and exits, so: the imported modules are frozen out of collection, and full
    collections are rare. Not for in-process reuse (tests call `main` directly)."""
    gc.freeze()
    gc.set_threshold(1_000_000, 100, 100_000)


if __name__ == "__main__":
    tune_gc_for_one_run()
    sys.exit(main())
