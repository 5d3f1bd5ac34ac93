"""STAND-IN for the `azure-native` provider 3.29.0 (`pulumi-resource-azure-native`): no Azure here.

Each resource is an ARM object in the stand-in Azure (arm.py), addressed by its resource id as
azure-native builds it from the path parameters.

Source read (SRC below): pulumi/pulumi-azure-native, v3 line as the public code index holds it:
provider/pkg/provider/provider.go (`Diff`, `Create`, `defaultCreate`, `Read`, `removeDefaults`,
`checkpointObject`), provider/pkg/provider/diff.go (`objectDiff`, `valueDiff`,
`calculateDetailedDiff`, `calculateChangesAndReplacements`, `applyDiff`, `applyValueDiff`),
provider/pkg/provider/crud/crud.go (`HandleErrorWithCheckpoint`, `currentResourceStateCheckpoint`,
`partialError`), provider/pkg/azure/client.go (`update`: the `created` flag of a PUT whose
long-running operation fails), provider/pkg/convert (`SdkOutputsToSdkInputs`, `ResponseToSdkInputs`).
No commit can be pinned: the repository's snapshot (1.83 GB) is over the fetch tool's 500 MB limit
and the index names no commit for these file versions (index ids 49919203828, 48296842760,
49922109534, 49946780534, 50111266816).

Rules of the real provider applied here:
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
- Diff is recursive: the detailed diff names nested paths (`properties.agentPublicKeyCertificate`),
  which is what the engine matches a nested `replaceOnChanges` against;
- Read of an id ARM no longer has returns nothing, so refresh drops it (404 -> deleted); Read of
  one that exists recomputes the inputs from the outputs (`Read`, steps 2-5): the old and the new
  outputs are projected to input shape (the PUT body's properties, read-only ones left out for a
  typed resource), and what changed between the two projections is written into the stored inputs
  (`applyDiff`, recursively). The generic `resources:Resource` has an untyped `properties`, so its
  projection keeps `properties` whole, read-only fields included: a cluster that went from
  Connecting to Connected gains `properties.connectivityStatus` (and `agentVersion`, ...) in its
  inputs;
- an import (Read without stored inputs) builds the inputs from the id's path parameters and the
  GET body (`ResponseToSdkInputs`), never from what was PUT;
- a PUT whose long-running operation fails after ARM accepted it (`created`) is a partial failure
  with the resource's state read back (`HandleErrorWithCheckpoint`): the engine keeps the resource;
- getClientConfig answers the credentials' client, object, subscription and tenant ids;
- getResource (azure-native `resources:getResource`, a GET of `/{id}?api-version=...` by the generic
  resource's path parameters) answers ARM's body as `az resource show` sees it, or ARM's 404
  (`ResourceNotFound`); the program reads the connected cluster with it for `oidcIssuerUrl`.
"""

from __future__ import annotations

import re
from typing import Any

from . import arm, provider, world
from .provider import Diff, Kind, PartialFailure, Plugin, ProviderError

# azure-native answers previews itself (SRC provider.go `Configure`: SupportsPreview true).
PLUGIN = Plugin("azure-native", "3.29.0", {}, supports_preview=True)


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


def _replace_base(path: str) -> str:
    """diff.go `calculateValueDiff` matches replace keys on paths whose array indices are `[]`."""
    return re.sub(r"\[\d+\]", "[]", path)


def arm_diff(
    old_inputs: dict[str, Any], olds: dict[str, Any], news: dict[str, Any], replace_keys: tuple[str, ...]
) -> Diff:
    """What azure-native's `Diff` answers (SRC provider.go `Diff`, with diff.go `diff`, `objectDiff`,
    `valueDiff`, `calculateDetailedDiff` and `calculateChangesAndReplacements`):

    - the old side is the resource's old *inputs* (`req.OldInputs`), whatever type they were recorded
      under: the resource definition is looked up from the *new* URN's type (`lookupResourceFromURN`),
      so after an alias from another type the new type's rules judge the old type's inputs;
    - keys starting with `__` are skipped (`ignoreKey`); objects are compared key by key and arrays
      index by index, recursively (`valueDiff`), so the detailed diff names the nested path that
      changed; only top-level `resourceGroupName` and `location` compare loosely
      (`applyAzureSpecificDiff`);
    - `replace_keys` are the new type's path parameters (every `PutParameters` entry with location
      "path": they make the resource id) and its forceNew properties; an ADD, DELETE or UPDATE of
      one of them, or an UPDATE beneath one, is a replacement, except an ADD whose value the old
      *state* (outputs) already holds (the pulumi-azure-nextgen#238 workaround in
      `calculateChangesAndReplacements`);
    - `diffs` are the top-level parts of the changed paths (`changes = append(changes, parts[0])`);
    - `deleteBeforeReplace` is set whenever anything is replaced (unless the old inputs carry
      `__createBeforeDelete`, set for randomly auto-named resources; this program names everything).
    """
    detailed: dict[str, str] = {}
    for key in sorted(k for k in {*old_inputs, *news} if not k.startswith("__")):
        old, new = old_inputs.get(key, provider.MISSING), news.get(key, provider.MISSING)
        if old not in (provider.MISSING, None) and new not in (provider.MISSING, None) and _same_value(key, old, new):
            continue
        for path, kind in provider.value_changes(old, new, key):
            base = _replace_base(path)
            parent_replaces = any(base.startswith((f"{k}.", f"{k}[")) for k in replace_keys)
            if base in replace_keys or (kind == "UPDATE" and parent_replaces):
                kind += "_REPLACE"
            detailed[path] = kind
    replaces: list[str] = []
    for path, kind in sorted(detailed.items()):
        if kind == "ADD_REPLACE" and path not in old_inputs and path in news and olds.get(path) == news[path]:
            detailed[path] = "ADD"  # ADD_REPLACE demoted to ADD: the state already has this value
        elif kind.endswith("_REPLACE"):
            replaces.append(path)
    changed = sorted({path.split(".")[0].split("[")[0] for path in detailed})
    create_before_delete = old_inputs.get("__createBeforeDelete")
    delete_first = bool(replaces) and not (isinstance(create_before_delete, bool) and create_before_delete)
    return Diff(changed=changed, replaces=replaces, delete_before_replace=delete_first, detailed=detailed)


def apply_diff(values: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """SRC diff.go `applyDiff`/`applyValueDiff`: the difference between two output projections
    (`old` -> `new`) written into the stored inputs `values`: deleted keys go, added keys come, and an
    updated key recurses where the stored value, the old and the new one are all objects (arrays
    element by element), else takes the new value."""
    result = {k: v for k, v in values.items() if not (k in old and k not in new)}
    for key, value in new.items():
        if key not in old:
            result[key] = value
        elif old[key] != value:
            result[key] = _apply_value_diff(values[key], old[key], value) if key in values else value
    return result


def _apply_value_diff(base: Any, old: Any, new: Any) -> Any:
    if isinstance(base, dict) and isinstance(old, dict) and isinstance(new, dict):
        return apply_diff(base, old, new)
    if isinstance(base, list) and isinstance(old, list) and isinstance(new, list):
        return [
            _apply_value_diff(base[i], old[i], item) if i < len(base) and i < len(old) else item
            for i, item in enumerate(new)
        ]
    return new


def _without_empty_collections(value: Any) -> Any:
    """convert `removeEmptyCollections`, as `ResponseToSdkInputs` applies it to imported inputs."""
    if isinstance(value, dict):
        return {k: _without_empty_collections(v) for k, v in value.items() if v not in ({}, [], None)}
    if isinstance(value, list):
        return [_without_empty_collections(v) for v in value]
    return value


class ArmKind(Kind):
    """An ARM resource: the id from the inputs, the body stored as ARM returns it."""

    arm_type = ""
    api_version = ""
    path_params: tuple[str, ...] = ("resourceGroupName",)
    # The PUT body's writable properties in SDK shape (what `SdkOutputsToSdkInputs` keeps of the
    # outputs: the body parameter's properties, never the path parameters, never read-only ones).
    body_keys: tuple[str, ...] = ("location", "tags", "properties")

    def projection(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """SRC convert `SdkOutputsToSdkInputs`: the outputs in input shape."""
        return {k: v for k, v in outputs.items() if k in self.body_keys}

    def path_values(self, id_: str) -> dict[str, Any]:
        """The path parameters an id carries (`resources.ParseResourceID` against the PUT path)."""
        raise NotImplementedError

    def preview_update(self, olds, news):
        """SRC provider.go `Update` in a preview: the new inputs as outputs (`PreviewOutputs`), with
        the outputs that never change on an update (`name`, `location`) taken from the old state;
        the engine keeps the id. (`PreviewOutputs` keeps only response properties; the stand-in's
        outputs echo the inputs anyway, as its create does.)"""
        return {**news, **{k: olds[k] for k in ("name", "location") if k in olds}}

    def import_inputs(self, id_: str, outputs: dict[str, Any]) -> dict[str, Any]:
        """SRC convert `ResponseToSdkInputs`: path parameters from the id, the body from the GET
        response in input shape, `id` and empty collections left out."""
        body = {k: _without_empty_collections(v) for k, v in self.projection(outputs).items() if k != "id"}
        return {**self.path_values(id_), **{k: v for k, v in body.items() if v not in ({}, [], None)}}

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
        # A resource written outside Pulumi (az rest, the multicloud connector) has no inputs here.
        inputs = stored.get("inputs") or {}
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
        fault = world.take_fault("azure-native", "lro-fails", id_)
        if fault is not None:
            # ARM accepted the PUT (201, the resource exists) and its long-running operation then
            # failed: SRC azure client `update` returns created=true with the error, and
            # `defaultCreate` answers `HandleErrorWithCheckpoint`: a partial failure carrying the
            # resource as a GET reads it, so the engine keeps it in the state.
            stored["properties"] = {**stored.get("properties", {}), "provisioningState": "Failed"}
            arm.put(stored)
            raise PartialFailure(fault["message"], id_, self.outputs(arm.get(id_) or stored), inputs)
        arm.put(stored)
        return id_, self.outputs(arm.get(id_) or stored)

    def read(self, id_, olds, inputs):
        stored = arm.get(id_)
        if stored is None:
            return "", {}, {}
        outputs = self.outputs(stored)
        if not inputs:
            return stored["id"], outputs, self.import_inputs(stored["id"], outputs)
        # SRC provider.go `Read` steps 2-5 (`removeDefaults` has nothing to remove: no resource
        # here has default properties in its metadata).
        return stored["id"], outputs, apply_diff(inputs, self.projection(olds), self.projection(outputs))

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

    # resources.json ResourceGroup: location, tags and managedBy are written; properties (only the
    # read-only provisioningState) is not.
    body_keys = ("location", "tags", "managedBy")

    def path_values(self, id_):
        # `ResourceGroup.get(name, id)` (an adopted group) reads by id alone: an import.
        return {"resourceGroupName": id_.strip("/").split("/")[3]}


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
    # connectedClusters.json 2024-02-01-preview (Azure/azure-rest-api-specs @ 346c11af, the typed
    # resource's api): the PUT body in the typed SDK's flattened shape, its writable properties only
    # (kubernetesVersion, agentVersion, connectivityStatus, lastConnectivityTime, ... are read-only).
    body_keys = (
        "location", "tags", "identity", "kind", "agentPublicKeyCertificate", "provisioningState", "distribution",
        "distributionVersion", "infrastructure", "privateLinkState", "privateLinkScopeResourceId",
        "azureHybridBenefit", "aadProfile", "arcAgentProfile",
    )  # fmt: skip

    def projection(self, outputs):
        # The typed converter leaves read-only properties out, nested ones too (identity's
        # principalId and tenantId, ArcAgentProfile's agentState and agentErrors).
        kept = super().projection(outputs)
        if isinstance(kept.get("identity"), dict):
            kept["identity"] = {k: v for k, v in kept["identity"].items() if k not in ("principalId", "tenantId")}
        if isinstance(kept.get("arcAgentProfile"), dict):
            profile = kept["arcAgentProfile"]
            kept["arcAgentProfile"] = {k: v for k, v in profile.items() if k not in ("agentState", "agentErrors")}
        return kept

    def path_values(self, id_):
        parts = id_.strip("/").split("/")
        return {"resourceGroupName": parts[3], "clusterName": parts[7]}

    def body(self, inputs):
        # connectedClusters.json: provisioningState, connectivityStatus, identity.principalId/tenantId are read-only.
        # ARM holds the typed resource's body under `properties`, as for any PUT of the type: `az resource
        # show` answers `properties.agentPublicKeyCertificate` however the cluster was declared.
        identity = {
            **inputs.get("identity", {}),
            "principalId": arm.PRINCIPAL,
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

    # The generic resource's body (resources.json GenericResource): `properties` is an untyped object,
    # so the projection keeps it whole; identity's principalId and tenantId are read-only.
    body_keys = ("location", "tags", "identity", "kind", "managedBy", "plan", "sku", "properties")

    def projection(self, outputs):
        kept = super().projection(outputs)
        if isinstance(kept.get("identity"), dict):
            kept["identity"] = {k: v for k, v in kept["identity"].items() if k not in ("principalId", "tenantId")}
        return kept

    def path_values(self, id_):
        # /subscriptions/S/resourceGroups/G/providers/NS/[parent path/]TYPE/NAME
        parts = id_.strip("/").split("/")
        rest = parts[6:]
        return {
            "resourceGroupName": parts[3],
            "resourceProviderNamespace": parts[5],
            "parentResourcePath": "/".join(rest[:-2]),
            "resourceType": rest[-2],
            "resourceName": rest[-1],
        }

    def _stored(self, id_, inputs):
        stored = super()._stored(id_, inputs)
        stored["type"] = f"{inputs['resourceProviderNamespace']}/{inputs['resourceType']}"
        if stored["type"].lower() == arm.CONNECTED_CLUSTERS:
            stored["properties"]["connectivityStatus"] = "Connecting"
            stored["identity"] = {
                **inputs.get("identity", {}),
                "principalId": arm.PRINCIPAL,
                "tenantId": arm.TENANT,
            }
        return stored

    def outputs(self, stored):
        return {**super().outputs(stored), "azureApiVersion": (stored.get("inputs") or {}).get("apiVersion", "")}

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

    def path_values(self, id_):
        parts = id_.strip("/").split("/")
        return {
            "resourceGroupName": parts[3],
            "clusterRp": parts[5],
            "clusterResourceName": parts[6],
            "clusterName": parts[7],
            self.name_param: parts[-1],
        }

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


def get_resource(args: dict[str, Any]) -> dict[str, Any]:
    id_ = GenericResource().id_of(args)
    found = arm.get(id_)
    if found is None:
        raise ProviderError(f"resource {id_} not found: ResourceNotFound")
    return found


PLUGIN.kinds.update(
    {k.token: k for k in (ResourceGroup(), ConnectedCluster(), GenericResource(), Extension(), FluxConfiguration())}
)
PLUGIN.invokes["azure-native:authorization:getClientConfig"] = client_config
PLUGIN.invokes["azure-native:resources:getResource"] = get_resource

if __name__ == "__main__":
    provider.main(PLUGIN)
