"""Arguments of the Azure Policy extension and of one policy assignment, as plain data (pure).

The component passes them as keyword arguments to pulumi-azure-native 3.29.0's
`kubernetesconfiguration.Extension` and `authorization.PolicyAssignment` (nested inputs as
dictionaries, which the SDK takes in place of its `*Args` classes). The extension is what
`az k8s-extension create --extension-type Microsoft.PolicyInsights --name azurepolicy` creates, and
what the built-in that installs it deploys (S3 `Kubernetes/ArcPolicyExtension_DINE.json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import extension_catalog as catalog
from .extensions import ExtensionSettings
from .extensions import extension_args as generic_extension_args
from .policy import PolicyAssignment, PolicySettings

# The extension as the catalog knows it (components/extension_catalog.py, where the sources are).
EXTENSION_NAME = catalog.POLICY.default_name
EXTENSION_TYPE = catalog.POLICY.type
RELEASE_TRAIN = catalog.POLICY.release_train
RELEASE_NAMESPACE = catalog.POLICY.release_namespace
# Gatekeeper's pods run in `gatekeeper-system` (S1, S3).
GATEKEEPER_NAMESPACE = "gatekeeper-system"
# The provider to register once per stack when any cluster uses policy (S1).
(RESOURCE_PROVIDER,) = catalog.POLICY.providers


def extension_args(settings: PolicySettings, cluster_name: Any, resource_group_name: Any) -> dict[str, Any]:
    """`kubernetesconfiguration.Extension` keyword arguments (the names may be Pulumi outputs)."""
    extension = ExtensionSettings(
        name=EXTENSION_NAME,
        type=EXTENSION_TYPE,
        namespace=RELEASE_NAMESPACE,
        release_train=RELEASE_TRAIN,
        # Minor versions follow Microsoft unless pinned, as for the agents (S1, S4).
        auto_upgrade_minor_version=settings.auto_upgrade_minor_version,
        version=settings.version,
    )
    return generic_extension_args(extension, cluster_name, resource_group_name)


def arm_parameters(parameters: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    """Plain values in ARM's shape, `{name: {value: ...}}`; None when there are none."""
    return {name: {"value": value} for name, value in parameters.items()} or None


def assignment_args(assignment: PolicyAssignment, scope: Any) -> dict[str, Any]:
    """`authorization.PolicyAssignment` keyword arguments; `scope` is the connected cluster's id (S11)."""
    return {
        "policy_assignment_name": assignment.name,
        "scope": scope,
        "policy_definition_id": assignment.definition_id,
        "enforcement_mode": assignment.enforcement,
        "parameters": arm_parameters(assignment.parameters),
        "display_name": assignment.display_name,
    }
