"""`ArcConnectedCluster`: one Kubernetes cluster connected to Azure Arc.

Declares what `az connectedk8s connect` does for one cluster: the agent key pair, the ARM
`Microsoft.Kubernetes/connectedClusters` resource, and the `azure-arc` Helm release of the agents,
installed through a kubernetes provider bound to the cluster's kubeconfig context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls
from pulumi_azure_native import kubernetes as arc

from .agent_values import agent_values, keep_secret
from .clouds import Cloud
from .keys import KeyFormatError, pkcs1_public_key_b64
from .settings import IN_CLUSTER, ClusterSettings

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


def component_name(resource_group: str, cluster_name: str) -> str:
    """Logical name: ARM compares both names case-insensitively, and neither may contain '/'."""
    return f"{resource_group}/{cluster_name}".lower()


@dataclass(frozen=True)
class ArcConnectedClusterArgs:
    settings: ClusterSettings
    cloud: Cloud
    resource_group_name: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    # The connected cluster waits for these (the provider registrations).
    depends_on: Sequence[pulumi.Resource] = ()


class ArcConnectedCluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    resource_group: pulumi.Output[str]
    agent_namespace: str
    kube_context: pulumi.Input[str] | None

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

        self.key = tls.PrivateKey(
            f"{name}-key",
            algorithm="RSA",
            rsa_bits=4096,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The provider marks it secret in state; wrapping says so to every consumer too.
        private_key_pem = pulumi.Output.secret(self.key.private_key_pem)

        location = secret_if("location")(settings.location)
        distribution = secret_if("distribution")(settings.distribution)
        infrastructure = secret_if("infrastructure")(settings.infrastructure)
        self.connected_cluster = arc.ConnectedCluster(
            f"{name}-cluster",
            cluster_name=settings.cluster_name,
            resource_group_name=args.resource_group_name,
            location=location,
            identity=arc.ConnectedClusterIdentityArgs(type=arc.ResourceIdentityType.SYSTEM_ASSIGNED),
            agent_public_key_certificate=self.key.public_key_pem.apply(agent_public_key(f"{name}-key")),
            distribution=distribution,
            infrastructure=infrastructure,
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
            ),
        )

        kube = settings.kube
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

        agents = secret_if("agents")
        self.release = k8s.helm.v3.Release(
            f"{name}-agents",
            name=RELEASE_NAME,
            namespace=RELEASE_NAMESPACE,
            create_namespace=True,
            chart=agents(settings.agents.chart),
            version=agents(settings.agents.chart_version),
            timeout=agents(settings.agents.timeout_seconds),
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
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=self.provider,
                depends_on=[self.connected_cluster],
                # Release name and namespace are fixed: create-before-delete would collide.
                delete_before_replace=True,
            ),
        )

        self.cluster_id = self.connected_cluster.id
        self.cluster_name = self.connected_cluster.name
        self.resource_group = pulumi.Output.from_input(args.resource_group_name)
        self.agent_namespace = AGENT_NAMESPACE
        self.kube_context = secret_if("kubeContext")(kube.context)
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Input[str] | None]:
        """What a stack exports per cluster."""
        return {
            "clusterId": self.cluster_id,
            "clusterName": self.cluster_name,
            "resourceGroup": self.resource_group,
            "agentNamespace": self.agent_namespace,
            "kubeContext": self.kube_context,
        }
