"""What the plan prints: the JSON document, the text tree, and the endpoint list."""

from __future__ import annotations

import heapq
import json
from collections.abc import Mapping
from typing import Any

from components import extension_catalog as catalog
from components import network
from components.settings import StackSettings, component_name

from .engine import Registration
from .runner import ProgramRun, StackConfig


def ordered(registrations: list[Registration]) -> list[Registration]:
    """Dependencies (and parents, providers) before dependents; ties by URN."""
    by_urn = {r.urn: r for r in registrations}
    needs = {r.urn: {u for u in [*r.dependencies, r.parent, r.provider] if u in by_urn} for r in registrations}
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
        "warnings": [
            f"{key}: holds a secure value not set yet (empty: the sharder's placeholder); `pulumi up` cannot "
            "decrypt it: run set-secrets.sh for this stack"
            for key in stack_config.unset_secrets
        ]
        + run.warnings,
        "resources": [r.as_json() for r in ordered(run.registrations)],
        "outputs": run.outputs,
        **({"contactedClusters": run.contacted} if run.contacted else {}),
    }


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _flatten(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


# ANSI colours as `pulumi preview` uses them: creates green, reads cyan, the headline bold.
_GREEN, _CYAN, _BOLD, _RESET = "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m"
_STACK_TYPE = "pulumi:pulumi:Stack"


def use_colour(choice: str, is_terminal: bool, environ: Mapping[str, str]) -> bool:
    """`always`/`never` as asked; `auto`: on a terminal, unless NO_COLOR is set (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return is_terminal and not environ.get("NO_COLOR")


def _sibling_order(siblings: list[str], needs: Mapping[str, set[str]], position: Mapping[str, int]) -> list[str]:
    """Siblings after the siblings they need (their own or any descendant's dependency); ties,
    and a cycle between subtrees should one ever occur, by the document's dependency order."""
    waiting = {urn: set(needs[urn]) for urn in siblings}
    out: list[str] = []
    while waiting:
        ready = [urn for urn, before in waiting.items() if not before] or list(waiting)
        chosen = min(ready, key=position.__getitem__)
        out.append(chosen)
        del waiting[chosen]
        for before in waiting.values():
            before.discard(chosen)
    return out


def tree_rows(resources: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, str]]:
    """Each resource with its tree guide and the guide of lines beneath it, every child under its
    parent, as `pulumi preview` draws it (the stack, the root, is not in the document)."""
    position = {r["urn"]: i for i, r in enumerate(resources)}
    children: dict[str | None, list[str]] = {}
    for resource in resources:
        children.setdefault(resource["parent"], []).append(resource["urn"])
    by_urn = {r["urn"]: r for r in resources}

    # Which child of each parent holds a resource, to lift dependencies to the level of siblings.
    top: dict[str, list[str]] = {}  # urn -> its ancestors' urns, root first, itself last

    def walk(urn: str, chain: list[str]) -> None:
        top[urn] = [*chain, urn]
        for child in children.get(urn, []):
            walk(child, top[urn])

    for root in children.get(None, []):
        walk(root, [])
    needs: dict[str, set[str]] = {urn: set() for urn in by_urn}
    for urn, resource in by_urn.items():
        for before in [*resource["dependencies"], resource["provider"]]:
            if before not in top:
                continue
            mine, theirs = top[urn], top[before]
            depth = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), None)
            if depth is not None:  # the two subtrees differ at this depth: order those siblings
                needs[mine[depth]].add(theirs[depth])

    rows: list[tuple[dict[str, Any], str, str]] = []

    def draw(parent: str | None, guide: str) -> None:
        ordered_children = _sibling_order(children.get(parent, []), needs, position)
        for i, urn in enumerate(ordered_children):
            last = i == len(ordered_children) - 1
            below = guide + ("   " if last else "│  ") + ("│  " if children.get(urn) else "   ")
            rows.append((by_urn[urn], guide + ("└─ " if last else "├─ "), below))
            draw(urn, guide + ("   " if last else "│  "))

    draw(None, "")
    return rows


def _details(resource: dict[str, Any]) -> list[str]:
    """What `--diff` shows under a resource: options, provider, dependencies and inputs."""
    lines = []
    options = [k for k, v in resource["options"].items() if v not in (False, [], None)]
    if options:
        lines.append("options: " + ", ".join(f"{k}={resource['options'][k]}" for k in options))
    if resource["provider"]:
        lines.append(f"provider: {resource['provider'].rsplit('::', 1)[-1]}")
    if resource["dependencies"]:
        lines.append("after: " + ", ".join(u.rsplit("::", 1)[-1] for u in resource["dependencies"]))
    for key, value in _flatten(resource["inputs"]):
        text = json.dumps(value) if not isinstance(value, str) else value
        # A script shows as its first line, so the tree stays one line per input.
        first = text.split("\n", 1)[0]
        text = text if len(text) <= 72 and first == text else f"{first[:60]}… ({len(text)} chars)"
        lines.append(f"{key}: {text}")
    return lines


# The agents' release (components/arc_cluster.py) and where its values come from (docs/cli-parity.md).
_AGENTS_RELEASE = ("kubernetes:helm.sh/v3:Release", "azure-arc")
_COMMAND = "command:local:Command"
VALUES_SOURCE = (
    "from the Arc data plane at `up` ({step}: healthCheck, then GetHelmSettings{endpoint}) over the "
    "program's explicit set, which stands alone when the data plane cannot be reached "
    "(docs/cli-parity.md, Helm values and the data plane)"
)


def _helm_settings_endpoint(resources: list[dict[str, Any]], step: str) -> str:
    """` at <data plane>` from the helm-settings step's environment, when the plan shows it."""
    for resource in resources:
        if resource["type"] == _COMMAND and resource["name"] == step:
            environment = (resource.get("inputs") or {}).get("environment")
            url = environment.get("ARC_HELM_SETTINGS_URL") if isinstance(environment, dict) else None
            if isinstance(url, str):
                return f" at {url.split('/azure-arc-k8sagents/', 1)[0]}"
    return ""


def values_source_lines(resources: list[dict[str, Any]]) -> list[str]:
    """One line per agents' release: where its values come from, and where the agents' key goes."""
    lines = []
    for resource in resources:
        inputs = resource.get("inputs") or {}
        if (resource["type"], inputs.get("name")) != _AGENTS_RELEASE:
            continue
        values = inputs.get("values")
        in_values = isinstance(values, dict) and "onboardingPrivateKey" in (values.get("global") or {})
        key = "global.onboardingPrivateKey" if in_values else "Secret azure-arc/azure-arc-connect-privatekey"
        cluster = resource["name"].removesuffix("-agents")
        step = f"{cluster}-helm-settings"
        source = VALUES_SOURCE.format(step=step, endpoint=_helm_settings_endpoint(resources, step))
        lines.append(f"agents' values for {cluster}: {source}; key: {key}")
    return lines


def render_tree(document: dict[str, Any], colour: bool = False, details: bool = False) -> str:
    """The plan as `pulumi preview` prints a first update: a tree of types and names under the
    stack, then the stack outputs' kube contexts and endpoints, and a `Resources:` summary."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    stack_name = f"{document['project']}-{document['stack']}"
    stack: dict[str, Any] = {"type": _STACK_TYPE, "name": stack_name, "read": False}
    rows = [(stack, "", "│  " if document["resources"] else "   ")]
    rows += tree_rows(document["resources"])
    type_width = max(len(guide + r["type"]) for r, guide, _ in rows)
    name_width = max(len(r["name"]) for r, _, _ in rows)
    contacted = document.get("contactedClusters")
    reach = (
        f"no cloud contacted; `auto` read the nodes of {len(contacted)} cluster(s): {', '.join(contacted)}"
        if contacted
        else "no cloud contacted"
    )
    title = f"Offline plan of {document['project']} / stack {document['stack']} ({reach})"
    lines = [paint(_BOLD, title), "", f"     {'Type':<{type_width}}  {'Name':<{name_width}}  Plan"]
    for resource, guide, below in rows:
        symbol, verb, code = (">", "read", _CYAN) if resource["read"] else ("+", "create", _GREEN)
        if resource.get("options", {}).get("import"):
            # As `pulumi preview` marks an import (components/conversion.py): taken over, not created.
            symbol, verb = "=", "import"
        cells = f"{guide + resource['type']:<{type_width}}  {resource['name']:<{name_width}}  "
        lines.append(f" {paint(code, symbol)}   {cells}{paint(code, verb)}")
        if details and resource["type"] != _STACK_TYPE:
            lines.extend(f"     {below}{line}" for line in _details(resource))
    lines.append("")
    for name, cluster in document["outputs"].get("clusters", {}).items():
        lines.append(
            f"kube context for {name}: {cluster.get('kubeContext') or '(the file is missing: current-context at up time)'}"
        )
    lines.extend(values_source_lines(document["resources"]))
    lines += _endpoint_lines(document["outputs"].get("clusters", {}))
    reads = sum(1 for r, _, _ in rows if r["read"])
    imports = sum(1 for r, _, _ in rows if r.get("options", {}).get("import"))
    lines += ["", "Resources:", "    " + paint(_GREEN, f"+ {len(rows) - reads - imports} to create")]
    if imports:
        lines.append("    " + paint(_GREEN, f"= {imports} to import"))
    if reads:
        lines.append("    " + paint(_CYAN, f"> {reads} to read"))
    if document["mocked"]:
        lines.append("")
        lines.append("Mocked (not real answers):")
        lines.extend(f"  - {m}" for m in document["mocked"])
    return "\n".join(lines) + "\n"


# Clusters named in full before "and N more": a fleet's clusters mostly share one list.
_NAMED_CLUSTERS = 5


def _endpoint_lines(clusters: Mapping[str, Any]) -> list[str]:
    """Each distinct required-endpoints list once, with the clusters that have it: 2,000 clusters of
    one region printed the same list 2,000 times (52,031 lines)."""
    shared: dict[tuple[str, ...], list[str]] = {}
    lines: list[str] = []
    for name, cluster in clusters.items():
        endpoints = cluster.get("requiredEndpoints")
        if isinstance(endpoints, list):
            targets = tuple(
                f"{e['host']}:{e['port']}" + (" (websockets)" if e["websockets"] else "") for e in endpoints
            )
            shared.setdefault(targets, []).append(name)
        elif endpoints is not None:
            lines.append(f"required endpoints for {name}: {endpoints}")
    for targets, names in shared.items():
        shown = ", ".join(names[:_NAMED_CLUSTERS]) + (
            f" and {len(names) - _NAMED_CLUSTERS} more clusters" if len(names) > _NAMED_CLUSTERS else ""
        )
        lines.append(f"required endpoints for {shown} ({len(targets)}; all: --endpoints):")
        lines.extend(f"  {t}" for t in targets or ["none documented for this cloud"])
    return lines


# An endpoint, the clusters whose agents need it, and the clusters it serves (its region's).
EndpointRow = tuple[network.Endpoint, list[str], list[str]]


def endpoint_rows(settings: StackSettings) -> list[EndpointRow]:
    """Every endpoint of the stack's cloud once per host and port, for all of its clusters' regions.

    Each with the clusters whose agents need it (a feature one member turns on is needed by that
    member only; none: it serves features this program does not configure) and the clusters it
    serves; required ones first, then the table's order.
    """
    rows: dict[tuple[str, int | None], EndpointRow] = {}
    cloud = settings.cloud.name
    tables = [set(network.listed(cloud, c.network_conditions)) for c in settings.clusters]
    # Every table a cluster can have, each endpoint once: the cloud's, the gateway's, the policy
    # extension's, the catalog's extension types'.
    extension_types = {network.extension_key(k.type) for k in catalog.KNOWN}
    everything = dict.fromkeys(
        (
            *network.ENDPOINTS[cloud],
            *network.GATEWAY,
            *network.POLICY_ENDPOINTS[cloud],
            *catalog.endpoints(cloud, frozenset(extension_types)),
        )
    )
    for template in everything:
        for cluster, table in zip(settings.clusters, tables, strict=True):
            # A cluster serves only its own table's endpoints: the gateway's list in gateway mode, else its
            # cloud's; the policy extension's only where it is installed.
            if template not in table:
                continue
            endpoint = template.for_region(cluster.location)
            name = component_name(cluster.resource_group, cluster.cluster_name)
            _, needed_by, serves = rows.setdefault((endpoint.host, endpoint.port), (endpoint, [], []))
            serves.append(name)
            if endpoint.required(cluster.network_conditions):
                needed_by.append(name)
    return sorted(rows.values(), key=lambda row: not row[1])


def endpoints_document(stack_config: StackConfig, settings: StackSettings, rows: list[EndpointRow]) -> dict[str, Any]:
    cloud = settings.cloud.name
    return {
        "project": stack_config.project,
        "stack": stack_config.stack,
        "cloud": cloud,
        "documented": network.documented(cloud),
        "notes": list(network.NOTES[cloud]),
        "clusters": [
            {"name": component_name(c.resource_group, c.cluster_name), "location": c.location}
            for c in settings.clusters
        ],
        "endpoints": [
            {**e.as_json(required=bool(needed_by)), "clusters": serves, "requiredBy": needed_by}
            for e, needed_by, serves in rows
        ],
    }


def render_endpoints(document: dict[str, Any], rows: list[EndpointRow]) -> str:
    """The firewall list; its clusters column: those that need the endpoint, or (when none does)
    those it would serve; `all` when that is every cluster of the stack."""
    everyone = [c["name"] for c in document["clusters"]]
    shown = []
    for endpoint, needed_by, serves in rows:
        clusters = needed_by or serves
        shown.append((endpoint, bool(needed_by), ["all"] if clusters == everyone else clusters))
    title = f"Outbound endpoints of {document['project']} / stack {document['stack']}: " + ", ".join(
        f"{c['name']} ({c['location']})" for c in document["clusters"]
    )
    return network.firewall_text(title, document["cloud"], shown)
