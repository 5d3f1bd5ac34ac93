"""`ArcPolicy`: Azure Policy on a connected cluster, the article's other next step (docs/policy.md).

Declares what `az k8s-extension create --extension-type Microsoft.PolicyInsights --name azurepolicy`
does, then one policy assignment per `policy.assignments` item, scoped to the connected cluster.
The extension waits for the agents (their release, and the verify step when on) and for the
Microsoft.PolicyInsights registration; every assignment waits for the extension. Destroy runs the
other way round: the assignments, then the extension, while the agents still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native import kubernetesconfiguration as kc

from .agent_values import keep_secret
from .arc_extensions import ExtensionComponentArgs, extension_options
from .policy import PolicySettings
from .policy_args import assignment_args, extension_args

COMPONENT_TYPE = "arc-onboarding:index:ArcPolicy"
# What a secret `policy` keeps secret. Not the assignment's name: it is in the URN as well.
_SECRET_EXTENSION_ARGS = ("auto_upgrade_minor_version", "version")
_SECRET_ASSIGNMENT_ARGS = ("policy_definition_id", "enforcement_mode", "parameters", "display_name")


ArcPolicyArgs = ExtensionComponentArgs[PolicySettings]


class ArcPolicy(pulumi.ComponentResource):
    extension: kc.Extension
    assignments: list[authorization.PolicyAssignment]

    def __init__(self, name: str, args: ArcPolicyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        wrap = keep_secret(args.secret)

        def secret(values: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
            return {k: wrap(v) if k in keys and v is not None else v for k, v in values.items()}

        self.extension = kc.Extension(
            f"{name}-extension",
            **secret(
                extension_args(args.settings, args.cluster_name, args.resource_group_name), _SECRET_EXTENSION_ARGS
            ),
            opts=extension_options(self, args.depends_on, args.protect),
        )
        self.assignments = [
            authorization.PolicyAssignment(
                f"{name}-{assignment.name}",
                **secret(assignment_args(assignment, args.cluster_id), _SECRET_ASSIGNMENT_ARGS),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[self.extension],
                    delete_before_replace=True,
                    protect=args.protect,
                ),
            )
            for assignment in args.settings.assignments
        ]
        self.register_outputs({})
