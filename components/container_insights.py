"""Container Insights' proxy bypass: `proxy.bypass: [Microsoft.AzureMonitor.Containers]`.

As `az connectedk8s connect --add-proxy-bypass Microsoft.AzureMonitor.Containers` (CLI 1.11.4+;
azure-cli-extensions @ 0b4bb2eb, connectedk8s `_containerinsightsutils.py`, called from `custom.py`
`create_connectedk8s`, `update_connected_cluster` and `delete_connectedk8s`): `ignore_proxy_settings
= "true"` under `[agent_settings.proxy_config]` in the `agent-settings` value of ConfigMap
`kube-system/container-azm-ms-agentconfig`, which the Container Insights agent (ama-logs) reads
instead of the Arc agents' proxy settings; undone when the entry leaves `proxy.bypass` and at
destroy, as the CLI's `--clear-proxy-bypass` and `delete` undo it, only where the CLI's annotation
`connectedk8s.arc.azure.com/proxy-bypass` shows the tool added it.

Why a script (components/scripts/ci_proxy_bypass.sh in a `command:local:Command`) and not a
pulumi-kubernetes ConfigMap, or a ConfigMapPatch applied server-side under a field manager: none of
them can say what the CLI does.
- The setting is one line inside one string value (`agent-settings`, TOML) whose other lines are the
  user's or Container Insights'. Server-side apply owns a map value whole: a Patch would write the
  entire `agent-settings` (dropping the others' lines, or conflicting with their manager), and its
  delete would remove the whole value; a ConfigMap resource would own, and at destroy delete, the
  whole ConfigMap, which Container Insights configures.
- What is written depends on what is there: the CLI stamps its ownership record only when it changed
  something (a bypass already on stays the user's and is never undone), and withdraws the bypass by
  setting the line to "false", not by removing it. A declarative resource states one value whatever
  the live object holds.
The script reads the live object and edits it as the CLI does (read, edit, write back with the
resourceVersion read), so the CLI and this program undo each other's bypass the same way.

Order: the step waits for the agents' release, so on `up` it runs once the pre-write check has found
no other onboarding on the cluster and the agents are in (a failed install leaves nothing to roll
back, where the CLI undoes its bypass), and on destroy it runs before the agents and the connected
cluster go, as the CLI's `delete` undoes the bypass "before anything is deleted".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_command as command

from . import scripts


def container_insights_bypass(
    prefix: str,
    *,
    environment: pulumi.Input[Mapping[str, Any]] | None,
    after: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
) -> command.local.Command:
    """`<prefix>-ci-proxy-bypass`: the bypass on at create (and at an update, when the kubeconfig
    changes: the CLI's ensure changes nothing when it is on already), off at delete.
    `environment`: how kubectl reaches the cluster (arc_cluster.kubectl_environment), secret."""
    return command.local.Command(
        f"{prefix}-ci-proxy-bypass",
        create=scripts.ci_proxy_bypass_text("add"),
        delete=scripts.ci_proxy_bypass_text("remove"),
        environment=environment,
        interpreter=list(scripts.INTERPRETER),
        # The script prints only its own messages and kubectl's errors, on stderr.
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after)),
    )
