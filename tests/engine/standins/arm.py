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
  its values (global.subscriptionId/resourceGroupName/resourceName), as the real agents do; in the
  cluster tier (tests/cluster), when a real cluster's azure-clusterconfig names it;
- a connected cluster whose agents connected reports what they send (connectedClusters.json
  2026-05-01, the read-only properties, tests/fixtures/connectedClusters-2026-05-01.json; values as
  in its `GetClusterExample` response): `agentVersion` (the running chart), `kubernetesVersion`,
  `totalNodeCount`, `totalCoreCount`, `offering`, `managedIdentityCertificateExpirationTime`,
  `arcAgentProfile.agentState`, and a `lastConnectivityTime` that moves with every heartbeat (here:
  every read, to the second);
- a connected cluster with an empty `agentPublicKeyCertificate` reports `AgentNotInstalled`, and no
  agents connect to it: that is how the multicloud connector creates one (Azure/azure-rest-api-specs,
  Microsoft.Kubernetes 2024-12-01-preview `examples/CreateClusterAgentless_KindAWSExample.json` @
  ecee9191: key "", `identity: None`, `kind: AWS`, answered with AgentNotInstalled; `agentless_cluster`
  below builds that answer). ARM's rule for when the status leaves AgentNotInstalled is not public:
  here, once a PUT gives the cluster a key (the CLI's conversion, custom.py connected_cluster_exists);
- a PUT of a connected cluster through `az rest` (the conversion) stores what ARM adds to any
  (`as_put`): provisioningState Succeeded, and for a system-assigned identity its principal and tenant.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
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
    # No key, no handshake: nothing connects to a cluster the multicloud connector created.
    agentless = resource.get("properties", {}).get("agentPublicKeyCertificate") == ""
    release = None if stuck or agentless else _agents_release(resource["id"])
    status = "AgentNotInstalled" if agentless else "Connected" if release else "Connecting"
    properties = {**resource.get("properties", {}), "connectivityStatus": status}
    if release is not None:
        profile = properties.get("arcAgentProfile")
        properties.update(
            agentVersion=release.get("version", ""),
            kubernetesVersion="1.33.4",
            totalNodeCount=1,
            totalCoreCount=4,
            offering="Kind",
            managedIdentityCertificateExpirationTime="2027-03-01T00:00:00Z",
            lastConnectivityTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        if isinstance(profile, dict):
            properties["arcAgentProfile"] = {**profile, "agentState": "Succeeded"}
    return {**resource, "properties": properties}


def _agents_release(id_: str) -> dict[str, Any] | None:
    """The deployed agents' release that names this connected cluster, if any."""
    for release in _agent_releases():
        values = release.get("values", {}).get("global", {})
        target = resource_id(
            values.get("subscriptionId", ""),
            values.get("resourceGroupName", ""),
            "Microsoft.Kubernetes",
            "connectedClusters",
            values.get("resourceName", ""),
        )
        if target.lower() == id_.lower():
            found: dict[str, Any] = release
            return found
    return None


def _agent_releases() -> list[dict[str, Any]]:
    """The deployed agents' releases: the stand-in cluster's, or, in the cluster tier
    (ARC_ENGINE_KUBECONFIGS: the real clusters' kubeconfigs), what each real cluster's
    azure-clusterconfig ConfigMap says of them (the chart renders it from the same values)."""
    paths = [p for p in os.environ.get("ARC_ENGINE_KUBECONFIGS", "").split(os.pathsep) if p]
    if not paths:
        return [r for r in world.read("kubernetes").get("releases", {}).values() if r.get("status") == "deployed"]
    found = []
    for path in paths:
        done = subprocess.run(
            ["kubectl", f"--kubeconfig={path}", "get", "configmap", "azure-clusterconfig", "--namespace=azure-arc",
             "--ignore-not-found", "-o", "jsonpath={.data}"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        data = json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else {}
        global_values = {
            "subscriptionId": data.get("AZURE_SUBSCRIPTION_ID", ""),
            "resourceGroupName": data.get("AZURE_RESOURCE_GROUP", ""),
            "resourceName": data.get("AZURE_RESOURCE_NAME", ""),
        }
        found.append({"status": "deployed", "version": data.get("AZURE_ARC_AGENT_VERSION", ""),
                      "values": {"global": global_values}})  # fmt: skip
    return found


PRINCIPAL = "11111111-0000-0000-0000-000000000001"


def as_put(resource: dict[str, Any]) -> dict[str, Any]:
    """A connected cluster PUT through ARM as ARM stores it: its read-only provisioningState, and
    the principal of a system-assigned identity (connectedClusters.json 2026-05-01: both read-only)."""
    identity = resource.get("identity") or {}
    if identity.get("type") == "SystemAssigned":
        identity = {**identity, "principalId": PRINCIPAL, "tenantId": TENANT}
    properties = {**resource.get("properties", {}), "provisioningState": "Succeeded"}
    return {**resource, "identity": identity, "properties": properties}


def agentless_cluster(subscription: str, group: str, name: str, location: str) -> dict[str, Any]:
    """A connected cluster as the multicloud connector leaves it (CreateClusterAgentless_KindAWSExample,
    2024-12-01-preview @ ecee9191, its response: the values ARM fills in included)."""
    return {
        "id": resource_id(subscription, group, "Microsoft.Kubernetes", "connectedClusters", name),
        "name": name,
        "type": "Microsoft.Kubernetes/connectedClusters",
        "location": location,
        "tags": {},
        "identity": {"type": "None"},
        "kind": "AWS",
        "properties": {
            "agentPublicKeyCertificate": "",
            "distribution": "eks",
            "infrastructure": "aws",
            "aadProfile": {},
            "arcAgentProfile": {},
            "azureHybridBenefit": "NotApplicable",
            "privateLinkState": "Disabled",
            "provisioningState": "Succeeded",
        },
    }
