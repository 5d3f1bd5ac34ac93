"""The stand-in Azure: ARM resources by id, in `<world>/azure.json`, shared by the azure-native
stand-in and the fake `az`. Modelled generically by resource id, so a typed resource
(azure-native:kubernetes:ConnectedCluster) and the generic one (azure-native:resources:Resource)
address the same ARM object.

ARM rules applied here:
- ids are case-insensitive (ARM resource ids; azure-native compares them lower-cased too), kept
  with their original case for display;
- DELETE of a resource group deletes everything in it (Resource Groups - Delete, REST API doc:
  "When you delete a resource group, all of its resources are also deleted");
- a connected cluster is created with connectivityStatus `Connecting`; ARM reports `Connected` once
  the cluster's agents have connected (Microsoft.Kubernetes connectedClusters.json, 2024-02-01-preview:
  connectivityStatus enum Connecting/Connected/Offline/Expired/AgentNotInstalled). Here the agents
  "connect" when a deployed azure-arc Helm release in the stand-in cluster names this cluster in
  its values (global.subscriptionId/resourceGroupName/resourceName), as the real agents do; in
  the cluster tier (tests/cluster), when a real cluster's azure-clusterconfig names it.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from . import world

SUBSCRIPTION = os.environ.get("ARC_ENGINE_SUBSCRIPTION", "00000000-0000-0000-0000-0000000000aa")
TENANT = os.environ.get("ARC_ENGINE_TENANT", "00000000-0000-0000-0000-0000000000bb")
CONNECTED_CLUSTERS = "microsoft.kubernetes/connectedclusters"


def group_id(subscription: str, group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}"


def resource_id(subscription: str, group: str, namespace: str, type_: str, name: str, parent: str = "") -> str:
    middle = f"{parent.strip('/')}/" if parent else ""
    return f"{group_id(subscription, group)}/providers/{namespace}/{middle}{type_}/{name}"


def get(id_: str, via_az: bool = False) -> dict[str, Any] | None:
    found = world.read("azure").get("resources", {}).get(id_.lower())
    return _with_connectivity(found, via_az) if found else None


def put(resource: dict[str, Any]) -> None:
    with world.locked("azure") as azure:
        azure.setdefault("resources", {})[resource["id"].lower()] = resource


def delete(id_: str) -> list[str]:
    """Delete one resource, or a group and all it holds; returns the ids deleted."""
    key = id_.lower()
    with world.locked("azure") as azure:
        resources = azure.setdefault("resources", {})
        # A group's resources, a resource's nested ones (a cluster's extensions) go with it.
        gone = [k for k in resources if k == key or k.startswith(key + "/")]
        for k in gone:
            del resources[k]
    return gone


def in_group(subscription: str, group: str) -> list[dict[str, Any]] | None:
    """The resources of a group (not the group itself); None when the group does not exist."""
    key = group_id(subscription, group).lower()
    resources = world.read("azure").get("resources", {})
    if key not in resources:
        return None
    return [
        _with_connectivity(r, via_az=True)
        for k, r in sorted(resources.items())
        if k.startswith(key + "/providers/") and k.count("/providers/") == 1
    ]


def _with_connectivity(resource: dict[str, Any], via_az: bool = False) -> dict[str, Any]:
    if resource.get("type", "").lower() != CONNECTED_CLUSTERS:
        return resource
    # The fault "the agents never connect" is what the verify step (fake az) sees.
    stuck = via_az and world.take_fault("az", "agents-connect", resource["id"]) is not None
    status = "Connected" if not stuck and _agents_connected(resource["id"]) else "Connecting"
    return {**resource, "properties": {**resource.get("properties", {}), "connectivityStatus": status}}


def _agents_connected(id_: str) -> bool:
    for values in _agent_identities():
        target = resource_id(
            values.get("subscriptionId", ""),
            values.get("resourceGroupName", ""),
            "Microsoft.Kubernetes",
            "connectedClusters",
            values.get("resourceName", ""),
        )
        if target.lower() == id_.lower():
            return True
    return False


def _agent_identities() -> list[dict[str, str]]:
    """Whose agents run: the deployed releases' `global` values in the stand-in cluster, or, in the
    cluster tier (ARC_ENGINE_KUBECONFIGS: the real clusters' kubeconfigs), each real cluster's
    azure-clusterconfig ConfigMap, which the agents' chart renders from those values."""
    paths = [p for p in os.environ.get("ARC_ENGINE_KUBECONFIGS", "").split(os.pathsep) if p]
    if not paths:
        return [
            release.get("values", {}).get("global", {})
            for release in world.read("kubernetes").get("releases", {}).values()
            if release.get("status") == "deployed"
        ]
    found = []
    for path in paths:
        done = subprocess.run(
            ["kubectl", f"--kubeconfig={path}", "get", "configmap", "azure-clusterconfig", "--namespace=azure-arc",
             "--ignore-not-found", "-o", "jsonpath={.data}"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        data = json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else {}
        found.append({
            "subscriptionId": data.get("AZURE_SUBSCRIPTION_ID", ""),
            "resourceGroupName": data.get("AZURE_RESOURCE_GROUP", ""),
            "resourceName": data.get("AZURE_RESOURCE_NAME", ""),
        })  # fmt: skip
    return found
