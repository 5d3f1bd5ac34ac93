"""Read, validate and type the stack configuration.

The engine hands the program every config value as a string (objects and arrays JSON-encoded) and
tells which top-level keys are secret. `load()` turns that into typed, validated settings, or
raises `ConfigError` listing every problem at once, each naming the full key. Nothing here talks
to Azure or Kubernetes: it runs before any resource is registered, under `pulumi up` and the
offline plan alike.
"""

from __future__ import annotations

import base64
import datetime
import difflib
import functools
import ipaddress
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import SplitResult, urlsplit

import yaml

from . import detection, network, regions
from .clouds import CLOUDS, Cloud
from .keys import KeyFormatError, pkcs1_public_key_der, public_key_of_private_pem
from .schema import CLUSTER_FIELDS, DEFAULT_PREFLIGHT_IMAGE, NAMESPACE, SCHEMA, Key, default_of

# libyaml's parser when the wheel has it: kubeconfig and stack files can be large in fleets.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The offline plan stands this in for a `secure:` value it cannot decrypt. Such a value is secret
# and left unvalidated; the plan lists where it stood.
SECURE_PLACEHOLDER = "[secure value, not decrypted offline]"

# The az CLI's `Distribution_Enum_Values` (connectedk8s `_constants.py`).
DISTRIBUTIONS = (
    "generic", "openshift", "rancher_rke", "kind", "k3s", "minikube", "gke", "eks", "aks",
    "aks_management", "aks_workload", "capz", "aks_engine", "tkg", "canonical", "karbon",
    "aks_edge_k3s", "aks_edge_k8s",
)  # fmt: skip
# The well-known part of the CLI's `Infrastructure_Enum_Values`; the CLI also accepts many Windows
# SKU strings, so an unlisted value is a warning, and ARM takes free strings.
INFRASTRUCTURES = (
    "generic", "azure", "aws", "gcp", "azure_stack_hci", "azure_stack_hub", "azure_stack_edge",
    "vsphere", "windows_server",
)  # fmt: skip
# Our explicit opt-in to the CLI's node heuristics (the CLI runs them when it sees `generic`).
AUTO = "auto"
# Offline/testing hook: a `kubectl get nodes -o json` dump read instead of the live cluster
# (`python -m components.plan --nodes-file PATH` sets it).
NODES_FILE_ENV = "ARC_ONBOARDING_NODES_FILE"
MIN_CHART_VERSION = (1, 14, 0)
# `kubeconfig: in-cluster`: the pod's service account (an operator inside the cluster it onboards).
IN_CLUSTER = "in-cluster"  # the az CLI refuses older stable agents on the /v2/ chart path

_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")
_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_TAG_NAME_FORBIDDEN = set('<>%&\\?/')
# `git check-ref-format --branch`, compactly: no control characters, spaces or ~^:?*[\, no `..`,
# `@{` or `//`, not starting with `-`, `.` or `/`, not ending with `/`, `.` or `.lock`.
_GIT_BRANCH = re.compile(r"(?!.*(?:\.\.|@\{|//|\.lock$|[./]$))(?![-./])[^\x00-\x20\x7f~^:?*\[\\]+")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# ARM ids compare case-insensitively, so the fixed segments do too.
_PRIVATE_LINK_SCOPE_ID = re.compile(
    rf"/subscriptions/{_GUID.pattern}/resourceGroups/[-\w.()]{{1,90}}"
    r"/providers/Microsoft\.HybridCompute/privateLinkScopes/[-\w.]+",
    re.I,
)


def component_name(resource_group: str, cluster_name: str) -> str:
    """A cluster's logical name: ARM compares both names case-insensitively, and neither may
    contain '/'. It names the component, prefixes its children and identifies the cluster."""
    return f"{resource_group}/{cluster_name}".lower()


class ConfigError(Exception):
    """Invalid configuration: `problems` holds one line per problem, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ProxySettings:
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: tuple[str, ...] = ()
    ca_cert_file: str | None = None
    ca_cert_pem: str | None = None
    # True when the values must stay secret: `proxy` was set with --secret, or a URL has credentials.
    secret: bool = False

    @property
    def enabled(self) -> bool:
        """The chart's `isProxyEnabled`: any of the three settings, as the az CLI decides it."""
        return bool(self.http_proxy or self.https_proxy or self.no_proxy)


@dataclass(frozen=True)
class AgentSettings:
    chart: str
    chart_version: str
    auto_upgrade: bool
    timeout_seconds: int
    # An adopted onboarding's key (PKCS#1 PEM): used instead of generating one. Always secret.
    private_key_pem: str | None = None
    # Its public half, base64 PKCS#1; None with a key only when the offline plan could not decrypt it.
    public_key: str | None = None


@dataclass(frozen=True)
class FeatureSettings:
    """Agent features as `az connectedk8s enable-features` sets them (Helm values only)."""

    cluster_connect: bool = True
    custom_locations_oid: str | None = None
    azure_rbac: bool = False
    azure_rbac_skip_list: tuple[str, ...] = ()
    # `features` was set with --secret: its values stay secret in the Helm values.
    secret: bool = False


@dataclass(frozen=True)
class GitOpsSettings:
    url: str
    branch: str
    path: str
    sync_interval_seconds: int
    https_user: str | None = None
    # Kept out of repr so no traceback or debug print can show it.
    https_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PreflightSettings:
    enabled: bool = True
    image: str = DEFAULT_PREFLIGHT_IMAGE


@dataclass(frozen=True)
class KubeTarget:
    path: str  # as resolved, for messages and the plan
    content: str | None  # None when in-cluster, or the file does not exist (a warning)
    context: str | None  # None when in-cluster, or the file is missing and no kubeContext is set
    context_source: str  # "kubeContext", "current-context" or "in-cluster"


@dataclass(frozen=True)
class ClusterSettings:
    cluster_name: str
    resource_group: str
    location: str
    create_resource_group: bool
    tags: Mapping[str, str]
    kube: KubeTarget
    distribution: str
    infrastructure: str
    agents: AgentSettings
    proxy: ProxySettings
    preflight: PreflightSettings = PreflightSettings()
    # Config keys set as secrets: their values stay secret wherever they flow.
    secret_keys: frozenset[str] = frozenset()
    gitops: GitOpsSettings | None = None
    private_link_scope_id: str | None = None
    features: FeatureSettings = FeatureSettings()
    verify: bool = True
    protect: bool = False

    def is_secret(self, key: str) -> bool:
        return key in self.secret_keys

    @property
    def network_conditions(self) -> frozenset[str]:
        """Which of the agents' conditional endpoints this cluster needs (components/network.py)."""
        return network.conditions(
            auto_upgrade=self.agents.auto_upgrade,
            cluster_connect=self.features.cluster_connect,
            azure_rbac=self.features.azure_rbac,
            extensions=self.gitops is not None,
        )


@dataclass(frozen=True)
class GroupSettings:
    """One resource group per name (ARM compares group names case-insensitively)."""

    name: str
    location: str
    create: bool
    tags: Mapping[str, str]
    secret_keys: frozenset[str] = frozenset()

    def is_secret(self, key: str) -> bool:
        return key in self.secret_keys


@dataclass(frozen=True)
class StackSettings:
    cloud: Cloud
    register_providers: bool
    groups: tuple[GroupSettings, ...]
    clusters: tuple[ClusterSettings, ...]
    warnings: tuple[str, ...] = ()
    # Keys whose `secure:` values the offline plan could not decrypt.
    unvalidated: tuple[str, ...] = ()


@dataclass
class _Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unvalidated: list[str] = field(default_factory=list)
    # Maps a key path within a cluster to the key the user wrote (a fleet item's or the default's).
    where: Callable[[str], str] = lambda path: path
    # "clusters[N]." in a fleet: problems of the item itself (a missing name, a duplicate) name it.
    item: str = ""

    def error(self, path: str, message: str) -> None:
        self.errors.append(_one_line(f"{NAMESPACE}:{self.where(path)}: {message}"))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(_one_line(f"{NAMESPACE}:{self.where(path)}: {message}"))

    def item_error(self, path: str, message: str) -> None:
        self.errors.append(_one_line(f"{NAMESPACE}:{self.item}{path}: {message}"))

    def scoped(self, where: Callable[[str], str], item: str) -> "_Report":
        return _Report(self.errors, self.warnings, self.unvalidated, where, item)


_INVALID = object()


def _one_line(problem: str) -> str:
    """Key names and file paths come from the user: escape control characters so that a problem
    stays one printable line (a newline in a tag name must not forge a second problem)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in problem)


def _exists(path: Path) -> bool:
    """Path.exists, except that a name the OS refuses (too long, a NUL byte) counts as missing."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    known = list(known)
    folded = {k.lower(): k for k in known}
    match = folded.get(name.lower())
    if match is None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        match = close[0] if close else None
    return f" (did you mean `{match}`?)" if match else ""


def _coerce(value: Any, key: Key, path: str, report: _Report, encoded: bool) -> Any:
    """Type-check a value (no defaults filled in); `encoded` values come straight from the engine."""
    if value == SECURE_PLACEHOLDER:
        report.unvalidated.append(f"{NAMESPACE}:{path}")
        return value if key.type == "string" else None  # unset: the default applies
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
            except ValueError:
                part = f"{path}[0]" if key.type == "array" else f"{path}.NAME"
                shape = "a list" if key.type == "array" else "a mapping"
                report.error(
                    path,
                    f"must be {shape}, not a string; set its parts with "
                    f"`pulumi config set --path '{NAMESPACE}:{part}' VALUE`",
                )
                return _INVALID
        if key.type == "array":
            return _coerce_array(value, key, path, report)
        if key.type == "map":
            return _coerce_map(value, path, report)
        return _coerce_object(value, key.fields, path, report)
    return _INVALID


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


def _coerce_array(value: Any, key: Key, path: str, report: _Report) -> Any:
    if not isinstance(value, list):
        report.error(path, f"must be a list, not {_json_type(value)}")
        return _INVALID
    items = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if key.items == "object":
            items.append(_coerce_object(item, key.fields, item_path, report))
        elif item == SECURE_PLACEHOLDER:
            report.unvalidated.append(f"{NAMESPACE}:{item_path}")
            items.append(item)
        elif not isinstance(item, str):
            report.error(item_path, f"must be a string, not {_json_type(item)}")
        else:
            items.append(item)
    return items


def _coerce_map(value: Any, path: str, report: _Report) -> Any:
    if not isinstance(value, dict):
        report.error(path, f"must be a mapping of names to strings, not {_json_type(value)}")
        return _INVALID
    out: dict[str, str] = {}
    for name, item in value.items():
        if item == SECURE_PLACEHOLDER:
            report.unvalidated.append(f"{NAMESPACE}:{path}.{name}")
        elif not isinstance(item, str):
            report.error(f"{path}.{name}", f"must be a string, not {_json_type(item)}")
            continue
        out[name] = item
    return out


def _coerce_object(value: Any, fields: Mapping[str, Key], path: str, report: _Report) -> Any:
    if not isinstance(value, dict):
        report.error(path, f"must be a mapping, not {_json_type(value)}")
        return _INVALID
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name not in fields:
            hint = " (a stack-wide key: set it at the top level)" if name in SCHEMA else ""
            report.error(f"{path}.{name}", f"unknown key{hint or _did_you_mean(name, fields)}")
        elif item is not None:
            out[name] = _coerce(item, fields[name], f"{path}.{name}", report, encoded=False)
    return out


def _read_raw(config: Mapping[str, Any], report: _Report) -> dict[str, Any]:
    """The namespace's keys that are set, type-checked; unknown and flat keys reported."""
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
    tree: dict[str, Any] = {}
    for name in sorted(raw):
        key = SCHEMA.get(name)
        if key is not None:
            tree[name] = _coerce(raw[name], key, name, report, encoded=True)
            continue
        head = re.split(r"[.\[]", name, maxsplit=1)[0]
        if head != name and head in SCHEMA:
            report.error(
                name,
                f"is a flat key; nested keys need --path: `pulumi config rm '{NAMESPACE}:{name}'` "
                f"then `pulumi config set --path '{NAMESPACE}:{name}' VALUE`",
            )
        else:
            report.error(name, f"unknown key{_did_you_mean(name, SCHEMA)}")
    return tree


def _merge(defaults: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """A fleet item over the top-level defaults: objects key by key, arrays and scalars replaced."""
    merged = dict(defaults)
    for name, value in item.items():
        base = merged.get(name)
        both_objects = isinstance(base, dict) and isinstance(value, dict)
        merged[name] = _merge(base, value) if both_objects else value
    return merged


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


def _item_origin(item: Mapping[str, Any], index: int) -> Callable[[str], str]:
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
        return f"clusters[{index}].{path}"

    return where


def load(
    config: Mapping[str, Any],
    secret_keys: Iterable[str],
    project_dir: Path,
    environ: Mapping[str, str],
    today: datetime.date | None = None,
) -> StackSettings:
    """Validate the engine's config map; raise ConfigError listing every problem."""
    report = _Report()
    secret_names = {
        k[len(NAMESPACE) + 1:] for k in secret_keys if k.startswith(f"{NAMESPACE}:")
    }
    raw = _read_raw(config, report)
    cloud = _check_cloud(raw.get("cloud", default_of(SCHEMA["cloud"])), config.get("azure-native:environment"), report)
    defaults = {k: v for k, v in raw.items() if k in CLUSTER_FIELDS}
    day = today or datetime.date.today()

    items: list[tuple[dict[str, Any], _Report, frozenset[str]]] = []
    fleet = "clusters" in raw
    if not fleet:
        items.append((defaults, report, frozenset(secret_names & set(CLUSTER_FIELDS))))
    elif "clusterName" in raw:
        report.error("clusters", "set either clusters (a fleet) or clusterName (one cluster), not both")
    elif raw["clusters"] is not _INVALID:
        if not raw["clusters"]:
            report.error("clusters", "must list at least one cluster")
        if "location" not in raw:
            report.error("location", "is required in a fleet: it is the location of every group the stack creates")
        for index, item in enumerate(raw["clusters"]):
            if item is _INVALID:
                continue
            # A secret default stays secret in every item: merged objects keep some of its values.
            inherited = secret_names & set(CLUSTER_FIELDS)
            # One secure leaf makes the whole `clusters` key secret; names still form URNs.
            own = set(item) - {"clusterName", "resourceGroup"} if "clusters" in secret_names else set()
            items.append((_merge(defaults, item), report.scoped(_item_origin(item, index), f"clusters[{index}]."), frozenset(inherited | own)))

    clusters: list[ClusterSettings | None] = []
    for tree, scoped, secret in items:
        clusters.append(_build_cluster(_with_defaults(tree, CLUSTER_FIELDS), secret, cloud, project_dir, environ, day, scoped))
    built = [c for c in clusters if c is not None]
    groups = _fleet_checks(clusters, items, raw if fleet else None, secret_names, report)
    if report.errors:
        raise ConfigError(list(dict.fromkeys(report.errors)))
    assert cloud is not None and len(built) == len(clusters)
    return StackSettings(
        cloud=cloud,
        register_providers=raw.get("registerProviders", default_of(SCHEMA["registerProviders"])),
        groups=groups,
        clusters=tuple(built),
        warnings=tuple(dict.fromkeys(report.warnings)),
        unvalidated=tuple(sorted(set(report.unvalidated))),
    )


def _fleet_checks(
    clusters: list[ClusterSettings | None],
    items: list[tuple[dict[str, Any], _Report, frozenset[str]]],
    fleet: Mapping[str, Any] | None,
    secret_names: set[str],
    report: _Report,
) -> tuple[GroupSettings, ...]:
    """Cross-cluster rules, and one group per group name."""
    groups: dict[str, GroupSettings] = {}
    names: dict[tuple[str, str], int] = {}
    targets: dict[tuple[str, str | None], int] = {}
    for index, cluster in enumerate(clusters):
        if cluster is None:
            continue
        scoped = items[index][1]
        key = (cluster.resource_group.lower(), cluster.cluster_name.lower())
        if key in names:
            scoped.item_error("clusterName", f"{cluster.cluster_name!r} is already in group {cluster.resource_group!r} "
                         f"(clusters[{names[key]}]); ARM names compare case-insensitively")
        names.setdefault(key, index)
        target = (cluster.kube.path, cluster.kube.context)
        if target in targets:
            scoped.item_error("kubeContext", f"same kubeconfig file and context as clusters[{targets[target]}]: "
                         "one cluster cannot be onboarded twice")
        targets.setdefault(target, index)

        group_key = cluster.resource_group.lower()
        if fleet is None:
            group = GroupSettings(cluster.resource_group, cluster.location, cluster.create_resource_group,
                                  cluster.tags, cluster.secret_keys & {"location", "tags"})
        else:
            location = regions.normalize(fleet["location"]) if isinstance(fleet.get("location"), str) else ""
            tags = fleet.get("tags") if isinstance(fleet.get("tags"), dict) else {}
            group = GroupSettings(cluster.resource_group, location, cluster.create_resource_group,
                                  tags, frozenset(secret_names & {"location", "tags"}))
        existing = groups.setdefault(group_key, group)
        if existing.create != group.create:
            scoped.item_error("createResourceGroup", f"group {cluster.resource_group!r} is created by one item and "
                         "adopted by another: set the same createResourceGroup for every item of a group")
    return tuple(groups.values())


def _check_cloud(name: Any, native_env: Any, report: _Report) -> Cloud | None:
    if name is _INVALID:
        return None
    cloud = CLOUDS.get(name)
    if cloud is None:
        report.error("cloud", f"must be one of {', '.join(CLOUDS)}{_did_you_mean(name, CLOUDS)}")
        return None
    if isinstance(native_env, str) and native_env.strip().lower() != cloud.native_environment:
        report.error(
            "cloud",
            f"is {cloud.name} but azure-native:environment is {native_env!r}; "
            f"set azure-native:environment to {cloud.native_environment!r} or change cloud",
        )
    return cloud


def _build_cluster(
    tree: Mapping[str, Any],
    secret: frozenset[str],
    cloud: Cloud | None,
    project_dir: Path,
    environ: Mapping[str, str],
    today: datetime.date,
    report: _Report,
) -> ClusterSettings | None:
    for name in ("clusterName", "resourceGroup"):
        if name in secret:
            report.error(
                name,
                "is set as a secret, but it becomes part of resource names and URNs, which Pulumi "
                "cannot encrypt; set it without --secret",
            )
        if tree[name] is None:
            report.item_error(name, f"is required: `pulumi config set {NAMESPACE}:{name} VALUE`")
    if tree["location"] is None:
        report.item_error("location", f"is required: `pulumi config set {NAMESPACE}:location VALUE`")
    cluster_name = _check_cluster_name(tree["clusterName"], report)
    group = _check_group_name(tree["resourceGroup"], report)
    location = _check_location(tree["location"], cloud, "location" in secret, report)
    tags = _check_tags(tree["tags"], report)
    distribution = _check_distribution(tree["distribution"], report)
    infrastructure = _check_infrastructure(tree["infrastructure"], report)
    agents = _check_agents(tree["agents"], "agents" in secret, project_dir, report)
    proxy = _check_proxy(tree["proxy"], "proxy" in secret, project_dir, today, report)
    kube = _resolve_kube(
        tree["kubeconfig"], tree["kubeContext"], "kubeContext" in secret, project_dir, environ, report
    )
    gitops = _check_gitops(tree["gitops"], "gitops" in secret, report)
    private_link = _check_private_link(tree["privateLink"], report)
    features = _check_features(tree["features"], private_link, "features" in secret, report)
    if kube and distribution and infrastructure:
        distribution, infrastructure = _detect(distribution, infrastructure, kube, environ, report)
    preflight = _check_preflight(tree["preflight"], report)
    create_group = tree["createResourceGroup"]
    if proxy and location and agents and cloud:
        held = network.conditions(
            auto_upgrade=agents.auto_upgrade,
            cluster_connect=features.cluster_connect if features else True,
            azure_rbac=features.azure_rbac if features else False,
            extensions=isinstance(gitops, GitOpsSettings),
        )
        _check_proxy_routes(proxy, cloud, location, held, report)
    if preflight and preflight.enabled and cloud and not network.documented(cloud.name):
        report.warn(
            "preflight.enabled",
            f"no endpoint list is documented for {cloud.name}, so there is nothing to check: the preflight "
            "is skipped",
        )
    flags = (create_group, tree["verify"], tree["protect"])
    parts = (cluster_name, group, location, tags, distribution, infrastructure, agents, proxy, kube, features, preflight)
    if any(p is None or p is _INVALID for p in parts) or _INVALID in (*flags, gitops, private_link):
        return None
    assert cluster_name and group and location and distribution and infrastructure
    assert tags is not None and agents and proxy and kube and features and preflight
    return ClusterSettings(
        cluster_name=cluster_name,
        resource_group=group,
        location=location,
        create_resource_group=create_group,
        tags=tags,
        kube=kube,
        distribution=distribution,
        infrastructure=infrastructure,
        agents=agents,
        proxy=proxy,
        preflight=preflight,
        secret_keys=secret | ({"proxy"} if proxy.secret else frozenset()),
        gitops=gitops,
        private_link_scope_id=private_link,
        features=features,
        verify=tree["verify"],
        protect=tree["protect"],
    )


def _check_cluster_name(value: Any, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    if not _CLUSTER_NAME.fullmatch(value):
        report.error(
            "clusterName",
            "must be 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
        )
        return None
    return value


def _check_group_name(value: Any, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    if not _GROUP_NAME.fullmatch(value) or value.endswith("."):
        report.error(
            "resourceGroup",
            "must be 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
        )
        return None
    return value


def _check_location(value: Any, cloud: Cloud | None, secret: bool, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    location = regions.normalize(value)
    if not re.fullmatch(r"[a-z0-9]+", location):
        report.error("location", "must be an Azure region name such as eastus or 'East US'")
        return None
    if cloud is not None and location not in regions.REGIONS_BY_CLOUD[cloud.name]:
        hint = regions.suggestion(location, cloud.name)
        report.warn(
            "location",
            f"{'the value' if secret else repr(location)} is not a {cloud.name} region known offline"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + "; ARM has the final word at `pulumi up`",
        )
    return location


def _check_tags(value: Any, report: _Report) -> dict[str, str] | None:
    if value is _INVALID:
        return None
    ok = True
    if len(value) > 50:
        report.error("tags", "ARM allows at most 50 tags on a resource")
        ok = False
    for name, tag in value.items():
        if not name.strip() or len(name) > 512 or _TAG_NAME_FORBIDDEN & set(name):
            report.error(f"tags.{name}", "tag names are 1-512 characters without < > % & \\ ? /")
            ok = False
        if len(tag) > 256:
            report.error(f"tags.{name}", "tag values are at most 256 characters")
            ok = False
    return dict(value) if ok else None


def _check_distribution(value: Any, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    if value not in DISTRIBUTIONS and value != AUTO:
        report.error(
            "distribution",
            f"must be one of {', '.join(DISTRIBUTIONS)}, or {AUTO}{_did_you_mean(value, DISTRIBUTIONS)}",
        )
        return None
    return value


def _check_infrastructure(value: Any, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    if not value.strip() or "\n" in value:
        report.error("infrastructure", "must be a non-empty single-line string")
        return None
    if value not in INFRASTRUCTURES and value != AUTO:
        report.warn(
            "infrastructure",
            f"{value!r} is not one of {', '.join(INFRASTRUCTURES)}{_did_you_mean(value, INFRASTRUCTURES)}; "
            "it is sent to ARM as given",
        )
    return value


def _detect(
    distribution: str, infrastructure: str, kube: KubeTarget, environ: Mapping[str, str], report: _Report
) -> tuple[str | None, str | None]:
    """Resolve `auto` from the target's nodes, as the CLI's heuristics would; (None, None) if unreadable."""
    if AUTO not in (distribution, infrastructure):
        return distribution, infrastructure
    key = "distribution" if distribution == AUTO else "infrastructure"
    try:
        nodes = detection.parse_nodes(_nodes_json(kube, environ))
    except detection.NodesError as error:
        # The failure is this cluster's, even when `auto` came from a fleet default: name the item.
        report.item_error(key, f"{AUTO}: {error}")
        return None, None
    return (
        detection.detect_distribution(nodes) if distribution == AUTO else distribution,
        detection.detect_infrastructure(nodes, INFRASTRUCTURES) if infrastructure == AUTO else infrastructure,
    )


def _nodes_json(kube: KubeTarget, environ: Mapping[str, str]) -> str:
    fixture = environ.get(NODES_FILE_ENV)
    if fixture:
        try:
            return Path(fixture).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise detection.NodesError(f"the nodes file {fixture} ({NODES_FILE_ENV}) cannot be read") from None
    if kube.path == IN_CLUSTER:
        return detection.read_nodes(None, None, environ)
    if kube.content is None:
        raise detection.NodesError(f"needs the cluster, but the kubeconfig {kube.path} does not exist here")
    return detection.read_nodes(kube.path, kube.context, environ)


def _check_private_link(value: Any, report: _Report) -> Any:
    """The private link scope's ARM id, None when private link is off, or _INVALID."""
    if value is _INVALID:
        return _INVALID
    scope = value["scopeResourceId"]
    if scope is None or scope is _INVALID or scope == SECURE_PLACEHOLDER:
        return scope
    if not _PRIVATE_LINK_SCOPE_ID.fullmatch(scope):
        report.error(
            "privateLink.scopeResourceId",
            "must be the ARM id of a private link scope: /subscriptions/<guid>/resourceGroups/<group>"
            "/providers/Microsoft.HybridCompute/privateLinkScopes/<name>",
        )
        return _INVALID
    return scope


def _check_features(value: Any, private_link: Any, stored_secret: bool, report: _Report) -> FeatureSettings | None:
    """The az CLI's rules: private link excludes cluster-connect and custom locations, which need it."""
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    connect, oid = value["clusterConnect"], value["customLocationsOid"]
    rbac, skip = value["azureRbac"], value["azureRbacSkipList"]
    if private_link is not None:
        if connect is True:
            report.error(
                "features.clusterConnect",
                "cannot be true with privateLink.scopeResourceId: private link turns cluster-connect off",
            )
            ok = False
        if oid is not None:
            report.error(
                "features.customLocationsOid",
                "custom locations cannot be used with privateLink.scopeResourceId (they need "
                "cluster-connect, which private link turns off)",
            )
            ok = False
    elif connect is False and oid is not None:
        report.error(
            "features.customLocationsOid",
            "custom locations need cluster-connect: remove features.clusterConnect: false",
        )
        ok = False
    if isinstance(oid, str) and oid != SECURE_PLACEHOLDER and not _GUID.fullmatch(oid):
        report.error(
            "features.customLocationsOid",
            "must be an object id (a GUID): `az ad sp show --id bc313c14-388c-4e7d-a58e-70017303ee3b "
            "--query id -o tsv`",
        )
        ok = False
    if isinstance(skip, list):
        if skip and rbac is not True:
            report.error("features.azureRbacSkipList", "only applies with features.azureRbac: true")
            ok = False
        for index, entry in enumerate(skip):
            if entry != SECURE_PLACEHOLDER and (not entry.strip() or "," in entry or any(c.isspace() for c in entry)):
                report.error(
                    f"features.azureRbacSkipList[{index}]",
                    "must be one user, email or object id: not empty, no commas or spaces",
                )
                ok = False
    if not ok:
        return None
    return FeatureSettings(
        cluster_connect=connect if connect is not None else private_link is None,
        custom_locations_oid=oid,
        azure_rbac=rbac,
        azure_rbac_skip_list=tuple(skip or ()),
        secret=stored_secret,
    )


def _check_agent_key(value: Mapping[str, Any], stored_secret: bool, report: _Report) -> tuple[bool, str | None]:
    """An adopted key: (valid, its public half as base64 PKCS#1). Never echoes either key."""
    private, public = value["privateKey"], value["publicKeyCertificate"]
    derived = None
    if isinstance(private, str) and private != SECURE_PLACEHOLDER:
        if not stored_secret:
            _warn_plaintext(
                report, "agents.privateKey", "is stored",
                "\"$(kubectl -n azure-arc get secret azure-arc-connect-privatekey "
                "-o jsonpath='{.data.privateKey}' | base64 -d)\"",
            )  # fmt: skip
        try:
            derived = public_key_of_private_pem(private)
        except KeyFormatError as error:
            report.error(
                "agents.privateKey",
                f"must be the unencrypted PKCS#1 PEM (-----BEGIN RSA PRIVATE KEY-----) of the cluster's "
                f"azure-arc-connect-privatekey secret: {error}",
            )
            return False, None
    if not isinstance(public, str) or public == SECURE_PLACEHOLDER:
        return True, derived
    if private is None:
        report.error(
            "agents.publicKeyCertificate",
            "is only a check of agents.privateKey: set both (adopting an onboarding) or neither",
        )
        return False, None
    try:
        given = pkcs1_public_key_der(public)
    except KeyFormatError as error:
        report.error(
            "agents.publicKeyCertificate",
            f"must be the base64 PKCS#1 public key `az connectedk8s show` prints ({error})",
        )
        return False, None
    if derived is not None and base64.b64decode(derived) != given:
        report.error(
            "agents.publicKeyCertificate",
            "does not match agents.privateKey: the key is not the one this connected cluster was "
            "onboarded with (check both come from the same cluster)",
        )
        return False, None
    return True, derived or base64.b64encode(given).decode("ascii")


def parse_version(version: str) -> tuple[int, int, int] | None:
    match = _SEMVER.fullmatch(version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _check_agents(value: Any, stored_secret: bool, project_dir: Path, report: _Report) -> AgentSettings | None:
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    key_ok, public_key = _check_agent_key(value, stored_secret, report)
    ok = ok and key_ok
    version = value["chartVersion"]
    if isinstance(version, str):
        parsed = parse_version(version)
        if parsed is None:
            report.error("agents.chartVersion", "must be a semantic version such as 1.36.1")
            ok = False
        elif parsed < MIN_CHART_VERSION:
            report.error("agents.chartVersion", "must be 1.14.0 or newer (older agents are not served on the v2 chart path)")
            ok = False
    chart = value["chart"]
    if isinstance(chart, str) and not _check_chart(chart, project_dir, report):
        ok = False
    timeout = value["timeoutSeconds"]
    if isinstance(timeout, int) and timeout <= 0:
        report.error("agents.timeoutSeconds", "must be a positive number of seconds")
        ok = False
    if not ok:
        return None
    return AgentSettings(
        chart=chart,
        chart_version=version,
        auto_upgrade=value["autoUpgrade"],
        timeout_seconds=timeout,
        private_key_pem=value["privateKey"],
        public_key=public_key,
    )


def _check_chart(chart: str, project_dir: Path, report: _Report) -> bool:
    try:
        parts = urlsplit(chart)
    except ValueError:  # e.g. an unclosed "[" in the host
        report.error("agents.chart", "is not a valid oci:// reference or local chart path")
        return False
    scheme = parts.scheme
    if chart.startswith("oci://"):
        if not parts.netloc or not parts.path.strip("/"):
            report.error("agents.chart", "an oci:// reference needs a registry and a repository")
            return False
        return True
    if scheme and len(scheme) > 1:  # a one-letter "scheme" is a Windows drive
        report.error(
            "agents.chart",
            f"scheme {scheme}:// is not supported; use an oci:// reference or a local chart path",
        )
        return False
    if not chart.strip():
        report.error("agents.chart", "must not be empty")
        return False
    if not _exists(project_dir / chart):
        report.error("agents.chart", "local chart path does not exist (relative to the project directory)")
        return False
    return True


def _check_proxy(
    value: Any, stored_secret: bool, project_dir: Path, today: datetime.date, report: _Report
) -> ProxySettings | None:
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    has_credentials = False
    for name in ("httpProxy", "httpsProxy"):
        url = value[name]
        if isinstance(url, str) and url != SECURE_PLACEHOLDER:
            verdict = _check_proxy_url(url, f"proxy.{name}", report)
            ok = ok and verdict is not None
            if verdict:
                has_credentials = True
                if not stored_secret:
                    _warn_plaintext(report, f"proxy.{name}", "holds credentials", "URL")
    no_proxy = value["noProxy"]
    if isinstance(no_proxy, list):
        for index, entry in enumerate(no_proxy):
            path = f"proxy.noProxy[{index}]"
            if entry != SECURE_PLACEHOLDER and not _check_no_proxy_entry(entry, path, stored_secret, report):
                ok = False
    ca_pem = None
    ca_file = value["caCertFile"]
    if isinstance(ca_file, str) and ca_file != SECURE_PLACEHOLDER:
        ca_pem = _read_ca(ca_file, project_dir, today, stored_secret, report)
        ok = ok and ca_pem is not None
    if not ok:
        return None
    return ProxySettings(
        http_proxy=value["httpProxy"] or None,
        https_proxy=value["httpsProxy"] or None,
        no_proxy=tuple(no_proxy or ()),
        ca_cert_file=ca_file,
        ca_cert_pem=ca_pem,
        secret=stored_secret or has_credentials,
    )


def _check_proxy_routes(
    proxy: ProxySettings, cloud: Cloud, location: str, held: frozenset[str], report: _Report
) -> None:
    """Warnings, never errors: what noProxy leaves to the proxy, or sends around it.

    Only with a proxy URL set (noProxy alone routes nothing). Entries of a secret `proxy` are named by
    index only. The service CIDR cannot be known offline, so only its absence (no CIDR at all) shows.
    """
    if not (proxy.http_proxy or proxy.https_proxy):
        return
    if proxy.http_proxy and not proxy.https_proxy:
        report.warn(
            "proxy.httpsProxy",
            "is not set: httpProxy only carries plain HTTP, and every Azure endpoint of the agents is HTTPS, "
            "so they would bypass the proxy; set httpsProxy too",
        )
    entries = [(i, e) for i, e in enumerate(proxy.no_proxy) if e != SECURE_PLACEHOLDER]
    if len(entries) == len(proxy.no_proxy):  # a placeholder could be anything: no "lacks" warnings
        values = [e for _, e in entries]
        missing = network.missing_in_cluster_entries(values)
        if missing:
            report.warn(
                "proxy.noProxy",
                f"lacks {', '.join(missing)}: the agents' in-cluster calls would go to the proxy; Microsoft's "
                "guidance is your service CIDR, kubernetes.default.svc, .svc.cluster.local and .svc",
            )
        if not network.has_cidr(values):
            report.warn(
                "proxy.noProxy",
                "has no CIDR: add the cluster's service CIDR (it cannot be known offline; the IP of "
                "`kubectl get svc kubernetes -n default -o jsonpath='{.spec.clusterIP}'` lies in it, "
                "e.g. 10.96.0.0/12 on kind and kubeadm, 10.43.0.0/16 on k3s)",
            )
    required = network.required_endpoints(cloud.name, location, held)
    for index, entry in entries:
        hosts = [e.host for e in network.bypassed_endpoints(entry, required)]
        if hosts:
            named = "" if proxy.secret else f"{entry!r} "
            report.warn(
                f"proxy.noProxy[{index}]",
                f"{named}sends {', '.join(hosts)} around the proxy: the nodes must reach them directly",
            )


def _check_preflight(value: Any, report: _Report) -> PreflightSettings | None:
    if value is _INVALID or any(v is _INVALID for v in value.values()):
        return None
    image = value["image"]
    if image != SECURE_PLACEHOLDER:
        if not image.strip() or any(c.isspace() for c in image):
            report.error("preflight.image", "must be an image reference such as registry/repository:tag, without spaces")
            return None
        if "://" in image:
            report.error("preflight.image", "must be an image reference such as registry/repository:tag, without a scheme")
            return None
    return PreflightSettings(enabled=value["enabled"], image=image)


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


def _check_proxy_url(url: str, path: str, report: _Report) -> bool | None:
    """None when invalid, else whether the URL carries credentials. Never echoes the URL."""
    parts = _split_url(url, path, "http(s)://[user:password@]host:port", report)
    if parts is None:
        return None
    if parts.scheme not in ("http", "https"):
        report.error(path, "must start with http:// or https://")
        return None
    try:
        port = parts.port
    except ValueError:
        report.error(path, "has an invalid port (1-65535)")
        return None
    if not parts.hostname:
        report.error(path, "has no host: expected http(s)://[user:password@]host:port")
        return None
    if port == 0:
        report.error(path, "has an invalid port (1-65535)")
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        report.error(path, "must be scheme://[user:password@]host[:port] with no path or query")
        return None
    return parts.username is not None or parts.password is not None


def _check_no_proxy_entry(entry: str, path: str, secret: bool, report: _Report) -> bool:
    shown = "the entry" if secret else repr(entry)  # a secret `proxy` is never quoted back
    if not entry.strip():
        report.error(path, "is empty")
        return False
    if entry != entry.strip() or "," in entry or any(c.isspace() for c in entry):
        report.error(path, "must be one host, domain, IP or CIDR: no spaces or commas")
        return False
    if entry == "*":
        return True
    if "/" in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            report.error(path, f"{shown} is not a valid CIDR")
            return False
        return True
    try:
        ipaddress.ip_address(entry.strip("[]"))
        return True
    except ValueError:
        pass
    host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if port and not (re.fullmatch(r"[0-9]{1,5}", port) and 0 < int(port) < 65536):
        report.error(path, f"{shown} has an invalid port")
        return False
    labels = host.removeprefix("*.").removeprefix(".").split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        report.error(path, f"{shown} is not a host name, .domain suffix, IP or CIDR")
        return False
    return True


def _check_gitops(value: Any, stored_secret: bool, report: _Report) -> Any:
    """GitOpsSettings, None when `gitops` is unset, or _INVALID. Never echoes a value."""
    if value is None or value is _INVALID:
        return value
    ok = all(v is not _INVALID for v in value.values())
    url, user, password = value["url"], value["httpsUser"], value["httpsPassword"]
    scheme = None
    if url is None:
        report.item_error(
            "gitops.url",
            f"is required with gitops: `pulumi config set --path '{NAMESPACE}:{report.item}gitops.url' URL`",
        )
        ok = False
    elif isinstance(url, str) and url != SECURE_PLACEHOLDER:
        scheme = _check_git_url(url, report)
        ok = ok and scheme is not None
    branch = value["branch"]
    if isinstance(branch, str) and branch != SECURE_PLACEHOLDER and not _GIT_BRANCH.fullmatch(branch):
        report.error("gitops.branch", "is not a valid Git branch name")
        ok = False
    path = value["path"]
    if isinstance(path, str) and path != SECURE_PLACEHOLDER:
        if not path.strip():
            report.error("gitops.path", "must not be empty (`./` is the repository root)")
            ok = False
        elif ".." in path.replace("\\", "/").split("/"):
            report.error("gitops.path", "must stay inside the repository (no `..`)")
            ok = False
    interval = value["syncIntervalSeconds"]
    if isinstance(interval, int) and interval <= 0:
        report.error("gitops.syncIntervalSeconds", "must be a positive number of seconds")
        ok = False
    if isinstance(user, str) and not user.strip():
        report.error("gitops.httpsUser", "must not be empty")
        ok = False
    if user is not None and password is None:
        report.error("gitops.httpsUser", "needs gitops.httpsPassword (set it with --secret)")
        ok = False
    if password is not None:
        if user is None:
            report.error("gitops.httpsPassword", "needs gitops.httpsUser")
            ok = False
        if scheme is not None and scheme != "https":
            report.error("gitops.httpsPassword", f"is only sent to an https:// url, not {scheme}://")
            ok = False
        if isinstance(password, str) and not password:
            report.error("gitops.httpsPassword", "must not be empty")
            ok = False
        if not stored_secret and password != SECURE_PLACEHOLDER:
            _warn_plaintext(report, "gitops.httpsPassword", "is stored", "VALUE")
    if not ok:
        return _INVALID
    return GitOpsSettings(
        url=url,
        branch=branch,
        path=path,
        sync_interval_seconds=interval,
        https_user=user,
        https_password=password,
    )


def _check_git_url(url: str, report: _Report) -> str | None:
    """The URL's scheme, or None when invalid. Never echoes the URL: it may hold a token."""
    key = "gitops.url"
    parts = _split_url(url, key, "https://host/path or ssh://git@host/path", report)
    if parts is None:
        return None
    if parts.scheme not in ("https", "ssh", "http"):
        if re.fullmatch(r"[\w.-]+@[\w.-]+:.+", url):
            report.error(key, "scp-style addresses are not accepted by Flux; write ssh://git@host/path")
        else:
            report.error(key, "must start with https:// or ssh://")
        return None
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        report.error(key, "has an invalid port (1-65535)")
        return None
    if not parts.hostname:
        report.error(key, f"has no host: expected {parts.scheme}://host/path")
        return None
    if parts.password is not None or (parts.username is not None and parts.scheme != "ssh"):
        report.error(key, "must not carry credentials; set gitops.httpsUser and gitops.httpsPassword (--secret)")
        return None
    if parts.scheme == "http":
        report.warn(key, "http:// is unencrypted: the cluster applies whatever the network returns; prefer https://")
    return parts.scheme


def _read_ca(
    file: str, project_dir: Path, today: datetime.date, secret: bool, report: _Report
) -> str | None:
    from cryptography import x509

    path = project_dir / file
    key = "proxy.caCertFile"
    shown = "" if secret else f"{file}: "  # a secret `proxy` is never quoted back
    if not file.strip():
        report.error(key, "must not be empty")
        return None
    if not _exists(path):
        report.error(key, f"{shown}no such file (relative to the project directory)")
        return None
    if not path.is_file():
        report.error(key, f"{shown}is not a file (a directory?); give the PEM file's path")
        return None
    try:
        text = path.read_text(encoding="ascii")
    except OSError as error:  # it vanished or cannot be opened since the check above
        report.error(key, f"{shown}cannot be read ({error.strerror}); check the file and run again")
        return None
    except UnicodeDecodeError:
        report.error(key, f"{shown}is not PEM text (binary, or not ASCII); convert a DER file with "
                     "`openssl x509 -inform der -in CA.cer -out CA.pem`")
        return None
    if "PRIVATE KEY" in text:
        report.error(key, f"{shown}holds a private key; give the CA certificate only")
        return None
    if not text.strip():
        report.error(key, f"{shown}is empty")
        return None
    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        report.error(key, f"{shown}is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
        return None
    for certificate in certificates:
        if certificate.not_valid_after_utc.date() < today:
            report.warn(
                key,
                f"{shown}certificate {certificate.subject.rfc4514_string()!r} expired on "
                f"{certificate.not_valid_after_utc.date().isoformat()}",
            )
    return text


@functools.lru_cache(maxsize=32)
def _read_kubeconfig(path: Path, stamp: tuple[int, int]) -> tuple[str, Any]:
    """A fleet shares kubeconfig files: parse each once per change (`stamp`), not once per cluster."""
    content = path.read_text(encoding="utf-8")
    return content, yaml.load(content, Loader=YAML_LOADER) or {}


def _resolve_kube(
    file: Any,
    context: Any,
    context_secret: bool,
    project_dir: Path,
    environ: Mapping[str, str],
    report: _Report,
) -> KubeTarget | None:
    if file is _INVALID or context is _INVALID:
        return None
    if context is not None and not context.strip():
        report.error("kubeContext", "must not be empty")
        return None
    if file == IN_CLUSTER:
        if context is not None:
            report.error("kubeContext", "cannot be combined with kubeconfig: in-cluster")
            return None
        return KubeTarget(path=IN_CLUSTER, content=None, context=None, context_source=IN_CLUSTER)
    if file is None:
        listed = environ.get("KUBECONFIG", "").split(os.pathsep)[0]
        path = Path(listed) if listed else Path(environ.get("HOME", "~")) / ".kube" / "config"
    else:
        try:
            path = project_dir / Path(file).expanduser()
        except RuntimeError:  # `~user/...` for a user this machine does not know
            report.error("kubeconfig", f"{file}: cannot expand ~ (no such user's home); give the path")
            return None
    shown = str(path)
    source = "kubeContext" if context else "current-context"
    retry = f"point `{NAMESPACE}:kubeconfig` (or $KUBECONFIG) at the cluster's kubeconfig file"
    if not _exists(path):
        report.warn(
            "kubeconfig",
            f"{shown} does not exist here; `pulumi up` needs it (the kubernetes provider will fail)",
        )
        return KubeTarget(path=shown, content=None, context=context, context_source=source)
    try:
        stat = path.stat()
        content, document = _read_kubeconfig(path, (stat.st_mtime_ns, stat.st_size))
    except OSError as error:
        report.error("kubeconfig", f"{shown} cannot be read ({error.strerror}); {retry}")
        return None
    except UnicodeDecodeError:
        report.error("kubeconfig", f"{shown} is not a kubeconfig (not UTF-8 text); {retry}")
        return None
    except yaml.YAMLError as error:
        # Only the problem and its line: YAML's own message quotes the file, credentials included.
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        report.error("kubeconfig", f"{shown} is not a kubeconfig ({problem}{where}); {retry}")
        return None
    contexts = document.get("contexts") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(contexts, (list, type(None))):
        report.error("kubeconfig", f"{shown} is not a kubeconfig (no `contexts:` list); {retry}")
        return None
    names = [c.get("name") for c in contexts or [] if isinstance(c, dict)]
    current = document.get("current-context")
    chosen = context or (current if isinstance(current, str) else None)
    if not chosen:
        report.error(
            "kubeContext",
            f"{shown} has no current-context; set one: `pulumi config set {NAMESPACE}:kubeContext NAME`",
        )
        return None
    shown_context = "the context" if context and context_secret else f"context {chosen!r}"
    if chosen not in names:
        key = "kubeContext" if context else "kubeconfig"
        hint = _did_you_mean(chosen, [n for n in names if isinstance(n, str)])
        report.error(key, f"{shown_context} is not in {shown}{hint}")
        return None
    minified = minify_kubeconfig(document, chosen)
    if minified is None:
        report.error(
            "kubeContext" if context else "kubeconfig",
            f"{shown_context} in {shown} names a cluster or user the file does not define; "
            "check it with `kubectl config view --minify --context NAME`",
        )
        return None
    return KubeTarget(path=shown, content=minified, context=chosen, context_source=source)


def minify_kubeconfig(document: Mapping[str, Any], context: str) -> str | None:
    """Only what one context needs (its context, cluster and user), as `kubectl config view
    --minify` keeps: the provider and the cleanup get no other cluster's credentials, and editing
    another context of a shared fleet kubeconfig changes nothing for this cluster. None when the
    context names a cluster or user the file does not define."""

    def named(section: str, name: Any) -> dict[str, Any] | None:
        entries = [e for e in document.get(section) or [] if isinstance(e, dict) and e.get("name") == name]
        return entries[0] if entries else None

    entry = named("contexts", context)
    spec = entry.get("context") if entry else None
    if not isinstance(spec, dict):
        return None
    cluster, user = named("clusters", spec.get("cluster")), named("users", spec.get("user"))
    if cluster is None or (spec.get("user") is not None and user is None):
        return None
    minimal = {
        "apiVersion": document.get("apiVersion", "v1"),
        "kind": "Config",
        "current-context": context,
        "contexts": [entry],
        "clusters": [cluster],
        "users": [user] if user is not None else [],
    }
    return yaml.safe_dump(minimal, sort_keys=True, default_flow_style=False)


def runtime_config() -> tuple[dict[str, Any], set[str]]:
    """The config map and secret keys the Pulumi language host gave this process."""
    from pulumi.runtime import config as runtime

    values = {**runtime.get_config_env(), **runtime.CONFIG.get()}
    secret = set(runtime.get_config_secret_keys_env())
    secret |= {k for k in values if runtime.is_config_secret(k)}
    return values, secret
