"""The orchestration: raw values in, every area checked, typed settings or one ConfigError out."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from components import network
from components.clouds import Cloud
from components.policy import PolicySettings
from components.schema import CLUSTER_FIELDS, NAMESPACE, SCHEMA, default_of

from .agents import _check_agents
from .arm import _check_distribution_version, _check_hybrid_benefit, _check_issuer_host, _check_oidc
from .extensions import _check_extensions
from .features import _check_features
from .fleet import _fleet_checks, _fleet_items, _groups_stack, _Item, collapse_inherited
from .gitops import _check_gitops
from .inventory import _read_inventory, inventory_label
from .kube import AUTO, _check_distribution, _check_infrastructure, _detect_all, _resolve_kube
from .model import ClusterSettings, ConfigError, GitOpsSettings, StackSettings
from .names import (
    _check_cloud,
    _check_cluster_name,
    _check_group_name,
    _check_location,
    _check_tags,
)
from .policy import _check_policy
from .proxy import (
    _check_gateway,
    _check_preflight,
    _check_private_link,
    _check_proxy,
    _check_proxy_routes,
    expand_arc_keyword,
)
from .raw import _INVALID, _read_raw, _Report, _with_defaults


def load(
    config: Mapping[str, Any],
    secret_keys: Iterable[str],
    project_dir: Path,
    environ: Mapping[str, str],
    today: datetime.date | None = None,
) -> StackSettings:
    """Validate the engine's config map; raise ConfigError listing every problem."""
    report = _Report()
    secret_names = {k[len(NAMESPACE) + 1 :] for k in secret_keys if k.startswith(f"{NAMESPACE}:")}
    raw = _read_raw(config, report, secret_names)
    cloud = _check_cloud(
        raw.get("cloud", default_of(SCHEMA["cloud"])), config.get("azure-native:environment"), environ, report
    )
    defaults = {k: v for k, v in raw.items() if k in CLUSTER_FIELDS}
    day = today or datetime.date.today()

    if "groups" in raw:
        _check_location(raw.get("location"), cloud, "location" in secret_names, report)
        groups = _groups_stack(raw, secret_names, report)
        if report.errors:
            raise ConfigError(list(dict.fromkeys(report.errors)))
        assert cloud is not None
        return StackSettings(
            cloud=cloud,
            register_providers=raw.get("registerProviders", default_of(SCHEMA["registerProviders"])),
            groups=groups,
            clusters=(),
            warnings=tuple(dict.fromkeys(report.warnings)),
            unvalidated=tuple(sorted(set(report.unvalidated))),
        )

    label, listed = _fleet_list(raw, project_dir, report)
    fleet = label is not None
    if "resourceGroupLocations" in raw and not fleet:
        report.error(
            "resourceGroupLocations",
            "only applies to a fleet (`clusters`, `inventory`) or a groups stack; one cluster's group is in `location`",
        )
    items: list[_Item] = (
        _fleet_items(raw, label, listed, defaults, secret_names, report)
        if label is not None
        else [(defaults, report, frozenset(secret_names & set(CLUSTER_FIELDS)))]
    )

    clusters: list[ClusterSettings | None] = []
    for tree, scoped, secret in items:
        clusters.append(
            _build_cluster(_with_defaults(tree, CLUSTER_FIELDS), secret, cloud, project_dir, environ, day, scoped)
        )
    _resolve_auto(clusters, [scoped for _, scoped, _ in items], environ)
    built = [c for c in clusters if c is not None]
    groups = _fleet_checks(clusters, items, raw if fleet else None, label or "clusters", secret_names, report)
    collapse_inherited(items, report)
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


def _fleet_list(raw: Mapping[str, Any], project_dir: Path, report: _Report) -> tuple[str | None, Any]:
    """The fleet's items and how problems name them: `clusters`, an inventory file, or no fleet."""
    if "inventory" in raw:
        if "clusters" in raw:
            report.error("inventory", "set either clusters (inline) or inventory (a file), not both")
        value = raw["inventory"]
        label = inventory_label(value) if isinstance(value, str) else "inventory"
        return label, _read_inventory(value, project_dir, report)
    if "clusters" in raw:
        return "clusters", raw["clusters"]
    return None, None


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
    tags = _check_tags(tree["tags"], "tags" in secret, report)
    distribution = _check_distribution(tree["distribution"], "distribution" in secret, report)
    infrastructure = _check_infrastructure(tree["infrastructure"], "infrastructure" in secret, report)
    agents = _check_agents(tree["agents"], "agents" in secret, project_dir, report)
    proxy = _check_proxy(tree["proxy"], "proxy" in secret, project_dir, today, report)
    kube = _resolve_kube(tree["kubeconfig"], tree["kubeContext"], "kubeContext" in secret, project_dir, environ, report)
    gitops = _check_gitops(tree["gitops"], "gitops" in secret, report)
    private_link = _check_private_link(tree["privateLink"], report)
    gateway = _check_gateway(tree["gateway"], cloud, private_link, report)
    features = _check_features(tree["features"], private_link, "features" in secret, report)
    oidc = _check_oidc(tree["oidcIssuer"], tree["workloadIdentity"], distribution, "distribution" in secret, report)
    hybrid_benefit = _check_hybrid_benefit(tree["azureHybridBenefit"], report)
    distribution_version = _check_distribution_version(tree["distributionVersion"], report)
    if proxy and cloud:
        proxy = expand_arc_keyword(proxy, cloud)
    preflight = _check_preflight(tree["preflight"], report)
    policy = _check_policy(tree["policy"], "policy" in secret, cloud, report)
    extensions = _check_extensions(
        tree["extensions"], "extensions" in secret, cloud, report, reserved=_reserved_names(gitops, policy)
    )
    create_group = tree["createResourceGroup"]
    if proxy and location and agents and cloud:
        held = network.conditions(
            auto_upgrade=agents.auto_upgrade,
            cluster_connect=features.cluster_connect if features else True,
            azure_rbac=features.azure_rbac if features else False,
            extensions=isinstance(gitops, GitOpsSettings),
            gateway=isinstance(gateway, str),
            policy=isinstance(policy, PolicySettings) and policy.enabled,
            extension_types=[e.type for e in extensions] if isinstance(extensions, tuple) else (),
        )
        _check_proxy_routes(proxy, cloud, location, held, report)
    if preflight and preflight.enabled and cloud and not network.documented(cloud.name):
        report.warn(
            "preflight.enabled",
            f"no endpoint list is documented for {cloud.name}, so there is nothing to check: the preflight is skipped",
        )
    flags = (create_group, tree["verify"], tree["protect"])
    parts = (
        cluster_name,
        group,
        location,
        tags,
        distribution,
        infrastructure,
        agents,
        proxy,
        kube,
        features,
        preflight,
        oidc,
    )
    optional = (gitops, private_link, gateway, hybrid_benefit, distribution_version, policy, extensions)
    if any(p is None or p is _INVALID for p in parts) or _INVALID in (*flags, *optional):
        return None
    assert cluster_name and group and location and distribution and infrastructure
    assert tags is not None and agents and proxy and kube and features and preflight and oidc
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
        gateway_resource_id=gateway,
        oidc=oidc,
        azure_hybrid_benefit=hybrid_benefit,
        distribution_version=distribution_version,
        features=features,
        verify=tree["verify"],
        protect=tree["protect"],
        policy=policy,
        extensions=extensions,
    )


def _reserved_names(gitops: Any, policy: Any) -> dict[str, str]:
    """The extension names the cluster's own keys install, by name (components/flux.py, policy_args.py)."""
    reserved = {"flux": "gitops"} if isinstance(gitops, GitOpsSettings) else {}
    if isinstance(policy, PolicySettings) and policy.enabled:
        reserved["azurepolicy"] = "policy"
    return reserved


def _resolve_auto(clusters: list[ClusterSettings | None], reports: list[_Report], environ: Mapping[str, str]) -> None:
    """Replace `auto` by what each cluster's nodes say (all read at once), in place; a cluster
    whose nodes cannot be read becomes None, its problem reported in the cluster's order."""
    waiting = [i for i, c in enumerate(clusters) if c is not None and AUTO in (c.distribution, c.infrastructure)]
    if not waiting:
        return
    targets = []
    for i in waiting:
        cluster = clusters[i]
        assert cluster is not None
        targets.append((cluster.distribution, cluster.infrastructure, cluster.kube))
    for i, answer in zip(waiting, _detect_all(targets, environ), strict=True):
        cluster = clusters[i]
        assert cluster is not None
        if isinstance(answer, Exception):
            # The failure is this cluster's, even when `auto` came from a fleet default: name the item.
            key = "distribution" if cluster.distribution == AUTO else "infrastructure"
            reports[i].item_error(key, f"{AUTO}: {answer}")
            clusters[i] = None
        elif not _check_issuer_host(cluster.oidc, answer[0], "distribution" in cluster.secret_keys, reports[i]):
            clusters[i] = None
        else:
            clusters[i] = dataclasses.replace(cluster, distribution=answer[0], infrastructure=answer[1])
