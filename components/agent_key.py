"""The agents' private key as the Secret `azure-arc/azure-arc-connect-privatekey`, for charts from 1.35.3.

From agents 1.35.3 the CLI creates the `azure-arc` namespace and that Secret, both with Helm's adoption
metadata, before `helm upgrade --install`, and leaves `global.onboardingPrivateKey` out of the values,
so the key is not copied into every Helm release revision (azure-cli-extensions @ 0b4bb2eb, connectedk8s
`custom.py` `create_connectedk8s`, `_utils.py` `inject_onboarding_private_key_secret`; agent-versions.md
§3). Older charts always render the Secret from the value, so they keep it (agent_releases.key_in_secret).

Both objects may exist already: a stack, or a CLI onboarding adopted with `agents.privateKey`, whose
release rendered the Secret from the value has both. The cluster's kubernetes provider therefore
adopts what exists (`upsertExistingObjects`, components/arc_cluster.py). The Secret carries `helm.sh/resource-policy: keep`: the first upgrade without
the value drops it from the release's manifest, and Helm then skips deleting a live object with that
annotation (helm/helm `pkg/kube/client.go` `Update`), so the agents never lose their key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

SECRET_NAME = "azure-arc-connect-privatekey"  # noqa: S105  # a Secret's name, not a password


def adoption_metadata(release_name: str, release_namespace: str) -> dict[str, dict[str, str]]:
    """Helm's ownership marks (what `helm install` checks before it adopts an existing object)."""
    return {
        "labels": {"app.kubernetes.io/managed-by": "Helm"},
        "annotations": {
            "meta.helm.sh/release-name": release_name,
            "meta.helm.sh/release-namespace": release_namespace,
        },
    }


@dataclass(frozen=True)
class AgentKeySecret:
    namespace: k8s.core.v1.Namespace
    secret: k8s.core.v1.Secret


def agent_key_secret(
    prefix: str,
    *,
    private_key_pem: pulumi.Output[str],
    agent_namespace: str,
    release_name: str,
    release_namespace: str,
    provider: k8s.Provider,
    after: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
) -> AgentKeySecret:
    """The namespace and the Secret (`<prefix>-agent-key-ns`, `<prefix>-agent-key`), through the
    release's provider, after `after`: the connected cluster, written only once the pre-write check
    found no other onboarding on the cluster, whose key an adopting write would overwrite (the CLI
    too writes the Secret after the cluster's PUT)."""
    marks = adoption_metadata(release_name, release_namespace)
    namespace = k8s.core.v1.Namespace(
        f"{prefix}-agent-key-ns",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=agent_namespace, labels=marks["labels"], annotations=marks["annotations"]
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(after)),
    )
    secret = k8s.core.v1.Secret(
        f"{prefix}-agent-key",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=SECRET_NAME,
            namespace=namespace.metadata.name,
            labels=marks["labels"],
            annotations={**marks["annotations"], "helm.sh/resource-policy": "keep"},
        ),
        type="Opaque",
        string_data={"privateKey": private_key_pem},
        # The SDK already marks `data` and `stringData` secret outputs; the key is a secret input too.
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
    return AgentKeySecret(namespace=namespace, secret=secret)
