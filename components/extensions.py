"""Cluster extensions as one concern: the settings of one extension and the arguments of its ARM
resource (pure: no Pulumi resources, no I/O).

Every extension the program installs, Flux (`gitops`) and Azure Policy (`policy`) included, goes
through `extension_args`: pulumi-azure-native 3.29.0's `kubernetesconfiguration.Extension` at REST
API 2023-05-01. What a known type needs (its name, namespace, settings) is in
components/extension_catalog.py.
"""

from __future__ import annotations

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
    scope: str = "cluster"  # or "namespace"
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
    else:
        args["scope"] = {"cluster": {"release_namespace": extension.namespace} if extension.namespace else {}}
    if extension.version is not None:
        args["version"] = extension.version
    if extension.settings:
        args["configuration_settings"] = dict(extension.settings)
    return args
