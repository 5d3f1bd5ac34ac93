"""Azure Policy on a connected cluster: the `policy` settings, their checks, and where the extension is confirmed.

Pure: no Pulumi, no I/O. `check_policy` takes the `policy` value as the stack holds it and reports
problems through two callables, `error(path, message)` and `warn(path, message)`, with paths such as
`policy.assignments[0].definition`; the settings package prefixes them (`arc-onboarding:` and the
fleet item) as it does for every other key. Facts are from `../shared/reference/azure-policy.md`
(source tags S1-S11 there); the built-ins are in components/policy_catalog.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import policy_catalog as catalog
from .schema import ASSIGNMENT_FIELDS, ENFORCEMENT_MODES, POLICY_FIELDS

Report = Callable[[str, str], None]

KEY = "policy"

# ARM's rule for policy assignment names at a resource scope (Learn, "Naming rules and restrictions
# for Azure resources", Microsoft.Authorization/policyAssignments, and the ARM template reference of
# Microsoft.Authorization/policyAssignments): 1-64 characters ("1-24 at management group scope",
# which is never ours), none of `<>*%&:\?.+/` or control characters, not ending with period or space.
ASSIGNMENT_NAME_MAX = 64
_ASSIGNMENT_NAME_FORBIDDEN = set("<>*%&:\\?.+/")

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# A definition or initiative, after its scope: ARM ids compare case-insensitively.
_DEFINITION = r"/providers/Microsoft\.Authorization/(?:policyDefinitions|policySetDefinitions)/[^/]+"
_BUILTIN_ID = re.compile(_DEFINITION, re.IGNORECASE)
_CUSTOM_ID = re.compile(
    rf"(?:/subscriptions/{_GUID}|/providers/Microsoft\.Management/managementGroups/[^/]+){_DEFINITION}", re.IGNORECASE
)
# Definitions live at a subscription or a management group, never in a resource group.
_GROUP_SCOPED_ID = re.compile(rf"/subscriptions/[^/]+/resourceGroups/[^/]+{_DEFINITION}", re.IGNORECASE)
_VERSION = re.compile(r"\d+\.\d+\.\d+")
# The newest extension version the reference names (S2, January 2026), for messages only.
NEWEST_KNOWN_VERSION = "1.16.1"


@dataclass(frozen=True)
class PolicyAssignment:
    name: str
    # The full ARM id: a built-in's in its canonical form, a custom one as given.
    definition_id: str
    # The built-in's display name; None for a custom definition or a built-in not in the table.
    display_name: str | None
    # Plain values by parameter name; components/policy_args.py puts them in ARM's shape.
    parameters: Mapping[str, Any]
    enforcement: str = "Default"


@dataclass(frozen=True)
class PolicySettings:
    """`policy` of one cluster. Unset, off and empty are the same: no extension, no assignment."""

    enabled: bool = False
    auto_upgrade_minor_version: bool = True
    # Pinned extension version; set only with auto-upgrade off.
    version: str | None = None
    assignments: tuple[PolicyAssignment, ...] = ()


DISABLED = PolicySettings()


# --- Clouds ------------------------------------------------------------------------------------------

# Where the reference confirms the extension. S1/S2 document it for the public cloud; for US
# Government and China no source settles it (reference §1: the Arc network pages for those clouds
# list no Policy endpoints, S6; an older Defender page says commercial clouds only).
_CLOUD_GAPS: dict[str, str] = {
    "AzureUSGovernment": (
        "Microsoft's Arc network requirements for AzureUSGovernment list no Azure Policy endpoints, and no "
        "Arc page confirms the extension there (only an AKS page names its hosts)"
    ),
    "AzureChinaCloud": (
        "Microsoft's Arc network requirements for AzureChinaCloud list no Azure Policy endpoints, and no "
        "Arc page confirms the extension there (only an AKS page names its hosts)"
    ),
}


def extension_confirmed(cloud: str) -> bool:
    """Whether a source confirms the Azure Policy extension for Arc in this cloud."""
    return cloud not in _CLOUD_GAPS


def cloud_gap(cloud: str) -> str | None:
    """Why the extension is not confirmed in a cloud, or None where it is."""
    return _CLOUD_GAPS.get(cloud)


# --- Checking ----------------------------------------------------------------------------------------


def _never(_: Any) -> bool:
    return False


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {int: "a number", float: "a number", dict: "a mapping", list: "a list", str: "a string"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# Words people use for the two modes: by spelling, `Enforced` is closest to `DoNotEnforce`.
_ENFORCEMENT_WORDS = {
    "Default": ("enforce", "enforced", "enforcing", "enabled", "on", "true", "deny"),
    "DoNotEnforce": ("audit", "auditonly", "disabled", "off", "false", "notenforced", "donotenforced", "report"),
}


def _enforcement_hint(given: str) -> str:
    folded = re.sub(r"[^a-z]", "", given.lower())
    for mode, words in _ENFORCEMENT_WORDS.items():
        if folded in words:
            return f" (did you mean `{mode}`?)"
    return _suggest(given, ENFORCEMENT_MODES)


def _suggest(name: str, known: Iterable[str]) -> str:
    """` (did you mean `x`?)`: a case-insensitive match first, then the closest spelling."""
    known = list(known)
    folded = {k.lower(): k for k in known}
    match = folded.get(name.lower())
    if match is None:
        close = difflib.get_close_matches(name.lower(), list(folded), n=1, cutoff=0.6)
        match = folded[close[0]] if close else None
    return f" (did you mean `{match}`?)" if match else ""


def _boolean(value: Any) -> bool | None:
    """A boolean, or its `true`/`false` text (how `pulumi config set --path` stores it); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


class _Check:
    """One `policy` value's checks; `ok` turns false at the first error."""

    def __init__(
        self,
        error: Report,
        warn: Report,
        reported: Callable[[Any], bool],
        opaque: Callable[[Any], bool],
        secret: bool = False,
    ) -> None:
        self._error, self.warn, self.reported, self.opaque, self.ok = error, warn, reported, opaque, True
        # A `policy` set as a secret: problems name where, never what was written (no definition,
        # parameter or key name, no close match, no built-in's name that would tell the definition).
        self.secret = secret

    def at(self, path: str, name: str) -> str:
        return path if self.secret else f"{path}.{name}"

    def suggest(self, name: str, known: Iterable[str]) -> str:
        return "" if self.secret else _suggest(name, known)

    def builtin(self, builtin: catalog.Builtin) -> str:
        return "the built-in definition" if self.secret else f"`{builtin.display_name}`"

    def error(self, path: str, message: str) -> None:
        self.ok = False
        self._error(path, message)

    def skip(self, value: Any) -> bool:
        """A value the caller already reported: nothing more to say, but the result is invalid."""
        if self.reported(value):
            self.ok = False
            return True
        return False

    def mapping(self, value: Any, path: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping, not {_kind(value)}")
            return None
        for name in value:
            if name not in fields:
                self.error(self.at(path, name), f"unknown key{self.suggest(name, fields)}")
        return {name: v for name, v in value.items() if name in fields and v is not None}

    def flag(self, value: Any, path: str, default: bool) -> bool | None:
        """The boolean, its default when unset, or None when invalid."""
        if value is None:
            return default
        if self.skip(value):
            return None
        parsed = _boolean(value)
        if parsed is None:
            self.error(path, "must be true or false")
        return parsed

    def text(self, value: Any, path: str) -> str | None:
        if value is None or self.skip(value):
            return None
        if not isinstance(value, str):
            self.error(path, f"must be a string, not {_kind(value)}")
            return None
        return value


def check_policy(
    value: Any,
    error: Report,
    warn: Report,
    *,
    cloud: str | None = None,
    reported: Callable[[Any], bool] = _never,
    opaque: Callable[[Any], bool] = _never,
    secret: bool = False,
) -> PolicySettings | None:
    """The cluster's PolicySettings (DISABLED when `policy` is unset), or None after an error.

    `value` is the decoded `policy` object, raw or already type-checked by the settings package:
    unset fields may be absent or None. `reported(v)` tells values the caller has already reported
    as invalid (they are skipped). `opaque(v)` tells parameter values the caller cannot see (a
    secure value the offline plan could not decrypt): taken unchecked. `cloud` (the stack's
    `cloud`) adds the warning where the extension is not confirmed. `secret`: `policy` is set as a
    secret, so problems quote nothing of it.
    """
    if value is None:
        return DISABLED
    check = _Check(error, warn, reported, opaque, secret)
    if check.skip(value):
        return None
    fields = check.mapping(value, KEY, POLICY_FIELDS)
    if fields is None:
        return None
    enabled = check.flag(fields.get("enabled"), f"{KEY}.enabled", False)
    auto_upgrade = check.flag(fields.get("autoUpgradeMinorVersion"), f"{KEY}.autoUpgradeMinorVersion", True)
    version = _check_version(check, check.text(fields.get("version"), f"{KEY}.version"), auto_upgrade, enabled)
    assignments = _check_assignments(check, fields.get("assignments"), enabled)
    if enabled and cloud is not None and not extension_confirmed(cloud):
        warn(
            f"{KEY}.enabled",
            f"the Azure Policy extension is not confirmed in {cloud}: {cloud_gap(cloud)}; `pulumi up` may "
            "fail at the extension (docs/policy.md, Clouds)",
        )
    if not check.ok or enabled is None or auto_upgrade is None:
        return None
    return PolicySettings(enabled, auto_upgrade, version, assignments)


def _check_version(check: _Check, version: str | None, auto_upgrade: bool | None, enabled: bool | None) -> str | None:
    # S1/S4: a version is taken only with minor-version auto-upgrade off.
    if version is not None:
        if not _VERSION.fullmatch(version):
            check.error(f"{KEY}.version", f"must be a version such as {NEWEST_KNOWN_VERSION}")
        elif auto_upgrade is True:
            check.error(
                f"{KEY}.version",
                "is only taken with policy.autoUpgradeMinorVersion: false (Azure pins a version only with "
                "auto-upgrade off)",
            )
    elif enabled is True and auto_upgrade is False:
        check.error(
            f"{KEY}.autoUpgradeMinorVersion",
            f"is false, so policy.version must pin the extension (e.g. {NEWEST_KNOWN_VERSION})",
        )
    return version


def _check_assignments(check: _Check, value: Any, enabled: bool | None) -> tuple[PolicyAssignment, ...]:
    path = f"{KEY}.assignments"
    if value is None or check.skip(value):
        return ()
    if not isinstance(value, list):
        check.error(path, f"must be a list, not {_kind(value)}")
        return ()
    if value and enabled is False:
        check.error(
            path,
            "needs policy.enabled: true: the Azure Policy extension is what enforces assignments in the cluster",
        )
    out: list[PolicyAssignment] = []
    names: dict[str, int] = {}
    for index, item in enumerate(value):
        name, assignment = _check_assignment(check, item, f"{path}[{index}]")
        if name is not None:
            folded = name.lower()
            if folded in names:
                check.error(
                    f"{path}[{index}].name",
                    f"{'the name' if check.secret else repr(name)} is already the name of {path}[{names[folded]}] "
                    "(ARM compares names case-insensitively)",
                )
            names.setdefault(folded, index)
        if assignment is not None:
            out.append(assignment)
    return tuple(out)


def _check_assignment(check: _Check, item: Any, path: str) -> tuple[str | None, PolicyAssignment | None]:
    """The assignment's valid name (for the duplicate check) and the assignment, each None if invalid."""
    if check.skip(item):
        return None, None
    fields = check.mapping(item, path, ASSIGNMENT_FIELDS)
    if fields is None:
        return None, None
    for required in ("name", "definition"):
        if fields.get(required) is None:
            check.error(f"{path}.{required}", "is required")
    name = _check_assignment_name(check, check.text(fields.get("name"), f"{path}.name"), f"{path}.name")
    resolved = _resolve_definition(
        check, check.text(fields.get("definition"), f"{path}.definition"), f"{path}.definition"
    )
    parameters = _check_parameters(check, fields.get("parameters"), resolved, f"{path}.parameters")
    enforcement = check.text(fields.get("enforcement"), f"{path}.enforcement")
    if enforcement is not None and enforcement not in ENFORCEMENT_MODES:
        check.error(
            f"{path}.enforcement",
            f"must be {' or '.join(ENFORCEMENT_MODES)}{'' if check.secret else _enforcement_hint(enforcement)}",
        )
        return name, None
    if name is None or resolved is None or parameters is None:
        return name, None
    definition_id, builtin = resolved
    display_name = builtin.display_name if builtin else None
    return name, PolicyAssignment(name, definition_id, display_name, parameters, enforcement or "Default")


def _check_assignment_name(check: _Check, name: str | None, path: str) -> str | None:
    if name is None:
        return None
    bad = not name or len(name) > ASSIGNMENT_NAME_MAX or name.endswith(" ")
    bad = bad or any(c in _ASSIGNMENT_NAME_FORBIDDEN or not c.isprintable() for c in name)
    if bad:
        check.error(
            path,
            f"must be 1-{ASSIGNMENT_NAME_MAX} characters without < > * % & : \\ ? . + / or control characters, "
            "not ending in a space (ARM's rule for policy assignment names)",
        )
        return None
    return name


def _resolve_definition(check: _Check, definition: str | None, path: str) -> tuple[str, catalog.Builtin | None] | None:
    """(full id, built-in or None), or None after an error."""
    if definition is None:
        return None
    builtin = catalog.find(definition)
    if builtin is not None:
        if builtin.deploys:
            check.error(
                path,
                f"{check.builtin(builtin)} deploys the extension itself (deployIfNotExists), and its assignment "
                "needs a managed identity, which this program does not create; policy.enabled installs the "
                "extension instead",
            )
            return None
        return builtin.id, builtin
    if _CUSTOM_ID.fullmatch(definition):
        return definition, None
    if _BUILTIN_ID.fullmatch(definition):
        check.warn(
            path,
            "is not in this program's table of Kubernetes built-ins (docs/policy.md): its parameters are not "
            "checked here; ARM checks them at `pulumi up`",
        )
        return definition, None
    if _GROUP_SCOPED_ID.fullmatch(definition):
        check.error(path, "policy definitions live at a subscription or a management group, not in a resource group")
    elif definition.startswith("/"):
        check.error(
            path,
            "is not a policy definition id: expected /subscriptions/<subscription id>/providers/"
            "Microsoft.Authorization/policyDefinitions/<name> (or policySetDefinitions), or the same under "
            "/providers/Microsoft.Management/managementGroups/<group>",
        )
    else:
        known = [b.display_name for b in catalog.BUILTINS if not b.deploys]
        check.error(
            path,
            "unknown built-in"
            + ("" if check.secret else f" {definition!r}")
            + f"{check.suggest(definition, known)}; give a display name or id from "
            "docs/policy.md, or a custom definition's full id",
        )
    return None


_EXPECTED: dict[str, tuple[type, str]] = {
    "String": (str, "a string"),
    "Array": (list, "a list"),
    "Object": (dict, "a mapping"),
}


def _check_parameters(
    check: _Check, value: Any, resolved: tuple[str, catalog.Builtin | None] | None, path: str
) -> dict[str, Any] | None:
    if value is None:
        value = {}
    if check.skip(value):
        return None
    if not isinstance(value, dict):
        check.error(path, f"must be a mapping of parameter names to values, not {_kind(value)}")
        return None
    builtin = resolved[1] if resolved else None
    if builtin is None:
        # A custom definition (or one outside the table): its parameters are ARM's to check.
        return dict(value)
    ok = True
    out: dict[str, Any] = {}
    known = [p.name for p in builtin.parameters]
    for name, given in value.items():
        parameter = builtin.parameter(name)
        if parameter is None:
            check.error(
                check.at(path, name),
                f"is not a parameter of {check.builtin(builtin)}{check.suggest(name, known)}"
                + ("" if check.secret else f"; it takes {', '.join(known)}"),
            )
            ok = False
            continue
        checked = _check_parameter_value(check, parameter, given, check.at(path, name))
        ok = ok and checked is not _BAD
        out[name] = checked
    for parameter in builtin.parameters:
        if parameter.required and parameter.name not in value:
            check.error(
                check.at(path, parameter.name),
                f"is required by {check.builtin(builtin)} (it has no default)",
            )
            ok = False
    return out if ok else None


_BAD = object()


def _check_parameter_value(check: _Check, parameter: catalog.Parameter, given: Any, path: str) -> Any:
    if check.opaque(given):
        return given
    if parameter.type == "Boolean":
        parsed = _boolean(given)
        if parsed is None:
            check.error(path, f"must be true or false, not {_kind(given)}")
            return _BAD
        return parsed
    expected, shown = _EXPECTED[parameter.type]
    if parameter.type != "Object" and isinstance(given, dict) and set(given) == {"value"}:
        check.error(path, "give the value itself: the program puts it in ARM's `{value: ...}` form")
        return _BAD
    if not isinstance(given, expected):
        check.error(path, f"must be {shown}, not {_kind(given)}")
        return _BAD
    if parameter.allowed is not None and given not in parameter.allowed:
        # Case-sensitive, as ARM compares allowed values.
        check.error(
            path, f"must be one of {', '.join(parameter.allowed)}{check.suggest(str(given), parameter.allowed)}"
        )
        return _BAD
    if parameter.name == "source" and given != "Original":
        check.warn(
            path,
            "`Generated` and `All` also check generated resources, which Microsoft documents for AKS only; keep "
            "`Original` on Arc",
        )
    return given
