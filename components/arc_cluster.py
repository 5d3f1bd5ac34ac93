"""`ArcConnectedCluster`: one Kubernetes cluster connected to Azure Arc.

Declares what `az connectedk8s connect` does for one cluster: the agent key pair, the ARM
`Microsoft.Kubernetes/connectedClusters` resource, and the `azure-arc` Helm release of the agents,
installed through a kubernetes provider bound to the cluster's kubeconfig context; before the
release, the network preflight Job (components/preflight.py) checks what the agents will need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pulumi
import pulumi_command as command
import pulumi_kubernetes as k8s
import pulumi_tls as tls
from pulumi_azure_native import kubernetes as arc

from . import network, scripts
from .agent_values import agent_values, keep_secret
from .clouds import Cloud, config_data_plane
from .flux import ArcGitOps, ArcGitOpsArgs
from .keys import KeyFormatError, pkcs1_public_key_b64
from .preflight import Preflight
from .settings import IN_CLUSTER, ClusterSettings, KubeTarget, component_name

COMPONENT_TYPE = "arc-onboarding:index:ArcConnectedCluster"
RELEASE_NAME = "azure-arc"
RELEASE_NAMESPACE = "azure-arc-release"
AGENT_NAMESPACE = "azure-arc"  # created by the chart itself


class KeyConversionError(pulumi.RunError):
    """The agent key's public half could not be put in the form ARM expects."""


def agent_public_key(key_name: str) -> Callable[[str], str]:
    """The apply callback converting the key's PEM; a failure names the key and what to do."""

    def convert(public_key_pem: str) -> str:
        try:
            return pkcs1_public_key_b64(public_key_pem)
        except Exception as error:  # noqa: BLE001 - one message instead of an SDK traceback
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


def release_ignore_changes(auto_upgrade: bool) -> list[str]:
    """Self-upgrading agents move the release's chart version; the pin must not pull them back."""
    return ["version"] if auto_upgrade else []


@dataclass(frozen=True)
class ArcConnectedClusterArgs:
    settings: ClusterSettings
    cloud: Cloud
    resource_group_name: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    # The connected cluster waits for these (the provider registrations, its group's delete guard).
    depends_on: Sequence[pulumi.Resource] = ()


class ArcConnectedCluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    resource_group: pulumi.Output[str]
    key: tls.PrivateKey | None  # None when the onboarding was adopted with its own key
    agent_namespace: str
    kube_context: pulumi.Input[str] | None
    gitops: ArcGitOps | None
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
        settings = args.settings

        def secret_if(key: str) -> Callable[[Any], Any]:
            return keep_secret(settings.is_secret(key))

        private_key_pem, public_key = self._agent_key(name, settings)

        location = secret_if("location")(settings.location)
        distribution = secret_if("distribution")(settings.distribution)
        infrastructure = secret_if("infrastructure")(settings.infrastructure)
        self.connected_cluster = arc.ConnectedCluster(
            f"{name}-cluster",
            cluster_name=settings.cluster_name,
            resource_group_name=args.resource_group_name,
            location=location,
            identity=arc.ConnectedClusterIdentityArgs(type=arc.ResourceIdentityType.SYSTEM_ASSIGNED),
            agent_public_key_certificate=public_key,
            distribution=distribution,
            infrastructure=infrastructure,
            **self._private_link(settings),
            arc_agent_profile=arc.ArcAgentProfileArgs(
                agent_auto_upgrade=(
                    arc.AutoUpgradeOptions.ENABLED
                    if settings.agents.auto_upgrade
                    else arc.AutoUpgradeOptions.DISABLED
                ),
            ),
            tags=secret_if("tags")(dict(settings.tags)),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                # The ARM name is fixed, so a replacement must delete the old resource first.
                delete_before_replace=True,
                # ARM cannot change these in place: location is create-only, and the key is the
                # onboarding's identity (not patchable; the CLI re-keys only by reconnecting).
                replace_on_changes=["agentPublicKeyCertificate", "location"],
                protect=settings.protect,
            ),
        )

        kube = settings.kube
        # A delete-only step between the connected cluster and the release (it depends on the
        # first, the second on it), so destroy runs it after helm has uninstalled the agents and
        # before the ARM resource is deleted. It runs with the environment stored at its last
        # create or update.
        environment = kubectl_environment(kube)
        self.cleanup = command.local.Command(
            f"{name}-cleanup",
            delete=scripts.cleanup_script(
                crd_suffix=args.cloud.suffix, namespaces=(AGENT_NAMESPACE, RELEASE_NAMESPACE)
            ),
            environment=pulumi.Output.secret(environment) if environment is not None else None,
            interpreter=list(scripts.INTERPRETER),
            # The script prints only its own messages and kubectl's errors, on stderr.
            logging=command.local.Logging.STDERR,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.connected_cluster]),
        )

        self.provider = k8s.Provider(
            f"{name}-k8s",
            # The file's contents, not its path, so the program runs the same on any machine;
            # a missing file (a warning at plan time) is passed as a path for the provider to report.
            # In-cluster: an empty kubeconfig, so the provider falls back to the pod's service
            # account (None would make the SDK read $KUBECONFIG instead).
            kubeconfig="" if kube.path == IN_CLUSTER else pulumi.Output.secret(kube.content or kube.path),
            context=secret_if("kubeContext")(kube.context) if kube.context else None,
            # Another machine's kubeconfig for the same cluster must not replace every resource.
            cluster_identifier=component_name(settings.resource_group, settings.cluster_name),
            opts=pulumi.ResourceOptions(parent=self),
        )

        # What the agents will need from the network (components/network.py), for this cluster.
        endpoints = network.required_endpoints(args.cloud.name, settings.location, settings.network_conditions)
        self.required_endpoints = secret_if("location")([e.as_json() for e in endpoints])
        self.preflight = None
        if settings.preflight.enabled and network.documented(args.cloud.name):
            # Not after anything in Azure: it runs while the ARM side is created.
            self.preflight = Preflight(
                name,
                image=secret_if("preflight")(settings.preflight.image),
                targets=secret_if("location")(network.probe_targets(endpoints)),
                proxy=settings.proxy,
                # Keys the HMAC of the preflight's settings: any stable secret would do, and this one
                # is already in state. Local, so the preflight still waits for nothing in Azure.
                digest_key=private_key_pem,
                parent=self,
                provider=self.provider,
            )

        agents = secret_if("agents")
        self.release = k8s.helm.v3.Release(
            f"{name}-agents",
            name=RELEASE_NAME,
            namespace=RELEASE_NAMESPACE,
            create_namespace=True,
            chart=agents(settings.agents.chart),
            version=agents(settings.agents.chart_version),
            timeout=agents(settings.agents.timeout_seconds),
            # A failed install is purged and a failed upgrade rolled back, so a failure never
            # leaves half-installed agents or a release Helm can no longer upgrade.
            atomic=True,
            cleanup_on_fail=True,
            values=agent_values(
                subscription_id=args.subscription_id,
                tenant_id=args.tenant_id,
                resource_group=args.resource_group_name,
                cluster_name=self.connected_cluster.name,
                location=location,
                distribution=distribution,
                infrastructure=infrastructure,
                cloud=args.cloud,
                private_key_pem=private_key_pem,
                auto_upgrade=settings.agents.auto_upgrade,
                proxy=settings.proxy,
                features=settings.features,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=self.provider,
                depends_on=[self.connected_cluster, self.cleanup, *([self.preflight.job] if self.preflight else [])],
                # Release name and namespace are fixed: create-before-delete would collide.
                delete_before_replace=True,
                ignore_changes=release_ignore_changes(settings.agents.auto_upgrade),
            ),
        )

        self.verify: command.local.Command | None = None
        if settings.verify:
            # Triggers replace, which for a create-only command means "run again": on a new
            # cluster (a new id) or a new helm revision (install, upgrade, values, agents'
            # self-upgrade). A replaced cluster always comes with a new revision, since the
            # values carry its key and location.
            self.verify = command.local.Command(
                f"{name}-verify",
                create=agents(
                    pulumi.Output.all(
                        args.resource_group_name, self.connected_cluster.name, args.subscription_id
                    ).apply(
                        lambda parts: scripts.verify_script(
                            resource_group=parts[0],
                            cluster_name=parts[1],
                            subscription=parts[2],
                            timeout_seconds=settings.agents.timeout_seconds,
                            agent_namespace=AGENT_NAMESPACE,
                        )
                    )
                ),
                interpreter=list(scripts.INTERPRETER),
                triggers=[self.connected_cluster.id, self.release.status.revision],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release]),
            )

        # Flux goes on once the agents are in (and, with verify, connected): the extension manager
        # that installs it is one of them.
        self.gitops = (
            ArcGitOps(
                f"{name}-gitops",
                ArcGitOpsArgs(
                    settings=settings.gitops,
                    cluster_name=self.connected_cluster.name,
                    resource_group_name=args.resource_group_name,
                    secret=settings.is_secret("gitops"),
                    depends_on=[self.release, *([self.verify] if self.verify else [])],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if settings.gitops
            else None
        )

        self.cluster_id = self.connected_cluster.id
        self.cluster_name = self.connected_cluster.name
        self.resource_group = pulumi.Output.from_input(args.resource_group_name)
        self.agent_namespace = AGENT_NAMESPACE
        self.kube_context = secret_if("kubeContext")(kube.context)
        self.data_plane_endpoint = secret_if("location")(config_data_plane(args.cloud, settings.location))
        self.register_outputs(self.outputs())

    def _agent_key(self, name: str, settings: ClusterSettings) -> tuple[pulumi.Output[str], pulumi.Input[str]]:
        """(private key PEM as a secret, public key as ARM wants it): generated, or adopted."""
        agents = settings.agents
        if agents.private_key_pem is not None:
            # Adopted: the agents keep the key they were onboarded with; no key resource.
            self.key = None
            public = agents.public_key if agents.public_key is not None else _unknown()
            return pulumi.Output.secret(agents.private_key_pem), public
        self.key = tls.PrivateKey(
            f"{name}-key",
            algorithm="RSA",
            rsa_bits=4096,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The provider marks it secret in state; wrapping says so to every consumer too.
        return pulumi.Output.secret(self.key.private_key_pem), self.key.public_key_pem.apply(agent_public_key(f"{name}-key"))

    @staticmethod
    def _private_link(settings: ClusterSettings) -> dict[str, Any]:
        """ConnectedCluster inputs; none without private link (the SDK's default is Disabled)."""
        if settings.private_link_scope_id is None:
            return {}
        return {
            "private_link_state": arc.PrivateLinkState.ENABLED,
            "private_link_scope_resource_id": keep_secret(settings.is_secret("privateLink"))(
                settings.private_link_scope_id
            ),
        }

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
        }


def _unknown() -> pulumi.Output[str]:
    """A value known only at `pulumi up`: an adopted key the offline plan could not decrypt."""
    return pulumi.Output.from_input(pulumi.UNKNOWN)  # type: ignore[arg-type]
