"""`ArcExtensions`: a connected cluster's `extensions` items (docs/extensions.md).

Declares what `az k8s-extension create` does for each item: the `Microsoft.KubernetesConfiguration`
extension (components/extensions.py), and for the types that need them, the workspace lookups and
the resources the CLI makes beside it (Container Insights: a data collection rule and its
association with the cluster). Every extension waits for the agents (their release, and the verify
step when on) and its providers' registrations; destroy deletes them while the agents still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pulumi
from pulumi_azure_native import kubernetesconfiguration as kc
from pulumi_azure_native import monitor, operationalinsights

from . import extension_catalog as catalog
from .agent_values import keep_secret
from .extensions import (
    ExtensionSettings,
    data_collection_rule_args,
    extension_args,
    looked_up_protected,
    workspace_of,
)

COMPONENT_TYPE = "arc-onboarding:index:ArcExtensions"


def extension_options(
    parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource], protect: bool
) -> pulumi.ResourceOptions:
    """The options every extension resource of the program takes, Flux's and Policy's included."""
    return pulumi.ResourceOptions(
        parent=parent,
        depends_on=list(depends_on),
        # Fixed ARM names: a replacement must delete the old one first.
        delete_before_replace=True,
        # ARM updates only what `patchExtension` holds (extension_catalog.UPDATABLE); a change of the
        # type, scope, identity or plan is a new extension.
        replace_on_changes=list(catalog.REPLACE_ON_CHANGES),
        protect=protect,
    )


Settings = TypeVar("Settings")


@dataclass(frozen=True)
class ExtensionComponentArgs(Generic[Settings]):
    """What each component made of cluster extensions takes (ArcGitOps, ArcPolicy, ArcExtensions):
    its settings, the connected cluster it is on, and what it waits for."""

    settings: Settings
    # The connected cluster's ARM name and id (its outputs, so everything here waits for it).
    cluster_name: pulumi.Input[str]
    cluster_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    # The component's key (`gitops`, `policy`, `extensions`) was set as a secret: its values stay
    # secret (for `extensions`, the workspace lookups' answers too).
    secret: bool = False
    protect: bool = False
    # The agents (release, verify step) and the providers' registrations.
    depends_on: Sequence[pulumi.Resource] = ()


ArcExtensionsArgs = ExtensionComponentArgs[tuple[ExtensionSettings, ...]]


class ArcExtensions(pulumi.ComponentResource):
    extensions: dict[str, kc.Extension]
    data_collection_rules: dict[str, monitor.DataCollectionRule]
    associations: dict[str, monitor.DataCollectionRuleAssociation]

    def __init__(self, name: str, args: ArcExtensionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._prefix, self._args = name, args
        self.extensions, self.data_collection_rules, self.associations = {}, {}, {}
        for extension in args.settings:
            self.extensions[extension.name] = self._extension(extension)
        self.register_outputs({})

    def _extension(self, extension: ExtensionSettings) -> kc.Extension:
        args = self._args
        child = f"{self._prefix}-{extension.name}"
        protected: dict[str, Any] = {k: pulumi.Output.secret(v) for k, v in extension.protected.items()}
        before: list[pulumi.Resource] = list(args.depends_on)
        workspace = workspace_of(extension)
        if workspace is not None:
            lookup = operationalinsights.get_workspace_output(
                resource_group_name=workspace.resource_group,
                workspace_name=workspace.name,
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            shared_key = None
            if extension.type == catalog.DEFENDER_TYPE:
                shared_key = operationalinsights.get_shared_keys_output(
                    resource_group_name=workspace.resource_group,
                    workspace_name=workspace.name,
                    opts=pulumi.InvokeOutputOptions(parent=self),
                ).primary_shared_key
            derived = looked_up_protected(extension, lookup.customer_id, shared_key)
            protected.update({k: pulumi.Output.secret(v) for k, v in derived.items()})
            if extension.type == catalog.CONTAINER_INSIGHTS_TYPE:
                before.append(self._data_collection(extension, child, lookup))
        wrap = keep_secret(args.secret)
        return kc.Extension(
            child,
            **extension_args(extension, args.cluster_name, args.resource_group_name),
            configuration_protected_settings=wrap(protected) if protected else None,
            opts=extension_options(self, before, args.protect),
        )

    def _data_collection(
        self, extension: ExtensionSettings, child: str, workspace: pulumi.Output[Any]
    ) -> monitor.DataCollectionRuleAssociation:
        """The rule and association the CLI PUTs before the extension (Container Insights with managed
        identity); the association is deleted after the extension, as the CLI's Delete does."""
        args = self._args
        workspace_id = extension.settings[catalog.WORKSPACE_SETTING]
        rule = monitor.DataCollectionRule(
            f"{child}-dcr",
            data_collection_rule_name=pulumi.Output.all(workspace.location, args.cluster_name).apply(
                lambda parts: catalog.dcr_name(parts[0], parts[1])
            ),
            resource_group_name=args.resource_group_name,
            location=workspace.location,
            **data_collection_rule_args(workspace_id, extension.settings.get(catalog.DATA_COLLECTION_SETTING)),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), delete_before_replace=True, protect=args.protect
            ),
        )
        association = monitor.DataCollectionRuleAssociation(
            f"{child}-dcra",
            association_name=catalog.DCR_ASSOCIATION_NAME,
            resource_uri=args.cluster_id,
            data_collection_rule_id=rule.id,
            description="routes monitoring data to a Log Analytics workspace",
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), delete_before_replace=True, protect=args.protect
            ),
        )
        self.data_collection_rules[extension.name] = rule
        self.associations[extension.name] = association
        return association
