"""Outbound network requirements of the Arc agents and the extensions the program installs, as data (pure).

One table per cloud, as Microsoft Learn's "Azure Arc-enabled Kubernetes network requirements" page
publishes it (one tab per cloud), and the Arc gateway's shorter list. Every entry cites its source in
the comment above it: `../shared/reference/agent-versions.md` §5 for the public cloud (include
`network-requirements-azure-cloud.md` at commit 4bf41d8, ms.date 06/11/2026) and the gateway, and the
Learn includes for US Government and China named above their tables. The 2021 article's table
(`connect-cluster-article.md`) is outdated and not used.

What the sources do not say is `None` here and "not documented" wherever it is shown. Nothing is
filled in by analogy without saying so.

The same data feeds the stack output `requiredEndpoints`, the offline plan, `python -m
components.plan --endpoints`, the noProxy warnings, the preflight Job and docs/network.md's "Network
requirements" tables.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOT_DOCUMENTED = "not documented"

LEARN_PAGE = "https://learn.microsoft.com/azure/azure-arc/kubernetes/network-requirements"

# The NEEDED_WHEN key of the Azure Policy extension's endpoints (below).
POLICY = "policy"

# When an endpoint is needed. Cluster connect is on unless `features.clusterConnect` is false
# (private link turns it off); Flux (`gitops`) is a cluster extension. Portal use and the edge
# services are not configured by this program, so their endpoints are listed but never required.
NEEDED_WHEN: dict[str, str] = {
    "always": "always",
    "clusterConnect": "cluster connect (features.clusterConnect, on by default)",
    "autoUpgrade": "agents.autoUpgrade on",
    "azureRbac": "Azure RBAC (features.azureRbac)",
    "clusterConnectRbac": "Cluster Connect with Azure RBAC",
    "portal": "Azure portal management",
    "extensions": "any cluster extension installed (gitops, extensions)",
    "edgeServices": "IoT Operations, Key Vault secrets, cert-manager",
    "registryMirrors": "public images through Azure China's registry proxies",
    POLICY: "Azure Policy extension (policy.enabled)",
}


# Not a NEEDED_WHEN key: held, it selects the gateway's list instead of the cloud's table.
GATEWAY_MODE = "gateway"


def conditions(
    *,
    auto_upgrade: bool,
    cluster_connect: bool = True,
    azure_rbac: bool = False,
    extensions: bool = False,
    gateway: bool = False,
    policy: bool = False,
    extension_types: Iterable[str] = (),
) -> frozenset[str]:
    """The NEEDED_WHEN keys that hold for a cluster configured this way; each of `extension_types`
    (the `extensions` items) adds its own key, which selects its endpoints from the catalog."""
    types = tuple(extension_types)
    # Azure Policy and the `extensions` items are cluster extensions too (linuxgeneva-microsoft.azurecr.io).
    extensions = extensions or policy or bool(types)
    held = {"always"}
    held |= {GATEWAY_MODE} if gateway else set()
    held |= {"clusterConnect"} if cluster_connect else set()
    held |= {"autoUpgrade"} if auto_upgrade else set()
    held |= {"azureRbac"} if azure_rbac else set()
    held |= {"clusterConnectRbac"} if azure_rbac and cluster_connect else set()
    held |= {"extensions"} if extensions else set()
    held |= {POLICY} if policy else set()
    held |= {extension_key(t) for t in types}
    return frozenset(held)


# The NEEDED_WHEN-style key of an `extensions` item's endpoints (components/extension_catalog.py).
EXTENSION_PREFIX = "extension:"


def extension_key(extension_type: str) -> str:
    return f"{EXTENSION_PREFIX}{extension_type.lower()}"


def needed_when(key: str) -> str:
    """What NEEDED_WHEN says for a key; an extension type's key names the type."""
    if key.startswith(EXTENSION_PREFIX):
        return f"cluster extension {key.removeprefix(EXTENSION_PREFIX)} (extensions)"
    return NEEDED_WHEN[key]


@dataclass(frozen=True)
class Endpoint:
    """One outbound destination. `host` may hold `{region}`, or start with `*.` (a wildcard)."""

    host: str
    port: int | None  # None: not documented
    protocol: str  # "https": TLS over TCP, the only protocol the references list
    purpose: str
    websockets: bool | None  # None: not documented
    needed: str  # a key of NEEDED_WHEN

    @property
    def wildcard(self) -> bool:
        return self.host.startswith("*.")

    @property
    def target(self) -> str:
        """`host:port`, the firewall rule's destination (`host` alone when the port is unknown)."""
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    def for_region(self, region: str) -> Endpoint:
        return Endpoint(self.host.replace("{region}", region), self.port, self.protocol, self.purpose,
                        self.websockets, self.needed)  # fmt: skip

    def required(self, held: frozenset[str]) -> bool:
        """Whether a cluster needs it, given the `conditions` that hold for it."""
        return self.needed in held

    def as_json(self, *, required: bool | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "protocol": self.protocol,
            "websockets": self.websockets,
            "neededWhen": needed_when(self.needed),
            "purpose": self.purpose,
        }
        if required is not None:
            out["required"] = required
        return out


_TOKENS = "tokens: obtain and refresh Azure Resource Manager tokens"
_IMAGES = "pull the Arc agents' container images (the agents' chart is served from MCR too)"
_CONNECT = "Cluster Connect and Custom Locations"
_EDGE = "IoT Operations, Key Vault Secret Store extension, cert-manager for Arc (row added 2026-06-11)"

PUBLIC: tuple[Endpoint, ...] = (
    # agent-versions.md §5 row 1 (connectedk8s.md §9): ARM, 443.
    Endpoint("management.azure.com", 443, "https",
             "Azure Resource Manager: the agent connects to Azure and registers the cluster", False, "always"),
    # agent-versions.md §5 row 2 (connectedk8s.md §9): config data plane, `<region>` without spaces.
    Endpoint("{region}.dp.kubernetesconfiguration.azure.com", 443, "https",
             "Arc data plane: the agent pushes status and fetches configuration", False, "always"),
    # agent-versions.md §5 row 3, first host (connectedk8s.md §9).
    Endpoint("login.microsoftonline.com", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # agent-versions.md §5 row 3, second host.
    Endpoint("{region}.login.microsoft.com", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # agent-versions.md §5 row 3, third host (listed without scheme; 443 per the general rules).
    Endpoint("login.windows.net", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # agent-versions.md §5 row 4, first host.
    Endpoint("mcr.microsoft.com", 443, "https", f"Microsoft Container Registry: {_IMAGES}", False, "always"),
    # agent-versions.md §5 row 4, second host.
    Endpoint("*.data.mcr.microsoft.com", 443, "https", f"MCR data endpoints: {_IMAGES}", False, "always"),
    # agent-versions.md §5 row 5: kubectl for the CLI (not used here) and, per the agent-upgrade page
    # (agent-versions.md §2), required for automatic upgrades.
    Endpoint("dl.k8s.io", 443, "https", "automatic agent upgrades (and kubectl downloads by the az CLI)",
             False, "autoUpgrade"),
    # agent-versions.md §5 row 6.
    Endpoint("gbl.his.arc.azure.com", 443, "https",
             "Hybrid Identity Service: discover the regional endpoint for managed identity certificates",
             False, "always"),
    # agent-versions.md §5 row 7.
    Endpoint("*.his.arc.azure.com", 443, "https",
             "Hybrid Identity Service: pull the system-assigned managed identity certificates", False, "always"),
    # agent-versions.md §5 row 8, first host.
    Endpoint("guestnotificationservice.azure.com", 443, "https", _CONNECT, False, "clusterConnect"),
    # agent-versions.md §5 row 8, second host.
    Endpoint("*.guestnotificationservice.azure.com", 443, "https", _CONNECT, False, "clusterConnect"),
    # agent-versions.md §5 row 8, third host.
    Endpoint("sts.windows.net", 443, "https", _CONNECT, False, "clusterConnect"),
    # agent-versions.md §5 row 9 and general rules: websockets must pass firewall and proxy.
    Endpoint("*.servicebus.windows.net", 443, "https", f"{_CONNECT} (Azure Relay)", True, "clusterConnect"),
    # agent-versions.md §5 row 10.
    Endpoint("graph.microsoft.com", 443, "https", "needed when Azure RBAC is configured", False, "azureRbac"),
    # agent-versions.md §5 row 11.
    Endpoint("*.arc.azure.net", 443, "https", "manage connected clusters in the Azure portal", False, "portal"),
    # agent-versions.md §5 row 12: port 8084.
    Endpoint("{region}.obo.arc.azure.com", 8084, "https", "needed when Cluster Connect and Azure RBAC are configured",
             False, "clusterConnectRbac"),
    # agent-versions.md §5 row 13.
    Endpoint("linuxgeneva-microsoft.azurecr.io", 443, "https", "needed if Arc-enabled Kubernetes extensions are used",
             False, "extensions"),
    # agent-versions.md §5 row 14, first host.
    Endpoint("gcs.prod.monitoring.core.windows.net", 443, "https", _EDGE, False, "edgeServices"),
    # agent-versions.md §5 row 14, second host.
    Endpoint("*.prod.microsoftmetrics.com", 443, "https", _EDGE, False, "edgeServices"),
    # agent-versions.md §5 row 14, third host.
    Endpoint("*.prod.hot.ingest.monitor.core.windows.net", 443, "https", _EDGE, False, "edgeServices"),
    # agent-versions.md §5 row 14, fourth host.
    Endpoint("*.prod.warm.ingest.monitor.core.windows.net", 443, "https", _EDGE, False, "edgeServices"),
)  # fmt: skip


# Learn include `network-requirements-azure-government.md` (MicrosoftDocs/azure-management-docs @
# 24f6d374, ms.date 06/11/2026), the page's "Azure Government" tab: "outbound URLs on https://:443";
# websockets for *.servicebus.usgovcloudapi.net. Each entry: the table's row, host by host.
_GOV_LEARN = f"{LEARN_PAGE}?tabs=azure-government"
US_GOVERNMENT: tuple[Endpoint, ...] = (
    # Learn azure-government, row 1.
    Endpoint("management.usgovcloudapi.net", 443, "https",
             "Azure Resource Manager: the agent connects to Azure and registers the cluster", False, "always"),
    # Learn azure-government, row 2.
    Endpoint("{region}.dp.kubernetesconfiguration.azure.us", 443, "https",
             "Arc data plane: the agent pushes status and fetches configuration", False, "always"),
    # Learn azure-government, row 3, host 1.
    Endpoint("login.microsoftonline.us", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # Learn azure-government, row 3, host 2: the regional login host.
    Endpoint("{region}.login.microsoftonline.us", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # Learn azure-government, row 4, host 1: public MCR (the CLI's `get_mcr_path` uses it there too).
    Endpoint("mcr.microsoft.com", 443, "https", f"Microsoft Container Registry: {_IMAGES}", False, "always"),
    # Learn azure-government, row 4, host 2.
    Endpoint("*.data.mcr.microsoft.com", 443, "https", f"MCR data endpoints: {_IMAGES}", False, "always"),
    # Learn azure-government, row 5.
    Endpoint("gbl.his.arc.azure.us", 443, "https",
             "Hybrid Identity Service: discover the regional endpoint for managed identity certificates",
             False, "always"),
    # Learn azure-government, row 6.
    Endpoint("usgv.his.arc.azure.us", 443, "https",
             "Hybrid Identity Service: pull the system-assigned managed identity certificates", False, "always"),
    # Learn azure-government, row 7, host 1.
    Endpoint("guestnotificationservice.azure.us", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-government, row 7, host 2.
    Endpoint("*.guestnotificationservice.azure.us", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-government, row 7, host 3.
    Endpoint("sts.windows.net", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-government, row 8: websockets, as the page's note says.
    Endpoint("*.servicebus.usgovcloudapi.net", 443, "https", f"{_CONNECT} (Azure Relay)", True, "clusterConnect"),
    # Learn azure-government, row 9.
    Endpoint("graph.microsoft.com", 443, "https", "needed when Azure RBAC is configured", False, "azureRbac"),
    # Learn azure-government, row 10: port 8084; usgovvirginia only, "when Cluster Connect is configured".
    Endpoint("usgovvirginia.obo.arc.azure.us", 8084, "https", "needed when Cluster Connect is configured",
             False, "clusterConnect"),
)  # fmt: skip

# Learn include `network-requirements-azure-china.md` (MicrosoftDocs/azure-management-docs @ 96fc0f18,
# ms.date 02/18/2025), the page's "Microsoft Azure operated by 21Vianet" tab: "outbound URLs on
# https://:443"; websockets for *.servicebus.chinacloudapi.cn. Each entry: the table's row.
_CHINA_LEARN = f"{LEARN_PAGE}?tabs=azure-china"
_CHINA_MIRROR = "container registry proxy servers for Azure China VMs (not used by the agents)"
CHINA: tuple[Endpoint, ...] = (
    # Learn azure-china, row 1.
    Endpoint("management.chinacloudapi.cn", 443, "https",
             "Azure Resource Manager: the agent connects to Azure and registers the cluster", False, "always"),
    # Learn azure-china, row 2.
    Endpoint("{region}.dp.kubernetesconfiguration.azure.cn", 443, "https",
             "Arc data plane: the agent pushes status and fetches configuration", False, "always"),
    # Learn azure-china, row 3, host 1.
    Endpoint("login.chinacloudapi.cn", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # Learn azure-china, row 3, host 2.
    Endpoint("{region}.login.chinacloudapi.cn", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # Learn azure-china, row 3, host 3.
    Endpoint("login.partner.microsoftonline.cn", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # Learn azure-china, row 4: the agents' images come from the MCR mirror in China.
    Endpoint("mcr.azk8s.cn", 443, "https", f"container registry: {_IMAGES}", False, "always"),
    # Learn azure-china, row 5.
    Endpoint("gbl.his.arc.azure.cn", 443, "https",
             "Hybrid Identity Service: discover the regional endpoint for managed identity certificates",
             False, "always"),
    # Learn azure-china, row 6.
    Endpoint("*.his.arc.azure.cn", 443, "https",
             "Hybrid Identity Service: pull the system-assigned managed identity certificates", False, "always"),
    # Learn azure-china, row 7, host 1.
    Endpoint("guestnotificationservice.azure.cn", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-china, row 7, host 2.
    Endpoint("*.guestnotificationservice.azure.cn", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-china, row 7, host 3.
    Endpoint("sts.chinacloudapi.cn", 443, "https", _CONNECT, False, "clusterConnect"),
    # Learn azure-china, row 8: websockets, as the page's note says.
    Endpoint("*.servicebus.chinacloudapi.cn", 443, "https", f"{_CONNECT} (Azure Relay)", True, "clusterConnect"),
    # Learn azure-china, row 9.
    Endpoint("graph.chinacloudapi.cn", 443, "https", "needed when Azure RBAC is configured", False, "azureRbac"),
    # Learn azure-china, row 10.
    Endpoint("*.arc.azure.cn", 443, "https", "manage connected clusters in the Azure portal", False, "portal"),
    # Learn azure-china, row 11: port 8084, "when Cluster Connect is configured".
    Endpoint("{region}.obo.arc.azure.cn", 8084, "https", "needed when Cluster Connect is configured",
             False, "clusterConnect"),
    # Learn azure-china, row 12, host 1 (host 5 is listed as `dockerhub.azk8s.cn/<repo>/<image>:<version>`).
    Endpoint("quay.azk8s.cn", 443, "https", _CHINA_MIRROR, False, "registryMirrors"),
    # Learn azure-china, row 12, host 2.
    Endpoint("registryk8s.azk8s.cn", 443, "https", _CHINA_MIRROR, False, "registryMirrors"),
    # Learn azure-china, row 12, host 3.
    Endpoint("k8sgcr.azk8s.cn", 443, "https", _CHINA_MIRROR, False, "registryMirrors"),
    # Learn azure-china, row 12, host 4.
    Endpoint("usgcr.azk8s.cn", 443, "https", _CHINA_MIRROR, False, "registryMirrors"),
    # Learn azure-china, row 12, host 5.
    Endpoint("dockerhub.azk8s.cn", 443, "https", _CHINA_MIRROR, False, "registryMirrors"),
)  # fmt: skip

# Gateway mode (AzureCloud only): Learn "Simplify network configuration requirements with Azure Arc
# gateway" (arc-gateway-simplify-networking.md @ f15d7560; agent-versions.md §5) lists what the agents
# still reach themselves; everything else goes through the gateway. Ports as in the full table.
_GATEWAY_VIA = "reached directly in gateway mode (Learn, Azure Arc gateway)"
GATEWAY: tuple[Endpoint, ...] = (
    # agent-versions.md §5 gateway list, row 1: `<prefix>.gw.arc.azure.com`, the prefix known in Azure only.
    Endpoint("*.gw.arc.azure.com", 443, "https", "the Azure Arc gateway (its URL: `az arcgateway show`)",
             False, "always"),
    # agent-versions.md §5 gateway list, row 2.
    Endpoint("management.azure.com", 443, "https", f"Azure Resource Manager, {_GATEWAY_VIA}", False, "always"),
    # agent-versions.md §5 gateway list, row 3.
    Endpoint("{region}.obo.arc.azure.com", 8084, "https", f"Cluster Connect, {_GATEWAY_VIA}", False,
             "clusterConnect"),
    # agent-versions.md §5 gateway list, row 4, host 1.
    Endpoint("login.microsoftonline.com", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # agent-versions.md §5 gateway list, row 4, host 2.
    Endpoint("{region}.login.microsoft.com", 443, "https", f"Microsoft Entra ID {_TOKENS}", False, "always"),
    # agent-versions.md §5 gateway list, row 5, host 1.
    Endpoint("gbl.his.arc.azure.com", 443, "https",
             "Hybrid Identity Service: discover the regional endpoint for managed identity certificates",
             False, "always"),
    # Listed as `<region>.his.arc.azure.com` with short region names (e.g. `eus`) whose mapping no
    # source gives: the wildcard covers every one. agent-versions.md §5 gateway list, row 5, host 2.
    Endpoint("*.his.arc.azure.com", 443, "https",
             "Hybrid Identity Service: pull the managed identity certificates (short region names)", False, "always"),
    # agent-versions.md §5 gateway list, row 6, host 1.
    Endpoint("mcr.microsoft.com", 443, "https", f"Microsoft Container Registry: {_IMAGES}", False, "always"),
    # agent-versions.md §5 gateway list, row 6, host 2.
    Endpoint("*.data.mcr.microsoft.com", 443, "https", f"MCR data endpoints: {_IMAGES}", False, "always"),
)  # fmt: skip

ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    "AzureCloud": PUBLIC,
    "AzureUSGovernment": US_GOVERNMENT,
    "AzureChinaCloud": CHINA,
}

NOTES: dict[str, tuple[str, ...]] = {
    "AzureCloud": (
        f"Source: {LEARN_PAGE}?tabs=azure-cloud (ms.date 06/11/2026). All connections are outbound TCP; "
        "HTTPS uses publicly signed certificates.",
        "Websockets must pass the firewall and the proxy for *.servicebus.windows.net. Its hosts for a region: "
        "GET https://guestnotificationservice.azure.com/urls/allowlist?api-version=2020-01-01&location=<region>",
        "With the Azure Arc gateway (gateway.resourceId) the agents need only the gateway's list; see Learn "
        "'Simplify network configuration requirements with Azure Arc gateway'.",
    ),
    "AzureUSGovernment": (
        f"Source: {_GOV_LEARN} (ms.date 06/11/2026): outbound HTTPS on 443 unless stated.",
        "Websockets must pass the firewall and the proxy for *.servicebus.usgovcloudapi.net. Its hosts for a "
        "region: GET https://guestnotificationservice.azure.us/urls/allowlist?api-version=2020-01-01&location=<region>",
        "The Cluster Connect host is listed for usgovvirginia only; dl.k8s.io (automatic upgrades) is not listed.",
    ),
    "AzureChinaCloud": (
        f"Source: {_CHINA_LEARN} (ms.date 02/18/2025): outbound HTTPS on 443 unless stated.",
        "Websockets must pass the firewall and the proxy for *.servicebus.chinacloudapi.cn.",
        "dl.k8s.io (automatic upgrades) and an extensions registry are not listed for this cloud.",
    ),
}

GATEWAY_NOTE = (
    "Gateway mode: the list of Learn 'Simplify network configuration requirements with Azure Arc gateway'; "
    "the gateway carries everything else. It does not work with TLS-terminating proxies."
)


# --- The Azure Policy extension (policy.enabled) ------------------------------------------------------

# Tags S1-S11 are the sources of `../shared/reference/azure-policy.md`:
# - S1 (Learn, "Azure Policy for Kubernetes") lists the public hosts: `data.policy.core.windows.net`,
#   `store.policy.core.windows.net`, `login.windows.net`, `dc.services.visualstudio.com`.
#   `login.windows.net` is already in PUBLIC (needed always), so it is not repeated here.
# - S7 (the AKS egress page, the only page that names them) gives the US Government and China hosts
#   and the purposes quoted below. No Arc page lists Policy endpoints for those clouds (S6).
# - S5: the Arc gateway does not cover Policy: these hosts must still be allowed in the proxy, so a
#   gateway mode must keep them in the cluster's required list (they carry no "covered" mark).

_DATA = "pull the Kubernetes policies and report cluster compliance status to the policy service (S7)"
_STORE = "pull the Gatekeeper artifacts of built-in policies (S7)"
# S1 lists this host for the extension without saying what for.
_TELEMETRY = f"{NOT_DOCUMENTED} (listed by S1 for the Azure Policy extension)"

POLICY_ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    # The two policy hosts' purposes are S7's words, the same for every cloud.
    "AzureCloud": (
        # azure-policy.md §3 (S1), public host 1.
        Endpoint("data.policy.core.windows.net", 443, "https", _DATA, False, POLICY),
        # azure-policy.md §3 (S1), public host 2.
        Endpoint("store.policy.core.windows.net", 443, "https", _STORE, False, POLICY),
        # azure-policy.md §3 (S1), public host 4 (host 3, login.windows.net, is in PUBLIC).
        Endpoint("dc.services.visualstudio.com", 443, "https", _TELEMETRY, False, POLICY),
    ),
    # S7 only (an AKS page): websockets not stated there, hence None.
    "AzureUSGovernment": (
        # azure-policy.md §3 (S7), US Government host 1.
        Endpoint("data.policy.azure.us", 443, "https", _DATA, None, POLICY),
        # azure-policy.md §3 (S7), US Government host 2.
        Endpoint("store.policy.azure.us", 443, "https", _STORE, None, POLICY),
    ),
    "AzureChinaCloud": (
        # azure-policy.md §3 (S7), China host 1.
        Endpoint("data.policy.azure.cn", 443, "https", _DATA, None, POLICY),
        # azure-policy.md §3 (S7), China host 2.
        Endpoint("store.policy.azure.cn", 443, "https", _STORE, None, POLICY),
    ),
}

POLICY_NOTES: dict[str, str] = {
    "AzureCloud": "Azure Policy hosts: Learn 'Azure Policy for Kubernetes' (S1); the Arc gateway does not cover "
    "them, so the proxy must allow them (S5).",
    "AzureUSGovernment": "Azure Policy hosts from the AKS egress page only (S7): no Arc page lists them (S6).",
    "AzureChinaCloud": "Azure Policy hosts from the AKS egress page only (S7): no Arc page lists them (S6).",
}


def documented(cloud: str) -> bool:
    """Whether the agents' endpoints are documented for the cloud (the extension's do not count)."""
    return bool(ENDPOINTS[cloud])


def listed(cloud: str, held: frozenset[str] = frozenset()) -> tuple[Endpoint, ...]:
    """The endpoints of a cluster's table: the agents' (the gateway's list in gateway mode, else the
    cloud's), and the policy extension's where it is installed (the gateway does not cover those)."""
    # The catalog's table holds Endpoints: imported here, where it is needed, to keep one direction.
    from .extension_catalog import endpoints as extension_endpoints

    agents = GATEWAY if GATEWAY_MODE in held else ENDPOINTS[cloud]
    listed_ = agents + (POLICY_ENDPOINTS[cloud] if POLICY in held else ())
    # Several extensions may name one host (Container Insights and managed Prometheus): listed once.
    seen = {(e.host, e.port) for e in listed_}
    extra = []
    for endpoint in extension_endpoints(cloud, held):
        if (endpoint.host, endpoint.port) not in seen:
            seen.add((endpoint.host, endpoint.port))
            extra.append(endpoint)
    return listed_ + tuple(extra)


def endpoints_for(cloud: str, region: str, held: frozenset[str] = frozenset()) -> tuple[Endpoint, ...]:
    """Every endpoint of a cluster's table, for one region (a normalized name such as `eastus`)."""
    return tuple(e.for_region(region) for e in listed(cloud, held))


def required_endpoints(cloud: str, region: str, held: frozenset[str]) -> tuple[Endpoint, ...]:
    """What one cluster needs (its agents and extensions): the stack output `requiredEndpoints`."""
    return tuple(e for e in endpoints_for(cloud, region, held) if e.required(held))


def probe_targets(endpoints: Iterable[Endpoint]) -> list[str]:
    """`host:port` of each endpoint a preflight can reach: wildcards name no host to try."""
    return [e.target for e in endpoints if not e.wildcard and e.port is not None]


# --- noProxy ---------------------------------------------------------------------------------------

# What Microsoft's guidance puts in noProxy besides the service CIDR (connectedk8s.md §8).
IN_CLUSTER_NO_PROXY = ("kubernetes.default.svc", ".svc.cluster.local", ".svc")


def _is_ip_or_cidr(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry.strip("[]"), strict=False)
        return True
    except ValueError:
        return False


def has_cidr(no_proxy: Sequence[str]) -> bool:
    return any("/" in e and _is_ip_or_cidr(e) for e in no_proxy)


def missing_in_cluster_entries(no_proxy: Sequence[str]) -> list[str]:
    present = {e.lower() for e in no_proxy}
    return [e for e in IN_CLUSTER_NO_PROXY if e not in present]


def bypasses(entry: str, endpoint: Endpoint) -> bool:
    """Whether a noProxy entry sends (some of) an endpoint's traffic around the proxy.

    Go's rules (`golang.org/x/net/http/httpproxy`, what the agents use): `*` matches everything;
    IPs and CIDRs match only IP literals, never host names; `host:port` only that port; `example.com`
    matches the name and its subdomains, `.example.com` (or `*.example.com`) subdomains only.
    A wildcard endpoint `*.example.com` counts as bypassed when an entry covers any name under it.
    """
    entry = entry.strip().lower()
    if entry == "*":
        return True
    if _is_ip_or_cidr(entry):
        return False
    name, port = entry, None
    if entry.count(":") == 1:
        name, _, raw_port = entry.partition(":")
        port = int(raw_port) if raw_port.isdigit() else None
    if port is not None and endpoint.port is not None and port != endpoint.port:
        return False
    subdomains_only = name.startswith((".", "*."))
    name = name.lstrip("*").lstrip(".")
    if not name:
        return False
    host = endpoint.host.lower()
    if endpoint.wildcard:
        base = host[2:]  # every name under `base`
        return base == name or base.endswith(f".{name}") or name.endswith(f".{base}")
    if host == name:
        return not subdomains_only
    return host.endswith(f".{name}")


def bypassed_endpoints(entry: str, endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if bypasses(entry, e)]


# --- Rendering -------------------------------------------------------------------------------------


# A region to show in docs/network.md's tables, per cloud with a documented list.
EXAMPLE_REGION = {"AzureCloud": "eastus", "AzureUSGovernment": "usgovvirginia", "AzureChinaCloud": "chinanorth3"}


def _markdown(text: str) -> str:
    """Free text in a Markdown table: `<region>` is not an HTML tag, `*.` does not start emphasis."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def _yes_no(value: bool | None) -> str:
    return NOT_DOCUMENTED if value is None else ("yes" if value else "no")


def _port(value: int | None) -> str:
    return NOT_DOCUMENTED if value is None else str(value)


def readme_section() -> str:
    """docs/network.md's "Network requirements" tables, one per cloud and the gateway's, from the data above."""
    out: list[str] = []
    tables = [*ENDPOINTS.items(), ("AzureCloud, gateway mode", GATEWAY)]
    for cloud, endpoints in tables:
        example = EXAMPLE_REGION[cloud.split(",")[0]]
        out.append(f"**{cloud}** (`<region>`: the cluster's `location`, e.g. `{example}`)")
        out.append("")
        out.append("| host | port | websockets | needed | purpose |")
        out.append("|---|---|---|---|---|")
        for e in endpoints:
            host = e.host.replace("{region}", "<region>")
            out.append(
                f"| `{host}` | {_port(e.port)} | {_yes_no(e.websockets)} | {needed_when(e.needed)} "
                f"| {_markdown(e.purpose)} |"
            )
        out.append("")
        out.extend(f"- {_markdown(note)}" for note in NOTES.get(cloud, (GATEWAY_NOTE,)))
        out.append("")
    return "\n".join(out).rstrip("\n")


def firewall_text(title: str, cloud: str, rows: Sequence[tuple[Endpoint, bool, Sequence[str]]]) -> str:
    """Plain text for `--endpoints`: `#` lines are comments; one endpoint per line after them.

    Columns: `host:port`, required (yes/no), websockets, clusters (comma-joined, or `all`), then
    `[needed when] purpose` (free text, last). `rows` holds each endpoint once, whether any cluster
    requires it, and the clusters that need it (or, when none does, that it would serve).
    """
    lines = [f"# {title}", f"# cloud: {cloud}"]
    lines.extend(f"# {note}" for note in NOTES[cloud])
    if any(e.needed == POLICY for e, _, _ in rows):
        lines.append(f"# {POLICY_NOTES[cloud]}")
    if not rows:
        lines.append(f"# {NOT_DOCUMENTED}: no endpoints to list")
        return "\n".join(lines) + "\n"
    header = ("# endpoint", "required", "websockets", "clusters", "[needed when] purpose")
    table = [
        (e.target, "yes" if required else "no", _yes_no(e.websockets).replace(" ", "-"), ",".join(clusters),
         f"[{needed_when(e.needed)}] {e.purpose}")
        for e, required, clusters in rows
    ]  # fmt: skip
    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells[:4], widths, strict=True)) + "  " + cells[4]

    lines.append(line(header))
    lines.extend(line(r) for r in table)
    return "\n".join(lines) + "\n"


def policy_section() -> str:
    """docs/policy.md's endpoint table, from POLICY_ENDPOINTS."""
    rows = ["| cloud | host | port | purpose |", "|---|---|---|---|"]
    for cloud, endpoints in POLICY_ENDPOINTS.items():
        rows.extend(f"| `{cloud}` | `{e.host}` | {_port(e.port)} | {_markdown(e.purpose)} |" for e in endpoints)
    return "\n".join(rows)
