"""`ArcConnectedCluster`: one Kubernetes cluster connected to Azure Arc.

Declares what `az connectedk8s connect` does for one cluster: the agent key pair, the ARM
`Microsoft.Kubernetes/connectedClusters` resource, and the `azure-arc` Helm release of the agents,
installed through a kubernetes provider bound to the cluster's kubeconfig context; before the
release, the network preflight Job (components/preflight.py) checks what the agents will need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
import pulumi_command as command
import pulumi_kubernetes as k8s
import pulumi_tls as tls
from pulumi_azure_native import resources

from . import agent_releases, arm_body, arm_read_only, conversion, data_plane, network, precheck, scripts
from .agent_key import AgentKeySecret, agent_key_secret
from .agent_values import agent_values, cli_after_values, keep_secret, protected_settings, with_data_plane
from .arc_extensions import ArcExtensions, ExtensionComponentArgs
from .arc_policy import ArcPolicy
from .clouds import Cloud, config_data_plane
from .container_insights import container_insights_bypass
from .flux import EXTENSION_NAME as FLUX_EXTENSION
from .flux import ArcGitOps
from .gateway import gateway_association
from .keys import KeyFormatError, pkcs1_public_key_b64
from .policy_args import EXTENSION_NAME as POLICY_EXTENSION
from .preflight import Preflight
from .settings import (
    BYPASS_CONTAINER_INSIGHTS,
    IN_CLUSTER,
    ClusterSettings,
    KubeTarget,
    component_name,
    parse_version,
)

COMPONENT_TYPE = "arc-onboarding:index:ArcConnectedCluster"
RELEASE_NAME = "azure-arc"
RELEASE_NAMESPACE = "azure-arc-release"
AGENT_NAMESPACE = "azure-arc"  # created by the chart itself
# The config keys whose values go into the connected cluster's body (and so into the data plane's
# request): any of them secret makes the helm-settings step's environment and answer secret.
CLUSTER_BODY_KEYS = (
    "location",
    "tags",
    "distribution",
    "infrastructure",
    "privateLink",
    "oidcIssuer",
    "azureHybridBenefit",
    "distributionVersion",
)
# A component of cluster extensions (ArcGitOps, ArcPolicy, ArcExtensions) and its settings.
C = TypeVar("C", bound=pulumi.ComponentResource)
S = TypeVar("S")


class KeyConversionError(pulumi.RunError):
    """The agent key's public half could not be put in the form ARM expects."""


def agent_public_key(key_name: str) -> Callable[[str], str]:
    """The apply callback converting the key's PEM; a failure names the key and what to do."""

    def convert(public_key_pem: str) -> str:
        try:
            return pkcs1_public_key_b64(public_key_pem)
        except Exception as error:
            reason = str(error) if isinstance(error, KeyFormatError) else type(error).__name__
            # Never the PEM itself: only what is wrong with it.
            raise KeyConversionError(
                f"{key_name} (tls:index/privateKey:PrivateKey): its public key cannot be converted "
                f"for agentPublicKeyCertificate ({reason}); replace the key with `pulumi up "
                f"--replace URN` (URN from `pulumi stack --show-urns`)"
            ) from None

    return convert


def kubectl_environment(kube: KubeTarget) -> dict[str, str] | None:
    """What the cleanup's kubectl needs to reach the cluster (secret: the kubeconfig has credentials).

    In-cluster: nothing, kubectl falls back to the pod's service account. A kubeconfig missing
    here (a plan-time warning) is passed by path, as the kubernetes provider gets it.
    """
    if kube.path == IN_CLUSTER:
        return None
    environment = {"ARC_KUBECONFIG": kube.content} if kube.content is not None else {"KUBECONFIG": kube.path}
    if kube.context:
        environment["ARC_KUBE_CONTEXT"] = kube.context
    return environment


def pre_write_check_environment(
    settings: ClusterSettings, subscription_id: str, crd_suffix: str, dry_run: bool, *, agentless: bool = False
) -> dict[str, str]:
    """What precheck.sh reads for this cluster (an invoke's arguments: never stored in state)."""
    return {
        **scripts.precheck_environment(
            subscription=subscription_id,
            resource_group=settings.resource_group,
            cluster_name=settings.cluster_name,
            crd_suffix=crd_suffix,
            agent_namespace=AGENT_NAMESPACE,
            release_name=RELEASE_NAME,
            replace_stale=settings.agents.replace_stale,
            dry_run=dry_run,
            location=settings.location,
            private_link_scope=settings.private_link_scope_id or "",
            agentless=agentless,
        ),
        **(kubectl_environment(settings.kube) or {}),
    }


def managed_extensions(settings: ClusterSettings) -> list[str]:
    """The cluster extensions this stack manages itself (its Pulumi resources delete them): the
    uninstall guard leaves these alone and deletes every other extension before the agents go."""
    return [
        *([FLUX_EXTENSION] if settings.gitops else []),
        *([POLICY_EXTENSION] if settings.policy.enabled else []),
        *(e.name for e in settings.extensions),
    ]


def release_version(pin: str, auto_upgrade: bool, running: str | None) -> str:
    """The chart version the release asks for: the pin; for self-upgrading agents, the version they
    run (read by the pre-write check), so a later values change never rolls them back. Not an
    `ignoreChanges` on the version: a refresh of a release keeps its stored inputs (pulumi-kubernetes
    provider/v4 pkg/provider/helm_release.go, helmReleaseProvider.Read, commit f47bc2d6f199), so
    the ignored input would stay the first pin and the next upgrade would install that."""
    if auto_upgrade and running is not None and parse_version(running) is not None:
        return running
    return pin


@dataclass(frozen=True)
class ArcConnectedClusterArgs:
    settings: ClusterSettings
    cloud: Cloud
    resource_group_name: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    # The connected cluster waits for these (the provider registrations, its group's delete guard).
    depends_on: Sequence[pulumi.Resource] = ()
    # The pre-write check's answer (components/precheck.py): the connected cluster waits for it.
    pre_write_check: pulumi.Output[precheck.CheckAnswer] | None = None
    # The extensions (Azure Policy's, `extensions`) wait for these too: their providers' registrations.
    policy_depends_on: Sequence[pulumi.Resource] = ()
    # The pre-write check found the connected cluster in ARM as the multicloud connector created it
    # (AgentNotInstalled): convert it as the CLI does (components/conversion.py).
    convert: bool = False


class ArcConnectedCluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    resource_group: pulumi.Output[str]
    key: tls.PrivateKey | None  # None when the onboarding was adopted with its own key
    connected_cluster: resources.Resource
    conversion: command.local.Command | None  # only in the `up` that converts (components/conversion.py)
    gateway: command.local.Command | None
    helm_settings: command.local.Command
    cleanup: command.local.Command
    uninstall_guard: command.local.Command
    provider: k8s.Provider
    agent_key: AgentKeySecret | None
    release: k8s.helm.v3.Release
    # `proxy.bypass: [Microsoft.AzureMonitor.Containers]` (components/container_insights.py).
    container_insights_bypass: command.local.Command | None
    verify: command.local.Command | None
    custom_locations_lookup: command.local.Command | None
    oidc_issuer_url: pulumi.Output[Any] | None
    agent_namespace: str
    kube_context: pulumi.Input[str] | None
    gitops: ArcGitOps | None
    policy: ArcPolicy | None
    extensions: ArcExtensions | None
    data_plane_endpoint: pulumi.Input[str]
    required_endpoints: pulumi.Input[list[dict[str, object]]]
    preflight: Preflight | None

    def __init__(
        self,
        name: str,
        args: ArcConnectedClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._prefix = name  # child names derive from it (`_name` is the SDK's own attribute)
        self._args = args
        settings = args.settings
        # Values the connected cluster and the agents' values both carry, secret when their key is.
        self._location = self._secret_if("location")(settings.location)
        self._distribution = self._secret_if("distribution")(settings.distribution)
        self._infrastructure = self._secret_if("infrastructure")(settings.infrastructure)

        # The children, in the order they are declared (and created, dependencies permitting).
        self.key, private_key_pem, public_key = self._agent_key()
        public_key = self._after_check(public_key)
        self.provider = self._kubernetes_provider()
        endpoints = network.required_endpoints(args.cloud.name, settings.location, settings.network_conditions)
        self.required_endpoints = self._secret_if("location")([e.as_json() for e in endpoints])
        self.preflight = self._preflight(endpoints, private_key_pem)
        self.connected_cluster = self._connected_cluster(public_key)
        self.gateway = self._gateway()
        self.helm_settings = self._helm_settings()
        self.cleanup = self._cleanup()
        self.agent_key = self._agent_key_secret(private_key_pem)
        self.custom_locations_lookup = self._custom_locations_lookup()
        self.release = self._agents(private_key_pem)
        self.container_insights_bypass = self._container_insights_bypass()
        self.uninstall_guard = self._uninstall_guard()
        self.verify = self._verify()
        self.oidc_issuer_url = self._oidc_issuer_url()
        self.gitops = self._gitops()
        self.policy = self._policy()
        self.extensions = self._extensions()

        self.cluster_id = self.connected_cluster.id
        self.cluster_name = self.connected_cluster.name
        self.resource_group = pulumi.Output.from_input(args.resource_group_name)
        self.agent_namespace = AGENT_NAMESPACE
        self.kube_context = self._secret_if("kubeContext")(settings.kube.context)
        self.data_plane_endpoint = self._secret_if("location")(config_data_plane(args.cloud, settings.location))
        self.register_outputs(self.outputs())

    def _secret_if(self, key: str) -> Callable[[Any], Any]:
        return keep_secret(self._args.settings.is_secret(key))

    def _secret_if_set(self, key: str, value: str | None) -> Any:
        """An optional value, secret when its key is; None stays None (the property is not sent)."""
        return None if value is None else self._secret_if(key)(value)

    def _child(self, **options: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **options)

    def _agent_key(self) -> tuple[tls.PrivateKey | None, pulumi.Output[str], pulumi.Input[str]]:
        """(the key resource, its private PEM as a secret, its public key as ARM wants it): generated,
        or adopted (no key resource)."""
        agents = self._args.settings.agents
        if agents.private_key_pem is not None:
            # Adopted: the agents keep the key they were onboarded with.
            public = agents.public_key if agents.public_key is not None else _unknown()
            return None, pulumi.Output.secret(agents.private_key_pem), public
        name = f"{self._prefix}-key"
        key = tls.PrivateKey(name, algorithm="RSA", rsa_bits=4096, opts=self._child())
        # The provider marks it secret in state; wrapping says so to every consumer too.
        return key, pulumi.Output.secret(key.private_key_pem), key.public_key_pem.apply(agent_public_key(name))

    def _after_check(self, public_key: pulumi.Input[str]) -> pulumi.Input[str]:
        """The key, passed on once the pre-write check has answered and found no other key for this
        cluster in ARM: the connected cluster takes its key through this, so it is written only after
        the check (a data dependency: the check is an invoke, not a resource)."""
        check = self._args.pre_write_check
        if check is None:
            return public_key
        return precheck.gate_key(self._prefix, self._args.settings, check, public_key, precheck.stack_owner())

    def _connected_cluster(self, public_key: pulumi.Input[str]) -> resources.Resource:
        """The ARM `Microsoft.Kubernetes/connectedClusters` resource, at the stable API 2026-05-01
        through azure-native's generic resource (components/arm_body.py says why)."""
        settings = self._args.settings
        optional = self._secret_if_set
        body = arm_body.ClusterBody(
            public_key=public_key,
            distribution=self._distribution,
            infrastructure=self._infrastructure,
            auto_upgrade=settings.agents.auto_upgrade,
            private_link_scope_id=optional("privateLink", settings.private_link_scope_id),
            gateway=settings.gateway_resource_id is not None,
            oidc_issuer=settings.oidc.enabled,
            self_hosted_issuer_url=optional("oidcIssuer", settings.oidc.self_hosted_issuer_url),
            workload_identity=settings.oidc.workload_identity,
            azure_hybrid_benefit=optional("azureHybridBenefit", settings.azure_hybrid_benefit),
            distribution_version=optional("distributionVersion", settings.distribution_version),
            # The CLI's proxy feature holds https_proxy, http_proxy, no_proxy and proxy_cert
            # (connectedk8s.md §8): a CA alone configures it too.
            proxy=settings.proxy.enabled or settings.proxy.ca_cert_pem is not None,
        )
        # Kept: the data plane's request is the cluster as PUT (_helm_settings).
        self._cluster_properties = arm_body.cluster_properties(body)
        self._cluster_tags = self._secret_if("tags")(self._tags())
        identity_type = resources.ResourceIdentityType.SYSTEM_ASSIGNED
        # The preflight's verdict gates the first write, as the CLI's diagnostic checks gate its PUT
        # (custom.py create_connectedk8s, azure-cli-extensions @ 0b4bb2eb).
        first_write_after = [*self._args.depends_on, *([self.preflight.job] if self.preflight else [])]
        self.conversion = self._conversion(
            {
                "location": self._location,
                "identity": {"type": identity_type.value},
                "properties": self._cluster_properties,
                "tags": self._cluster_tags,
            },
            first_write_after,
        )
        return resources.Resource(
            f"{self._prefix}-cluster",
            api_version=arm_body.CLUSTER_API_VERSION,
            resource_provider_namespace=arm_body.CLUSTER_NAMESPACE,
            resource_type=arm_body.CLUSTER_TYPE,
            parent_resource_path="",
            resource_group_name=self._args.resource_group_name,
            resource_name_=settings.cluster_name,
            location=self._location,
            identity=resources.IdentityArgs(type=identity_type),
            properties=self._cluster_properties,
            tags=self._cluster_tags,
            opts=self._child(
                depends_on=[*first_write_after, *([self.conversion] if self.conversion else [])],
                # State written before the move to the generic resource holds the typed resource
                # under this name: the alias keeps that connected cluster (same name, same parent).
                aliases=[pulumi.Alias(type_=arm_body.LEGACY_CLUSTER_TYPE)],
                # The ARM name is fixed, so a replacement must delete the old resource first.
                delete_before_replace=True,
                replace_on_changes=list(arm_body.CLUSTER_REPLACE_ON_CHANGES),
                # azure-native's refresh writes what ARM changed into the inputs, and the generic
                # resource's `properties` keep read-only fields (connectivityStatus, agentVersion,
                # lastConnectivityTime, ...): without this, every `up` after the agents connected
                # would PUT the cluster (docs/engine-tests.md, the claim table). While converting,
                # `apiVersion` too, which an import does not read back (components/conversion.py).
                ignore_changes=[
                    *arm_read_only.CLUSTER_READ_ONLY_PATHS,
                    *(["apiVersion"] if self.conversion else []),
                ],
                # The conversion's PUT made it this stack's: the engine imports it (a no-op for a
                # cluster already in the state under this id).
                import_=self._converted_id() if self.conversion else None,
                protect=settings.protect,
            ),
        )

    def _tags(self) -> pulumi.Input[dict[str, str]]:
        """The connected cluster's tags; after the pre-write check, with the retry tag that writes a
        cluster ARM left Failed again (precheck.retry_tag)."""
        tags, owner, check = dict(self._args.settings.tags), precheck.stack_owner(), self._args.pre_write_check
        if check is None:
            return arm_body.cluster_tags(tags, owner)
        return precheck.tags_after_check(self._prefix, tags, owner, check)

    def _converted_id(self) -> str:
        """The id the conversion imports: from the settings, as the import option needs it now."""
        settings = self._args.settings
        return conversion.cluster_id(self._subscription(), settings.resource_group, settings.cluster_name)

    def _subscription(self) -> str:
        subscription = self._args.subscription_id
        if not isinstance(subscription, str):  # the client config's id: a string at program time
            raise TypeError("converting a connected cluster needs the subscription id as a string")
        return subscription

    def _conversion(self, body: dict[str, Any], after: Sequence[pulumi.Resource]) -> command.local.Command | None:
        """The PUT over a connected cluster the multicloud connector created (components/conversion.py),
        when the pre-write check found one; it takes the gated key (in `body`), so it runs after the
        check, and waits for the group (through its name) and `after`."""
        if not self._args.convert:
            return None
        # The id as the import takes it, passed through the group's name so that the PUT waits for the group.
        converted = self._converted_id()
        cluster = pulumi.Output.from_input(self._args.resource_group_name).apply(lambda _: converted)
        return conversion.conversion(self._prefix, cluster=cluster, body=body, after=after, parent=self)

    def _gateway(self) -> command.local.Command | None:
        """The gateway association (components/gateway.py): PUT, and PUT null on removal, as the CLI."""
        settings, args = self._args.settings, self._args
        if settings.gateway_resource_id is None:
            return None
        return gateway_association(
            self._prefix,
            gateway_resource_id=settings.gateway_resource_id,
            cluster=self.connected_cluster,
            cluster_name=settings.cluster_name,
            resource_group_name=args.resource_group_name,
            subscription_id=args.subscription_id,
            secret=settings.is_secret("gateway"),
            parent=self,
        )

    def _helm_settings(self) -> command.local.Command:
        """The agents' Helm values from the Arc config data plane (healthCheck, then GetHelmSettings
        with the cluster as PUT: components/data_plane.py, scripts/helm_settings.sh), asked once the
        connected cluster and its gateway association exist, as the CLI asks after them. Its stdout
        is in state: it is asked again only when the request changes (the environment: an update),
        so an `up` that changes no part of the cluster's body changes no value. Not on a chart pin:
        the answer is the release train's (it names its own `repositoryPath`), and with
        self-upgrading agents a new pin must change nothing."""
        settings, args = self._args.settings, self._args
        cluster = self.connected_cluster
        protected = protected_settings(settings.proxy)

        def body(a: dict[str, Any]) -> str:
            identity = a["identity"]
            return data_plane.body_json(
                data_plane.request_body(
                    cluster_id=a["id"],
                    name=a["name"],
                    location=a["location"],
                    tags=a["tags"] or {},
                    principal_id=_field(identity, "principal_id"),
                    tenant_id=_field(identity, "tenant_id"),
                    properties=a["properties"],
                    protected=protected,
                )
            )

        request = pulumi.Output.all(
            id=cluster.id,
            name=cluster.name,
            identity=cluster.identity,
            location=self._location,
            tags=self._cluster_tags,
            properties=self._cluster_properties,
        ).apply(body)
        environment = scripts.helm_settings_environment(
            endpoint=config_data_plane(args.cloud, settings.location),
            aad_resource=args.cloud.aad_resource,
            body=request,
        )
        secret = any(settings.is_secret(key) for key in CLUSTER_BODY_KEYS)
        text = scripts.text("helm_settings")
        return command.local.Command(
            f"{self._prefix}-helm-settings",
            create=text,
            update=text,
            environment=pulumi.Output.secret(environment) if secret else environment,
            interpreter=list(scripts.INTERPRETER),
            # Its messages on stderr; stdout is the answer (no secret: placeholders only).
            logging=command.local.Logging.STDERR,
            opts=self._child(
                depends_on=[cluster, *([self.gateway] if self.gateway else [])],
                additional_secret_outputs=["stdout"] if secret else None,
            ),
        )

    def _cleanup(self) -> command.local.Command:
        """A delete-only step between the connected cluster and the release (it depends on the
        first, the second on it), so destroy runs it after helm has uninstalled the agents and
        before the ARM resource is deleted. It runs with the environment stored at its last create
        or update; a change of the script's text is an update of this Command, never a replacement."""
        return command.local.Command(
            f"{self._prefix}-cleanup",
            delete=scripts.text("cleanup"),
            environment=self._with_kubeconfig(
                scripts.cleanup_environment(
                    crd_suffix=self._args.cloud.suffix, namespaces=(AGENT_NAMESPACE, RELEASE_NAMESPACE)
                )
            ),
            interpreter=list(scripts.INTERPRETER),
            # The script prints only its own messages and kubectl's errors, on stderr.
            logging=command.local.Logging.STDERR,
            opts=self._child(depends_on=[self.connected_cluster]),
        )

    def _uninstall_guard(self) -> command.local.Command:
        """A delete-only step that depends on the release, so destroy runs it before helm uninstalls
        the agents: it refuses a cluster that is not this stack's (or a Cluster Connect proxy
        kubeconfig), then deletes the extensions the stack does not manage while the agents still
        run, and with agents.forceDelete force-deletes the connected cluster in ARM
        (components/scripts/delete_guard.sh). Runs with the environment stored at its last up."""
        settings = self._args.settings
        environment = self._with_kubeconfig(
            scripts.delete_guard_environment(
                subscription=self._args.subscription_id,
                resource_group=settings.resource_group,
                cluster_name=settings.cluster_name,
                agent_namespace=AGENT_NAMESPACE,
                release_name=RELEASE_NAME,
                release_namespace=RELEASE_NAMESPACE,
                managed_extensions=managed_extensions(settings),
                force_delete=settings.agents.force_delete,
            )
        )
        return command.local.Command(
            f"{self._prefix}-uninstall-guard",
            delete=scripts.text("delete_guard"),
            environment=environment,
            interpreter=list(scripts.INTERPRETER),
            logging=command.local.Logging.STDERR,
            opts=self._child(depends_on=[self.release]),
        )

    def _with_kubeconfig(self, values: Mapping[str, Any]) -> pulumi.Input[dict[str, Any]]:
        """A delete step's environment: its values and how kubectl reaches the cluster, all secret
        when that holds credentials (the kubeconfig)."""
        environment = {**values, **(kubectl_environment(self._args.settings.kube) or {})}
        has_credentials = self._args.settings.kube.path != IN_CLUSTER
        return pulumi.Output.secret(environment) if has_credentials else environment

    def _kubernetes_provider(self) -> k8s.Provider:
        """The kubernetes provider bound to the cluster's kubeconfig context."""
        settings = self._args.settings
        kube = settings.kube
        return k8s.Provider(
            f"{self._prefix}-k8s",
            # The file's contents, not its path, so the program runs the same on any machine;
            # a missing file (a warning at plan time) is passed as a path for the provider to report.
            # In-cluster: an empty kubeconfig, so the provider falls back to the pod's service
            # account (None would make the SDK read $KUBECONFIG instead).
            kubeconfig="" if kube.path == IN_CLUSTER else pulumi.Output.secret(kube.content or kube.path),
            context=self._secret_if("kubeContext")(kube.context) if kube.context else None,
            # Another machine's kubeconfig for the same cluster must not replace every resource.
            cluster_identifier=component_name(settings.resource_group, settings.cluster_name),
            # The agents' key namespace and Secret may exist already, rendered by an earlier release
            # (components/agent_key.py): adopt them instead of failing.
            upsert_existing_objects=True,
            opts=self._child(),
        )

    def _agent_key_secret(self, private_key_pem: pulumi.Output[str]) -> AgentKeySecret | None:
        """For charts from 1.35.3, the key as a Secret of its own, out of the release values
        (components/agent_key.py); None for older charts, which take it as a value."""
        if not agent_releases.key_in_secret(self._args.settings.agents.chart_version):
            return None
        return agent_key_secret(
            self._prefix,
            private_key_pem=private_key_pem,
            agent_namespace=AGENT_NAMESPACE,
            release_name=RELEASE_NAME,
            release_namespace=RELEASE_NAMESPACE,
            provider=self.provider,
            after=[self.connected_cluster],
            parent=self,
        )

    def _preflight(
        self, endpoints: Sequence[network.Endpoint], private_key_pem: pulumi.Output[str]
    ) -> Preflight | None:
        """The network preflight Job: what the agents will need from the network, checked in the cluster."""
        settings = self._args.settings
        if not (settings.preflight.enabled and network.documented(self._args.cloud.name)):
            return None
        # After nothing in Azure: the connected cluster waits for it instead.
        return Preflight(
            self._prefix,
            image=self._secret_if("preflight")(settings.preflight.image),
            targets=self._secret_if("location")(network.probe_targets(endpoints)),
            proxy=settings.proxy,
            # Keys the HMAC of the preflight's settings: any stable secret would do, and this one
            # is already in state. Local, so the preflight still waits for nothing in Azure.
            digest_key=private_key_pem,
            parent=self,
            provider=self.provider,
        )

    def _agents(self, private_key_pem: pulumi.Output[str]) -> k8s.helm.v3.Release:
        """The `azure-arc` Helm release of the agents."""
        settings, args = self._args.settings, self._args
        agents = self._secret_if("agents")
        custom_locations_oid = (
            self.custom_locations_lookup.stdout
            if self.custom_locations_lookup
            else settings.features.custom_locations_oid
        )
        explicit = agent_values(
            subscription_id=args.subscription_id,
            tenant_id=args.tenant_id,
            resource_group=args.resource_group_name,
            cluster_name=self.connected_cluster.name,
            location=self._location,
            distribution=self._distribution,
            infrastructure=self._infrastructure,
            cloud=args.cloud,
            private_key_pem=None if self.agent_key else private_key_pem,
            auto_upgrade=settings.agents.auto_upgrade,
            proxy=settings.proxy,
            features=settings.features,
            custom_locations_oid=custom_locations_oid,
        )
        values = with_data_plane(
            explicit,
            cli_after_values(settings.proxy, settings.features, custom_locations_oid),
            self.helm_settings.stdout,
            settings.proxy,
            warn=lambda message: pulumi.log.warn(f"{self._prefix}: {message}", resource=self),
        )
        return k8s.helm.v3.Release(
            f"{self._prefix}-agents",
            name=RELEASE_NAME,
            namespace=RELEASE_NAMESPACE,
            create_namespace=True,
            chart=agents(settings.agents.chart),
            version=agents(self._release_version()),
            timeout=agents(settings.agents.timeout_seconds),
            # A failed install is purged and a failed upgrade rolled back, so a failure never
            # leaves half-installed agents or a release Helm can no longer upgrade.
            atomic=True,
            cleanup_on_fail=True,
            values=values,
            opts=self._child(
                provider=self.provider,
                depends_on=[
                    self.connected_cluster,
                    self.cleanup,
                    *([self.preflight.job] if self.preflight else []),
                    # As the CLI, the agents are installed once the gateway is associated (and with
                    # the values the data plane gave after it).
                    *([self.gateway] if self.gateway else []),
                    self.helm_settings,
                    # As the CLI, the key's Secret exists before the install.
                    *([self.agent_key.secret] if self.agent_key else []),
                ],
                # Release name and namespace are fixed: create-before-delete would collide.
                delete_before_replace=True,
                # Its uninstall always runs the chart's hooks; agents.forceDelete uninstalls without
                # them, in the uninstall guard (delete_guard.sh step 5), as `delete --force` does.
                retain_on_delete=settings.agents.force_delete,
            ),
        )

    def _container_insights_bypass(self) -> command.local.Command | None:
        """Container Insights' proxy bypass in its ConfigMap, after the agents (and undone before
        they go), when `proxy.bypass` names it."""
        if BYPASS_CONTAINER_INSIGHTS not in self._args.settings.proxy.bypass:
            return None
        return container_insights_bypass(
            self._prefix, environment=self._with_kubeconfig({}), after=[self.release], parent=self
        )

    def _release_version(self) -> pulumi.Input[str]:
        """The release's chart version (release_version), once the pre-write check has read the
        running one from the cluster."""
        agents, check = self._args.settings.agents, self._args.pre_write_check
        if not agents.auto_upgrade or check is None:
            return agents.chart_version
        return check.apply(lambda answer: release_version(agents.chart_version, True, answer.agent_version))

    def _custom_locations_lookup(self) -> command.local.Command | None:
        """The Custom Locations RP's object id, looked up where Pulumi runs as the CLI's Graph lookup
        does, and preferred to `features.customLocationsOid`, which is the fallback when the lookup
        fails (azure-cli-extensions @ 0b4bb2eb, connectedk8s `custom.py` `get_custom_locations_oid`).
        Runs once, at create: the object id of a first-party app does not change."""
        features = self._args.settings.features
        if not features.custom_locations:
            return None
        return command.local.Command(
            f"{self._prefix}-custom-locations-oid",
            create=scripts.text("custom_locations_oid"),
            environment=self._secret_if("features")(
                scripts.custom_locations_environment(features.custom_locations_oid)
            ),
            interpreter=list(scripts.INTERPRETER),
            opts=self._child(),
        )

    def _oidc_issuer_url(self) -> pulumi.Output[Any] | None:
        """The OIDC issuer's URL, read back from ARM once the agents have settled (after the verify
        step, or the release without it): Azure fills it in only then, as the CLI's poll of the agent
        state shows (connectedk8s.md §4). Only with `oidcIssuer.enabled`."""
        if not self._args.settings.oidc.enabled:
            return None
        after = self.verify or self.release
        cluster = resources.get_resource_output(
            api_version=arm_body.CLUSTER_API_VERSION,
            resource_provider_namespace=arm_body.CLUSTER_NAMESPACE,
            resource_type=arm_body.CLUSTER_TYPE,
            parent_resource_path="",
            resource_group_name=self._args.resource_group_name,
            resource_name=self.connected_cluster.name,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[after]),
        )
        return cluster.properties.apply(arm_body.oidc_issuer_url)

    def _verify(self) -> command.local.Command | None:
        """Wait until ARM reports the cluster Connected, after each install or upgrade."""
        settings, args = self._args.settings, self._args
        if not settings.verify:
            return None
        # Triggers replace, which for a create-only command means "run again": on a new cluster (a
        # new id) or a new helm revision (install, upgrade, values, agents' self-upgrade). A replaced
        # cluster always comes with a new revision, since the values carry its key and location.
        # The script's text is no trigger: a new text is an update, which runs it once more.
        return command.local.Command(
            f"{self._prefix}-verify",
            create=scripts.text("verify"),
            environment=self._secret_if("agents")(
                scripts.verify_environment(
                    resource_group=args.resource_group_name,
                    cluster_name=self.connected_cluster.name,
                    subscription=args.subscription_id,
                    timeout_seconds=settings.agents.timeout_seconds,
                    agent_namespace=AGENT_NAMESPACE,
                    wait_for_agent_state=waits_for_agent_state(settings),
                )
            ),
            interpreter=list(scripts.INTERPRETER),
            triggers=[self.connected_cluster.id, self.release.status.revision],
            opts=self._child(depends_on=[self.release]),
        )

    def _gitops(self) -> ArcGitOps | None:
        """Flux, once the agents are in (and, with verify, connected): the extension manager that
        installs it is one of them."""
        gitops = self._args.settings.gitops
        if not gitops:
            return None
        return self._on_agents("gitops", ArcGitOps, gitops)

    def _policy(self) -> ArcPolicy | None:
        """Azure Policy, once the agents are in (and, with verify, connected), as for Flux, and its
        provider's registration."""
        policy = self._args.settings.policy
        if not policy.enabled:
            return None
        return self._on_agents("policy", ArcPolicy, policy, self._args.policy_depends_on)

    def _after_agents(self) -> list[pulumi.Resource]:
        """What every cluster extension waits for: the agents' release, and the verify step when on."""
        return [self.release, *([self.verify] if self.verify else [])]

    def _extensions(self) -> ArcExtensions | None:
        """The `extensions` items, once the agents are in (and, with verify, connected), as for Flux,
        and their providers' registrations."""
        extensions = self._args.settings.extensions
        if not extensions:
            return None
        return self._on_agents("extensions", ArcExtensions, extensions, self._args.policy_depends_on)

    def _on_agents(
        self,
        key: str,
        component: Callable[[str, ExtensionComponentArgs[S], pulumi.ResourceOptions], C],
        settings: S,
        registrations: Sequence[pulumi.Resource] = (),
    ) -> C:
        """`<cluster>-<key>`: the component of cluster extensions that config key `key` declares,
        after the agents (and `registrations`), secret when the key is."""
        return component(
            f"{self._prefix}-{key}",
            ExtensionComponentArgs(
                settings=settings,
                cluster_name=self.connected_cluster.name,
                cluster_id=self.connected_cluster.id,
                resource_group_name=self._args.resource_group_name,
                secret=self._args.settings.is_secret(key),
                protect=self._args.settings.protect,
                depends_on=[*self._after_agents(), *registrations],
            ),
            self._child(),
        )

    def outputs(self) -> dict[str, Any]:
        """What a stack exports per cluster."""
        return {
            "clusterId": self.cluster_id,
            "clusterName": self.cluster_name,
            "resourceGroup": self.resource_group,
            "agentNamespace": self.agent_namespace,
            "kubeContext": self.kube_context,
            "dataPlaneEndpoint": self.data_plane_endpoint,
            "requiredEndpoints": self.required_endpoints,
            **({"oidcIssuerUrl": self.oidc_issuer_url} if self.oidc_issuer_url is not None else {}),
        }


def waits_for_agent_state(settings: ClusterSettings) -> bool:
    """Whether verify waits for `arcAgentProfile.agentState` after Connected: as the CLI polls it
    after connect, with workload identity or with the OIDC issuer and no self-hosted issuer
    (azure-cli-extensions @ 0b4bb2eb, connectedk8s custom.py create_connectedk8s, poll_for_agent_state)."""
    oidc = settings.oidc
    return oidc.workload_identity or (oidc.enabled and oidc.self_hosted_issuer_url is None)


def _field(value: Any, name: str) -> str:
    """A field of an output object: the SDK's output type, or the map it resolves to inside an
    `Output.all` (snake_case keys)."""
    found = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
    return found if isinstance(found, str) else ""


def _unknown() -> pulumi.Output[str]:
    """A value known only at `pulumi up`: an adopted key the offline plan could not decrypt."""
    return pulumi.Output.from_input(pulumi.UNKNOWN)  # type: ignore[arg-type]
