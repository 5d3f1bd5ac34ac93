"""STAND-IN for the `azure-native` provider 3.29.0 (`pulumi-resource-azure-native`): no Azure here.

Each resource is an ARM object in the stand-in Azure (arm.py), addressed by its resource id as
azure-native builds it from the path parameters. Rules of the real provider applied here:
- Create first GETs the id and refuses an existing resource with "cannot create already existing
  resource '<id>'" (pulumi/pulumi-azure-native provider/pkg/provider/provider.go `Create` and the
  crud client's `CanCreate`): azure-native never adopts by accident;
- Diff (`arm_diff` below) is the provider's: old inputs against new ones under the *new* type's
  rules; a change of a path parameter (resourceGroupName, the resource's own name, its parent's: they
  make the id; provider/pkg/provider/diff.go `calculateDetailedDiff`) replaces, and so does one of
  `location`, create-only in ARM (common-types TrackedResource.location, x-ms-mutability read+create);
  every replacement deletes first;
- every other input change is an update: a PUT of the whole body (azure-native `Update` uses PUT
  unless the resource is PATCH-only);
- Read of an id ARM no longer has returns nothing, so refresh drops it (404 -> deleted);
- getClientConfig answers the credentials' client, object, subscription and tenant ids.
"""

from __future__ import annotations

from typing import Any

from . import arm, provider
from .provider import Diff, Kind, Plugin, ProviderError

PLUGIN = Plugin("azure-native", "3.29.0", {})


def subscription() -> str:
    return PLUGIN.config.get("subscriptionId") or arm.SUBSCRIPTION


def _same_value(key: str, old: Any, new: Any) -> bool:
    """diff.go `applyAzureSpecificDiff`: `resourceGroupName` compares without case, `location`
    without case or spaces ("West Europe" is "westeurope")."""
    if isinstance(old, str) and isinstance(new, str):
        if key == "resourceGroupName":
            return old.lower() == new.lower()
        if key == "location":
            return old.replace(" ", "").lower() == new.replace(" ", "").lower()
    return bool(old == new)


def arm_diff(
    old_inputs: dict[str, Any], olds: dict[str, Any], news: dict[str, Any], replace_keys: tuple[str, ...]
) -> Diff:
    """What azure-native's `Diff` answers (pulumi/pulumi-azure-native provider/pkg/provider/provider.go
    `Diff`, with provider/pkg/provider/diff.go `diff`, `objectDiff`, `calculateDetailedDiff` and
    `calculateChangesAndReplacements`), for top-level keys:

    - the old side is the resource's old *inputs* (`req.OldInputs`), whatever type they were recorded
      under: the resource definition is looked up from the *new* URN's type (`lookupResourceFromURN`),
      so after an alias from another type the new type's rules judge the old type's inputs;
    - keys starting with `__` are skipped (`ignoreKey`); a key only on one side is an ADD or DELETE;
    - `replace_keys` are the new type's path parameters (every `PutParameters` entry with location
      "path": they make the resource id) and its forceNew properties; an ADD, DELETE or UPDATE of
      one of them is a replacement, except an ADD whose value the old *state* (outputs) already holds
      (the pulumi-azure-nextgen#238 workaround in `calculateChangesAndReplacements`);
    - `deleteBeforeReplace` is set whenever anything is replaced (unless the old inputs carry
      `__createBeforeDelete`, set for randomly auto-named resources; this program names everything).
    """
    keys = sorted(k for k in {*old_inputs, *news} if not k.startswith("__"))
    changed: list[str] = []
    replaces: list[str] = []
    for key in keys:
        old, new = old_inputs.get(key), news.get(key)
        if (old is None and new is None) or (old is not None and new is not None and _same_value(key, old, new)):
            continue
        changed.append(key)
        if key not in replace_keys:
            continue
        added = old is None
        if added and key in olds and olds[key] == new:
            continue  # ADD_REPLACE demoted to ADD: the state already has this value
        replaces.append(key)
    create_before_delete = old_inputs.get("__createBeforeDelete")
    delete_first = bool(replaces) and not (isinstance(create_before_delete, bool) and create_before_delete)
    return Diff(changed=changed, replaces=replaces, delete_before_replace=delete_first)


class ArmKind(Kind):
    """An ARM resource: the id from the inputs, the body stored as ARM returns it."""

    arm_type = ""
    api_version = ""
    path_params: tuple[str, ...] = ("resourceGroupName",)

    def id_of(self, inputs: dict[str, Any]) -> str:
        raise NotImplementedError

    def name_of(self, inputs: dict[str, Any]) -> str:
        raise NotImplementedError

    def body(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """What ARM adds to what was PUT (read-only properties)."""
        return {"properties": {**inputs.get("properties", {}), "provisioningState": "Succeeded"}}

    def diff(self, old_inputs, olds, news) -> Diff:
        return arm_diff(old_inputs, olds, news, replace_keys=(*self.path_params, "location"))

    def _stored(self, id_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": id_,
            "name": self.name_of(inputs),
            "type": self.arm_type,
            "location": inputs.get("location"),
            "tags": inputs.get("tags"),
            **self.body(inputs),
            "inputs": inputs,
        }

    def outputs(self, stored: dict[str, Any]) -> dict[str, Any]:
        inputs = stored["inputs"]
        return {
            **inputs,
            **{k: v for k, v in stored.items() if k not in ("inputs", "id") and v is not None},
            "azureApiVersion": self.api_version,
        }

    def create(self, name, inputs):
        id_ = self.id_of(inputs)
        if arm.get(id_) is not None:
            raise ProviderError(f"cannot create already existing resource '{id_}'")
        stored = self._stored(id_, inputs)
        arm.put(stored)
        return id_, self.outputs(arm.get(id_) or stored)

    def read(self, id_, olds, inputs):
        stored = arm.get(id_)
        if stored is None:
            return "", {}, {}
        return stored["id"], self.outputs(stored), inputs or stored["inputs"]

    def update(self, id_, olds, news):
        if arm.get(id_) is None:
            raise ProviderError(f"resource '{id_}' was not found (404)")
        stored = self._stored(id_, news)
        arm.put(stored)
        return self.outputs(arm.get(id_) or stored)

    def delete(self, id_, olds):
        arm.delete(id_)


class ResourceGroup(ArmKind):
    token = "azure-native:resources:ResourceGroup"
    arm_type = "Microsoft.Resources/resourceGroups"
    api_version = "2024-03-01"

    def id_of(self, inputs):
        return arm.group_id(subscription(), inputs["resourceGroupName"])

    def name_of(self, inputs):
        return inputs["resourceGroupName"]

    def read(self, id_, olds, inputs):
        # `ResourceGroup.get(name, id)` (an adopted group) reads by id alone.
        stored = arm.get(id_)
        if stored is None:
            return "", {}, {}
        return stored["id"], self.outputs(stored), inputs if olds else stored["inputs"]


def _needs_group(inputs: dict[str, Any]) -> None:
    group = arm.group_id(subscription(), inputs["resourceGroupName"])
    if arm.get(group) is None:
        # ARM's answer for a PUT into a missing group (code ResourceGroupNotFound).
        raise ProviderError(
            f"Resource group '{inputs['resourceGroupName']}' could not be found. Code=\"ResourceGroupNotFound\""
        )


class ConnectedCluster(ArmKind):
    token = "azure-native:kubernetes:ConnectedCluster"
    arm_type = "Microsoft.Kubernetes/connectedClusters"
    api_version = "2024-02-01-preview"
    path_params = ("resourceGroupName", "clusterName")

    def id_of(self, inputs):
        return arm.resource_id(
            subscription(),
            inputs["resourceGroupName"],
            "Microsoft.Kubernetes",
            "connectedClusters",
            inputs["clusterName"],
        )

    def name_of(self, inputs):
        return inputs["clusterName"]

    # The typed SDK's top-level inputs that are not ARM properties (the rest travel in `properties`).
    envelope = ("clusterName", "resourceGroupName", "location", "tags", "identity", "kind")

    def body(self, inputs):
        # connectedClusters.json: provisioningState, connectivityStatus, identity.principalId/tenantId are read-only.
        # ARM holds the typed resource's body under `properties`, as for any PUT of the type: `az resource
        # show` answers `properties.agentPublicKeyCertificate` however the cluster was declared.
        identity = {
            **inputs.get("identity", {}),
            "principalId": "11111111-0000-0000-0000-000000000001",
            "tenantId": arm.TENANT,
        }
        properties = {k: v for k, v in inputs.items() if k not in self.envelope}
        return {
            "identity": identity,
            "properties": {**properties, "provisioningState": "Succeeded", "connectivityStatus": "Connecting"},
        }

    def outputs(self, stored):
        # The typed SDK flattens `properties` into its outputs (azure-native's x-ms-client-flatten).
        flat = super().outputs(stored)
        return {**flat, **flat.pop("properties", {})}

    def create(self, name, inputs):
        _needs_group(inputs)
        return super().create(name, inputs)


class GenericResource(ArmKind):
    """azure-native:resources:Resource: any ARM type by namespace/type/name (issue 11 moves the
    connected cluster here, at api 2026-05-01); the same ARM object as the typed resource."""

    token = "azure-native:resources:Resource"
    path_params = (
        "resourceGroupName",
        "resourceProviderNamespace",
        "parentResourcePath",
        "resourceType",
        "resourceName",
    )

    def id_of(self, inputs):
        return arm.resource_id(
            subscription(),
            inputs["resourceGroupName"],
            inputs["resourceProviderNamespace"],
            inputs["resourceType"],
            inputs["resourceName"],
            inputs.get("parentResourcePath", ""),
        )

    def name_of(self, inputs):
        return inputs["resourceName"]

    def _stored(self, id_, inputs):
        stored = super()._stored(id_, inputs)
        stored["type"] = f"{inputs['resourceProviderNamespace']}/{inputs['resourceType']}"
        if stored["type"].lower() == arm.CONNECTED_CLUSTERS:
            stored["properties"]["connectivityStatus"] = "Connecting"
            stored["identity"] = {
                **inputs.get("identity", {}),
                "principalId": "11111111-0000-0000-0000-000000000001",
                "tenantId": arm.TENANT,
            }
        return stored

    def outputs(self, stored):
        return {**super().outputs(stored), "azureApiVersion": stored["inputs"].get("apiVersion", "")}

    def create(self, name, inputs):
        _needs_group(inputs)
        return super().create(name, inputs)


class ClusterExtensionResource(ArmKind):
    """Microsoft.KubernetesConfiguration resources, nested under the connected cluster's id."""

    api_version = "2023-05-01"
    collection = ""
    name_param = ""

    @property
    def path_params(self):  # type: ignore[override]
        return ("resourceGroupName", "clusterRp", "clusterResourceName", "clusterName", self.name_param)

    def cluster_id(self, inputs):
        return arm.resource_id(
            subscription(),
            inputs["resourceGroupName"],
            inputs["clusterRp"],
            inputs["clusterResourceName"],
            inputs["clusterName"],
        )

    def id_of(self, inputs):
        return f"{self.cluster_id(inputs)}/providers/Microsoft.KubernetesConfiguration/{self.collection}/{inputs[self.name_param]}"

    def name_of(self, inputs):
        return inputs[self.name_param]

    def create(self, name, inputs):
        if arm.get(self.cluster_id(inputs)) is None:
            raise ProviderError(
                f"The Resource '{inputs['clusterRp']}/{inputs['clusterResourceName']}/{inputs['clusterName']}' "
                f"under resource group '{inputs['resourceGroupName']}' was not found. Code=\"ResourceNotFound\""
            )
        return super().create(name, inputs)


class Extension(ClusterExtensionResource):
    token = "azure-native:kubernetesconfiguration:Extension"
    arm_type = "Microsoft.KubernetesConfiguration/extensions"
    collection, name_param = "extensions", "extensionName"


class FluxConfiguration(ClusterExtensionResource):
    token = "azure-native:kubernetesconfiguration:FluxConfiguration"
    arm_type = "Microsoft.KubernetesConfiguration/fluxConfigurations"
    collection, name_param = "fluxConfigurations", "fluxConfigurationName"


def client_config(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "clientId": "22222222-0000-0000-0000-000000000002",
        "objectId": "33333333-0000-0000-0000-000000000003",
        "subscriptionId": subscription(),
        "tenantId": arm.TENANT,
    }


PLUGIN.kinds.update(
    {k.token: k for k in (ResourceGroup(), ConnectedCluster(), GenericResource(), Extension(), FluxConfiguration())}
)
PLUGIN.invokes["azure-native:authorization:getClientConfig"] = client_config

if __name__ == "__main__":
    provider.main(PLUGIN)
