"""The cluster extension types this program knows by name: a data table (pure: no Pulumi, no I/O).

Each entry says what `az k8s-extension create` does for that type on a connected cluster (its name
and namespace, the settings it fills in, what it creates beside the extension), which settings a
user must give and of which type, the resource providers to register, the outbound endpoints the
extension adds to the cluster's list, and what it needs from the cluster. Every fact names its
source in `SOURCES` (a tag per source); what no source settles is left out rather than filled in by
analogy. docs/extensions.md is generated from this table (`docs_table`).

An extension type that is not listed here can still be declared: it is installed as given, with a
warning and no checks (ARM has the final word at `pulumi up`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .network import Endpoint, extension_key

# --- Sources ---------------------------------------------------------------------------------------

# Azure/azure-cli-extensions, src/k8s-extension/azext_k8s_extension/partner_extensions/, read at the
# commits below (the newest stored version of each file).
_CLI = "https://github.com/Azure/azure-cli-extensions/blob/{commit}/src/k8s-extension/azext_k8s_extension/{path}"
CONTAINER_INSIGHTS_COMMIT = "404252ff3133f0fb93d55127136324a60b2c3468"
DEFENDER_COMMIT = "61faf6b40dd8ca87caf8c9469e59aef777ef01df"
METRICS_COMMIT = "e852926635e24e3dce518eed7404151669c68f2b"
METRICS_PROFILE_COMMIT = "7380c3b6c13302aa0ee83e52c938a37bb4a792cf"
METRICS_AMW_COMMIT = "2e16c837e46286dddd17ad213b057fb61e977567"
# Azure/azure-rest-api-specs, the Microsoft.KubernetesConfiguration extensions API azure-native v3
# uses (`kubernetesconfiguration.Extension`, REST API 2023-05-01).
SPEC_COMMIT = "04b1b8e194dd83e2c8ffd348e4717a2fef5cf5f2"

SOURCES: dict[str, tuple[str, str]] = {
    "DEFAULT": (
        "az k8s-extension `partner_extensions/DefaultExtension.py` (Create: the scope only when `--scope` is "
        "given; Update: a `PatchExtension`)",
        _CLI.format(commit=CONTAINER_INSIGHTS_COMMIT, path="partner_extensions/DefaultExtension.py"),
    ),
    "CI": (
        "az k8s-extension `partner_extensions/ContainerInsights.py` (Create, "
        "`_get_container_insights_settings`, `_ensure_container_insights_dcr_for_monitoring`, Delete)",
        _CLI.format(commit=CONTAINER_INSIGHTS_COMMIT, path="partner_extensions/ContainerInsights.py"),
    ),
    "DEF": (
        "az k8s-extension `partner_extensions/AzureDefender.py` (Create)",
        _CLI.format(commit=DEFENDER_COMMIT, path="partner_extensions/AzureDefender.py"),
    ),
    "AMM": (
        "az k8s-extension `partner_extensions/AzureMonitorMetrics.py` (Create, Delete), "
        f"`azuremonitormetrics/azuremonitorprofile.py` @ {METRICS_PROFILE_COMMIT[:8]}, "
        f"`azuremonitormetrics/amw/helper.py` @ {METRICS_AMW_COMMIT[:8]}",
        _CLI.format(commit=METRICS_COMMIT, path="partner_extensions/AzureMonitorMetrics.py"),
    ),
    "MONFW": (
        "Learn, 'Network firewall requirements for monitoring Kubernetes cluster' "
        "(MicrosoftDocs/azure-docs `articles/azure-monitor/containers/kubernetes-monitoring-firewall.md`)",
        "https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-firewall",
    ),
    "AKV": (
        "Learn, 'Use the Azure Key Vault Secrets Provider extension to fetch secrets into Azure Arc-enabled "
        "Kubernetes clusters' (MicrosoftDocs/azure-management-docs "
        "`articles/azure-arc/kubernetes/tutorial-akv-secrets-provider.md` @ 5dd18e98, ms.date 02/19/2025)",
        "https://learn.microsoft.com/azure/azure-arc/kubernetes/tutorial-akv-secrets-provider",
    ),
    "AKVCN": (
        "docs.azure.cn, the same tutorial for Azure China (its prerequisites list the China endpoints)",
        "https://docs.azure.cn/en-us/azure-arc/kubernetes/tutorial-akv-secrets-provider",
    ),
    "DEFNET": (
        "Learn, 'Network access and permissions reference for Defender for Containers' (MicrosoftDocs/azure-docs "
        "`articles/defender-for-cloud/`, ms.date 12/22/2025): 'Kubernetes clusters to Microsoft Defender for Cloud'",
        "https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-network-access",
    ),
    "POL": (
        "../shared/reference/azure-policy.md (sources S1-S11 there); components/policy_args.py",
        "https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes",
    ),
    "FLUX": (
        "components/flux.py (what `az k8s-configuration flux create` installs on demand); docs/gitops.md",
        "https://learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2",
    ),
    "SPEC": (
        "Azure/azure-rest-api-specs `specification/kubernetesconfiguration/resource-manager/"
        "Microsoft.KubernetesConfiguration/stable/2023-05-01/extensions.json` (definitions `Extension`, "
        "`patchExtension`)",
        f"https://github.com/Azure/azure-rest-api-specs/blob/{SPEC_COMMIT}/specification/kubernetesconfiguration/"
        "resource-manager/Microsoft.KubernetesConfiguration/stable/2023-05-01/extensions.json",
    ),
}

# What ARM lets an update change (SPEC, `patchExtension`): everything else of an extension (its
# type, scope, identity, plan) is fixed at creation, so a change of those is a replacement.
UPDATABLE = (
    "autoUpgradeMinorVersion",
    "releaseTrain",
    "version",
    "configurationSettings",
    "configurationProtectedSettings",
)
# The azure-native input names of the fixed properties (kubernetesconfiguration.Extension).
REPLACE_ON_CHANGES = ("extensionType", "scope", "identity", "plan")

SettingType = Literal["string", "boolean", "resourceId", "interval", "dataCollection"]
Scope = Literal["cluster", "namespace"]


@dataclass(frozen=True)
class Setting:
    """One configuration setting the catalog knows for a type. `resource` names the ARM resource type
    a `resourceId` must point at; `filled` is set when the program writes the value itself (as the
    CLI does), so a user value is refused."""

    name: str
    type: SettingType
    doc: str
    source: str
    required: bool = False
    protected: bool = False
    resource: str | None = None
    allowed: tuple[str, ...] | None = None
    filled: bool = False


@dataclass(frozen=True)
class KnownExtension:
    type: str  # as ARM reads it back: lower case (the CLI lower-cases the documented name)
    title: str
    # The name `az k8s-extension create` gives (and for single-instance types forces).
    default_name: str
    release_namespace: str | None  # the cluster-scope release namespace the CLI uses
    sources: tuple[str, ...]
    scopes: tuple[Scope, ...] = ("cluster",)
    # Only one instance per cluster.
    single_instance: bool = True
    # The CLI forces `default_name` whatever `--name` says (its Create): so does this program.
    fixed_name: bool = False
    release_train: str | None = None
    settings: tuple[Setting, ...] = ()
    # Settings the user may not give: the type is configured through its own keys (gitops, policy).
    own_key: str | None = None
    providers: tuple[str, ...] = ()
    # Per cloud; a cloud missing here: not documented (nothing added, a warning).
    endpoints: Mapping[str, tuple[Endpoint, ...]] = field(default_factory=dict)
    cluster_needs: tuple[str, ...] = ()
    # What `az k8s-extension create` makes beside the extension, and whether this program does too.
    companions: tuple[str, ...] = ()
    # Left out: what the CLI does for this type that this program does not (said at plan time).
    not_done: str | None = None

    @property
    def needed(self) -> str:
        """The key under which the cluster's endpoint list marks this type's endpoints."""
        return needed_key(self.type)

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)


def needed_key(extension_type: str) -> str:
    return extension_key(extension_type)


def _endpoint(host: str, purpose: str, extension_type: str, websockets: bool | None = False) -> Endpoint:
    return Endpoint(host, 443, "https", purpose, websockets, needed_key(extension_type))


def _workspace_settings(key_doc: str) -> tuple[Setting, ...]:
    """What CI `_get_container_insights_settings` fills in from the workspace for Container Insights
    and Defender alike: its customer id, its key (or `<not_used>`), the agent's domain per cloud."""
    return (
        Setting(
            "amalogs.secret.wsid",
            "string",
            "The workspace's customer id, read from the workspace by the program as the CLI does.",
            "CI",
            protected=True,
            filled=True,
        ),
        Setting("amalogs.secret.key", "string", key_doc, "CI", protected=True, filled=True),
        Setting(
            "amalogs.domain",
            "string",
            "The agent's domain outside the public cloud, as the CLI sets it.",
            "CI",
            filled=True,
        ),
    )


# --- Container Insights (Microsoft.AzureMonitor.Containers) ------------------------------------------

CONTAINER_INSIGHTS_TYPE = "microsoft.azuremonitor.containers"
# CI Create: the name, namespace and cluster scope are forced; the extension gets a system identity.
CONTAINER_INSIGHTS_NAME = "azuremonitor-containers"
WORKSPACE_SETTING = "logAnalyticsWorkspaceResourceID"
WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"
AAD_AUTH_SETTING = "amalogs.useAADAuth"
# CI `_ensure_container_insights_dcr_for_monitoring`: the rule, in the cluster's resource group, in
# the workspace's region, named `MSCI-<workspace region>-<cluster>` cut to 64 characters; the
# association, at the cluster's scope, named `ContainerInsightsExtension`; REST API 2022-06-01 (what
# azure-native v3's monitor.DataCollectionRule and DataCollectionRuleAssociation use too).
DCR_NAME_MAX = 64
DCR_ASSOCIATION_NAME = "ContainerInsightsExtension"
DCR_STREAMS = ("Microsoft-ContainerInsights-Group-Default",)
# CI `_get_container_insights_settings`: a JSON object whose fields the CLI checks (with managed
# identity) and passes to the rule as its `extensionSettings`; its `streams` replace the default.
DATA_COLLECTION_SETTING = "dataCollectionSettings"
DATA_COLLECTION_INTERVAL_MAX = 30  # minutes: "interval value MUST be in the range from 1m to 30m"
NAMESPACE_FILTERING_MODES = ("off", "exclude", "include")  # compared lower-cased, as the CLI does
DCR_DESTINATION = "la-workspace"
# CI `_get_container_insights_settings`: the agent's domain outside the public cloud.
CONTAINER_INSIGHTS_DOMAINS = {"AzureChinaCloud": "opinsights.azure.cn", "AzureUSGovernment": "opinsights.azure.us"}


def dcr_name(workspace_region: str, cluster_name: str) -> str:
    """CI: `MSCI-{workspace_region}-{cluster_name}`[0:64], the region without spaces, lower case."""
    region = workspace_region.replace(" ", "").lower()
    return f"MSCI-{region}-{cluster_name}"[:DCR_NAME_MAX]


# Purposes as MONFW gives them (its tables: endpoint, purpose, port).
_MON = "Azure Monitor"
_MONITOR_PUBLIC = (
    ("*.ods.opinsights.azure.com", f"{_MON}: data ingestion"),
    ("*.oms.opinsights.azure.com", f"{_MON}: Azure Monitor agent onboarding"),
    ("dc.services.visualstudio.com", f"{_MON}: agent telemetry (Application Insights)"),
    ("*.monitoring.azure.com", f"{_MON}: metrics"),
    ("global.handler.control.monitor.azure.com", f"{_MON}: access control service"),
    ("{region}.handler.control.monitor.azure.com", f"{_MON}: fetch the data collection rules of the cluster"),
    ("*.ingest.monitor.azure.com", f"{_MON}: Container Insights logs ingestion endpoint (DCE)"),
)
_MONITOR_CHINA = (
    ("*.ods.opinsights.azure.cn", f"{_MON}: data ingestion"),
    ("*.oms.opinsights.azure.cn", f"{_MON}: Azure Monitor agent onboarding"),
    ("dc.services.visualstudio.com", f"{_MON}: agent telemetry (public cloud Application Insights)"),
    ("global.handler.control.monitor.azure.cn", f"{_MON}: access control service"),
    ("{region}.handler.control.monitor.azure.cn", f"{_MON}: fetch the data collection rules of the cluster"),
    ("*.ingest.monitor.azure.cn", f"{_MON}: Container Insights logs ingestion endpoint (DCE)"),
)

CONTAINER_INSIGHTS = KnownExtension(
    type=CONTAINER_INSIGHTS_TYPE,
    title="Azure Monitor Container Insights",
    default_name=CONTAINER_INSIGHTS_NAME,
    fixed_name=True,
    release_namespace="azuremonitor-containers",
    sources=("CI", "MONFW"),
    settings=(
        Setting(
            WORKSPACE_SETTING,
            "resourceId",
            "The Log Analytics workspace the logs go to (the CLI would create a default one; here it is required).",
            "CI",
            required=True,
            resource=WORKSPACE_TYPE,
        ),
        Setting(
            AAD_AUTH_SETTING,
            "boolean",
            "Managed identity authentication (the CLI's default, `true`); `false` (the workspace's shared key) "
            "is not supported here.",
            "CI",
            allowed=("true",),
        ),
        *_workspace_settings("`<not_used>` with managed identity, as the CLI sends it."),
        Setting(
            DATA_COLLECTION_SETTING,
            "dataCollection",
            "What the data collection rule collects: `{interval: 1m-30m, namespaceFilteringMode: Off/Include/Exclude, "
            "namespaces: [...], enableContainerLogV2: bool, streams: [...]}` (a mapping or its JSON text); the CLI "
            "checks it and puts it in the rule.",
            "CI",
        ),
        Setting(
            "proxyEndpoint",
            "string",
            "`http(s)://user:password@host:port`: the CLI copies it to `amalogs.proxy`.",
            "CI",
            protected=True,
        ),
    ),
    providers=("Microsoft.Insights",),
    endpoints={
        "AzureCloud": tuple(_endpoint(h, p, CONTAINER_INSIGHTS_TYPE) for h, p in _MONITOR_PUBLIC),
        "AzureChinaCloud": tuple(_endpoint(h, p, CONTAINER_INSIGHTS_TYPE) for h, p in _MONITOR_CHINA),
    },
    cluster_needs=("Linux nodes (the data collection rule is of kind `Linux`, CI)",),
    companions=(
        "a data collection rule `MSCI-<workspace region>-<cluster>` (kind Linux, stream "
        "Microsoft-ContainerInsights-Group-Default to the workspace) in the cluster's resource group",
        "its association `ContainerInsightsExtension` with the connected cluster",
    ),
)

# --- Managed Prometheus (Microsoft.AzureMonitor.Containers.Metrics) ----------------------------------

METRICS_TYPE = "microsoft.azuremonitor.containers.metrics"
METRICS_WORKSPACE_SETTING = "azure-monitor-workspace-resource-id"

MANAGED_PROMETHEUS = KnownExtension(
    type=METRICS_TYPE,
    title="Azure Monitor managed service for Prometheus (metrics)",
    default_name="azuremonitor-metrics",
    fixed_name=True,
    release_namespace="kube-system",
    sources=("AMM", "MONFW"),
    # AMM Create: `stable` when no release train is given.
    release_train="stable",
    settings=(
        Setting(
            METRICS_WORKSPACE_SETTING,
            "resourceId",
            "The Azure Monitor workspace the metrics go to (the CLI would create a default one; here it is required).",
            "AMM",
            required=True,
            resource="Microsoft.Monitor/accounts",
        ),
    ),
    providers=("Microsoft.Insights", "Microsoft.AlertsManagement", "Microsoft.Monitor"),
    endpoints={
        "AzureCloud": (
            _endpoint("global.handler.control.monitor.azure.com", f"{_MON}: access control service", METRICS_TYPE),
            _endpoint(
                "{region}.handler.control.monitor.azure.com",
                f"{_MON}: fetch the data collection rules of the cluster",
                METRICS_TYPE,
            ),
            _endpoint(
                "*.metrics.ingest.monitor.azure.com",
                f"{_MON}: managed Prometheus metrics ingestion endpoint (DCE)",
                METRICS_TYPE,
            ),
        ),
    },
    cluster_needs=(),
    companions=(
        "a data collection endpoint, rule and association, recording rules and an optional Grafana link "
        "(AMM `azuremonitorprofile.py` link_azure_monitor_profile_artifacts)",
    ),
    not_done=(
        "`az k8s-extension create` also creates a data collection endpoint, rule and association and the "
        "recording rules for this type (AMM); this program does not yet: without them no metrics reach the "
        "workspace. Create them separately, or use the Azure CLI for this extension"
    ),
)

# --- Defender for Containers (Microsoft.AzureDefender.Kubernetes) ------------------------------------

DEFENDER_TYPE = "microsoft.azuredefender.kubernetes"

DEFENDER = KnownExtension(
    type=DEFENDER_TYPE,
    title="Microsoft Defender for Containers sensor",
    # DEF Create: the name is the type, lower case; namespace `mdc`; cluster scope only.
    default_name=DEFENDER_TYPE,
    fixed_name=True,
    release_namespace="mdc",
    sources=("DEF", "CI", "DEFNET"),
    settings=(
        Setting(
            WORKSPACE_SETTING,
            "resourceId",
            "The Log Analytics workspace Defender reports to (the CLI would use a default one; here it is required).",
            "DEF",
            required=True,
            resource=WORKSPACE_TYPE,
        ),
        Setting(
            AAD_AUTH_SETTING, "boolean", "`false`: DEF sets it so that the workspace's key is used.", "DEF", filled=True
        ),
        *_workspace_settings(
            "The workspace's primary shared key, read by the program as the CLI does (secret in state)."
        ),
    ),
    endpoints={
        "AzureCloud": (
            _endpoint("*.cloud.defender.microsoft.com", "Defender sensor: runtime security telemetry", DEFENDER_TYPE),
        ),
    },
    cluster_needs=(),
)

# --- Key Vault Secrets Provider (Microsoft.AzureKeyVaultSecretsProvider) -----------------------------

KEY_VAULT_TYPE = "microsoft.azurekeyvaultsecretsprovider"
_CSI = "secrets-store-csi-driver"

KEY_VAULT = KnownExtension(
    type=KEY_VAULT_TYPE,
    title="Azure Key Vault Secrets Provider",
    default_name="akvsecretsprovider",
    release_namespace="kube-system",
    sources=("AKV", "AKVCN"),
    settings=(
        Setting(
            f"{_CSI}.enableSecretRotation",
            "boolean",
            "Periodically update pod mounts and Kubernetes secrets from Key Vault (default false).",
            "AKV",
        ),
        Setting(
            f"{_CSI}.rotationPollInterval",
            "interval",
            "How often rotation polls, e.g. `2m` (default 2m; with enableSecretRotation).",
            "AKV",
        ),
        Setting(
            f"{_CSI}.syncSecret.enabled",
            "boolean",
            "Mirror mounted content into Kubernetes secrets (`secretObjects`; default false).",
            "AKV",
        ),
    ),
    endpoints={
        "AzureCloud": (
            _endpoint(
                "linuxgeneva-microsoft.azurecr.io",
                "Key Vault provider: extension images (its prerequisites)",
                KEY_VAULT_TYPE,
            ),
            _endpoint(
                "upstreamarc.azurecr.io", "Key Vault provider: extension images (its prerequisites)", KEY_VAULT_TYPE
            ),
            _endpoint(
                "*.blob.core.windows.net",
                "Key Vault provider: extension images' storage (its prerequisites)",
                KEY_VAULT_TYPE,
            ),
        ),
        "AzureChinaCloud": (
            _endpoint(
                "linuxgeneva-microsoft.azurecr.cn",
                "Key Vault provider: extension images (its prerequisites)",
                KEY_VAULT_TYPE,
            ),
            _endpoint(
                "upstreamarc.azurecr.cn", "Key Vault provider: extension images (its prerequisites)", KEY_VAULT_TYPE
            ),
            _endpoint(
                "*.blob.core.chinacloudapi.cn",
                "Key Vault provider: extension images' storage (its prerequisites)",
                KEY_VAULT_TYPE,
            ),
        ),
    },
    cluster_needs=("a supported distribution (AKV lists them; Linux and Windows containers)",),
)

# --- Flux and Azure Policy: configured through `gitops` and `policy` ----------------------------------

FLUX_TYPE = "microsoft.flux"
POLICY_TYPE = "microsoft.policyinsights"

FLUX = KnownExtension(
    type=FLUX_TYPE,
    title="Flux (GitOps)",
    # What the az CLI names the extension it installs on demand (`az k8s-configuration flux create`).
    default_name="flux",
    release_namespace="flux-system",
    sources=("FLUX",),
    own_key="gitops",
)

POLICY = KnownExtension(
    # ARM and the built-in that installs it use the lower-case type; the CLI lower-cases the documented
    # `Microsoft.PolicyInsights` (azure-policy.md §1), so this is what ARM reads back.
    type=POLICY_TYPE,
    title="Azure Policy",
    # Explicit ARM name, as the docs and the built-in name it.
    default_name="azurepolicy",
    # The extension's release namespace (S1, S3).
    release_namespace="kube-system",
    sources=("POL",),
    # The default train; other trains are not confirmed for this extension (azure-policy.md §1).
    release_train="Stable",
    own_key="policy",
    providers=("Microsoft.PolicyInsights",),
    cluster_needs=("Kubernetes 1.27+ and a linux/amd64 node (azure-policy.md §1)",),
)

KNOWN: tuple[KnownExtension, ...] = (CONTAINER_INSIGHTS, MANAGED_PROMETHEUS, DEFENDER, KEY_VAULT, FLUX, POLICY)
_BY_TYPE = {k.type: k for k in KNOWN}


def find(extension_type: str) -> KnownExtension | None:
    """The known type, in any case (ARM and the CLI lower-case it)."""
    return _BY_TYPE.get(extension_type.strip().lower())


def endpoints(cloud: str, held: frozenset[str]) -> tuple[Endpoint, ...]:
    """The endpoints of the known types a cluster installs (`held` holds their `needed_key`)."""
    return tuple(e for k in KNOWN if k.needed in held for e in k.endpoints.get(cloud, ()))


# --- docs/extensions.md -----------------------------------------------------------------------------


def _md(text: str) -> str:
    """Free text in Markdown: escaped outside code spans (`<region>` stays as written inside them)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*").replace("|", "\\|")
    return "`".join(parts)


def docs_table() -> str:
    """The catalog section of docs/extensions.md, generated so the page cannot drift from the data."""
    out: list[str] = []
    for k in KNOWN:
        out.append(f"### {k.title} (`{k.type}`)")
        out.append("")
        scope = f"cluster scope, release namespace `{k.release_namespace}`" if k.release_namespace else "cluster scope"
        out.append(f"- Name as the CLI gives it: `{k.default_name}`; {scope}; one instance per cluster.")
        if k.own_key:
            out.append(f"- Configured through `{k.own_key}` (not as an `extensions` item).")
        if k.release_train:
            out.append(f"- Release train when none is given: `{k.release_train}`.")
        for s in k.settings:
            flags = [s.type] + (["required"] if s.required else []) + (["protected"] if s.protected else [])
            flags += ["set by the program"] if s.filled else []
            allowed = f" (only {', '.join(f'`{a}`' for a in s.allowed)})" if s.allowed else ""
            out.append(f"- Setting `{s.name}` ({', '.join(flags)}){allowed}: {_md(s.doc)} [{s.source}]")
        if k.providers:
            out.append(f"- Registers: {', '.join(k.providers)}.")
        for cloud, endpoints_ in k.endpoints.items():
            hosts = ", ".join(f"`{e.host.replace('{region}', '<region>')}`" for e in endpoints_)
            out.append(f"- Endpoints ({cloud}, 443): {hosts}.")
        if not k.endpoints and not k.own_key:
            out.append("- Endpoints: none documented beyond the agents' list.")
        for need in k.cluster_needs:
            out.append(f"- Needs: {_md(need)}.")
        for companion in k.companions:
            out.append(f"- Beside the extension: {_md(companion)}.")
        if k.not_done:
            out.append(f"- Not done here: {_md(k.not_done)}.")
        out.append(f"- Sources: {', '.join(k.sources)}.")
        out.append("")
    out.append("Sources:")
    out.append("")
    out.extend(f"- {tag}: [{_md(label)}]({url})" for tag, (label, url) in SOURCES.items())
    return "\n".join(out)
