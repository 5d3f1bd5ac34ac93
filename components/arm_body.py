"""The ARM bodies this program sends through azure-native's generic `resources:Resource` (pure).

The typed `azure-native:kubernetes:ConnectedCluster` of the pinned SDK speaks only 2024-02-01-preview,
which has no `gateway`, `oidcIssuerProfile`, `securityProfile` or `arcAgentryConfigurations`. The
connected cluster is therefore declared at the stable API 2026-05-01 through the generic resource,
whose `properties` are sent as written: this module builds them, and tests/test_arm_body.py checks
them against that API's swagger (no read-only property, every enum respected, no `kind`: the CLI
sends none, and `ProvisionedCluster` is AKS Arc, which the CLI refuses to update or delete).

Which properties are sent, and when, follows the CLI's `generate_request_payload` (connectedk8s
`custom.py`; `../shared/reference/connectedk8s.md` §4), except where docs/cli-parity.md says why not.
Values may be Pulumi inputs: nothing here looks inside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The connected cluster: `Microsoft.Kubernetes/connectedClusters` at the stable API 2026-05-01.
CLUSTER_API_VERSION = "2026-05-01"
CLUSTER_NAMESPACE = "Microsoft.Kubernetes"
CLUSTER_TYPE = "connectedClusters"
# The type token the connected cluster had before (state written by earlier versions of the program).
LEGACY_CLUSTER_TYPE = "azure-native:kubernetes:ConnectedCluster"
# ARM cannot change these in place: location is create-only, and the key is the onboarding's
# identity (not patchable; the CLI re-keys only by reconnecting). Paths into the generic resource.
CLUSTER_REPLACE_ON_CHANGES = ("location", "properties.agentPublicKeyCertificate")

# The gateway association: `Microsoft.HybridCompute/settings/default` at the cluster's scope, at the
# api-version the CLI uses (connectedk8s `_utils.py` ~1529, `_constants.py` ~613; connectedk8s.md §4).
GATEWAY_SETTINGS_API_VERSION = "2025-02-19-preview"
GATEWAY_SETTINGS_NAMESPACE = "Microsoft.HybridCompute"
GATEWAY_SETTINGS_TYPE = "settings"
GATEWAY_SETTINGS_NAME = "default"

# The feature the CLI names the proxy by in `arcAgentryConfigurations` (custom.py ~1923, ~5054).
PROXY_FEATURE = "proxy"

# The tag naming the stack that owns a connected cluster (`<project>/<stack>`). The
# pre-write check reads it to tell this stack's own cluster, whose key the stack may change (a
# delete-first replacement), from one onboarded by the CLI or another stack (never overwritten).
OWNER_TAG = "arcOnboardingStack"
# The tag that makes the engine write a connected cluster ARM left `provisioningState: Failed` (or
# `Canceled`): a refresh reads such a cluster without error, so its inputs match and no diff would
# ever PUT it again. The pre-write check reads the state and this tag; the program sends the tag's
# count plus one (components/precheck.py, retry_tag), and the same count from then on. Absent until
# a write has failed, so a stack whose writes succeed never sends it.
RETRY_TAG = "arcOnboardingRetry"


def cluster_tags(tags: dict[str, str], owner: str, retry: str | None = None) -> dict[str, str]:
    """The connected cluster's tags: the configured ones, the owner tag and the retry tag when there
    is one (the program's tags win)."""
    return {**tags, OWNER_TAG: owner, **({RETRY_TAG: retry} if retry is not None else {})}


@dataclass(frozen=True)
class ClusterBody:
    """What the connected cluster's `properties` are made of (validated in components/settings/)."""

    public_key: Any
    distribution: Any
    infrastructure: Any
    auto_upgrade: bool
    private_link_scope_id: Any = None
    gateway: bool = False
    oidc_issuer: bool = False
    self_hosted_issuer_url: Any = None
    workload_identity: bool = False
    azure_hybrid_benefit: Any = None
    distribution_version: Any = None
    proxy: bool = False


def cluster_properties(body: ClusterBody) -> dict[str, Any]:
    """The connected cluster's `properties`.

    Sent always, unlike the CLI, so that removing a key in the stack turns its setting off:
    `gateway.enabled` (false is the CLI's `--disable-gateway`), `privateLinkState`,
    `azureHybridBenefit` (ARM's default `NotApplicable` when unset) and `arcAgentProfile` (the
    program's default differs: auto-upgrade off with a pinned chart, docs/cli-parity.md).
    `oidcIssuerProfile` is sent only once enabled: Azure cannot turn the issuer off again.
    """
    properties: dict[str, Any] = {
        "agentPublicKeyCertificate": body.public_key,
        "distribution": body.distribution,
        "infrastructure": body.infrastructure,
        "arcAgentProfile": {"agentAutoUpgrade": "Enabled" if body.auto_upgrade else "Disabled"},
        "azureHybridBenefit": body.azure_hybrid_benefit or "NotApplicable",
        "gateway": {"enabled": body.gateway},
    }
    if body.private_link_scope_id is not None:
        properties["privateLinkState"] = "Enabled"
        properties["privateLinkScopeResourceId"] = body.private_link_scope_id
    else:
        properties["privateLinkState"] = "Disabled"
    if body.distribution_version is not None:
        properties["distributionVersion"] = body.distribution_version
    if body.oidc_issuer:
        oidc: dict[str, Any] = {"enabled": True}
        if body.self_hosted_issuer_url is not None:
            oidc["selfHostedIssuerUrl"] = body.self_hosted_issuer_url
        properties["oidcIssuerProfile"] = oidc
    if body.workload_identity or body.oidc_issuer:
        # Sent once OIDC is on, so that turning workload identity off is a PUT saying so
        # (the CLI's --disable-workload-identity); the CLI sends it only when given.
        properties["securityProfile"] = {"workloadIdentity": {"enabled": body.workload_identity}}
    if body.proxy:
        # The CLI keeps the proxy's values local (protectedSettings, redacted): ARM only learns that
        # the feature is configured. Credentials and URLs never reach ARM.
        properties["arcAgentryConfigurations"] = [{"feature": PROXY_FEATURE, "settings": {}}]
    return properties


def gateway_settings_parent(cluster_name: str) -> str:
    """The generic resource's `parentResourcePath` for `.../connectedClusters/NAME/providers/
    Microsoft.HybridCompute/settings/default`, an extension resource at the cluster's scope.

    ARM's generic path is `/subscriptions/S/resourceGroups/G/providers/{namespace}/{parentResourcePath}/
    {resourceType}/{resourceName}` (parentResourcePath is not URL-encoded), so with the cluster's
    namespace, the cluster and the extension's provider go in the parent path, as `az resource`
    addresses extension resources.
    """
    return f"{CLUSTER_TYPE}/{cluster_name}/providers/{GATEWAY_SETTINGS_NAMESPACE}"


def gateway_settings_properties(gateway_resource_id: Any) -> dict[str, Any]:
    """The body the CLI PUTs to `.../providers/Microsoft.HybridCompute/settings/default`."""
    return {"gatewayProperties": {"gatewayResourceId": gateway_resource_id}}


def oidc_issuer_url(properties: Any) -> str | None:
    """`oidcIssuerProfile.issuerUrl` of the connected cluster's properties as ARM returns them."""
    profile = properties.get("oidcIssuerProfile") if isinstance(properties, dict) else None
    url = profile.get("issuerUrl") if isinstance(profile, dict) else None
    return url if isinstance(url, str) else None
