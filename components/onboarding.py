"""The stack: settings in, resources out.

Stack-level resources are declared once however many clusters a stack holds: the provider
registrations and one resource group per group name. Each cluster is an `ArcConnectedCluster`.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_command as command
from pulumi_azure_native import authorization, resources

from .agent_values import keep_secret
from .arc_cluster import ArcConnectedCluster, ArcConnectedClusterArgs, component_name
from .settings import ConfigError, GroupSettings, StackSettings, load, runtime_config

# What the agents need registered (the az CLI refuses to connect without the first and warns
# without the second).
PROVIDER_NAMESPACES = ("Microsoft.Kubernetes", "Microsoft.KubernetesConfiguration")


class InvalidConfiguration(pulumi.RunError):
    """Raised before any resource is registered; each problem was logged as an error."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"invalid configuration ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
            "nothing was changed"
        )
        self.problems = problems


class InvokeFailed(pulumi.RunError):
    """A provider function the program needs an answer from failed."""


CLIENT_CONFIG = "azure-native:authorization:getClientConfig"


def client_config() -> authorization.GetClientConfigResult:
    """The azure-native provider's subscription and tenant; a failure says what to check."""
    try:
        return authorization.get_client_config()
    except Exception as error:  # noqa: BLE001 - one message instead of an SDK traceback
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        reason = reason.removeprefix(f"invoke of {CLIENT_CONFIG} failed: ").removesuffix(" ()")
        raise InvokeFailed(
            f"{CLIENT_CONFIG} (the azure-native provider's subscription and tenant) failed: {reason}; "
            "check its credentials: `az login` and `az account set --subscription SUB`, or "
            "ARM_CLIENT_ID/ARM_TENANT_ID/ARM_SUBSCRIPTION_ID, or `azure-native:*` config"
        ) from None


def load_settings(project_dir: Path) -> StackSettings:
    """Validate this run's config; log every problem and stop before any resource is touched."""
    import os

    values, secret_keys = runtime_config()
    try:
        settings = load(values, secret_keys, project_dir, os.environ)
    except ConfigError as error:
        for problem in error.problems:
            pulumi.log.error(problem)
        raise InvalidConfiguration(error.problems) from None
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    for key in settings.unvalidated:
        pulumi.log.warn(f"{key}: secure value not decrypted offline, so not validated")
    return settings


def register_providers(subscription_id: pulumi.Input[str]) -> list[command.local.Command]:
    """`az provider register --wait` per namespace; never unregistered (no delete command).

    azure-native has no resource for this (it only registers a resource's own namespace on
    demand), so a command is the declarative stand-in; `--wait` returns once registered.
    """
    return [
        command.local.Command(
            f"register-{namespace.lower()}",
            create=pulumi.Output.concat(
                "az provider register --namespace ", namespace,
                " --subscription ", subscription_id, " --wait",
            ),  # fmt: skip
        )
        for namespace in PROVIDER_NAMESPACES
    ]


def resource_group(group: GroupSettings, subscription_id: pulumi.Input[str]) -> resources.ResourceGroup:
    """A group: created (and deleted with the stack), or only read when adopted."""
    name = group.name.lower()
    if not group.create:
        return resources.ResourceGroup.get(
            name,
            pulumi.Output.concat("/subscriptions/", subscription_id, "/resourceGroups/", group.name),
        )
    return resources.ResourceGroup(
        name,
        resource_group_name=group.name,
        location=keep_secret(group.is_secret("location"))(group.location),
        tags=keep_secret(group.is_secret("tags"))(dict(group.tags)),
    )


def deploy(settings: StackSettings) -> dict[str, ArcConnectedCluster]:
    """Declare the whole stack; returns the cluster components by logical name."""
    client = client_config()
    registrations = register_providers(client.subscription_id) if settings.register_providers else []
    groups = {g.name.lower(): resource_group(g, client.subscription_id) for g in settings.groups}
    clusters: dict[str, ArcConnectedCluster] = {}
    for cluster in settings.clusters:
        group_key = cluster.resource_group.lower()
        name = component_name(cluster.resource_group, cluster.cluster_name)
        clusters[name] = ArcConnectedCluster(
            name,
            ArcConnectedClusterArgs(
                settings=cluster,
                cloud=settings.cloud,
                resource_group_name=groups[group_key].name,
                subscription_id=client.subscription_id,
                tenant_id=client.tenant_id,
                depends_on=registrations,
            ),
        )
    return clusters
