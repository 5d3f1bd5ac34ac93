"""Cluster extensions as one concern: the settings of one extension and the arguments of its ARM
resource (pure: no Pulumi resources, no I/O).

Every extension the program installs, Flux (`gitops`) and Azure Policy (`policy`) included, goes
through `extension_args`: pulumi-azure-native 3.29.0's `kubernetesconfiguration.Extension` at REST
API 2023-05-01. What a known type needs (its name, namespace, settings) is in
components/extension_catalog.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import extension_catalog as catalog

# `identity` as the CLI creates it on a connected cluster (`create_identity` of every partner type).
SYSTEM_IDENTITY = {"type": "SystemAssigned"}


def connected_cluster_scope(cluster_name: Any, resource_group_name: Any) -> dict[str, Any]:
    """The arguments by which Microsoft.KubernetesConfiguration (extensions, Flux configurations)
    addresses a connected cluster; the names may be Pulumi outputs."""
    return {
        "cluster_rp": "Microsoft.Kubernetes",
        "cluster_resource_name": "connectedClusters",
        "cluster_name": cluster_name,
        "resource_group_name": resource_group_name,
    }


@dataclass(frozen=True)
class ExtensionSettings:
    """One extension of one cluster, validated. `known` is None for a type outside the catalog."""

    name: str
    type: str
    # "cluster", "namespace", or None: no scope sent (the CLI's DefaultExtension without `--scope`).
    scope: str | None = "cluster"
    namespace: str | None = None  # release namespace (cluster scope) or target namespace
    auto_upgrade_minor_version: bool | None = True
    release_train: str | None = None
    version: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    # Kept out of repr so no traceback or debug print can show them.
    protected: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def known(self) -> catalog.KnownExtension | None:
        return catalog.find(self.type)


def extension_args(extension: ExtensionSettings, cluster_name: Any, resource_group_name: Any) -> dict[str, Any]:
    """`kubernetesconfiguration.Extension` keyword arguments (nested inputs as dictionaries, which the
    SDK takes in place of its `*Args` classes); unset optional properties are left out, so ARM's
    defaults apply and the inputs of Flux and Policy stay what they were."""
    args: dict[str, Any] = {
        **connected_cluster_scope(cluster_name, resource_group_name),
        "extension_name": extension.name,
        "extension_type": extension.type,
    }
    if extension.release_train is not None:
        args["release_train"] = extension.release_train
    if extension.auto_upgrade_minor_version is not None:
        args["auto_upgrade_minor_version"] = extension.auto_upgrade_minor_version
    args["identity"] = dict(SYSTEM_IDENTITY)
    if extension.scope == "namespace":
        args["scope"] = {"namespace": {"target_namespace": extension.namespace or extension.name}}
    elif extension.scope == "cluster":
        args["scope"] = {"cluster": {"release_namespace": extension.namespace} if extension.namespace else {}}
    if extension.version is not None:
        args["version"] = extension.version
    if extension.settings:
        args["configuration_settings"] = dict(extension.settings)
    return args


# --- What a known type needs beside its own settings (CI and DEF in components/extension_catalog.py) ----


@dataclass(frozen=True)
class WorkspaceRef:
    """A Log Analytics workspace by ARM id: what the azure-native lookups take."""

    subscription: str
    resource_group: str
    name: str


def workspace_ref(resource_id: str) -> WorkspaceRef:
    """The parts of a workspace id the settings already checked (`/subscriptions/S/resourceGroups/G/...`)."""
    parts = resource_id.strip("/").split("/")
    return WorkspaceRef(subscription=parts[1], resource_group=parts[3], name=parts[-1])


def workspace_of(extension: ExtensionSettings) -> WorkspaceRef | None:
    """The workspace a Container Insights or Defender extension reports to; None for other types."""
    if extension.type not in (catalog.CONTAINER_INSIGHTS_TYPE, catalog.DEFENDER_TYPE):
        return None
    return workspace_ref(extension.settings[catalog.WORKSPACE_SETTING])


def looked_up_protected(extension: ExtensionSettings, customer_id: Any, shared_key: Any) -> dict[str, Any]:
    """The protected settings `az k8s-extension create` derives from the workspace (CI
    `_get_container_insights_settings`): its customer id, and its primary shared key for Defender
    (managed identity for Container Insights: `<not_used>`), both in the `amalogs.` and the older
    `omsagent.` names, as the CLI sends them. A `proxyEndpoint` is copied to both proxy settings."""
    key = shared_key if extension.type == catalog.DEFENDER_TYPE else "<not_used>"
    out: dict[str, Any] = {}
    for prefix in ("omsagent", "amalogs"):
        out[f"{prefix}.secret.wsid"] = customer_id
        out[f"{prefix}.secret.key"] = key
    if "proxyEndpoint" in extension.protected:
        for prefix in ("omsagent", "amalogs"):
            out[f"{prefix}.proxy"] = extension.protected["proxyEndpoint"]
    return out


def data_collection_rule_args(workspace_id: str, data_collection: str | None = None) -> dict[str, Any]:
    """`monitor.DataCollectionRule` keyword arguments besides name, group and location: the rule the
    CLI PUTs for Container Insights with managed identity (CI `_ensure_container_insights_dcr_for_monitoring`).
    `data_collection` is the checked `dataCollectionSettings` (JSON text): the rule's extension
    settings, and its `streams` in place of the default."""
    settings = json.loads(data_collection) if data_collection else {}
    streams = list(settings.get("streams") or catalog.DCR_STREAMS)
    extension_settings = {catalog.DATA_COLLECTION_SETTING: settings} if settings else {}
    return {
        "kind": "Linux",
        "data_sources": {
            "extensions": [
                {
                    "name": catalog.DCR_ASSOCIATION_NAME,
                    "streams": streams,
                    "extension_name": "ContainerInsights",
                    "extension_settings": extension_settings,
                }
            ]
        },
        "data_flows": [{"streams": streams, "destinations": [catalog.DCR_DESTINATION]}],
        "destinations": {"log_analytics": [{"workspace_resource_id": workspace_id, "name": catalog.DCR_DESTINATION}]},
    }
