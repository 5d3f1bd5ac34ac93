"""What the cluster extensions the program installs (Flux, Azure Policy) share (pure)."""

from __future__ import annotations

from typing import Any


def connected_cluster_scope(cluster_name: Any, resource_group_name: Any) -> dict[str, Any]:
    """The arguments by which Microsoft.KubernetesConfiguration (extensions, Flux configurations)
    addresses a connected cluster; the names may be Pulumi outputs."""
    return {
        "cluster_rp": "Microsoft.Kubernetes",
        "cluster_resource_name": "connectedClusters",
        "cluster_name": cluster_name,
        "resource_group_name": resource_group_name,
    }
