"""The configuration schema: every key the program reads, its type, default and meaning.

This table is the one place a key is declared. `components/settings/` validates against it, the
configuration reference (docs/configuration.md) and `Pulumi.yaml`'s declared defaults are checked
against it by tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

NAMESPACE = "arc-onboarding"

# `json`: any JSON value, passed through untouched (policy parameters; components/policy.py checks them).
KeyType = Literal["string", "boolean", "integer", "array", "object", "map", "json"]

DEFAULT_CHART = "oci://mcr.microsoft.com/azurearck8s/batch1/stable/v2/azure-arc-k8sagents"
# Newest stable agent release (July 2026); agent version == chart version.
DEFAULT_CHART_VERSION = "1.36.1"
# The preflight Job's image: Azure Linux 3.0's base image on MCR has bash, curl and getent
# (core-packages-container), runs on amd64 and arm64, and is public (mirror it for private registries).
DEFAULT_PREFLIGHT_IMAGE = "mcr.microsoft.com/azurelinux/base/core:3.0"
# The az CLI's onboarding timeout (`--onboarding-timeout`, default 1200 s since connectedk8s 1.9.0).
DEFAULT_TIMEOUT_SECONDS = 1200


@dataclass(frozen=True)
class Key:
    """One config key. `map` is an object whose keys are free (tags); `object` has fixed fields."""

    type: KeyType
    doc: str
    default: Any = None
    required: bool = False
    fields: Mapping[str, Key] = field(default_factory=dict)
    items: KeyType | None = None
    # Shown in docs/configuration.md when the default is computed rather than a literal.
    default_doc: str | None = None
    # Stack-wide: not allowed inside `clusters` items.
    stack_only: bool = False
    # An object that is off until one of its fields is set: unset, it is None, not its defaults.
    optional: bool = False
    # Read by a groups stack (`groups`) too. A groups stack declares no cluster: any other key set
    # in it would be ignored, so it is refused (components/settings/fleet.py).
    groups_stack: bool = False


AGENT_FIELDS: dict[str, Key] = {
    "chartVersion": Key(
        "string",
        "Agents' chart version (= agent version), at least 1.14.0.",
        default=DEFAULT_CHART_VERSION,
    ),
    "chart": Key(
        "string",
        "The Release's chart: a full `oci://` reference (MCR, or a mirror registry such as your ACR), or a "
        "local chart directory or `.tgz` relative to the project, pinned at its own version and without "
        "`autoUpgrade` (disconnected sites: docs/network.md).",
        default=DEFAULT_CHART,
    ),
    "autoUpgrade": Key(
        "boolean",
        "Let the agents upgrade themselves (Helm `autoUpdate` and ARM `agentAutoUpgrade`).",
        default=False,
    ),
    "timeoutSeconds": Key(
        "integer",
        "Helm wait timeout for install and upgrade.",
        default=DEFAULT_TIMEOUT_SECONDS,
    ),
    "privateKey": Key(
        "string",
        "Adopt a CLI onboarding: the PKCS#1 PEM from the cluster's "
        "`azure-arc/azure-arc-connect-privatekey` secret, used instead of a generated key "
        "(set it with `--secret`).",
    ),
    "publicKeyCertificate": Key(
        "string",
        "The connected cluster's current `agentPublicKeyCertificate` "
        "(`az connectedk8s show --query agentPublicKeyCertificate`); must match "
        "`agents.privateKey`.",
    ),
    "replaceStale": Key(
        "boolean",
        "Before the connected cluster is written, remove a stale onboarding found on the cluster "
        "(agents or CRDs whose connected cluster is gone from Azure) as `az connectedk8s connect` does; "
        "never deletes anything in Azure. Off: `up` stops and prints the cleanup command.",
        default=False,
    ),
    "forceDelete": Key(
        "boolean",
        "`pulumi destroy` as `az connectedk8s delete --force`: ARM force delete of the connected "
        "cluster and its extensions, the release forgotten without its hooks, a missing "
        "azure-clusterconfig no refusal (docs/lifecycle.md); set it, `pulumi up`, then destroy.",
        default=False,
    ),
}

PROXY_FIELDS: dict[str, Key] = {
    "httpProxy": Key("string", "`http(s)://[user:password@]host:port` for plain HTTP."),
    "httpsProxy": Key("string", "`http(s)://[user:password@]host:port` for HTTPS."),
    "noProxy": Key(
        "array",
        "Hosts, `.domain` suffixes, IPs and CIDRs reached directly; `Arc` stands for the Arc private link "
        "suffixes (`.his.arc.azure.<suffix>`, `.dp.kubernetesconfiguration.azure.<suffix>`, "
        "`.guestconfiguration.azure.<suffix>`), as the CLI's `--proxy-skip-range`.",
        items="string",
    ),
    "caCertFile": Key(
        "string",
        "PEM file of the proxy's CA, relative to the project directory.",
    ),
    "bypass": Key(
        "array",
        "What reaches Azure around the proxy, as the CLI's `--add-proxy-bypass`: `Arc` adds the Arc "
        "endpoints (`.his.arc.azure.<suffix>`, `.dp.kubernetesconfiguration.azure.<suffix>`, "
        "`.guestconfiguration.azure.<suffix>`) to noProxy and records which entries are yours in the "
        "release (`connectedk8sCli.arcProxyBypass`). `Microsoft.AzureMonitor.Containers` sets "
        '`ignore_proxy_settings = "true"` in Container Insights\' ConfigMap '
        "`kube-system/container-azm-ms-agentconfig` once the agents are in, stamped with the CLI's "
        "annotation only when it changed the setting; removing the entry, or destroy, sets it back to "
        '`"false"` where that stamp is (docs/network.md).',
        items="string",
    ),
}

GITOPS_FIELDS: dict[str, Key] = {
    "url": Key(
        "string",
        "Git repository Flux syncs from: `https://` or `ssh://` (`http://` is accepted with a warning).",
        default_doc="required with `gitops`",
    ),
    "branch": Key("string", "Branch to follow.", default="main"),
    "path": Key("string", "Directory in the repository that the kustomization applies.", default="./"),
    "syncIntervalSeconds": Key(
        "integer", "How often Flux fetches the repository and re-applies the path.", default=600
    ),
    "httpsUser": Key("string", "User name for an `https://` repository (with `httpsPassword`)."),
    "httpsPassword": Key("string", "Password or token for `httpsUser`; set it with `--secret` (always kept secret)."),
}

PRIVATE_LINK_FIELDS: dict[str, Key] = {
    "scopeResourceId": Key(
        "string",
        "ARM id of a `Microsoft.HybridCompute/privateLinkScopes` in the cluster's region: private "
        "link on, cluster-connect off.",
    ),
}

FEATURE_FIELDS: dict[str, Key] = {
    "clusterConnect": Key(
        "boolean",
        "Cluster-connect agent (`az connectedk8s proxy`); impossible with private link.",
        default_doc="`true`; `false` with private link",
    ),
    "customLocations": Key(
        "boolean",
        "Custom locations on, as `az connectedk8s connect` turns them on: the Custom Locations RP's "
        "object id is looked up where Pulumi runs (`az ad sp show`, as the CLI's Graph lookup; needs "
        "Application.Read.All) unless `features.customLocationsOid` gives it (needs cluster-connect; "
        "registers Microsoft.ExtendedLocation).",
        default=False,
    ),
    "customLocationsOid": Key(
        "string",
        "Object id of the Custom Locations RP's service principal: turns custom locations on; "
        "the Graph lookup is still tried and wins, as the CLI's, this id is its fallback (needs "
        "cluster-connect; registers Microsoft.ExtendedLocation).",
    ),
    "azureRbac": Key("boolean", "Azure RBAC for the cluster (the guard agent).", default=False),
    "azureRbacSkipList": Key(
        "array",
        "Users, emails or object ids that skip the Azure RBAC check (with `features.azureRbac`).",
        items="string",
    ),
}

GATEWAY_FIELDS: dict[str, Key] = {
    "resourceId": Key(
        "string",
        "ARM id of an existing `Microsoft.HybridCompute/gateways` (Azure Arc gateway, AzureCloud only): "
        "`gateway.enabled` on the connected cluster and the gateway's id in "
        "`Microsoft.HybridCompute/settings/default` at its scope, as `--gateway-resource-id` "
        "(registers Microsoft.HybridCompute). The required endpoints become the gateway's list. "
        "Removing it disables the gateway, as `--disable-gateway`.",
    ),
}

OIDC_ISSUER_FIELDS: dict[str, Key] = {
    "enabled": Key(
        "boolean",
        "The cluster's OIDC issuer, as `--enable-oidc-issuer`. Azure cannot turn it off again (the CLI "
        "refuses to): setting this back to false stops sending `oidcIssuerProfile`, it does not turn "
        "the issuer off. Its URL is the stack output `oidcIssuerUrl`, read after the verify step.",
        default=False,
    ),
    "selfHostedIssuerUrl": Key(
        "string",
        "An issuer of your own (`https://`), as `--self-hosted-issuer`; required for aks, eks and gke distributions.",
    ),
}

WORKLOAD_IDENTITY_FIELDS: dict[str, Key] = {
    "enabled": Key(
        "boolean",
        "The workload identity webhook, as `--enable-workload-identity` (needs `oidcIssuer.enabled`); "
        "false after true is `--disable-workload-identity`.",
        default=False,
    ),
}

PREFLIGHT_FIELDS: dict[str, Key] = {
    "enabled": Key(
        "boolean",
        "Before the agents' release, a Job in namespace `azure-arc-preflight` checks DNS and HTTPS to every "
        "required endpoint through the proxy and CA; the release waits for it.",
        default=True,
    ),
    "image": Key(
        "string",
        "The preflight Job's image; it needs `bash` and `curl` (`getent` for the DNS checks). Point it at "
        "a mirror for private registries.",
        default=DEFAULT_PREFLIGHT_IMAGE,
    ),
}

# Azure Policy (docs/policy.md); components/policy.py checks the values.
ENFORCEMENT_MODES = ("Default", "DoNotEnforce")

ASSIGNMENT_FIELDS: dict[str, Key] = {
    "name": Key(
        "string",
        "ARM name of the assignment: 1-64 characters, none of `<>*%&:\\?.+/` or control characters, not "
        "ending in a space; unique per cluster.",
        required=True,
    ),
    "definition": Key(
        "string",
        "A Kubernetes built-in by display name or id (see docs/policy.md), or the full id of a custom "
        "definition or initiative (`/subscriptions/<id>/providers/Microsoft.Authorization/policyDefinitions/<name>`, "
        "or the management-group form).",
        required=True,
    ),
    "parameters": Key(
        "json",
        "Parameter values by name, plain (`effect: Deny`); checked against the built-in's parameters.",
        default={},
    ),
    "enforcement": Key(
        "string",
        "`Default` (enforced) or `DoNotEnforce` (evaluated and reported only).",
        default="Default",
    ),
}

POLICY_FIELDS: dict[str, Key] = {
    "enabled": Key(
        "boolean",
        "Install the Azure Policy extension (`microsoft.policyinsights`, named `azurepolicy`) once the "
        "agents are in; assignments need it.",
        default=False,
    ),
    "autoUpgradeMinorVersion": Key(
        "boolean",
        "Let Azure upgrade the extension's minor versions (Microsoft's default); `false` pins `policy.version`.",
        default=True,
    ),
    "version": Key(
        "string",
        "The extension version to pin (e.g. `1.16.1`); only with `policy.autoUpgradeMinorVersion: false`.",
    ),
    "assignments": Key(
        "array",
        "Policy assignments scoped to the connected cluster, each `{name, definition, parameters, "
        "enforcement}` (docs/policy.md describes the fields); needs `policy.enabled`.",
        items="object",
        fields=ASSIGNMENT_FIELDS,
    ),
}

# Cluster extensions (docs/extensions.md); components/settings/extensions.py checks the items against
# the catalog (components/extension_catalog.py).
EXTENSION_SCOPES = ("cluster", "namespace")

EXTENSION_FIELDS: dict[str, Key] = {
    "name": Key(
        "string",
        "ARM name of the extension, unique per cluster (no spaces, `/`, `?`, `#` or `%`: it is a segment of "
        "the ARM path). Known single-instance types take the name the CLI gives them.",
        default_doc="the known type's name; required for other types",
    ),
    "type": Key(
        "string",
        "The extension type, e.g. `Microsoft.AzureMonitor.Containers` (known types: docs/extensions.md; others "
        "are installed unchecked, with a warning).",
        required=True,
    ),
    "version": Key("string", "The version to pin; only with `autoUpgradeMinorVersion: false`."),
    "releaseTrain": Key(
        "string", "The release train (`Stable`, `Preview`, ...); only with auto-upgrade.", default_doc="ARM's `Stable`"
    ),
    "autoUpgradeMinorVersion": Key(
        "boolean", "Let Azure upgrade the extension's minor versions; `false` with `version`.", default=True
    ),
    "scope": Key(
        "string",
        "`cluster` (with `releaseNamespace`) or `namespace` (with `targetNamespace`); fixed once created "
        "(a change replaces the extension).",
        default_doc="known types: `cluster`; others: none sent (the type's own default), as the CLI without `--scope`",
    ),
    "releaseNamespace": Key(
        "string", "The release namespace of a cluster-scoped extension.", default_doc="the known type's namespace"
    ),
    "targetNamespace": Key(
        "string", "The namespace of a namespace-scoped extension.", default_doc="the extension's name"
    ),
    "configurationSettings": Key(
        "json",
        "Settings by name (`{name: value}`; strings, booleans or numbers, sent as strings); known types' "
        "settings are checked. Stored and shown in plain text, as ARM returns them to readers.",
        default={},
    ),
    "configurationProtectedSettings": Key(
        "json",
        "Sensitive settings by name: set each with `pulumi config set --secret --path`; refused in plain "
        "text; secret in state and never printed (ARM never returns them).",
        default={},
    ),
}

EXTENSIONS_KEY = Key(
    "array",
    "Cluster extensions installed once the agents are connected, each `{name, type, version, releaseTrain, "
    "autoUpgradeMinorVersion, scope, releaseNamespace, targetNamespace, configurationSettings, "
    "configurationProtectedSettings}` (docs/extensions.md). A fleet item's list replaces the default's.",
    items="object",
    fields=EXTENSION_FIELDS,
)

# Per cluster (not stack-wide): fleet items take it and merge it like `gitops`.
POLICY_KEY = Key(
    "object",
    "Azure Policy on the connected cluster: the extension and assignments (docs/policy.md).",
    fields=POLICY_FIELDS,
    optional=True,
)

SCHEMA: dict[str, Key] = {
    "clusterName": Key(
        "string",
        "ARM name of the connected cluster: 1-63 letters, digits, `-`, `_`, starting and ending alphanumeric.",
        required=True,
    ),
    "resourceGroup": Key(
        "string",
        "Resource group name: 1-90 letters, digits, `-`, `_`, `.`, `(`, `)`; not ending in `.`.",
        required=True,
    ),
    "location": Key(
        "string",
        "Azure region; `East US` and `eastus` both mean `eastus`. In a fleet, the top-level value "
        "is the location of every group the stack creates.",
        required=True,
        groups_stack=True,
    ),
    "createResourceGroup": Key(
        "boolean",
        "false: the group must exist; it is read, never created or deleted.",
        default=True,
        groups_stack=True,
    ),
    "tags": Key("map", "Tags on the group (when created) and the connected cluster.", default={}, groups_stack=True),
    "kubeconfig": Key(
        "string",
        "Kubeconfig file of the target cluster, relative to the project directory; `in-cluster` "
        "uses the pod's service account (explicit opt-in, for an operator inside the cluster).",
        default_doc="`$KUBECONFIG` (first entry), then `~/.kube/config`",
    ),
    "kubeContext": Key(
        "string",
        "Context to onboard; the plan prints the one chosen.",
        default_doc="the file's current-context",
    ),
    "distribution": Key(
        "string",
        "Kubernetes distribution, one of the az CLI's values; `auto` detects it from the nodes as the CLI does.",
        default="generic",
    ),
    "infrastructure": Key(
        "string",
        "Infrastructure, one of the az CLI's values; `auto` detects it from the nodes as the CLI does.",
        default="generic",
    ),
    "cloud": Key(
        "string",
        "`AzureCloud`, `AzureUSGovernment` or `AzureChinaCloud`; must agree with `azure-native:environment`.",
        default="AzureCloud",
        stack_only=True,
        groups_stack=True,
    ),
    "registerProviders": Key(
        "boolean",
        "Register Microsoft.Kubernetes and Microsoft.KubernetesConfiguration (and "
        "Microsoft.ExtendedLocation when a cluster uses custom locations, Microsoft.HybridCompute when "
        "one uses a gateway, Microsoft.PolicyInsights when one enables `policy`, and the namespaces of "
        "the known `extensions` types, docs/extensions.md).",
        default=True,
        stack_only=True,
        groups_stack=True,
    ),
    "resourceGroupLocations": Key(
        "map",
        "A fleet's (or a groups stack's) group locations, by group name: `{stores-rg: westeurope}`. A "
        "group not named here is created in `location`.",
        default={},
        stack_only=True,
        groups_stack=True,
    ),
    "distributionVersion": Key(
        "string",
        "Version of the Kubernetes distribution, a free string sent to ARM as `--distribution-version`.",
    ),
    "azureHybridBenefit": Key(
        "string",
        "`True`, `False` or `NotApplicable`, as `--azure-hybrid-benefit` (`True` confirms you hold the licence).",
        default_doc="`NotApplicable`",
    ),
    "agents": Key("object", "Arc agents' Helm release.", fields=AGENT_FIELDS),
    "gitops": Key(
        "object",
        "Flux on the connected cluster (the microsoft.flux extension and one Flux configuration).",
        fields=GITOPS_FIELDS,
        optional=True,
    ),
    "privateLink": Key("object", "Arc private link.", fields=PRIVATE_LINK_FIELDS),
    "gateway": Key("object", "Azure Arc gateway.", fields=GATEWAY_FIELDS),
    "oidcIssuer": Key("object", "The connected cluster's OIDC issuer.", fields=OIDC_ISSUER_FIELDS),
    "workloadIdentity": Key("object", "Workload identity federation.", fields=WORKLOAD_IDENTITY_FIELDS),
    "features": Key("object", "Agent features, as `az connectedk8s enable-features`.", fields=FEATURE_FIELDS),
    # Lifecycle: what `pulumi up` checks and what `pulumi destroy` may delete.
    "verify": Key(
        "boolean",
        "After installing or upgrading the agents, wait (up to `agents.timeoutSeconds`) until "
        "Azure reports the cluster `Connected`; needs `az` where Pulumi runs.",
        default=True,
    ),
    "protect": Key(
        "boolean",
        "Protect the connected cluster, and the group when the stack creates it (a group is "
        "protected when any of its clusters says so): `pulumi destroy` refuses to delete them.",
        default=False,
        groups_stack=True,
    ),
    "proxy": Key("object", "Outbound proxy for the agents.", fields=PROXY_FIELDS),
    "preflight": Key("object", "In-cluster network preflight.", fields=PREFLIGHT_FIELDS),
    "policy": POLICY_KEY,
    "extensions": EXTENSIONS_KEY,
}

# A fleet: `clusters` items take every key that is not stack-wide; top-level keys are their defaults.
CLUSTER_FIELDS: dict[str, Key] = {name: key for name, key in SCHEMA.items() if not key.stack_only}
SCHEMA["clusters"] = Key(
    "array",
    "A fleet: one object per cluster with the per-cluster keys above; top-level keys are defaults "
    "merged into each item (objects key by key, arrays and scalars replaced).",
    items="object",
    fields=CLUSTER_FIELDS,
    stack_only=True,
)
SCHEMA["inventory"] = Key(
    "string",
    "A fleet kept in a file instead of `clusters`: a YAML list of cluster items (the keys of "
    "`clusters`), or a `.csv` file whose columns are flat keys (`clusterName`, `agents.chartVersion`, ...); "
    "relative to the project directory. Same defaults, merging and validation as `clusters` "
    "([scale](scale.md)).",
    stack_only=True,
)
SCHEMA["groups"] = Key(
    "array",
    "A groups stack: create only these resource groups (with the top-level `location`, `tags` and "
    "`protect`) and the provider registrations, no cluster; sharded stacks read them with "
    "`createResourceGroup: false` ([scale](scale.md)). It reads only "
    + ", ".join(f"`{name}`" for name, key in SCHEMA.items() if key.groups_stack)
    + "; any other key set (other than to its default) would be ignored, so it is an error.",
    items="string",
    stack_only=True,
    groups_stack=True,
)
# The keys a groups stack reads; every other key is refused there.
GROUPS_STACK_KEYS = frozenset(name for name, key in SCHEMA.items() if key.groups_stack)


def default_of(key: Key) -> Any:
    """The value a key takes when unset (objects: the defaults of their fields)."""
    if key.optional:
        return None
    if key.type == "object":
        return {name: default_of(sub) for name, sub in key.fields.items()}
    if isinstance(key.default, (dict, list)):
        return type(key.default)(key.default)
    return key.default


def iter_keys(schema: Mapping[str, Key] = SCHEMA, prefix: str = "") -> list[tuple[str, Key]]:
    """Every leaf key with its dotted path, in declaration order."""
    out: list[tuple[str, Key]] = []
    for name, key in schema.items():
        path = f"{prefix}{name}"
        if key.type == "object":
            out.extend(iter_keys(key.fields, f"{path}."))
        else:
            out.append((path, key))
    return out


def _shown_default(key: Key) -> str:
    if key.default_doc:
        return key.default_doc
    if key.required:
        return "required"
    if key.default is None:
        return "none"
    if isinstance(key.default, bool):
        return f"`{str(key.default).lower()}`"
    return f"`{key.default}`" if key.default != {} else "`{}`"


def config_table() -> str:
    """docs/configuration.md's configuration table, generated so the docs cannot drift from the schema."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for path, key in iter_keys():
        kind = (
            f"array of {key.items}s"
            if key.type == "array"
            else ("object of strings" if key.type == "map" else key.type)
        )
        rows.append(f"| `{path}` | {kind} | {_shown_default(key)} | {key.doc} |")
    return "\n".join(rows)


def fields_table(fields: Mapping[str, Key]) -> str:
    """The fields of an array's items (e.g. `extensions`), as a table for their docs page."""
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    rows += [f"| `{name}` | {key.type} | {_shown_default(key)} | {key.doc} |" for name, key in fields.items()]
    return "\n".join(rows)
