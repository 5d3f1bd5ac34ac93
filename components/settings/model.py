"""The settings model: the frozen dataclasses the component reads, and the error `load` raises.

Every value here is validated and typed; nothing in this module reads or checks configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from components import network
from components.clouds import Cloud
from components.extensions import ExtensionSettings
from components.policy import DISABLED, PolicySettings
from components.schema import DEFAULT_PREFLIGHT_IMAGE


class ConfigError(Exception):
    """Invalid configuration: `problems` holds one line per problem, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ProxySettings:
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: tuple[str, ...] = ()
    ca_cert_file: str | None = None
    ca_cert_pem: str | None = None
    # True when the values must stay secret: `proxy` was set with --secret, or a URL has credentials.
    secret: bool = False

    @property
    def enabled(self) -> bool:
        """The chart's `isProxyEnabled`: any of the three settings, as the az CLI decides it."""
        return bool(self.http_proxy or self.https_proxy or self.no_proxy)


@dataclass(frozen=True)
class AgentSettings:
    chart: str
    chart_version: str
    auto_upgrade: bool
    timeout_seconds: int
    # An adopted onboarding's key (PKCS#1 PEM): used instead of generating one. Always secret.
    private_key_pem: str | None = None
    # Its public half, base64 PKCS#1; None with a key only when the offline plan could not decrypt it.
    public_key: str | None = None
    # Clean a stale onboarding up before the connected cluster is written (components/precheck.py).
    replace_stale: bool = False
    # Destroy as `az connectedk8s delete --force` (components/scripts/delete_guard.sh).
    force_delete: bool = False


@dataclass(frozen=True)
class FeatureSettings:
    """Agent features as `az connectedk8s enable-features` sets them (Helm values only)."""

    cluster_connect: bool = True
    # Custom locations on: with `custom_locations_oid`, or looked up where Pulumi runs when it is None.
    custom_locations: bool = False
    custom_locations_oid: str | None = None
    azure_rbac: bool = False
    azure_rbac_skip_list: tuple[str, ...] = ()
    # `features` was set with --secret: its values stay secret in the Helm values.
    secret: bool = False


@dataclass(frozen=True)
class OidcIssuerSettings:
    """The connected cluster's OIDC issuer and workload identity (ARM properties only)."""

    enabled: bool = False
    self_hosted_issuer_url: str | None = None
    workload_identity: bool = False


@dataclass(frozen=True)
class GitOpsSettings:
    url: str
    branch: str
    path: str
    sync_interval_seconds: int
    https_user: str | None = None
    # Kept out of repr so no traceback or debug print can show it.
    https_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PreflightSettings:
    enabled: bool = True
    image: str = DEFAULT_PREFLIGHT_IMAGE


@dataclass(frozen=True)
class KubeTarget:
    path: str  # as resolved, for messages and the plan
    content: str | None  # None when in-cluster, or the file does not exist (a warning)
    context: str | None  # None when in-cluster, or the file is missing and no kubeContext is set
    context_source: str  # "kubeContext", "current-context" or "in-cluster"


@dataclass(frozen=True)
class ClusterSettings:
    cluster_name: str
    resource_group: str
    location: str
    create_resource_group: bool
    tags: Mapping[str, str]
    kube: KubeTarget
    distribution: str
    infrastructure: str
    agents: AgentSettings
    proxy: ProxySettings
    preflight: PreflightSettings = PreflightSettings()
    # Config keys set as secrets: their values stay secret wherever they flow.
    secret_keys: frozenset[str] = frozenset()
    gitops: GitOpsSettings | None = None
    private_link_scope_id: str | None = None
    # ARM id of a Microsoft.HybridCompute/gateways: gateway mode (its shorter endpoint list).
    gateway_resource_id: str | None = None
    oidc: OidcIssuerSettings = OidcIssuerSettings()
    azure_hybrid_benefit: str | None = None
    distribution_version: str | None = None
    features: FeatureSettings = FeatureSettings()
    verify: bool = True
    protect: bool = False
    policy: PolicySettings = DISABLED
    # `extensions`: the cluster extensions beside Flux and Policy (components/arc_extensions.py).
    extensions: tuple[ExtensionSettings, ...] = ()

    def is_secret(self, key: str) -> bool:
        return key in self.secret_keys

    @property
    def network_conditions(self) -> frozenset[str]:
        """Which of the agents' conditional endpoints this cluster needs (components/network.py)."""
        return network.conditions(
            auto_upgrade=self.agents.auto_upgrade,
            cluster_connect=self.features.cluster_connect,
            azure_rbac=self.features.azure_rbac,
            extensions=self.gitops is not None,
            gateway=self.gateway_resource_id is not None,
            policy=self.policy.enabled,
            extension_types=tuple(e.type for e in self.extensions),
        )


@dataclass(frozen=True)
class GroupSettings:
    """One resource group per name (ARM compares group names case-insensitively)."""

    name: str
    location: str
    create: bool
    tags: Mapping[str, str]
    secret_keys: frozenset[str] = frozenset()
    # A groups stack's `protect`; in a cluster stack a group is protected when any of its clusters is.
    protect: bool = False

    def is_secret(self, key: str) -> bool:
        return key in self.secret_keys


@dataclass(frozen=True)
class StackSettings:
    cloud: Cloud
    register_providers: bool
    groups: tuple[GroupSettings, ...]
    clusters: tuple[ClusterSettings, ...]
    warnings: tuple[str, ...] = ()
    # Keys whose `secure:` values the offline plan could not decrypt.
    unvalidated: tuple[str, ...] = ()
