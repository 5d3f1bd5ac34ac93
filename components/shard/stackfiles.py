"""The stack files of a sharded fleet: one per shard, and the groups stack they share.

Each shard's file is the source stack's top-level settings plus its slice of the clusters, with
`registerProviders: false` and `createResourceGroup: false`: the provider registrations and the
groups the fleet creates are declared once, by the groups stack, so no resource has two owners.

`secure:` values are ciphertext for the source stack's own key: a copy would not decrypt in
another stack, and re-encrypting needs the passphrase or KMS key, which this offline tool never
has. So they are left out of every new file, and listed: as `pulumi config set --secret` commands to
run per stack, or as keys a Pulumi ESC environment (imported by every file) must provide. A stack
whose file already holds them (set-secrets.sh ran) keeps its own ciphertext when regenerated.
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
# A path the source's machine had: CI and the operator give a shard $KUBECONFIG (the fleet's secret),
# which this key would override. `in-cluster` is no path and stays.
KUBECONFIG_KEY = f"{NAMESPACE}:kubeconfig"
IN_CLUSTER = "in-cluster"
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


def strip_secure(
    value: Any, path: str, carried: Mapping[str, str] | None = None, placeholder: bool = False
) -> tuple[Any, list[str]]:
    """`value` without its `secure:` leaves, and their paths in `pulumi config set --path` syntax.
    A leaf whose path is in `carried` takes that ciphertext instead (the target stack's own) and is
    not listed; with `placeholder`, a listed leaf stays as an empty `secure:` value (PLACEHOLDER)."""
    return _strip(value, path, (), carried or {}, placeholder)


def _strip(
    value: Any, root: str, keys: tuple[str | int, ...], carried: Mapping[str, str], placeholder: bool
) -> tuple[Any, list[str]]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            path = root + "".join(_path_element(key) for key in keys)
            if path in carried:
                return {"secure": carried[path]}, []
            return (dict(PLACEHOLDER) if placeholder else None), [path]
        kept: dict[str, Any] = {}
        found: list[str] = []
        for name, item in value.items():
            stripped, paths = _strip(item, root, (*keys, str(name)), carried, placeholder)
            found += paths
            if stripped is not None:
                kept[name] = stripped
        return kept, found
    if isinstance(value, list):
        items: list[Any] = []
        found = []
        for index, item in enumerate(value):
            stripped, paths = _strip(item, root, (*keys, index), carried, placeholder)
            found += paths
            items.append(stripped)
        return items, found
    return value, []


def item_kubeconfig_problems(items: Sequence[tuple[int, Mapping[str, Any]]], label: str, secret: str) -> list[str]:
    """Items that name their own kubeconfig file: a shard's `pulumi up` in CI or the operator has
    one, $KUBECONFIG, so such an item would read a file CI does not have (or a stale one)."""
    return [
        f"{label}[{index}].kubeconfig: a shard runs with one kubeconfig, $KUBECONFIG (CI writes it from the "
        f"secret {secret}): merge the files into one with a context per cluster "
        "(`KUBECONFIG=a.yaml:b.yaml kubectl config view --flatten > fleet.yaml`), give each item its "
        "kubeContext and drop the item's kubeconfig"
        for index, item in items
        if item.get("kubeconfig") not in (None, IN_CLUSTER)
    ]


def _ciphertexts(value: Any) -> list[str]:
    """The `secure:` leaves' texts, in the order strip_secure lists their paths."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return [str(value["secure"])]
        return [text for item in value.values() for text in _ciphertexts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _ciphertexts(item)]
    return []


def _secure_leaves(value: Any, path: str) -> dict[str, str]:
    """The `secure:` leaves of a value by their `--path`, named by strip_secure itself."""
    return dict(zip(strip_secure(value, path)[1], _ciphertexts(value), strict=True))


@dataclass(frozen=True)
class Previous:
    """What a stack's existing file holds of its own: the ciphertext `pulumi config set --secret`
    (set-secrets.sh) wrote there, and the secrets-provider sections it decrypts with."""

    secrets: dict[str, str]
    sections: dict[str, Any]


_CLUSTERS = f"{NAMESPACE}:clusters"
# What a secret the stack does not hold yet is written as: the slot stays (a shard keeps its
# proxy URL's place, and the offline plan sees a secret there), and `pulumi up` refuses it
# ("error: validating stack config: bad value" from preview and up, Pulumi CLI 3.274) until
# `pulumi config set --secret --path` replaces it.
PLACEHOLDER = {"secure": ""}


def previous_secrets(document: Mapping[str, Any], project: str, position_of: Mapping[str, int]) -> Previous:
    """The stack's own secrets, keyed by the paths the new file will have: a cluster item's move
    within the shard (others added or removed) is followed by its `<group>/<cluster>` id."""
    config = source_config(document, project)
    secrets: dict[str, str] = {}
    for key, value in config.items():
        if key != _CLUSTERS:
            secrets |= _secure_leaves(value, key)
            continue
        default_group = config.get(f"{NAMESPACE}:resourceGroup")
        for index, item in enumerate(value if isinstance(value, list) else []):
            if not isinstance(item, dict):
                continue
            member = f"{item.get('resourceGroup', default_group)}/{item.get('clusterName')}".lower()
            if member not in position_of:
                continue
            old, new = f"{_CLUSTERS}[{index}]", f"{_CLUSTERS}[{position_of[member]}]"
            secrets |= {new + path[len(old) :]: text for path, text in _secure_leaves(item, old).items()}
    secrets = {path: text for path, text in secrets.items() if text}  # a placeholder is no secret held
    sections = {name: document[name] for name in _PER_STACK_SECTIONS if name in document}
    return Previous(secrets, sections if secrets else {})


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


def _top_level(
    config: Mapping[str, Any], keep: Any, carried: Mapping[str, str], placeholder: bool
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    out: dict[str, Any] = {}
    secrets: list[tuple[str, str]] = []
    for key, value in config.items():
        if key in _FLEET_KEYS or not keep(key) or (key == KUBECONFIG_KEY and value != IN_CLUSTER):
            continue
        stripped, paths = strip_secure(value, key, carried, placeholder)
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
    previous: Previous | None = None,
    placeholder: bool = False,
) -> StackFile:
    """One shard: top-level settings, its items (source index, item), registrations and groups off;
    the secrets its existing file already holds are kept (they are encrypted for this stack), the
    others are PLACEHOLDERs with `placeholder` (not with an ESC environment, which a stack file's
    value would override)."""
    carried = previous.secrets if previous else {}
    out, secrets = _top_level(config, lambda key: key != _GROUP_LOCATIONS, carried, placeholder)
    out[f"{NAMESPACE}:registerProviders"] = False
    out[f"{NAMESPACE}:createResourceGroup"] = False
    clusters = []
    for position, (index, item) in enumerate(items):
        mine = {k: v for k, v in item.items() if k != "createResourceGroup"}
        stripped, paths = strip_secure(mine, f"{NAMESPACE}:clusters[{position}]", carried, placeholder)
        source = f"{NAMESPACE}:clusters[{index}]"
        secrets += [(p, source + p[len(f"{NAMESPACE}:clusters[{position}]") :]) for p in paths]
        clusters.append(stripped)
    out[f"{NAMESPACE}:clusters"] = clusters
    return StackFile(name, _document(out, environment, previous), header, tuple(secrets))


def groups_file(
    name: str,
    config: Mapping[str, Any],
    groups: Sequence[str],
    protect: bool,
    environment: Sequence[str],
    header: str,
    previous: Previous | None = None,
    placeholder: bool = False,
) -> StackFile:
    """The groups stack: the groups the fleet creates and the provider registrations, once."""
    out, secrets = _top_level(
        config,
        lambda key: key in _GROUPS_STACK_KEYS or not key.startswith(f"{NAMESPACE}:"),
        previous.secrets if previous else {},
        placeholder,
    )
    out[f"{NAMESPACE}:groups"] = list(groups)
    listed = {g.lower() for g in groups}
    placed = {k: v for k, v in (config.get(_GROUP_LOCATIONS) or {}).items() if str(k).lower() in listed}
    if placed:
        out[_GROUP_LOCATIONS] = placed
    if protect:
        out[f"{NAMESPACE}:protect"] = True
    else:
        out.pop(f"{NAMESPACE}:protect", None)
    return StackFile(name, _document(out, environment, previous), header, tuple(secrets))


def _document(config: dict[str, Any], environment: Sequence[str], previous: Previous | None = None) -> dict[str, Any]:
    document: dict[str, Any] = dict(previous.sections) if previous else {}
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
