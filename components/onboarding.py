"""The stack: settings in, resources out.

Stack-level resources are declared once however many clusters a stack holds: the provider
registrations and one resource group per group name. Each cluster is an `ArcConnectedCluster`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pulumi_command as command
from pulumi_azure_native import authorization, resources

from . import conversion, precheck, scripts
from .agent_values import keep_secret
from .arc_cluster import ArcConnectedCluster, ArcConnectedClusterArgs, pre_write_check_environment
from .policy_args import RESOURCE_PROVIDER as POLICY_NAMESPACE
from .settings import (
    ClusterSettings,
    ConfigError,
    GroupSettings,
    StackSettings,
    component_name,
    load,
    runtime_config,
)

# What the agents need registered (the az CLI refuses to connect without the first and warns
# without the second).
PROVIDER_NAMESPACES = ("Microsoft.Kubernetes", "Microsoft.KubernetesConfiguration")
# Custom locations' resource provider: `az connectedk8s` checks it before enabling them.
CUSTOM_LOCATIONS_NAMESPACE = "Microsoft.ExtendedLocation"
# The Arc gateway's resource provider: `az connectedk8s connect --gateway-resource-id` requires it
# registered (connectedk8s `_utils.py` check_provider_registrations; connectedk8s.md §6).
GATEWAY_NAMESPACE = "Microsoft.HybridCompute"
DELETE_UNREACHABLE_ENV = "PULUMI_K8S_DELETE_UNREACHABLE"


class InvalidConfiguration(pulumi.RunError):
    """Raised before any resource is registered; each problem was logged as an error."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"invalid configuration ({len(problems)} problem{'s' if len(problems) != 1 else ''}); nothing was changed"
        )
        self.problems = problems


class InvokeFailed(pulumi.RunError):
    """A provider function the program needs an answer from failed."""


CLIENT_CONFIG = "azure-native:authorization:getClientConfig"
GUID = re.compile(r"[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")


def client_config() -> authorization.GetClientConfigResult:
    """The azure-native provider's subscription and tenant; a failure says what to check."""
    try:
        return authorization.get_client_config()
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        reason = reason.removeprefix(f"invoke of {CLIENT_CONFIG} failed: ").removesuffix(" ()")
        raise InvokeFailed(
            f"{CLIENT_CONFIG} (the azure-native provider's subscription and tenant) failed: {reason}; "
            "check its credentials: `az login` and `az account set --subscription SUB`, or "
            "ARM_CLIENT_ID/ARM_TENANT_ID/ARM_SUBSCRIPTION_ID, or `azure-native:*` config"
        ) from None


def client_config_problems(client: authorization.GetClientConfigResult) -> list[str]:
    """The provider's subscription and tenant must be GUIDs before a script or a value gets them.

    azure-native passes `azure-native:subscriptionId` (or ARM_SUBSCRIPTION_ID) through unchecked with
    OIDC and service principals. The value is never quoted: it is not what it should be, so it may be
    anything, a secret pasted in the wrong place included.
    """
    hint = "(8-4-4-4-12 hexadecimal digits, as `az account show` prints it); nothing was changed"
    # `object`, not the SDK's `str`: GetClientConfigResult lets an empty value (None) through unchecked.
    values: tuple[tuple[str, str, object], ...] = (
        ("subscriptionId", "subscription id", client.subscription_id),
        ("tenantId", "tenant id", client.tenant_id),
    )
    return [
        f"azure-native:{key}: the azure-native provider's {what} is not a GUID {hint}"
        for key, what, value in values
        if not (isinstance(value, str) and GUID.fullmatch(value))
    ]


def load_settings(project_dir: Path) -> StackSettings:
    """Validate this run's config; log every problem and stop before any resource is touched."""
    values, secret_keys = runtime_config()
    try:
        settings = load(values, secret_keys, project_dir, os.environ)
    except ConfigError as error:
        for problem in error.problems:
            pulumi.log.error(problem)
        raise InvalidConfiguration(error.problems) from None
    for warning in [*settings.warnings, *environment_warnings(os.environ)]:
        pulumi.log.warn(warning)
    for key in settings.unvalidated:
        pulumi.log.warn(f"{key}: secure value not decrypted offline, so not validated")
    return settings


def environment_warnings(environ: Mapping[str, str]) -> list[str]:
    """The kubernetes SDK stores PULUMI_K8S_DELETE_UNREACHABLE in the provider's state when the
    program runs with it; with `refresh: always`, a cluster briefly unreachable would then drop the
    agents' release from the state. It is meant for `pulumi destroy` (which does not run this)."""
    if environ.get(DELETE_UNREACHABLE_ENV, "").lower() != "true":
        return []
    return [
        f"{DELETE_UNREACHABLE_ENV}=true is set while the program runs: the kubernetes provider keeps "
        "it in the stack's state, and a cluster that is briefly unreachable would then lose its "
        "agents' release from the state; set it only for `pulumi destroy` of a cluster that is gone"
    ]


def provider_namespaces(settings: StackSettings) -> tuple[str, ...]:
    """What this stack registers: the agents' namespaces, plus custom locations' and the gateway's
    once each if any cluster uses them."""
    custom_locations = any(c.features.custom_locations or c.features.custom_locations_oid for c in settings.clusters)
    gateway = any(c.gateway_resource_id is not None for c in settings.clusters)
    return (
        PROVIDER_NAMESPACES
        + ((CUSTOM_LOCATIONS_NAMESPACE,) if custom_locations else ())
        + ((GATEWAY_NAMESPACE,) if gateway else ())
    )


def policy_namespaces(settings: StackSettings) -> tuple[str, ...]:
    """The extensions' namespaces, once per stack: Azure Policy's when some cluster installs it, then
    those the catalog names for the known types of the `extensions` items (docs/extensions.md)."""
    namespaces = [POLICY_NAMESPACE] if any(c.policy.enabled for c in settings.clusters) else []
    for cluster in settings.clusters:
        for extension in cluster.extensions:
            known = extension.known
            namespaces.extend(known.providers if known else ())
    registered = {n.lower() for n in provider_namespaces(settings)}
    return tuple(n for n in dict.fromkeys(namespaces) if n.lower() not in registered)


def register_providers(
    subscription_id: pulumi.Input[str], namespaces: tuple[str, ...] = PROVIDER_NAMESPACES
) -> list[command.local.Command]:
    """`az provider register --wait` per namespace; never unregistered (no delete command).

    azure-native has no resource for this (it only registers a resource's own namespace on
    demand), so a command is the declarative stand-in; `--wait` returns once registered.
    """
    return [
        command.local.Command(
            f"register-{namespace.lower()}",
            create=scripts.text("register"),
            environment=scripts.register_environment(namespace=namespace, subscription=subscription_id),
            interpreter=list(scripts.INTERPRETER),
        )
        for namespace in namespaces
    ]


def after(checks: Sequence[pulumi.Output[Any]]) -> pulumi.Output[list[pulumi.Resource]] | None:
    """A `depends_on` that resolves (to nothing) once every check has answered, and fails with the
    first check that fails: what waits on it is not written before."""
    if not checks:
        return None
    return pulumi.Output.all(*checks).apply(lambda _: [])


def resource_group(
    group: GroupSettings,
    subscription_id: pulumi.Input[str],
    protect: bool = False,
    checks: Sequence[pulumi.Output[Any]] = (),
) -> resources.ResourceGroup:
    """A group: created (and deleted with the stack), or only read when adopted. A created group
    waits for its clusters' pre-write checks: no ARM write before they pass."""
    name = group.name.lower()
    if not group.create:
        return resources.ResourceGroup.get(
            name, pulumi.Output.from_input(subscription_id).apply(lambda s: group_id(s, group.name))
        )
    return resources.ResourceGroup(
        name,
        resource_group_name=group.name,
        location=keep_secret(group.is_secret("location"))(group.location),
        tags=keep_secret(group.is_secret("tags"))(dict(group.tags)),
        opts=pulumi.ResourceOptions(
            depends_on=after(checks),
            protect=protect,
            # A group keeps its region for life (ARM refuses a change); its clusters may be
            # elsewhere, so a new `location` moves the clusters and leaves the group as it is.
            ignore_changes=["location"],
        ),
    )


def group_id(subscription_id: str, name: str) -> str:
    """A group's ARM id in the case ARM writes it for a group created as `name`: the subscription
    GUID in lower case, the name as given. When a stack switches createResourceGroup from true to
    false, the engine relinquishes the group it managed (keeps it, forgets it) only if this read's
    id equals the stored id string exactly; any other string, even one ARM takes as the same group,
    makes it a read-replacement, which deletes the group."""
    return f"/subscriptions/{subscription_id.lower()}/resourceGroups/{name}"


def clusters_of(group: GroupSettings, clusters: Sequence[ClusterSettings]) -> list[ClusterSettings]:
    return [c for c in clusters if c.resource_group.lower() == group.name.lower()]


def group_guard(
    group: GroupSettings,
    resource: resources.ResourceGroup,
    clusters: Sequence[ClusterSettings],
    subscription_id: pulumi.Input[str],
) -> command.local.Command:
    """A delete-only check between a created group and its clusters (which depend on it): destroy
    deletes the clusters, runs it, and deletes the group only if nothing else is in it.

    An adopted group keeps a disarmed guard: were the Command dropped from the program when a
    stack switches createResourceGroup to false, the engine would delete it during that `up`, and
    its delete step would check the group, which still holds resources, and fail the update. Kept
    and disarmed, the switch is an update of its environment, and its deletion checks nothing."""
    return command.local.Command(
        f"{group.name.lower()}-delete-guard",
        delete=scripts.text("group_guard"),
        environment=scripts.group_guard_environment(
            resource_group=group.name,
            subscription=subscription_id,
            own_clusters=[c.cluster_name for c in clusters],
            adopted=not group.create,
        ),
        interpreter=list(scripts.INTERPRETER),
        opts=pulumi.ResourceOptions(depends_on=[resource]),
    )


def deploy(settings: StackSettings) -> dict[str, ArcConnectedCluster]:
    """Declare the whole stack; returns the cluster components by logical name."""
    client = client_config()
    problems = client_config_problems(client)
    if problems:
        for problem in problems:
            pulumi.log.error(problem)
        raise InvalidConfiguration(problems)
    # Which connected clusters exist in Azure without agents (to be converted: components/conversion.py),
    # listed once, before anything is registered: a group that cannot be read stops the run here.
    agentless = precheck.agentless_clusters(client.subscription_id, [c.resource_group for c in settings.clusters])
    registrations = (
        register_providers(client.subscription_id, provider_namespaces(settings)) if settings.register_providers else []
    )
    # Every cluster's pre-write check, first: nothing in Azure is written for a cluster before its check.
    converted: dict[str, bool] = {}
    checks: dict[str, pulumi.Output[precheck.CheckAnswer]] = {}
    for c in settings.clusters:
        name = component_name(c.resource_group, c.cluster_name)
        converted[name] = (
            conversion.cluster_id(client.subscription_id, c.resource_group, c.cluster_name).lower() in agentless
        )
        environment = pre_write_check_environment(
            c, client.subscription_id, settings.cloud.suffix, pulumi.runtime.is_dry_run(), agentless=converted[name]
        )
        checks[name] = precheck.pre_write_check(name, environment)
    # Only the extensions wait for these (none without policy or `extensions`).
    policy_registrations = (
        register_providers(client.subscription_id, policy_namespaces(settings)) if settings.register_providers else []
    )
    groups: dict[str, resources.ResourceGroup] = {}
    guards: dict[str, list[command.local.Command]] = {}
    for group in settings.groups:
        members = clusters_of(group, settings.clusters)
        # A group is protected when any of its clusters asks for it (a groups stack: its `protect`).
        resource = resource_group(
            group,
            client.subscription_id,
            group.protect or any(c.protect for c in members),
            [checks[component_name(c.resource_group, c.cluster_name)] for c in members],
        )
        groups[group.name.lower()] = resource
        guard = group_guard(group, resource, members, client.subscription_id)
        # A created group's clusters are deleted before its guard runs; an adopted group's guard
        # is disarmed, and its clusters need not wait for it.
        guards[group.name.lower()] = [guard] if group.create else []
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
                depends_on=[*registrations, *guards[group_key]],
                pre_write_check=checks[name],
                convert=converted[name],
                policy_depends_on=policy_registrations,
            ),
        )
    return clusters
