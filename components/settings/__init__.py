"""Read, validate and type the stack configuration.

The engine hands the program every config value as a string (objects and arrays JSON-encoded) and
tells which top-level keys are secret. `load()` turns that into typed, validated settings, or
raises `ConfigError` listing every problem at once, each naming the full key. Nothing here talks
to Azure or Kubernetes: it runs before any resource is registered, under `pulumi up` and the
offline plan alike. `components/schema.py` declares the keys; each module here checks one area:

    model     the frozen dataclasses the component reads, ConfigError
    raw       the engine's values coerced to the schema's types; the report, secrets, did-you-mean
    names     clusterName, resourceGroup, location, tags, cloud
    agents    agents.* (chart, version, timeout, an adopted key)
    proxy     proxy.*, privateLink.*, gateway.*, preflight.* (the network path)
    arm       oidcIssuer.*, workloadIdentity.*, azureHybridBenefit, distributionVersion
    gitops    gitops.*
    features  features.*
    files     user-named files read in bounded time and memory; YAML without duplicates, tags or bombs
    kube      kubeconfig, kubeContext (read, minify), distribution and infrastructure (detection)
    fleet     clusters: items over the defaults, rules across clusters; a groups stack
    inventory the fleet's items from a YAML or CSV file
    load      the orchestration
"""

from .agents import MIN_CHART_VERSION, parse_version
from .inventory import inventory_items
from .kube import (
    AUTO,
    CONTACTED,
    DISTRIBUTIONS,
    IN_CLUSTER,
    INFRASTRUCTURES,
    NODES_FILE_ENV,
    minify_kubeconfig,
)
from .load import load
from .model import (
    AgentSettings,
    ClusterSettings,
    ConfigError,
    FeatureSettings,
    GitOpsSettings,
    GroupSettings,
    KubeTarget,
    OidcIssuerSettings,
    PreflightSettings,
    ProxySettings,
    StackSettings,
)
from .names import component_name
from .proxy import BYPASS_CONTAINER_INSIGHTS
from .raw import SECURE_PLACEHOLDER, runtime_config

__all__ = [
    "AUTO",
    "BYPASS_CONTAINER_INSIGHTS",
    "CONTACTED",
    "DISTRIBUTIONS",
    "INFRASTRUCTURES",
    "IN_CLUSTER",
    "MIN_CHART_VERSION",
    "NODES_FILE_ENV",
    "SECURE_PLACEHOLDER",
    "AgentSettings",
    "ClusterSettings",
    "ConfigError",
    "FeatureSettings",
    "GitOpsSettings",
    "GroupSettings",
    "KubeTarget",
    "OidcIssuerSettings",
    "PreflightSettings",
    "ProxySettings",
    "StackSettings",
    "component_name",
    "inventory_items",
    "load",
    "minify_kubeconfig",
    "parse_version",
    "runtime_config",
]
