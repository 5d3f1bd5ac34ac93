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
    kube      kubeconfig, kubeContext (read, minify), distribution and infrastructure (detection)
    fleet     clusters: items over the defaults, rules across clusters
    load      the orchestration
"""

from .agents import MIN_CHART_VERSION, parse_version
from .kube import (
    AUTO,
    DISTRIBUTIONS,
    IN_CLUSTER,
    INFRASTRUCTURES,
    NODES_FILE_ENV,
    YAML_LOADER,
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
from .raw import SECURE_PLACEHOLDER, runtime_config

__all__ = [
    "AUTO",
    "DISTRIBUTIONS",
    "INFRASTRUCTURES",
    "IN_CLUSTER",
    "MIN_CHART_VERSION",
    "NODES_FILE_ENV",
    "SECURE_PLACEHOLDER",
    "YAML_LOADER",
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
    "load",
    "minify_kubeconfig",
    "parse_version",
    "runtime_config",
]
