"""Converting a connected cluster the multicloud connector created in ARM without agents.

The multicloud connector (Azure Arc's connector for AWS and GCP) creates
`Microsoft.Kubernetes/connectedClusters` resources for the clusters it inventories, with no agent
key, `identity: None`, a `kind` of `AWS` or `GCP` and `connectivityStatus: AgentNotInstalled`
(Azure/azure-rest-api-specs, Microsoft.Kubernetes 2024-12-01-preview
`examples/CreateClusterAgentless_KindAWSExample.json` @ ecee9191; the stable 2026-05-01 swagger,
tests/fixtures/connectedClusters-2026-05-01.json, has `AgentNotInstalled` among connectivityStatus
values and `kind` modelled as a string). `az connectedk8s connect` treats such a resource as absent
(custom.py `connected_cluster_exists`, 1.11.2+) and its fresh onboarding converts it: the PUT of the
full body with the new key replaces the connector's body, then the agents are installed
(`create_connectedk8s`, azure-cli-extensions @ 0b4bb2eb).

azure-native's create refuses an existing resource ("cannot create already existing resource",
pulumi-azure-native provider/pkg/provider/provider.go `defaultCreate` -> crud `CanCreate`), so the
program converts in two steps of one `up`, when the pre-write check found such a resource
(agentless.sh's listing, read at program time, once per run):
1. `<cluster>-convert`, a Command whose create PUTs the connected cluster's own body (the same
   location, identity, properties and tags the connected cluster declares) over the connector's,
   after the pre-write check and the network preflight, as the CLI's PUT follows its checks; it
   refuses when the resource is no longer AgentNotInstalled (taken over since the check);
2. the connected cluster with the `import` option, depending on that Command: the engine imports the
   resource as the PUT left it, so it is this stack's from then on, and destroy deletes it.
The import compares what ARM holds with the declared inputs and fails on a difference; `apiVersion` is
not in what azure-native reads back for an import (the engine tier's stand-in shows it; docs/
troubleshooting.md), so it is ignored for that one `up`; the next `up` PUTs the same body once to
record it. A preview, which runs no Command, warns that the import would not match: it compares with
the connector's body, which only the conversion's PUT replaces.

The connector's `kind` is not sent back, as the CLI's body has none; that ARM then drops it (a PUT
replaces the body) is what the stand-in assumes, as no public source says what the service keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_command as command

from . import arm_body, scripts

# How long the conversion's PUT may take before the step fails (the CLI polls the LRO with no cap).
TIMEOUT_SECONDS = 600


def cluster_id(subscription_id: str, resource_group: str, cluster_name: str) -> str:
    """The connected cluster's ARM id, as the import takes it."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
        f"{arm_body.CLUSTER_NAMESPACE}/{arm_body.CLUSTER_TYPE}/{cluster_name}"
    )


def conversion(
    prefix: str,
    *,
    cluster: pulumi.Input[str],
    body: Mapping[str, Any],
    after: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
) -> command.local.Command:
    """`<prefix>-convert`: the PUT over the connector's resource (create only: nothing runs when it
    leaves the program on the next `up`, or at destroy). `body`: the connected cluster's location,
    identity, properties and tags, as it declares them (Outputs inside keep their secrecy)."""
    return command.local.Command(
        f"{prefix}-convert",
        create=scripts.text("convert"),
        environment=scripts.convert_environment(
            cluster_id=cluster,
            api_version=arm_body.CLUSTER_API_VERSION,
            body=pulumi.Output.json_dumps(dict(body)),
            timeout_seconds=TIMEOUT_SECONDS,
        ),
        interpreter=list(scripts.INTERPRETER),
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after)),
    )
