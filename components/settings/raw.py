"""Reading raw stack values: the engine's config map, coerced to the schema's types.

Also what every area's checks share: the report that collects problems (each naming the key the
user wrote), "did you mean", plaintext-secret warnings, and URL splitting that never echoes a value.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from components.schema import NAMESPACE, SCHEMA, Key, default_of, iter_keys

from .files import MAX_DEPTH

# The offline plan stands this in for a `secure:` value it cannot decrypt. Such a value is secret
# and left unvalidated; the plan lists where it stood.
SECURE_PLACEHOLDER = "[secure value, not decrypted offline]"

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@dataclass
class _Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unvalidated: list[str] = field(default_factory=list)
    # Maps a key path within a cluster to the key the user wrote (a fleet item's or the default's).
    where: Callable[[str], str] = lambda path: path
    # "clusters[N]." in a fleet: problems of the item itself (a missing name, a duplicate) name it.
    item: str = ""

    # A fleet item's label (`clusters[2] (store-17)`): an error of a key the item inherits from the
    # top level (or lacks) is the item's, as the checks run per cluster: it names both. Each such
    # error's line, top-level key and message are kept, so that one every inheriting item shares
    # (a bad default) is reported once, at its own key (fleet.collapse_inherited).
    inherited: str = ""
    inherited_errors: list[tuple[str, str, str]] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        key = self.where(path)
        if self.inherited and not key.startswith(self.item):
            line = _one_line(f"{NAMESPACE}:{self.inherited}.{key}: {message}")
            self.inherited_errors.append((line, key, message))
            self.errors.append(line)
            return
        self.errors.append(_one_line(f"{NAMESPACE}:{key}: {message}"))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(_one_line(f"{NAMESPACE}:{self.where(path)}: {message}"))

    def item_error(self, path: str, message: str) -> None:
        self.errors.append(_one_line(f"{NAMESPACE}:{self.item}{path}: {message}"))

    def scoped(self, where: Callable[[str], str], item: str) -> _Report:
        return _Report(self.errors, self.warnings, self.unvalidated, where, item, "", self.inherited_errors)


_INVALID = object()

# Namespaces whose keys something else reads: this project and the providers it uses.
_OTHER_READERS = frozenset({NAMESPACE, "azure-native", "azure", "kubernetes", "command", "tls", "pulumi"})


def _one_line(problem: str) -> str:
    """Key names and file paths come from the user: escape control characters so that a problem
    stays one printable line (a newline in a tag name must not forge a second problem)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in problem)


def _key_hint(name: str, fields: Mapping[str, Key], top_level: bool = False) -> str:
    """An unknown key's suggestion: a nested key of that name (`chartVersion` -> `agents.chartVersion`)
    or of those words (`gatewayResourceId` -> `gateway.resourceId`) before the closest spelling, which
    matched `chartVersion` to `location`. A top-level key gets the command that sets the nested one."""
    folded = name.lower()
    for path, _ in iter_keys(fields):
        if "." in path and (path.rsplit(".", 1)[1].lower() == folded or path.replace(".", "").lower() == folded):
            command = f": `pulumi config set --path '{NAMESPACE}:{path}' VALUE`" if top_level else ""
            return f" (did you mean `{path}`? a nested key{command})"
    return _did_you_mean(name, fields)


def _invisible(value: str) -> str:
    """What a name's error cannot show: a space at its ends, a no-break or other invisible space."""
    found = []
    if value != value.strip():
        found.append("a space at its start or end")
    odd = sorted({c for c in value if (c.isspace() and c != " ") or unicodedata.category(c) == "Cf"})
    found += [f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed').lower()})" for c in odd]
    return f" (it holds {' and '.join(found)}: retype it)" if found else ""


def _brace_hint(value: str) -> str:
    """`{GUID}`, as the registry and some tools print it: say to drop the braces (never echoing it)."""
    if re.search(r"\{" + _GUID.pattern + r"\}", value):
        return " (remove the braces around the GUID: Azure writes it without them)"
    return ""


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    known = list(known)
    folded = {k.lower(): k for k in known}
    match = folded.get(name.lower())
    if match is None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        match = close[0] if close else None
    return f" (did you mean `{match}`?)" if match else ""


def _coerce(value: Any, key: Key, path: str, report: _Report, encoded: bool, secret: bool = False) -> Any:
    """Type-check a value (no defaults filled in); `encoded` values come straight from the engine.
    Under a `secret` key, map keys (tag names) are data: problems name the map, not the entry."""
    if value == SECURE_PLACEHOLDER:
        report.unvalidated.append(f"{NAMESPACE}:{path}")
        return value if key.type == "string" else None  # unset: the default applies
    if key.type == "json":
        # Any value, passed on untouched: its own checker knows its shape (policy parameters are
        # checked by components/policy.py). Never a top-level key, so never engine-encoded.
        _note_placeholders(value, path, report)
        return value
    if key.type == "string":
        if isinstance(value, str):
            return value
        report.error(path, f"must be a string, not {_json_type(value)} (quote it in the stack file)")
    elif key.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        report.error(path, "must be true or false")
    elif key.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        report.error(path, "must be a whole number")
    else:
        if encoded and isinstance(value, str):
            try:
                value = json.loads(value)
            except RecursionError:
                value = None  # deeper than json's own limit: refused below
            except ValueError:
                part = f"{path}[0]" if key.type == "array" else f"{path}.NAME"
                shape = "a list" if key.type == "array" else "a mapping"
                report.error(
                    path,
                    f"must be {shape}, not a string; set its parts with "
                    f"`pulumi config set --path '{NAMESPACE}:{part}' VALUE`",
                )
                return _INVALID
            if value is None or _depth(value) > MAX_DEPTH:
                # The engine passes objects as JSON; the checks below walk them recursively.
                report.error(path, f"nests deeper than {MAX_DEPTH} levels")
                return _INVALID
        if key.type == "array":
            return _coerce_array(value, key, path, report, secret)
        if key.type == "map":
            return _coerce_map(value, path, report, secret)
        return _coerce_object(value, key.fields, path, report, secret)
    return _INVALID


def _depth(value: Any) -> int:
    """How deep lists and mappings nest in a decoded JSON value (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _note_placeholders(value: Any, path: str, report: _Report) -> None:
    """List the `secure:` values inside a `json` value, which stay in it unvalidated."""
    if isinstance(value, str) and value == SECURE_PLACEHOLDER:
        report.unvalidated.append(f"{NAMESPACE}:{path}")
    elif isinstance(value, dict):
        for name, item in value.items():
            _note_placeholders(item, f"{path}.{name}", report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _note_placeholders(item, f"{path}[{index}]", report)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "a string"


def _coerce_array(value: Any, key: Key, path: str, report: _Report, secret: bool) -> Any:
    if not isinstance(value, list):
        report.error(path, f"must be a list, not {_json_type(value)}")
        return _INVALID
    items = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if key.items == "object":
            items.append(_coerce_object(item, key.fields, item_path, report, secret))
        elif item == SECURE_PLACEHOLDER:
            report.unvalidated.append(f"{NAMESPACE}:{item_path}")
            items.append(item)
        elif not isinstance(item, str):
            report.error(item_path, f"must be a string, not {_json_type(item)}")
        else:
            items.append(item)
    return items


def _coerce_map(value: Any, path: str, report: _Report, secret: bool) -> Any:
    if not isinstance(value, dict):
        report.error(path, f"must be a mapping of names to strings, not {_json_type(value)}")
        return _INVALID
    out: dict[str, str] = {}
    for name, item in value.items():
        item_path = path if secret else f"{path}.{name}"
        if item == SECURE_PLACEHOLDER:
            report.unvalidated.append(f"{NAMESPACE}:{item_path}")
        elif not isinstance(item, str):
            # `pulumi config set --path` stores 42 and true as a number and a boolean.
            hint = " (quote it in the stack file, e.g. '42')" if isinstance(item, (bool, int, float)) else ""
            report.error(item_path, f"{'a value ' if secret else ''}must be a string, not {_json_type(item)}{hint}")
            continue
        out[name] = item
    return out


def _coerce_object(value: Any, fields: Mapping[str, Key], path: str, report: _Report, secret: bool) -> Any:
    if not isinstance(value, dict):
        report.error(path, f"must be a mapping, not {_json_type(value)}")
        return _INVALID
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name not in fields:
            hint = " (a stack-wide key: set it at the top level)" if name in SCHEMA else ""
            report.error(f"{path}.{name}", f"unknown key{hint or _key_hint(name, fields)}")
        elif item is not None:
            out[name] = _coerce(item, fields[name], f"{path}.{name}", report, encoded=False, secret=secret)
    return out


def _read_raw(config: Mapping[str, Any], report: _Report, secret_names: Set[str] = frozenset()) -> dict[str, Any]:
    """The namespace's keys that are set, type-checked; unknown and flat keys reported."""
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
    for full in config:
        namespace, colon, name = full.partition(":")
        if colon and namespace not in _OTHER_READERS and re.split(r"[.\[]", name, maxsplit=1)[0] in SCHEMA:
            report.error(
                name,
                f"is set as `{full}`, which nothing reads: keys of this program are `{NAMESPACE}:NAME` "
                f"(did you mean `{NAMESPACE}:{name}`?)",
            )
    tree: dict[str, Any] = {}
    for name in sorted(raw):
        key = SCHEMA.get(name)
        if key is not None:
            tree[name] = _coerce(raw[name], key, name, report, encoded=True, secret=name in secret_names)
            continue
        head = re.split(r"[.\[]", name, maxsplit=1)[0]
        if head != name and head in SCHEMA:
            report.error(
                name,
                f"is a flat key; nested keys need --path: `pulumi config rm '{NAMESPACE}:{name}'` "
                f"then `pulumi config set --path '{NAMESPACE}:{name}' VALUE`",
            )
        else:
            report.error(name, f"unknown key{_key_hint(name, SCHEMA, top_level=True)}")
    return tree


def _with_defaults(tree: Mapping[str, Any], fields: Mapping[str, Key]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in fields.items():
        value = tree.get(name)
        if key.type == "object" and isinstance(value, dict):
            out[name] = _with_defaults(value, key.fields)
        elif value is None:
            out[name] = default_of(key)
        else:
            out[name] = value
    return out


def _split_url(url: str, key: str, expected: str, report: _Report) -> SplitResult | None:
    """The URL's parts, or None (reported) when it has spaces or does not parse. Never echoes it."""
    if any(c.isspace() for c in url):
        report.error(key, "must not contain spaces or line breaks")
        return None
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" around an IPv6 host
        report.error(key, f"is not a URL: expected {expected}")
        return None


def _warn_plaintext(report: _Report, key: str, what: str, value: str) -> None:
    """A secret stored without --secret: kept secret anyway, and the command that stores it right."""
    report.warn(
        key,
        f"{what} in plaintext; it is kept secret in Pulumi, but set it with "
        f"`pulumi config set --secret --path '{NAMESPACE}:{report.where(key)}' {value}`",
    )


def runtime_config() -> tuple[dict[str, Any], set[str]]:
    """The config map and secret keys the Pulumi language host gave this process."""
    from pulumi.runtime import config as runtime

    values = {**runtime.get_config_env(), **runtime.CONFIG.get()}
    secret = set(runtime.get_config_secret_keys_env())
    secret |= {k for k in values if runtime.is_config_secret(k)}
    return values, secret
