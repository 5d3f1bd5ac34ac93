"""The stack files of a sharded fleet: one per shard, and the groups stack they share.

Each shard's file is the source stack's top-level settings plus its slice of the clusters, with
`registerProviders: false` and `createResourceGroup: false`: the provider registrations and the
groups the fleet creates are declared once, by the groups stack, so no resource has two owners.

`secure:` values are ciphertext for the source stack's own key: a copy would not decrypt in
another stack, and re-encrypting needs the passphrase or KMS key, which this offline tool never
has. So they are left out of every file, and listed: as `pulumi config set --secret` commands to
run per stack, or as keys a Pulumi ESC environment (imported by every file) must provide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from components.schema import NAMESPACE

from .assign import ShardError

_FLEET_KEYS = {f"{NAMESPACE}:{k}" for k in ("clusters", "inventory", "groups")}
# Where the created groups go: the groups stack's business (its listed groups only); a shard reads its groups.
_GROUP_LOCATIONS = f"{NAMESPACE}:resourceGroupLocations"
# What a groups stack reads: where and how its groups are made, and the registrations.
_GROUPS_STACK_KEYS = {f"{NAMESPACE}:{k}" for k in ("location", "tags", "cloud", "registerProviders", "protect")}
# Stack-file sections that belong to one stack only: its secrets provider's salt or data key.
_PER_STACK_SECTIONS = ("encryptionsalt", "encryptedkey", "secretsprovider")


@dataclass(frozen=True)
class StackFile:
    name: str
    document: dict[str, Any]
    header: str
    # `pulumi config set --secret --path` keys this stack needs, each with the source key it had.
    secrets: tuple[tuple[str, str], ...]


def full_key(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def source_config(document: Mapping[str, Any], project: str) -> dict[str, Any]:
    """The source stack file's `config:` with every key namespaced; JSON-string objects decoded."""
    section = document.get("config") or {}
    out: dict[str, Any] = {}
    for key, value in section.items():
        name = full_key(str(key), project)
        if name == f"{NAMESPACE}:clusters" and isinstance(value, str):
            value = json.loads(value)
        out[name] = value
    return out


def strip_secure(value: Any, path: str) -> tuple[Any, list[str]]:
    """`value` without its `secure:` leaves, and their paths in `pulumi config set --path` syntax."""
    return _strip(value, path, ())


def _strip(value: Any, root: str, keys: tuple[str | int, ...]) -> tuple[Any, list[str]]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return None, [root + "".join(_path_element(key) for key in keys)]
        kept: dict[str, Any] = {}
        found: list[str] = []
        for name, item in value.items():
            stripped, paths = _strip(item, root, (*keys, str(name)))
            found += paths
            if stripped is not None:
                kept[name] = stripped
        return kept, found
    if isinstance(value, list):
        items: list[Any] = []
        found = []
        for index, item in enumerate(value):
            stripped, paths = _strip(item, root, (*keys, index))
            found += paths
            items.append(stripped)
        return items, found
    return value, []


# Pulumi's property paths (pulumi/pulumi sdk/go/common/resource/properties_path.go,
# ParsePropertyPath, commit 02327a04): a bare element runs to the next `.` or `[`; any other key
# goes in `["..."]`, where `\"` is the one escape (so a key cannot end in `\`). A key path is typed
# into a shell script and read by people, so control characters are refused rather than carried.
_BARE_ELEMENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _path_element(key: str | int) -> str:
    """One `--path` element after its parent: `[N]`, `.name`, or `["name"]`."""
    if isinstance(key, int):
        return f"[{key}]"
    if _CONTROL.search(key):
        raise ShardError(
            ["a map key on the way to a `secure:` value (a tag name?) holds a control character: rename it"]
        )
    if key.endswith("\\"):
        raise ShardError(
            ["a map key on the way to a `secure:` value ends in a backslash, which a --path cannot write: rename it"]
        )
    if _BARE_ELEMENT.fullmatch(key):
        return f".{key}"
    return '["' + key.replace('"', '\\"') + '"]'


def _top_level(config: Mapping[str, Any], keep: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    out: dict[str, Any] = {}
    secrets: list[tuple[str, str]] = []
    for key, value in config.items():
        if key in _FLEET_KEYS or not keep(key):
            continue
        stripped, paths = strip_secure(value, key)
        secrets += [(p, p) for p in paths]
        if stripped is not None:
            out[key] = stripped
    return out, secrets


def shard_file(
    name: str,
    config: Mapping[str, Any],
    items: Sequence[tuple[int, Mapping[str, Any]]],
    environment: Sequence[str],
    header: str,
) -> StackFile:
    """One shard: top-level settings, its items (source index, item), registrations and groups off."""
    out, secrets = _top_level(config, lambda key: key != _GROUP_LOCATIONS)
    out[f"{NAMESPACE}:registerProviders"] = False
    out[f"{NAMESPACE}:createResourceGroup"] = False
    clusters = []
    for position, (index, item) in enumerate(items):
        mine = {k: v for k, v in item.items() if k != "createResourceGroup"}
        stripped, paths = strip_secure(mine, f"{NAMESPACE}:clusters[{position}]")
        source = f"{NAMESPACE}:clusters[{index}]"
        secrets += [(p, source + p[len(f"{NAMESPACE}:clusters[{position}]") :]) for p in paths]
        clusters.append(stripped)
    out[f"{NAMESPACE}:clusters"] = clusters
    return StackFile(name, _document(out, environment), header, tuple(secrets))


def groups_file(
    name: str, config: Mapping[str, Any], groups: Sequence[str], protect: bool, environment: Sequence[str], header: str
) -> StackFile:
    """The groups stack: the groups the fleet creates and the provider registrations, once."""
    out, secrets = _top_level(config, lambda key: key in _GROUPS_STACK_KEYS or not key.startswith(f"{NAMESPACE}:"))
    out[f"{NAMESPACE}:groups"] = list(groups)
    listed = {g.lower() for g in groups}
    placed = {k: v for k, v in (config.get(_GROUP_LOCATIONS) or {}).items() if str(k).lower() in listed}
    if placed:
        out[_GROUP_LOCATIONS] = placed
    if protect:
        out[f"{NAMESPACE}:protect"] = True
    else:
        out.pop(f"{NAMESPACE}:protect", None)
    return StackFile(name, _document(out, environment), header, tuple(secrets))


def _document(config: dict[str, Any], environment: Sequence[str]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if environment:
        document["environment"] = list(environment)
    document["config"] = config
    return document


def stack_file_text(stack_file: StackFile) -> str:
    comment = "".join(f"# {line}".rstrip() + "\n" for line in stack_file.header.splitlines())
    return comment + yaml.safe_dump(stack_file.document, sort_keys=False, default_flow_style=False, allow_unicode=True)


def source_sections(document: Mapping[str, Any]) -> list[str]:
    """Sections of the source stack file that are its own and are not copied."""
    return [section for section in _PER_STACK_SECTIONS if section in document]


def source_environment(document: Mapping[str, Any]) -> list[str]:
    """The ESC environments the source stack imports (copied: a reference, not a secret)."""
    environment = document.get("environment")
    if environment is None:
        return []
    if isinstance(environment, str):
        return [environment]
    if isinstance(environment, list) and all(isinstance(e, str) for e in environment):
        return list(environment)
    if isinstance(environment, dict) and isinstance(environment.get("imports"), list):
        return [str(e) for e in environment["imports"]]
    raise ShardError(["the source stack's `environment:` is neither a list of ESC environments nor `imports:`"])


_VARIABLE = re.compile(r"[^A-Z0-9]+")


def secret_variable(source_key: str) -> str:
    """The environment variable that holds a source secret for the commands script."""
    return "ARC_SECRET_" + _VARIABLE.sub("_", source_key.split(":", 1)[1].upper()).strip("_")
