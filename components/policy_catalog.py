"""The Kubernetes built-in policies this program knows by name: a data table (pure: no Pulumi, no I/O).

Every entry is in `../shared/reference/azure-policy.md` §4 (display name, id, kind). Its parameters
(names, types, defaults, allowed values) are copied from the definition files of the reference's
source S3, Azure/azure-policy at commit `f4a50bacae07ddb096943c597669bcae494a6e29` (Built-in Policy
Release 3.2026.0417.1), whose path each entry names: the reference lists only the key parameters,
and checking an assignment's parameter names needs all of them. Nothing here is filled in by
analogy; a built-in the reference gives no id for is not listed.

Built-ins change over time (Azure publishes new versions of the same id); ARM has the final word at
`pulumi up`. A built-in that is not in this table can still be assigned by its full id
(`/providers/Microsoft.Authorization/policyDefinitions/<guid>`), unchecked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

S3_COMMIT = "f4a50bacae07ddb096943c597669bcae494a6e29"
S3_BASE = f"https://github.com/Azure/azure-policy/blob/{S3_COMMIT}/built-in-policies"

Kind = Literal["initiative", "definition"]
ParameterType = Literal["String", "Array", "Boolean", "Object"]

# ARM's resource type segment of each kind's id.
ID_SEGMENT: dict[str, str] = {"initiative": "policySetDefinitions", "definition": "policyDefinitions"}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: ParameterType
    # None with `required`: the definition has no defaultValue, so an assignment must give one.
    default: Any = None
    required: bool = False
    # ARM compares allowed values case-sensitively (Learn, "Azure Policy definition structure
    # parameters": "Allowed value comparisons are case-sensitive"), hence `audit` and `Audit`.
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Builtin:
    display_name: str
    guid: str
    kind: Kind
    parameters: tuple[Parameter, ...]
    # The definition file in S3, relative to `built-in-policies/`.
    path: str
    version: str
    # Its effect deploys resources (deployIfNotExists): an assignment needs a managed identity to do
    # so (Learn, "Azure Policy deployIfNotExists effect"), which this program does not give one.
    deploys: bool = False

    @property
    def id(self) -> str:
        """Built-in ids are tenant-independent (reference §4)."""
        return f"/providers/Microsoft.Authorization/{ID_SEGMENT[self.kind]}/{self.guid}"

    @property
    def source(self) -> str:
        return f"{S3_BASE}/{self.path}"

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


# --- Parameters shared by several built-ins (S3; the reference §4 names the defaults) ---------------

_EFFECT_BOTH_CASES = ("audit", "Audit", "deny", "Deny", "disabled", "Disabled")
_EFFECT = ("Audit", "Deny", "Disabled")


def _effect(default: str, allowed: tuple[str, ...]) -> Parameter:
    return Parameter("effect", "String", default, allowed=allowed)


_EXCLUDED_NAMESPACES = Parameter(
    "excludedNamespaces", "Array", ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"]
)
_NAMESPACES = Parameter("namespaces", "Array", [])
_LABEL_SELECTOR = Parameter("labelSelector", "Object", {})
# `Generated` and `All` add rules for generated resources, which S1 documents for AKS only.
_SOURCE = Parameter("source", "String", "Original", allowed=("All", "Generated", "Original"))
_WARN = Parameter("warn", "Boolean", False)
_EXCLUDED_CONTAINERS = Parameter("excludedContainers", "Array", [])
_EXCLUDED_IMAGES = Parameter("excludedImages", "Array", [])


def _single(effect: Parameter, *own: Parameter) -> tuple[Parameter, ...]:
    """A single Kubernetes definition's parameters, in its file's order."""
    return (_SOURCE, _WARN, effect, _EXCLUDED_NAMESPACES, _NAMESPACES, _LABEL_SELECTOR, *own)


BUILTINS: tuple[Builtin, ...] = (
    Builtin(
        "Kubernetes cluster pod security baseline standards for Linux-based workloads",
        "a8640138-9b0a-4a28-b8cb-1666c838647d",
        "initiative",
        (
            _effect("Audit", _EFFECT_BOTH_CASES),
            _EXCLUDED_NAMESPACES,
            _NAMESPACES,
            Parameter("allowedHostPaths", "Object", {"paths": []}),
        ),
        "policySetDefinitions/Kubernetes/PSPBaselineStandard.json",
        "1.4.0",
    ),
    Builtin(
        "Kubernetes cluster pod security restricted standards for Linux-based workloads",
        "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
        "initiative",
        (
            _effect("Audit", _EFFECT_BOTH_CASES),
            _EXCLUDED_NAMESPACES,
            _NAMESPACES,
            Parameter(
                "allowedCapabilities",
                "Array",
                [
                    "CHOWN",
                    "DAC_OVERRIDE",
                    "FSETID",
                    "FOWNER",
                    "MKNOD",
                    "NET_RAW",
                    "SETGID",
                    "SETUID",
                    "SETFCAP",
                    "SETPCAP",
                    "NET_BIND_SERVICE",
                    "SYS_CHROOT",
                    "KILL",
                    "AUDIT_WRITE",
                ],
            ),
            Parameter("requiredDropCapabilities", "Array", []),
        ),
        "policySetDefinitions/Kubernetes/PSPRestrictedStandard.json",
        "2.5.0",
    ),
    Builtin(
        "Kubernetes cluster should not allow privileged containers",
        "95edb821-ddaf-4404-9732-666045e056b4",
        "definition",
        _single(_effect("Deny", _EFFECT_BOTH_CASES), _EXCLUDED_CONTAINERS, _EXCLUDED_IMAGES),
        "policyDefinitions/Kubernetes/ContainerNoPrivilege.json",
        "9.2.0",
    ),
    Builtin(
        "Kubernetes cluster containers should only use allowed images",
        "febd0533-8e55-448f-b837-bd0e06f16469",
        "definition",
        _single(
            _effect("Deny", _EFFECT_BOTH_CASES),
            Parameter("allowedContainerImagesRegex", "String", required=True),
            _EXCLUDED_CONTAINERS,
        ),
        "policyDefinitions/Kubernetes/ContainerAllowedImages.json",
        "9.3.0",
    ),
    Builtin(
        "Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits",
        "e345eecc-fa47-480f-9e88-67dcc122b164",
        "definition",
        _single(
            _effect("Deny", _EFFECT_BOTH_CASES),
            Parameter("cpuLimit", "String", required=True),
            Parameter("memoryLimit", "String", required=True),
            _EXCLUDED_CONTAINERS,
            _EXCLUDED_IMAGES,
        ),
        "policyDefinitions/Kubernetes/ContainerResourceLimits.json",
        "9.3.0",
    ),
    Builtin(
        "Kubernetes cluster pods should only use approved host network and port list",
        "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
        "definition",
        _single(
            _effect("Audit", _EFFECT),
            Parameter("allowHostNetwork", "Boolean", False),
            Parameter("allowedHostPorts", "Array", []),
            _EXCLUDED_IMAGES,
        ),
        "policyDefinitions/Kubernetes/HostNetworkPorts.json",
        "7.0.0",
    ),
    Builtin(
        "Kubernetes clusters should not allow container privilege escalation",
        "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
        "definition",
        _single(
            _effect("Audit", _EFFECT),
            Parameter("forcePrivilegeEscalationToBeFalse", "Boolean", False),
            _EXCLUDED_CONTAINERS,
            _EXCLUDED_IMAGES,
        ),
        "policyDefinitions/Kubernetes/ContainerNoPrivilegeEscalation.json",
        "8.0.0",
    ),
    Builtin(
        "Kubernetes cluster containers should not share host namespaces",
        "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
        "definition",
        _single(_effect("Audit", _EFFECT), _EXCLUDED_IMAGES),
        "policyDefinitions/Kubernetes/BlockHostNamespace.json",
        "6.0.0",
    ),
    # The next two evaluate the connected cluster resource itself (mode Indexed in S3; the
    # reference's table says Microsoft.Kubernetes.Data for all rows, which S3 contradicts for these).
    Builtin(
        "Configure Azure Arc enabled Kubernetes clusters to install the Azure Policy extension",
        "0adc5395-9169-4b9b-8687-af838d69410a",
        "definition",
        (Parameter("effect", "String", "DeployIfNotExists", allowed=("DeployIfNotExists", "Disabled")),),
        "policyDefinitions/Kubernetes/ArcPolicyExtension_DINE.json",
        "1.1.0",
        deploys=True,
    ),
    Builtin(
        "Azure Arc enabled Kubernetes clusters should have the Azure Policy extension installed",
        "6b2122c1-8120-4ff5-801b-17625a355590",
        "definition",
        (Parameter("effect", "String", "AuditIfNotExists", allowed=("AuditIfNotExists", "Disabled")),),
        "policyDefinitions/Kubernetes/ArcPolicyExtension_Audit.json",
        "1.1.0",
    ),
)

# Lookup keys, all lower-case (ARM compares ids case-insensitively): display name, full id, GUID.
_BY_KEY: dict[str, Builtin] = {
    key.lower(): builtin for builtin in BUILTINS for key in (builtin.display_name, builtin.id, builtin.guid)
}


def find(definition: str) -> Builtin | None:
    """The built-in a display name, full id or bare GUID names, in any case."""
    return _BY_KEY.get(definition.strip().lower())


def _shown(value: Any) -> str:
    if value is None:
        return "required"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{json.dumps(value)}`"


def docs_table() -> str:
    """The built-ins table of docs/policy.md, generated so the page cannot drift from the data."""
    rows = ["| kind | display name | id (GUID) | parameters (default; allowed) | source |", "|---|---|---|---|---|"]
    for b in BUILTINS:
        params = "; ".join(
            f"`{p.name}` {_shown(None if p.required else p.default)}"
            + (f" ({'/'.join(p.allowed)})" if p.allowed else "")
            for p in b.parameters
        )
        rows.append(
            f"| {b.kind} | {b.display_name} | `{b.guid}` | {params} | [{b.path.rsplit('/', 1)[-1]} v{b.version}]({b.source}) |"
        )
    return "\n".join(rows)
