"""What the plan prints: the JSON document, the text tree, and the endpoint list."""

from __future__ import annotations

import heapq
import json
from typing import Any

from components import network
from components.settings import StackSettings, component_name

from .engine import Registration
from .runner import ProgramRun, StackConfig


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
