"""The Arc gateway association of one connected cluster, and how it is undone.

`az connectedk8s connect --gateway-resource-id` PUTs the gateway's id to
`.../connectedClusters/NAME/providers/Microsoft.HybridCompute/settings/default`, and
`update --disable-gateway` PUTs it again with a null id (azure-cli-extensions @ 0b4bb2eb,
connectedk8s `custom.py` `create_connectedk8s`, `update_connected_cluster`; `_utils.py`
`update_gateway_cluster_link`). That settings type has Get, Put and Patch, no DELETE (swagger
2025-02-19-preview): a setting once written stays. So the association is a Command whose create
and update PUT the id and whose delete PUTs a null one, as the CLI does; azure-native's generic
resource would DELETE it on removal (failing half-way through a destroy) and refuse to create it
again after (its create checks that nothing exists: "cannot create already existing resource").
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_command as command
from pulumi_azure_native import resources

from . import arm_body, scripts


def gateway_association(
    prefix: str,
    *,
    gateway_resource_id: Any,
    cluster: resources.Resource,
    cluster_name: str,
    resource_group_name: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    secret: bool,
    parent: pulumi.Resource,
) -> command.local.Command:
    """`<prefix>-gateway`, after the connected cluster (so a removal or destroy clears it while the
    cluster still exists)."""
    environment = scripts.gateway_environment(
        subscription=subscription_id,
        resource_group=resource_group_name,
        cluster_name=cluster_name,
        api_version=arm_body.GATEWAY_SETTINGS_API_VERSION,
        gateway_id=gateway_resource_id,
    )
    link = scripts.text("gateway_link")
    return command.local.Command(
        f"{prefix}-gateway-link",
        create=link,
        update=link,
        delete=scripts.text("gateway_unlink"),
        environment=pulumi.Output.secret(environment) if secret else environment,
        interpreter=list(scripts.INTERPRETER),
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[cluster]),
    )
