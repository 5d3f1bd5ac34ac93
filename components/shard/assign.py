"""Sticky assignment of clusters to shards, and the shard map file that persists it.

A cluster's shard is its stack, and its stack holds its state (its key, its connected cluster):
moving it to another shard moves state (`pulumi state move`), and a cluster that lands in a new
stack gets a new key and is replaced. So a cluster keeps the shard the map gives it; only new
clusters are placed, into a shard of their partition that has room, else into a new one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# The operator's Stack CRD limits metadata.name to 42 characters (a CEL rule), and a Kubernetes
# name is lower-case letters, digits and '-'; a Pulumi stack name allows that too.
MAX_NAME = 42
_SLUG = re.compile(r"[^a-z0-9]+")
_SHARD_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
PARTITIONS = ("none", "region", "group")


class ShardError(Exception):
    """A shard map or a request that cannot be honoured; each line is one problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Member:
    """A cluster as sharding sees it: its stable id (`<group>/<cluster>`, the component name)
    and the value it is partitioned by."""

    id: str
    partition: str


@dataclass
class ShardMap:
    stack: str
    by: str
    shards: dict[str, list[str]] = field(default_factory=dict)

    def shard_of(self) -> dict[str, str]:
        return {member: shard for shard, members in self.shards.items() for member in members}


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


# A group name may have 90 characters: its part of a shard name is cut to this, with a hash.
MAX_PARTITION = 20


def _bounded(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 7].rstrip('-')}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def shard_name(stack: str, partition: str, number: int) -> str:
    """`<stack>[-<partition>]-NNN`, at most MAX_NAME characters (a hash keeps shortened names apart);
    the partition's part at most MAX_PARTITION, so that names stay readable in lists and logs."""
    base = "-".join(part for part in (slug(stack), _bounded(slug(partition), MAX_PARTITION)) if part)
    suffix = f"-{number:03d}"
    if len(base) + len(suffix) > MAX_NAME:
        digest = hashlib.sha256(base.encode()).hexdigest()[:6]
        base = f"{base[: MAX_NAME - len(suffix) - 7].rstrip('-')}-{digest}"
    return f"{base}{suffix}"


def assign(members: Sequence[Member], previous: ShardMap | None, stack: str, by: str, size: int) -> ShardMap:
    """The new map: every member of `previous` still present keeps its shard; new members fill
    shards of their partition that have room, in order, then new shards. Removed members leave
    their shard; a shard left empty leaves the map (its stack is to be destroyed)."""
    if size < 1:
        raise ShardError(["--size must be at least 1"])
    ids = [m.id for m in members]
    duplicates = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) != len(ids) else []
    if duplicates:
        raise ShardError([f"cluster {d} is listed twice in the stack" for d in duplicates])
    if previous is not None and previous.by != by:
        raise ShardError(
            [
                f"the shard map partitions by {previous.by}, not {by}: changing it would move clusters "
                "between stacks; keep --by " + previous.by + " (or move clusters on purpose, docs/scale.md)"
            ]
        )
    kept = previous.shard_of() if previous is not None else {}
    shards: dict[str, list[str]] = {name: [] for name in (previous.shards if previous else {})}
    partition_of_shard: dict[str, str] = {}
    present = {m.id: m for m in members}
    for name, old_members in (previous.shards if previous else {}).items():
        for old in old_members:
            if old in present:
                shards[name].append(old)
                partition_of_shard.setdefault(name, present[old].partition if by != "none" else "")
    for member in members:
        if member.id in kept:
            continue
        key = member.partition if by != "none" else ""
        target = next(
            (name for name, held in shards.items() if partition_of_shard.get(name) == key and len(held) < size),
            None,
        )
        if target is None:
            number = 1
            while shard_name(stack, key, number) in shards:
                number += 1
            target = shard_name(stack, key, number)
            shards[target] = []
            partition_of_shard[target] = key
        shards[target].append(member.id)
    return ShardMap(stack, by, {name: held for name, held in shards.items() if held})


# ---------------------------------------------------------------------------------------------
# The shard map file

_HEADER = """\
# Shard map: the stack that holds each cluster (<group>/<cluster>, lower-case). Written and read by
# `python -m components.shard`; commit it beside the inventory. A cluster keeps its shard when
# others are added or removed; to move one on purpose, see docs/scale.md (`pulumi state move`).
"""


def read_map(path: Path) -> ShardMap | None:
    """The committed map, or None when there is none yet; ShardError when it is unusable."""
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ShardError([f"{path}: cannot read the shard map: {str(error).splitlines()[0]}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("shards"), dict):
        raise ShardError([f"{path}: a shard map is a mapping with `stack`, `by` and `shards`"])
    problems: list[str] = []
    stack, by = document.get("stack"), document.get("by")
    if not isinstance(stack, str) or by not in PARTITIONS:
        problems.append(f"{path}: `stack` must be a stack name and `by` one of {', '.join(PARTITIONS)}")
    seen: dict[str, str] = {}
    shards: dict[str, list[str]] = {}
    for name, members in document["shards"].items():
        if not isinstance(name, str) or not _SHARD_NAME.match(name) or len(name) > MAX_NAME:
            problems.append(f"{path}: shard {name!r}: a name of lower-case letters, digits and '-', at most {MAX_NAME}")
            continue
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.append(f"{path}: shard {name}: must be a list of <group>/<cluster> ids")
            continue
        for member in members:
            if member in seen:
                problems.append(f"{path}: cluster {member} is in two shards, {seen[member]} and {name}")
            seen.setdefault(member, name)
        shards[name] = list(members)
    if problems:
        raise ShardError(problems)
    assert isinstance(stack, str) and isinstance(by, str)
    return ShardMap(stack, by, shards)


def map_text(shard_map: ShardMap) -> str:
    body = {"stack": shard_map.stack, "by": shard_map.by, "shards": shard_map.shards}
    return _HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=False)


def partition_value(by: str, location: str, group: str) -> str:
    return {"none": "", "region": location, "group": group}[by]


def check_one_shard_each(shards: Mapping[str, Sequence[str]]) -> None:
    """No cluster sits in two shards: an error, whatever produced the shards."""
    seen: dict[str, str] = {}
    problems = []
    for name, members in shards.items():
        for member in members:
            if member in seen:
                problems.append(f"cluster {member} is in two shards, {seen[member]} and {name}")
            seen.setdefault(member, name)
    if problems:
        raise ShardError(problems)
