"""Cluster extensions: the `extensions` items, checked against the catalog (components/extension_catalog.py).

Every problem names the item's key (`extensions[0].configurationSettings.NAME`) and what to do; no
value is echoed (settings may hold anything, protected ones are secrets).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from components import extension_catalog as catalog
from components.clouds import Cloud
from components.extensions import ExtensionSettings
from components.schema import EXTENSION_SCOPES, NAMESPACE

from .raw import _INVALID, SECURE_PLACEHOLDER, _did_you_mean, _json_type, _Report

# A segment of the ARM path: nothing that ends or escapes it, no blanks.
_NAME_FORBIDDEN = re.compile(r"[\s/?#%\\]")
# Kubernetes namespace names: DNS-1123 labels (RFC 1123), at most 63 characters.
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# A Go duration (the CSI driver's flags are Go durations): `2m`, `1h30m`, `90s`.
_DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")


def resource_id_pattern(resource_type: str) -> re.Pattern[str]:
    """An ARM id of one resource of `resource_type` (ARM compares ids case-insensitively)."""
    return re.compile(
        rf"/subscriptions/{_GUID}/resourceGroups/[^/]+/providers/{re.escape(resource_type)}/[^/]+", re.IGNORECASE
    )


def _text(value: Any) -> str | None:
    """A setting's value as ARM takes it (a string), or None when it has no string form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


class _Item:
    """One item's checks; `ok` turns false at the first error."""

    def __init__(self, report: _Report, index: int) -> None:
        self.report, self.prefix, self.ok = report, f"extensions[{index}]", True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        self.report.error(f"{self.prefix}.{key}" if key else self.prefix, message)

    def warn(self, key: str, message: str) -> None:
        self.report.warn(f"{self.prefix}.{key}" if key else self.prefix, message)

    def where(self, key: str) -> str:
        return self.report.where(f"{self.prefix}.{key}")


def _check_extensions(
    value: Any,
    stored_secret: bool,
    cloud: Cloud | None,
    report: _Report,
    *,
    reserved: Mapping[str, str] = {},
) -> Any:
    """A tuple of ExtensionSettings (empty when `extensions` is unset), or _INVALID after an error.

    `reserved` maps the ARM names the cluster's own keys already install (Flux's `flux` with
    `gitops`, Policy's `azurepolicy` with `policy.enabled`) to those keys.
    """
    if value is None:
        return ()
    if value is _INVALID:
        return _INVALID
    ok = True
    out: list[ExtensionSettings] = []
    names: dict[str, int] = {}
    types: dict[str, int] = {}
    for index, item in enumerate(value):
        if item is _INVALID or not isinstance(item, dict):
            ok = False
            continue
        check = _Item(report, index)
        extension = _check_item(item, stored_secret, cloud, check)
        if extension is None or not check.ok:
            ok = False
            continue
        folded = extension.name.lower()
        if folded in names:
            check.error(
                "name",
                f"`{extension.name}` is already extensions[{names[folded]}]'s name: names are unique per cluster",
            )
        elif folded in reserved:
            check.error(
                "name", f"`{extension.name}` is the extension `{reserved[folded]}` installs: choose another name"
            )
        names.setdefault(folded, index)
        known = extension.known
        if known is not None and known.single_instance:
            if known.type in types:
                check.error(
                    "type", f"only one {known.title} extension per cluster (extensions[{types[known.type]}] is one)"
                )
            types.setdefault(known.type, index)
        ok = ok and check.ok
        out.append(extension)
    if stored_secret and out:
        # As for `policy` assignment names: a name in a URN cannot be encrypted.
        report.warn(
            "extensions",
            "is secret, but extension names become part of resource names (URNs), which Pulumi cannot encrypt: "
            "they are stored and shown in plain text",
        )
    if stored_secret and any(e.settings for e in out):
        report.warn(
            "extensions",
            "is secret (configurationProtectedSettings make it so), but configurationSettings stay in plain text in "
            "state and in the plan, as ARM returns them to anyone who can read the extension; put secret values in "
            "configurationProtectedSettings",
        )
    return tuple(out) if ok else _INVALID


def _check_item(
    item: Mapping[str, Any], stored_secret: bool, cloud: Cloud | None, check: _Item
) -> ExtensionSettings | None:
    extension_type = item.get("type")
    if extension_type is None:
        check.error(
            "type",
            f"is required: `pulumi config set --path '{NAMESPACE}:{check.where('type')}' Microsoft.AzureMonitor.Containers`",
        )
        return None
    if extension_type is _INVALID or not isinstance(extension_type, str):
        return None
    known = catalog.find(extension_type)
    if known is None:
        if not extension_type.strip() or _NAME_FORBIDDEN.search(extension_type):
            check.error("type", "is not an extension type (e.g. `Microsoft.AzureMonitor.Containers`)")
            return None
        # A secret `extensions` is not quoted back, not even as a "did you mean" (docs/security.md).
        close = "" if stored_secret else _did_you_mean(extension_type.lower(), [k.type for k in catalog.KNOWN])
        shown = "the type" if stored_secret else f"`{extension_type}`"
        check.warn(
            "type",
            f"{shown} is not in the catalog{close}: it is installed as given, its settings unchecked "
            "(docs/extensions.md lists the known types)",
        )
    elif known.own_key is not None:
        check.error(
            "type",
            f"`{known.type}` is installed by `{known.own_key}` (docs/extensions.md): set `{known.own_key}` instead",
        )
        return None
    name = _check_name(item.get("name"), known, check)
    scope, namespace = _check_scope(item, known, check)
    auto_upgrade, train, version = _check_versions(item, known, check)
    settings = _check_settings(item.get("configurationSettings"), known, cloud, check, protected=False)
    protected = _check_settings(item.get("configurationProtectedSettings"), known, cloud, check, protected=True)
    if protected and not stored_secret:
        for setting in protected:
            if protected[setting] != SECURE_PLACEHOLDER:
                check.error(
                    f"configurationProtectedSettings.{setting}",
                    "is stored in plain text; set it as a secret: "
                    f"`pulumi config set --secret --path '{NAMESPACE}:{check.where('configurationProtectedSettings')}."
                    f"{setting}' VALUE`",
                )
    if known is not None:
        _check_required(known, settings or {}, protected or {}, check)
        if cloud is not None and known.endpoints and cloud.name not in known.endpoints:
            check.warn(
                "type",
                f"no source lists {known.title}'s endpoints for {cloud.name}: none are added to the cluster's "
                "required endpoints or the preflight",
            )
        if known.not_done:
            check.warn("type", known.not_done)
    if not check.ok or name is None or settings is None or protected is None:
        return None
    if known is not None:
        settings = {**_program_settings(known, cloud), **settings}
    return ExtensionSettings(
        name=name,
        type=known.type if known is not None else extension_type,
        scope=scope,
        namespace=namespace,
        auto_upgrade_minor_version=auto_upgrade,
        release_train=train,
        version=version,
        settings=settings,
        protected=protected,
    )


def _check_name(value: Any, known: catalog.KnownExtension | None, check: _Item) -> str | None:
    if value is _INVALID:
        check.ok = False
        return None
    if not isinstance(value, str):
        if known is None:
            check.error(
                "name",
                f"is required for a type outside the catalog: `pulumi config set --path '{NAMESPACE}:{check.where('name')}' NAME`",
            )
            return None
        return known.default_name
    if not value or _NAME_FORBIDDEN.search(value) or len(value) > 253:
        check.error(
            "name", "must be 1-253 characters without spaces, `/`, `?`, `#`, `%` or `\\` (it is part of the ARM path)"
        )
        return None
    if known is not None and known.fixed_name and value.lower() != known.default_name:
        check.error(
            "name",
            f"must be `{known.default_name}` or unset: `az k8s-extension create` gives {known.title} that name "
            "whatever `--name` says (a single instance per cluster)",
        )
        return None
    return value


def _check_scope(
    item: Mapping[str, Any], known: catalog.KnownExtension | None, check: _Item
) -> tuple[str | None, str | None]:
    # Unset: known types are cluster-scoped; other types get no scope, as `az k8s-extension create`
    # without `--scope` sends none (DefaultExtension Create), and ARM applies the type's default.
    given = item.get("scope")
    scope = given if given is not None else ("cluster" if known is not None else None)
    release, target = item.get("releaseNamespace"), item.get("targetNamespace")
    if scope is None:
        if release is not None or target is not None:
            check.error("scope", "is required with releaseNamespace or targetNamespace: `cluster` or `namespace`")
        return None, None
    if scope not in EXTENSION_SCOPES:
        check.error("scope", f"must be `cluster` or `namespace`{_did_you_mean(str(scope), EXTENSION_SCOPES)}")
        return "cluster", None
    if known is not None and scope not in known.scopes:
        check.error("scope", f"{known.title} is installed at cluster scope only")
    if scope == "cluster" and target is not None:
        check.error(
            "targetNamespace", "applies to `scope: namespace`; a cluster-scoped extension takes `releaseNamespace`"
        )
    if scope == "namespace" and release is not None:
        check.error(
            "releaseNamespace", "applies to `scope: cluster`; a namespace-scoped extension takes `targetNamespace`"
        )
    namespace = release if scope == "cluster" else target
    key = "releaseNamespace" if scope == "cluster" else "targetNamespace"
    if isinstance(namespace, str) and not _NAMESPACE.fullmatch(namespace):
        check.error(
            key,
            "must be a Kubernetes namespace name: 1-63 lower-case letters, digits and `-`, alphanumeric at both ends",
        )
    if known is not None and known.fixed_name and release is not None and release != known.release_namespace:
        check.error(
            "releaseNamespace",
            f"must be `{known.release_namespace}` or unset: `az k8s-extension create` installs {known.title} there",
        )
    if namespace is None and known is not None and scope == "cluster":
        namespace = known.release_namespace
    return scope, namespace if isinstance(namespace, str) else None


def _check_versions(
    item: Mapping[str, Any], known: catalog.KnownExtension | None, check: _Item
) -> tuple[bool | None, str | None, str | None]:
    """autoUpgradeMinorVersion, releaseTrain, version, with the API's rules between them (SPEC: `version`
    needs autoUpgradeMinorVersion false; a release train applies only with it true)."""
    auto = item.get("autoUpgradeMinorVersion")
    train, version = item.get("releaseTrain"), item.get("version")
    auto_upgrade = True if auto is None else auto
    if version is not None and auto_upgrade is True:
        check.error("version", "pins a version only with `autoUpgradeMinorVersion: false`")
    if train is not None and auto_upgrade is False:
        check.error("releaseTrain", "applies only with `autoUpgradeMinorVersion: true` (the default)")
    if isinstance(version, str) and not re.fullmatch(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?", version):
        check.error("version", "must be a version such as `1.2.3`")
    if isinstance(train, str) and not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", train):
        check.error("releaseTrain", "must be a release train name such as `Stable` or `Preview`")
    if train is None and auto_upgrade is True and known is not None:
        train = known.release_train
    return auto_upgrade if isinstance(auto_upgrade, bool) else None, train, version


def _check_settings(
    value: Any, known: catalog.KnownExtension | None, cloud: Cloud | None, check: _Item, *, protected: bool
) -> dict[str, str] | None:
    key = "configurationProtectedSettings" if protected else "configurationSettings"
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.error(key, f"must be a mapping of setting names to values, not {_json_type(value)}")
        return None
    out: dict[str, str] = {}
    for name, raw in value.items():
        path = f"{key}.{name}"
        if raw == SECURE_PLACEHOLDER:
            if not protected:
                check.error(path, "is set with --secret: put secret values in configurationProtectedSettings")
                continue
            out[name] = raw
            continue
        listed = known.setting(name) if known is not None else None
        if listed is not None and listed.type == "dataCollection":
            text = _data_collection(raw, check, path)
            if text is None:
                continue
        else:
            text = _text(raw)
        if text is None:
            check.error(path, f"must be a string, a boolean or a number, not {_json_type(raw)}")
            continue
        if known is not None and not _check_known_setting(name, text, known, check, path, protected):
            continue
        out[name] = text
    return out if check.ok else None


def _data_collection(raw: Any, check: _Item, path: str) -> str | None:
    """Container Insights' `dataCollectionSettings`, checked as CI `_get_container_insights_settings`
    checks it, as compact JSON text (ARM takes strings); None after an error."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            check.error(path, "must be a mapping (or its JSON text)")
            return None
    if not isinstance(value, dict):
        check.error(path, f"must be a mapping (or its JSON text), not {_json_type(value)}")
        return None
    problems = []
    interval = value.get("interval")
    if "interval" in value:
        minutes = re.fullmatch(r"([0-9]+)m", interval) if isinstance(interval, str) else None
        if minutes is None:
            problems.append("interval must be <number>m")
        elif not 0 < int(minutes.group(1)) <= catalog.DATA_COLLECTION_INTERVAL_MAX:
            problems.append(f"interval must be from 1m to {catalog.DATA_COLLECTION_INTERVAL_MAX}m")
    mode = value.get("namespaceFilteringMode")
    if "namespaceFilteringMode" in value and not (
        isinstance(mode, str) and mode.lower() in catalog.NAMESPACE_FILTERING_MODES
    ):
        problems.append("namespaceFilteringMode must be Off, Exclude or Include")
    for field_ in ("namespaces", "streams"):
        if field_ in value and not isinstance(value[field_], list):
            problems.append(f"{field_} must be a list")
    if "enableContainerLogV2" in value and not isinstance(value["enableContainerLogV2"], bool):
        problems.append("enableContainerLogV2 must be true or false")
    for problem in problems:
        check.error(path, problem)
    return None if problems else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _check_known_setting(
    name: str, text: str, known: catalog.KnownExtension, check: _Item, path: str, protected: bool
) -> bool:
    setting = known.setting(name)
    if setting is None:
        # Known types take more settings than the catalog lists (their Helm values): only a near miss
        # of a listed name is a problem. A difference in case is an error (settings are case-sensitive).
        folded = {s.name.lower(): s.name for s in known.settings}
        if name.lower() in folded:
            check.error(path, f"unknown setting (did you mean `{folded[name.lower()]}`? names are case-sensitive)")
            return False
        close = _did_you_mean(name, [s.name for s in known.settings])
        if close:
            check.warn(path, f"is not a setting the catalog lists for {known.title}{close}; it is passed on as given")
        return True
    if setting.filled:
        check.error(path, f"is set by the program for {known.title} (as `az k8s-extension create` does): leave it out")
        return False
    if setting.protected != protected:
        where = "configurationProtectedSettings" if setting.protected else "configurationSettings"
        check.error(path, f"belongs in {where}")
        return False
    problem = _type_problem(setting, text)
    if problem:
        check.error(path, problem)
        return False
    return True


def _type_problem(setting: catalog.Setting, text: str) -> str | None:
    if setting.type == "boolean" and text.lower() not in ("true", "false"):
        return "must be true or false"
    if setting.allowed is not None and text.lower() not in {a.lower() for a in setting.allowed}:
        return f"must be {' or '.join(f'`{a}`' for a in setting.allowed)} here (docs/extensions.md)"
    if setting.type == "resourceId" and setting.resource and not resource_id_pattern(setting.resource).fullmatch(text):
        return (
            f"must be the ARM id of a {setting.resource}: "
            f"/subscriptions/<guid>/resourceGroups/<group>/providers/{setting.resource}/<name>"
        )
    if setting.type == "interval" and not _DURATION.fullmatch(text):
        return "must be a duration such as `2m`, `90s` or `1h`"
    if setting.name == "proxyEndpoint" and not re.fullmatch(r"https?://[^\s]+", text, re.IGNORECASE):
        # CI `_get_container_insights_settings`: http(s)://<user>:<pwd>@<proxyhost>:<port>
        return "must be http(s)://user:password@host:port"
    return None


def _check_required(
    known: catalog.KnownExtension, settings: Mapping[str, str], protected: Mapping[str, str], check: _Item
) -> None:
    for setting in known.settings:
        given = protected if setting.protected else settings
        if setting.required and setting.name not in given:
            where = "configurationProtectedSettings" if setting.protected else "configurationSettings"
            check.error(
                f"{where}.{setting.name}",
                f"is required for {known.title}: `pulumi config set --path "
                f"'{NAMESPACE}:{check.where(where)}.{setting.name}' VALUE`",
            )


def _program_settings(known: catalog.KnownExtension, cloud: Cloud | None) -> dict[str, str]:
    """The plain settings `az k8s-extension create` adds for a known type (the looked-up ones, the
    workspace's id and key, are added by components/arc_extensions.py)."""
    out: dict[str, str] = {}
    if known.type == catalog.CONTAINER_INSIGHTS_TYPE:
        # CI: managed identity unless told otherwise (only `true` passes the checks here).
        out[catalog.AAD_AUTH_SETTING] = "true"
    if known.type == catalog.DEFENDER_TYPE:
        # DEF: the workspace's key, not managed identity.
        out[catalog.AAD_AUTH_SETTING] = "false"
    if known.type in (catalog.CONTAINER_INSIGHTS_TYPE, catalog.DEFENDER_TYPE) and cloud is not None:
        domain = catalog.CONTAINER_INSIGHTS_DOMAINS.get(cloud.name)
        if domain:
            out["amalogs.domain"] = domain
    return out
