"""Outbound endpoints of the Azure Policy extension, per cloud, in components/network.py's shape (pure).

Wiring into network.py: add `NEEDED_WHEN[NEEDED] = NEEDED_DOC`, a `policy` flag to `conditions()`
that adds `NEEDED` (and `extensions`, for `linuxgeneva-microsoft.azurecr.io`), and append
`ENDPOINTS[cloud]` to each cloud's table. Sources are tags of `../shared/reference/azure-policy.md`.

- S1 (Learn, "Azure Policy for Kubernetes") lists the public hosts: `data.policy.core.windows.net`,
  `store.policy.core.windows.net`, `login.windows.net`, `dc.services.visualstudio.com`.
  `login.windows.net` is already in network.PUBLIC (needed always), so it is not repeated here.
- S7 (the AKS egress page, the only page that names them) gives the US Government and China hosts
  and the purposes quoted below. No Arc page lists Policy endpoints for those clouds (S6).
- S5: the Arc gateway does not cover Policy; both policy hosts must still be allowed in the proxy.
"""

from __future__ import annotations

from .network import NOT_DOCUMENTED, Endpoint

# The `needed` key of these endpoints, and its text for network.NEEDED_WHEN.
NEEDED = "policy"
NEEDED_DOC = "Azure Policy extension (policy.enabled)"

# S5: with the Arc gateway these hosts still go through the proxy, unlike the Arc hosts it covers.
GATEWAY_COVERS = False

_DATA = "pull the Kubernetes policies and report cluster compliance status to the policy service (S7)"
_STORE = "pull the Gatekeeper artifacts of built-in policies (S7)"
# S1 lists this host for the extension without saying what for.
_TELEMETRY = f"{NOT_DOCUMENTED} (listed by S1 for the Azure Policy extension)"

ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    "AzureCloud": (
        # S1 host list; the two policy hosts' purposes in S7's words (the same for every cloud).
        Endpoint("data.policy.core.windows.net", 443, "https", _DATA, False, NEEDED),
        Endpoint("store.policy.core.windows.net", 443, "https", _STORE, False, NEEDED),
        Endpoint("dc.services.visualstudio.com", 443, "https", _TELEMETRY, False, NEEDED),
    ),
    # S7 only (an AKS page): websockets not stated there, hence None.
    "AzureUSGovernment": (
        Endpoint("data.policy.azure.us", 443, "https", _DATA, None, NEEDED),
        Endpoint("store.policy.azure.us", 443, "https", _STORE, None, NEEDED),
    ),
    "AzureChinaCloud": (
        Endpoint("data.policy.azure.cn", 443, "https", _DATA, None, NEEDED),
        Endpoint("store.policy.azure.cn", 443, "https", _STORE, None, NEEDED),
    ),
}

NOTES: dict[str, str] = {
    "AzureCloud": "Azure Policy hosts: Learn 'Azure Policy for Kubernetes' (S1); the Arc gateway does not cover "
    "them, so the proxy must allow them (S5).",
    "AzureUSGovernment": "Azure Policy hosts from the AKS egress page only (S7): no Arc page lists them (S6).",
    "AzureChinaCloud": "Azure Policy hosts from the AKS egress page only (S7): no Arc page lists them (S6).",
}


def endpoints(cloud: str, enabled: bool) -> tuple[Endpoint, ...]:
    """The extra endpoints of one cluster: none unless it enables policy."""
    return ENDPOINTS[cloud] if enabled else ()
