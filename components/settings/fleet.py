"""The fleet: items merged over the top-level defaults, and the rules across clusters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from components import regions
from components.schema import CLUSTER_FIELDS, GROUPS_STACK_KEYS, NAMESPACE, SCHEMA, default_of

from .model import ClusterSettings, GroupSettings
from .names import _check_group_name, _check_tags
from .raw import _INVALID, _one_line, _Report

# One cluster to build: its merged values, the report naming its keys, and its secret keys.
_Item = tuple[dict[str, Any], _Report, frozenset[str]]


def _fleet_items(
    raw: Mapping[str, Any],
    label: str,
    listed: Any,
    defaults: Mapping[str, Any],
    secret_names: set[str],
    report: _Report,
) -> list[_Item]:
    """The fleet's items (`clusters`, or an inventory named by `label`), each merged over the
    top-level defaults; none when the list is unusable."""
    items: list[_Item] = []
    source = "clusters" if label == "clusters" else "inventory"
    if "clusterName" in raw:
        report.error(source, f"set either {source} (a fleet) or clusterName (one cluster), not both")
    elif listed is not _INVALID:
        if not listed:
            report.error(source, "must list at least one cluster")
        if "location" not in raw:
            report.error("location", "is required in a fleet: it is the location of every group the stack creates")
        for index, item in enumerate(listed):
            if item is _INVALID:
                continue
            # A secret default stays secret in every item: merged objects keep some of its values.
            inherited = secret_names & set(CLUSTER_FIELDS)
            # One secure leaf makes the whole `clusters` key secret; names still form URNs. (An
            # inventory file holds no `secure:` values.)
            own = set(item) - {"clusterName", "resourceGroup"} if source in secret_names else set()
            scoped = report.scoped(_item_origin(item, f"{label}[{index}]"), f"{label}[{index}].")
            scoped.inherited = _item_label(item, f"{label}[{index}]")
            items.append((_merge(defaults, item), scoped, frozenset(inherited | own)))
    return items


def _merge(defaults: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """A fleet item over the top-level defaults: objects key by key, arrays and scalars replaced."""
    merged = dict(defaults)
    for name, value in item.items():
        base = merged.get(name)
        merged[name] = _merge(base, value) if isinstance(base, dict) and isinstance(value, dict) else value
    return merged


def collapse_inherited(items: list[_Item], report: _Report) -> None:
    """An inherited error that every item inheriting the key has (a bad top-level default) is one
    line at the top-level key; one that only some items have (their own distribution, say) names
    each item."""
    groups: dict[tuple[str, str], list[str]] = {}
    for line, key, message in report.inherited_errors:
        groups.setdefault((key, message), []).append(line)
    for (key, message), lines in groups.items():
        inheriting = sum(1 for _, scoped, _ in items if scoped.where(key) == key)
        if len(set(lines)) < max(inheriting, 2):
            continue
        first = report.errors.index(lines[0])
        report.errors[first] = _one_line(f"{NAMESPACE}:{key}: {message}")
        drop = set(lines)
        report.errors[:] = [e for i, e in enumerate(report.errors) if i <= first or e not in drop]


def _item_label(item: Mapping[str, Any], name: str) -> str:
    """`clusters[2] (store-17)`: how a problem of a key the item inherits names the item (never as
    `clusters[2].key`, which would say the item sets the key)."""
    cluster = item.get("clusterName")
    return f"{name} ({cluster if isinstance(cluster, str) and cluster.strip() else 'no clusterName'})"


def _item_origin(item: Mapping[str, Any], name: str) -> Callable[[str], str]:
    """Name a problem by the key the user wrote: the item's own, or the top-level default."""

    def where(path: str) -> str:
        node: Any = item
        parts = re.sub(r"\[\d+\]", "", path).split(".")
        while parts:
            if not isinstance(node, dict):
                break
            # Map keys (tags) may contain dots: try the longest remaining key first.
            for size in range(len(parts), 0, -1):
                candidate = ".".join(parts[:size])
                if candidate in node:
                    node, parts = node[candidate], parts[size:]
                    break
            else:
                return path
        return f"{name}.{path}"

    return where


def _fleet_checks(
    clusters: list[ClusterSettings | None],
    items: list[_Item],
    fleet: Mapping[str, Any] | None,
    label: str,
    secret_names: set[str],
    report: _Report,
) -> tuple[GroupSettings, ...]:
    """Cross-cluster rules, and one group per group name."""
    groups: dict[str, GroupSettings] = {}
    members: dict[str, list[ClusterSettings]] = {}
    group_locations = _group_locations(fleet, report)
    names: dict[tuple[str, str], int] = {}
    targets: dict[tuple[str, str | None], int] = {}
    for index, (tree, scoped, _) in enumerate(items):
        # From the item as written, not the built cluster: an item with another error is a
        # duplicate all the same, and both are worth knowing in one run.
        name, group_name = tree.get("clusterName"), tree.get("resourceGroup")
        if not (isinstance(name, str) and isinstance(group_name, str)):
            continue
        key = (group_name.lower(), name.lower())
        if key in names:
            scoped.item_error(
                "clusterName",
                f"{name!r} is already in group {group_name!r} ({label}[{names[key]}]); ARM names compare case-insensitively",
            )
        names.setdefault(key, index)
    for index, cluster in enumerate(clusters):
        if cluster is None:
            continue
        scoped = items[index][1]
        target = (cluster.kube.path, cluster.kube.context)
        if target in targets:
            scoped.item_error(
                "kubeContext",
                f"same kubeconfig file and context as {label}[{targets[target]}]: "
                "one cluster cannot be onboarded twice",
            )
        targets.setdefault(target, index)

        group_key = cluster.resource_group.lower()
        if fleet is None:
            group = GroupSettings(
                cluster.resource_group,
                cluster.location,
                cluster.create_resource_group,
                cluster.tags,
                cluster.secret_keys & {"location", "tags"},
            )
        else:
            location = regions.normalize(fleet["location"]) if isinstance(fleet.get("location"), str) else ""
            given = fleet.get("tags")
            tags = given if isinstance(given, dict) else {}
            secret = secret_names & {"location", "tags"}
            if "resourceGroupLocations" in secret_names:
                secret |= {"location"}
            group = GroupSettings(
                cluster.resource_group,
                group_locations.get(group_key, location),
                cluster.create_resource_group,
                tags,
                frozenset(secret),
            )
        members.setdefault(group_key, []).append(cluster)
        existing = groups.setdefault(group_key, group)
        if existing.create != group.create:
            scoped.item_error(
                "createResourceGroup",
                f"group {cluster.resource_group!r} is created by one item and "
                "adopted by another: set the same createResourceGroup for every item of a group",
            )
    if fleet is not None:
        for name in group_locations.keys() - groups.keys():
            report.error("resourceGroupLocations", f"names group {name!r}, which no cluster of the fleet is in")
        for folded, group in groups.items():
            if folded not in group_locations:
                _warn_group_elsewhere(group, members[folded], report)
    return tuple(groups.values())


def _group_locations(fleet: Mapping[str, Any] | None, report: _Report) -> dict[str, str]:
    """`resourceGroupLocations` of a fleet or a groups stack, by group name folded to lower case
    (ARM compares names so)."""
    given = fleet.get("resourceGroupLocations") if fleet is not None else None
    if not isinstance(given, dict):
        return {}
    out: dict[str, str] = {}
    for name, value in given.items():
        location = regions.normalize(value)
        if not re.fullmatch(r"[a-z0-9]+", location):
            report.error("resourceGroupLocations", "must map group names to Azure region names such as eastus")
        else:
            out[name.lower()] = location
    return out


def _warn_group_elsewhere(group: GroupSettings, clusters: list[ClusterSettings], report: _Report) -> None:
    """A created group whose clusters all sit in another region: likely meant to be with them."""
    elsewhere = {c.location for c in clusters}
    if not group.create or group.location in elsewhere or not group.location:
        return
    secret = group.is_secret("location") or any(c.is_secret("location") for c in clusters)
    where = "another region" if secret else ", ".join(sorted(elsewhere))
    region = "REGION" if secret or len(elsewhere) > 1 else next(iter(elsewhere))
    report.warn(
        "resourceGroupLocations",
        f"group {group.name!r} is created in `location`, but all its clusters are in {where}; to create it "
        f"there: `pulumi config set --path '{NAMESPACE}:resourceGroupLocations.{group.name}' {region}`",
    )


def _groups_stack(raw: Mapping[str, Any], secret_names: set[str], report: _Report) -> tuple[GroupSettings, ...]:
    """A groups stack: the groups that sharded stacks share, declared here once and read by them."""
    # Every key of the schema a groups stack does not read; at its default it changes nothing (the
    # engine passes Pulumi.yaml's declared defaults, `distribution: generic` among them, as set).
    for other in [k for k in raw if k in SCHEMA and k not in GROUPS_STACK_KEYS]:
        if raw[other] != default_of(SCHEMA[other]):
            report.error(other, _not_read_by_groups_stack(other))
    if "location" not in raw:
        report.error(
            "location",
            "is required in a groups stack: it is the location of every group `resourceGroupLocations` does not place",
        )
    if raw.get("createResourceGroup") is False:
        report.error("createResourceGroup", "a groups stack creates its groups: remove `createResourceGroup: false`")
    listed = raw["groups"]
    if listed is _INVALID:
        return ()
    if not listed:
        report.error("groups", "must list at least one resource group")
    location = regions.normalize(raw["location"]) if isinstance(raw.get("location"), str) else ""
    tags = _check_tags(raw.get("tags", {}), "tags" in secret_names, report) or {}
    protect = raw.get("protect") is True
    group_locations = _group_locations(raw, report)
    groups: dict[str, GroupSettings] = {}
    for index, name in enumerate(listed):
        scoped = report.scoped(_named(f"groups[{index}]"), f"groups[{index}].")
        if _check_group_name(name, scoped) is None:
            continue
        if name.lower() in groups:
            scoped.error("", f"{name!r} is listed twice; group names compare case-insensitively")
            continue
        secret = frozenset(secret_names & {"location", "tags"})
        placed = group_locations.get(name.lower(), location)
        groups[name.lower()] = GroupSettings(name, placed, True, tags, secret, protect=protect)
    for unknown in group_locations.keys() - groups.keys():
        report.error("resourceGroupLocations", f"names group {unknown!r}, which `groups` does not list")
    return tuple(groups.values())


def _not_read_by_groups_stack(key: str) -> str:
    """A key set in a groups stack that only a stack declaring clusters reads: where it belongs."""
    if key in ("clusters", "inventory", "clusterName"):
        return "a groups stack (`groups`) declares no cluster: remove it, or remove `groups`"
    where = (
        "list the group in `groups`"
        if key == "resourceGroup"
        else "set it in the stack that declares the clusters (a sharded fleet: its source stack, then shard it again)"
    )
    return (
        f"a groups stack (`groups`) declares no cluster, so it would ignore this key: {where}, and remove it "
        f"here (`pulumi config rm {NAMESPACE}:{key}`, or from the ESC environment the stack imports); a groups "
        f"stack reads only {', '.join(f'`{k}`' for k in sorted(GROUPS_STACK_KEYS))}"
    )


def _named(name: str) -> Callable[[str], str]:
    """Every problem of a groups-stack entry names the entry (its checks speak of `resourceGroup`)."""
    return lambda path: name
