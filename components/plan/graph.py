"""The plan's resource graph, for people: what will be created and in what order.

Nodes are the resources the engine creates or reads; each component (a resource with children,
such as one cluster's `ArcConnectedCluster`) is drawn as a box around its children. An edge runs
from a resource to one that waits for it: an explicit dependency, or the provider it is created
with. A dependency on a component waits for every resource under it, so it is drawn from each of
them. The critical path is the longest chain of such waits (counted in resources: the plan has
no durations), highlighted: it bounds how fast `pulumi up` can go, however parallel.

DOT (Graphviz: `dot -Tpng`) and Mermaid (rendered by GitHub in markdown) are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_HIGHLIGHT = "#d62728"


@dataclass(frozen=True)
class Graph:
    # URN -> (type, name, read) of each resource drawn as a node (no children).
    nodes: dict[str, tuple[str, str, bool]]
    # Component URN -> (type, name, its parent component or None).
    components: dict[str, tuple[str, str, str | None]]
    # The component (or None) each node sits in.
    placed: dict[str, str | None]
    edges: list[tuple[str, str]]
    critical: list[str]


def build(resources: Sequence[Mapping[str, Any]]) -> Graph:
    """The graph of a plan document's `resources` (in dependency order, as the plan writes them)."""
    by_urn = {r["urn"]: r for r in resources}
    parents = {r["parent"] for r in resources if r.get("parent") in by_urn}
    nodes = {u: (r["type"], r["name"], bool(r.get("read"))) for u, r in by_urn.items() if u not in parents}
    components = {
        u: (r["type"], r["name"], r["parent"] if r.get("parent") in by_urn else None)
        for u, r in by_urn.items()
        if u in parents
    }
    placed = {u: (by_urn[u]["parent"] if by_urn[u].get("parent") in by_urn else None) for u in nodes}
    leaves: dict[str, list[str]] = {u: [] for u in components}
    for urn in nodes:
        parent = placed[urn]
        while parent is not None:
            leaves[parent].append(urn)
            parent = components[parent][2]
    edges: list[tuple[str, str]] = []
    for urn in nodes:
        resource = by_urn[urn]
        for before in dict.fromkeys([*resource.get("dependencies", []), resource.get("provider")]):
            if before in nodes:
                edges.append((before, urn))
            elif before in leaves:
                edges += [(leaf, urn) for leaf in leaves[before] if leaf != urn]
    edges = list(dict.fromkeys(edges))
    return Graph(nodes, components, placed, edges, _longest_path(list(nodes), edges))


def _longest_path(order: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """The longest chain of waits; `order` is a topological order (the plan document's)."""
    incoming: dict[str, list[str]] = {u: [] for u in order}
    for before, after in edges:
        incoming[after].append(before)
    length: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for urn in order:
        best = max(incoming[urn], key=lambda u: length[u], default=None)
        length[urn] = 1 + (length[best] if best is not None else 0)
        previous[urn] = best
    end = max(order, key=lambda u: length[u], default=None)
    path: list[str] = []
    while end is not None:
        path.append(end)
        end = previous[end]
    return path[::-1]


def _short(kind: str) -> str:
    """`azure-native:kubernetes:ConnectedCluster` -> `kubernetes:ConnectedCluster`."""
    parts = kind.split(":")
    return ":".join(parts[-2:]) if len(parts) > 2 else kind


def _ids(graph: Graph) -> dict[str, str]:
    return {urn: f"n{i}" for i, urn in enumerate([*graph.nodes, *graph.components])}


def _children(graph: Graph, parent: str | None) -> tuple[list[str], list[str]]:
    nodes = [u for u, p in graph.placed.items() if p == parent]
    components = [u for u, (_, _, p) in graph.components.items() if p == parent]
    return nodes, components


def to_dot(graph: Graph, title: str) -> str:
    ids = _ids(graph)
    on_path = set(graph.critical)
    path_edges = set(zip(graph.critical, graph.critical[1:], strict=False))
    lines = [
        "digraph plan {",
        f'  label="{_dot_text(title)}"; labelloc=t; rankdir=LR; compound=true;',
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
    ]

    def emit(parent: str | None, indent: str) -> None:
        nodes, components = _children(graph, parent)
        for urn in nodes:
            kind, name, read = graph.nodes[urn]
            style = ', color="' + _HIGHLIGHT + '", penwidth=2' if urn in on_path else ""
            dashed = ', style="rounded,dashed"' if read else ""
            label = _dot_text(f"{_short(kind)}\n{name}" + (" (read)" if read else ""))
            lines.append(f'{indent}{ids[urn]} [label="{label}"{dashed}{style}];')
        for urn in components:
            kind, name, _ = graph.components[urn]
            lines.append(f"{indent}subgraph cluster_{ids[urn]} {{")
            lines.append(f'{indent}  label="{_dot_text(f"{_short(kind)} {name}")}"; style=rounded; color=gray50;')
            emit(urn, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for before, after in graph.edges:
        style = f' [color="{_HIGHLIGHT}", penwidth=2]' if (before, after) in path_edges else ""
        lines.append(f"  {ids[before]} -> {ids[after]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: Graph, title: str) -> str:
    ids = _ids(graph)
    lines = ["---", f"title: {_mermaid_text(title)}", "---", "flowchart LR"]

    def emit(parent: str | None, indent: str) -> None:
        nodes, components = _children(graph, parent)
        for urn in nodes:
            kind, name, read = graph.nodes[urn]
            label = _mermaid_text(f"{_short(kind)}<br/>{name}" + (" (read)" if read else ""))
            lines.append(f'{indent}{ids[urn]}["{label}"]')
        for urn in components:
            kind, name, _ = graph.components[urn]
            lines.append(f'{indent}subgraph {ids[urn]}["{_mermaid_text(f"{_short(kind)} {name}")}"]')
            emit(urn, indent + "  ")
            lines.append(f"{indent}end")

    emit(None, "  ")
    path_edges = set(zip(graph.critical, graph.critical[1:], strict=False))
    highlighted = []
    for index, (before, after) in enumerate(graph.edges):
        lines.append(f"  {ids[before]} --> {ids[after]}")
        if (before, after) in path_edges:
            highlighted.append(str(index))
    lines.append(f"  classDef critical stroke:{_HIGHLIGHT},stroke-width:3px")
    if graph.critical:
        lines.append(f"  class {','.join(ids[u] for u in graph.critical)} critical")
    if highlighted:
        lines.append(f"  linkStyle {','.join(highlighted)} stroke:{_HIGHLIGHT},stroke-width:3px")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _mermaid_text(text: str) -> str:
    # Mermaid reads `"` as the label's end and `#` as an entity's start: its own escapes.
    return text.replace('"', "#quot;")
