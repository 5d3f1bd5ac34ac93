"""The mock engine: a monitor that records what the program asks of the engine, and provider answers.

`RecordingMonitor` keeps every registration request as the engine would receive it: inputs as
serialized (secrets still marked), parent, provider, dependencies and options, under the URN the
engine would form. `PlanMocks` answers like the providers where the program reads an answer (a real
RSA key, a group's name, a cluster's id); everything it invents is listed in `mocked`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import provider_pb2, resource_pb2

from . import keygen

SECRET = "[secret]"  # noqa: S105  # the mask shown for a secret value, not a password
UNKNOWN = "[unknown]"
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_TENANT = "11111111-1111-1111-1111-111111111111"
PLACEHOLDER_PRINCIPAL = "44444444-4444-4444-4444-444444444444"
# An issuer URL of the shape Azure hands out (host and id invented; the offline plan cannot know them).
PLACEHOLDER_ISSUER_HOST = "oidc-issuer.placeholder.invalid"
PLACEHOLDER_ISSUER_ID = "55555555-5555-5555-5555-555555555555"
_STACK_TYPE = "pulumi:pulumi:Stack"
# The invoke the pre-write check runs as (components/precheck.py).
_LOCAL_RUN = "command:local:run"
GET_RESOURCE = "azure-native:resources:getResource"
GET_WORKSPACE = "azure-native:operationalinsights:getWorkspace"
GET_SHARED_KEYS = "azure-native:operationalinsights:getSharedKeys"
# A Log Analytics workspace read offline: its customer id and region are placeholders.
PLACEHOLDER_WORKSPACE_CUSTOMER_ID = "66666666-6666-6666-6666-666666666666"
PLACEHOLDER_WORKSPACE_REGION = "workspace-region"
# The aliases azure-native's SDK adds to every resource, one per API version of its type: they say
# nothing about this program, so the plan leaves them out of a resource's options.
_SDK_VERSION_ALIAS = re.compile(r"azure-native:[\w.]+/v\d{8}(?:preview)?:\w+")


def engine_urn(stack: str, project: str, type_: str, name: str, parent_type: str | None) -> str:
    """A URN as the engine forms it: the parent's qualified type chain, the root stack left out."""
    qualified = type_ if not parent_type or parent_type == _STACK_TYPE else f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def generic_resource_id(inputs: dict[str, Any]) -> str:
    """The ARM id azure-native's generic resource forms from its path parameters."""
    parent = inputs.get("parentResourcePath") or ""
    path = "/".join(p for p in (inputs["resourceProviderNamespace"], parent, inputs["resourceType"]) if p)
    return (
        f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{inputs['resourceGroupName']}"
        f"/providers/{path}/{inputs['resourceName']}"
    )


def program_aliases(request: Any) -> list[dict[str, str]]:
    """The aliases the program gave a registration (type and name where set, or a URN)."""
    out: list[dict[str, str]] = []
    for alias in request.aliases:
        if alias.HasField("spec"):
            if _SDK_VERSION_ALIAS.fullmatch(alias.spec.type):
                continue
            out.append({k: v for k, v in (("type", alias.spec.type), ("name", alias.spec.name)) if v})
        else:
            out.append({"urn": alias.urn})
    return sorted(out, key=lambda a: sorted(a.items()))


def generic_resource_kind(inputs: dict[str, Any]) -> str:
    """`Namespace/type` of a generic resource; an extension resource's namespace is its parent path's last."""
    namespace = inputs["resourceProviderNamespace"]
    parent = inputs.get("parentResourcePath") or ""
    if "/providers/" in parent:
        namespace = parent.rsplit("/providers/", 1)[1]
    return f"{namespace}/{inputs['resourceType']}"


def qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def plain(value: Any) -> Any:
    """A serialized property as the engine sees it, with every secret shown as "[secret]"."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return SECRET
        return {k: plain(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == rpc.UNKNOWN:
        return UNKNOWN
    return value


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    read: bool
    provider: str | None
    dependencies: list[str]
    options: dict[str, Any]
    inputs: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "read": self.read,
            "provider": self.provider,
            "dependencies": self.dependencies,
            "options": self.options,
            "inputs": self.inputs,
        }


class PlanMocks(pulumi.runtime.Mocks):
    """Provider answers for the resources and invokes this program uses."""

    _keys: ClassVar[dict[int, tuple[str, str]]] = {}  # the RSA keys handed out, by size (see keygen)

    def __init__(self) -> None:
        self.mocked: set[str] = set()

    def _rsa_key(self, bits: int) -> tuple[str, str]:
        PlanMocks._keys[bits] = keygen.key(bits)
        return PlanMocks._keys[bits]

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "tls:index/privateKey:PrivateKey":
            bits = int(inputs.get("rsaBits", 2048))
            private, public = self._rsa_key(bits)
            self.mocked.add(f"tls:index/privateKey:PrivateKey: a real RSA-{bits} key, generated offline")
            secret_private = {rpc._special_sig_key: rpc._special_secret_sig, "value": private}
            return f"{args.name}-id", {**inputs, "privateKeyPem": secret_private, "publicKeyPem": public}
        if args.typ == "azure-native:resources:ResourceGroup":
            # Unnamed and not read by id: the logical name stands in for the provider's autoname.
            name = inputs.get("resourceGroupName") or (args.resource_id or args.name).rsplit("/", 1)[-1]
            rid = args.resource_id or f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{name}"
            self.mocked.add("azure-native:resources:ResourceGroup: id and name from the config")
            return rid, {**inputs, "name": name, "id": rid}
        if args.typ == "azure-native:resources:Resource":
            return self._generic_resource(inputs)
        if args.typ == "kubernetes:helm.sh/v3:Release":
            # What a first install reports; the verify step's trigger reads the revision.
            self.mocked.add("kubernetes:helm.sh/v3:Release: status of a first install (revision 1)")
            status = {
                "name": inputs.get("name"),
                "namespace": inputs.get("namespace"),
                "version": inputs.get("version"),
                "revision": 1,
                "status": "deployed",
            }
            return f"{args.name}-id", {**inputs, "status": status}
        if args.typ == "azure-native:kubernetesconfiguration:Extension":
            rid = (
                f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{inputs['resourceGroupName']}"
                f"/providers/Microsoft.Kubernetes/connectedClusters/{inputs['clusterName']}"
                f"/providers/Microsoft.KubernetesConfiguration/extensions/{inputs['extensionName']}"
            )
            self.mocked.add("azure-native:kubernetesconfiguration:Extension: id from the config")
            return rid, {**inputs, "name": inputs["extensionName"]}
        if args.typ == "azure-native:authorization:PolicyAssignment":
            rid = f"{inputs['scope']}/providers/Microsoft.Authorization/policyAssignments/{inputs['policyAssignmentName']}"
            self.mocked.add("azure-native:authorization:PolicyAssignment: id from the config")
            return rid, {**inputs, "name": inputs["policyAssignmentName"]}
        if args.typ == "command:local:Command":
            self.mocked.add("command:local:Command: not run; empty stdout")
            return f"{args.name}-id", {**inputs, "stdout": "", "stderr": ""}
        return f"{args.name}-id", inputs

    def _generic_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A generic resource as ARM answers a PUT: its id from the path parameters, its name, and
        the read-only properties a connected cluster gets on create."""
        rid = generic_resource_id(inputs)
        kind = generic_resource_kind(inputs)
        self.mocked.add(f"azure-native:resources:Resource ({kind}): id and name from the inputs")
        properties = dict(inputs.get("properties") or {})
        outputs: dict[str, Any] = {**inputs, "name": inputs["resourceName"], "id": rid}
        if kind == "Microsoft.Kubernetes/connectedClusters":
            properties.update(provisioningState="Succeeded", connectivityStatus="Connecting")
            outputs["identity"] = {**inputs.get("identity", {}), "principalId": PLACEHOLDER_PRINCIPAL,
                                   "tenantId": PLACEHOLDER_TENANT}  # fmt: skip
        outputs["properties"] = properties
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "azure-native:authorization:getClientConfig":  # noqa: S105  # a function token, not a password
            self.mocked.add("azure-native:authorization:getClientConfig: placeholder subscription and tenant ids")
            return {
                "subscriptionId": PLACEHOLDER_SUBSCRIPTION,
                "tenantId": PLACEHOLDER_TENANT,
                "clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
            }, []
        if args.token == _LOCAL_RUN:
            # The agentless listing and the pre-write checks (components/precheck.py) read the clusters
            # and ARM: offline there is neither.
            self.mocked.add(
                "command:local:run: the agentless listing and the pre-write checks are not run offline; answered as finding nothing"
            )
            return {"stdout": "", "stderr": ""}, []
        if args.token == GET_RESOURCE:
            # The connected cluster read back after the verify step: as ARM returns it once the agents
            # have settled, with the OIDC issuer's URL Azure fills in when the issuer is enabled.
            inputs = dict(args.args)
            kind = generic_resource_kind(inputs)
            self.mocked.add(f"azure-native:resources:getResource ({kind}): a placeholder issuer URL")
            issuer = f"https://{PLACEHOLDER_ISSUER_HOST}/{PLACEHOLDER_TENANT}/{PLACEHOLDER_ISSUER_ID}/"
            properties = {"oidcIssuerProfile": {"enabled": True, "issuerUrl": issuer}}
            return {"id": generic_resource_id(inputs), "name": inputs["resourceName"], "properties": properties}, []
        if args.token == GET_WORKSPACE:
            # The workspace Container Insights and Defender report to (components/arc_extensions.py).
            self.mocked.add(f"{GET_WORKSPACE}: a placeholder customer id; the region is {PLACEHOLDER_WORKSPACE_REGION}")
            inputs = dict(args.args)
            return {
                "customerId": PLACEHOLDER_WORKSPACE_CUSTOMER_ID,
                "location": PLACEHOLDER_WORKSPACE_REGION,
                "name": inputs.get("workspaceName"),
            }, []
        if args.token == GET_SHARED_KEYS:
            self.mocked.add(f"{GET_SHARED_KEYS}: a placeholder key (secret)")
            return {"primarySharedKey": "placeholder-shared-key", "secondarySharedKey": "placeholder-shared-key"}, []
        raise NotImplementedError(f"no offline answer for invoke {args.token}")


class RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that keeps what each registration asked of the engine."""

    def __init__(self, mock: PlanMocks, project: str, stack: str) -> None:
        super().__init__(mock)
        self.project = project
        self.stack = stack
        self.registrations: list[Registration] = []
        self._engine_urns: dict[str, str] = {}  # mock-form URN -> engine-form URN

    def _engine(self, urn: str) -> str:
        return self._engine_urns.get(urn, urn)

    def _record(self, request: Any, mock_urn: str, read: bool) -> None:
        parent = self._engine(request.parent) if request.parent else None
        parent_type = qualified_type(parent) if parent else None
        urn = engine_urn(self.stack, self.project, request.type, request.name, parent_type)
        self._engine_urns[mock_urn] = urn
        if request.type == _STACK_TYPE:
            return
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        properties = request.properties if read else request.object
        timeouts = None
        if not read and request.HasField("customTimeouts"):
            t = request.customTimeouts
            if t.create or t.update or t.delete:
                timeouts = {"create": t.create or None, "update": t.update or None, "delete": t.delete or None}
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=parent if parent and qualified_type(parent) != _STACK_TYPE else None,
                custom=True if read else bool(request.custom),
                read=read,
                provider=self._engine(provider) if provider else None,
                dependencies=sorted({self._engine(d) for d in request.dependencies}),
                options={
                    "protect": bool(getattr(request, "protect", False)) if not read else False,
                    "retainOnDelete": bool(getattr(request, "retainOnDelete", False)) if not read else False,
                    "deleteBeforeReplace": bool(request.deleteBeforeReplace) if not read else False,
                    "ignoreChanges": sorted(request.ignoreChanges) if not read else [],
                    "replaceOnChanges": sorted(request.replaceOnChanges) if not read else [],
                    "additionalSecretOutputs": sorted(request.additionalSecretOutputs),
                    "customTimeouts": timeouts,
                    "aliases": program_aliases(request) if not read else [],
                    # An adopted resource (components/conversion.py): the id the engine imports.
                    **({"import": request.importId} if getattr(request, "importId", "") else {}),
                },
                inputs=plain(json_format.MessageToDict(properties)),
            )
        )

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        except Exception as error:
            # As the engine does: a failed invoke is an answer with a failure, which the SDK raises
            # as "invoke of TOKEN failed: …" in the program, not a crash of the monitor.
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            failure = provider_pb2.CheckFailure(property="", reason=reason)
            return resource_pb2.ResourceInvokeResponse(failures=[failure])

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self._record(request, response.urn, read=False)
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self._record(request, response.urn, read=True)
        return response
