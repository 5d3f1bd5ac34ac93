"""The Arc gateway association of one connected cluster, and how it is undone.

`az connectedk8s connect --gateway-resource-id` PUTs the gateway's id to
`.../connectedClusters/NAME/providers/Microsoft.HybridCompute/settings/default`, and
`update --disable-gateway` PUTs it again with a null id (azure-cli-extensions @ 0b4bb2eb,
connectedk8s `custom.py` `create_connectedk8s`, `update_connected_cluster`; `_utils.py`
`update_gateway_cluster_link`). That settings type has Get, Put and Patch, no DELETE (swagger
2025-02-19-preview), so a DELETE from Pulumi would fail half-way through a destroy. The association
is therefore retained on delete, and a delete-only Command beside it clears it the CLI's way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_command as command
from pulumi_azure_native import resources

from . import arm_body, scripts


@dataclass(frozen=True)
class GatewayAssociation:
    settings: resources.Resource
    unlink: command.local.Command


def gateway_association(
    prefix: str,
    *,
    gateway_resource_id: Any,
    cluster: resources.Resource,
    cluster_name: str,
    resource_group_name: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> GatewayAssociation:
    """The association (`<prefix>-gateway`, after the connected cluster) and its unlink step
    (`<prefix>-gateway-unlink`, which depends on it, so a removal or destroy runs it while the
    connected cluster still exists)."""
    settings = resources.Resource(
        f"{prefix}-gateway",
        api_version=arm_body.GATEWAY_SETTINGS_API_VERSION,
        resource_provider_namespace=arm_body.CLUSTER_NAMESPACE,
        parent_resource_path=arm_body.gateway_settings_parent(cluster_name),
        resource_type=arm_body.GATEWAY_SETTINGS_TYPE,
        resource_name_=arm_body.GATEWAY_SETTINGS_NAME,
        resource_group_name=resource_group_name,
        properties=arm_body.gateway_settings_properties(gateway_resource_id),
        # No DELETE exists for this type: Pulumi forgets it, the unlink step clears it.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[cluster], retain_on_delete=True),
    )
    unlink = command.local.Command(
        f"{prefix}-gateway-unlink",
        delete=scripts.text("gateway_unlink"),
        environment=scripts.gateway_unlink_environment(
            subscription=subscription_id,
            resource_group=resource_group_name,
            cluster_name=cluster_name,
            api_version=arm_body.GATEWAY_SETTINGS_API_VERSION,
        ),
        interpreter=list(scripts.INTERPRETER),
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[settings]),
    )
    return GatewayAssociation(settings=settings, unlink=unlink)
