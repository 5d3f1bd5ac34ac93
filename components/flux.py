"""`ArcGitOps`: Flux on a connected cluster, the step after `az connectedk8s connect`.

Declares what `az k8s-configuration flux create` does: the `microsoft.flux` cluster extension, then
one Flux configuration (a Git source and one kustomization). The extension is ordered after the
agents are installed, and the configuration after the extension (Microsoft: the extension must
exist before any fluxConfigurations); destroy runs the other way round, as the docs require.

Proxy: nothing is passed. The extension documents no proxy setting; Flux on an Arc cluster behind
a proxy relies on the agents having been installed with it (docs/gitops.md, "Flux on the onboarded
clusters").
"""

from __future__ import annotations

import base64

import pulumi
from pulumi_azure_native import kubernetesconfiguration as kc

from . import extension_catalog as catalog
from .agent_values import keep_secret
from .arc_extensions import ExtensionComponentArgs, extension_options
from .extensions import ExtensionSettings, connected_cluster_scope, extension_args
from .settings import GitOpsSettings

COMPONENT_TYPE = "arc-onboarding:index:ArcGitOps"
# Explicit ARM names: the extension's as the catalog knows it (components/extension_catalog.py).
EXTENSION_NAME = catalog.FLUX.default_name
CONFIGURATION_NAME = "cluster-config"
# The configuration's objects (and its multi-tenancy service account) live in this namespace.
CONFIGURATION_NAMESPACE = "cluster-config"
FLUX_NAMESPACE = catalog.FLUX.release_namespace
# The az CLI's default kustomization name when none is given.
KUSTOMIZATION_NAME = "kustomization-1"
# The extension, as one known type of components/extensions.py: minor versions only (Microsoft
# supports the newest three, N-2), no release train given (ARM's default applies).
FLUX_EXTENSION = ExtensionSettings(
    name=EXTENSION_NAME, type=catalog.FLUX_TYPE, namespace=FLUX_NAMESPACE, auto_upgrade_minor_version=True
)


# `secret`: every value stays secret. `cluster_id` is not used (the scope is the cluster's name).
ArcGitOpsArgs = ExtensionComponentArgs[GitOpsSettings]


class ArcGitOps(pulumi.ComponentResource):
    def __init__(self, name: str, args: ArcGitOpsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        settings = args.settings
        wrap = keep_secret(args.secret)
        scope = connected_cluster_scope(args.cluster_name, args.resource_group_name)

        self.extension = kc.Extension(
            f"{name}-flux",
            **extension_args(FLUX_EXTENSION, args.cluster_name, args.resource_group_name),
            # Not `args.protect`: Flux was never protected (`protect`, docs/lifecycle.md, names the
            # connected cluster and the group).
            opts=extension_options(self, args.depends_on, protect=False),
        )

        protected: dict[str, pulumi.Input[str]] = {}
        if settings.https_password is not None:
            # The API takes the password base64-encoded under `httpsKey`, as the az CLI sends it.
            encoded = base64.b64encode(settings.https_password.encode()).decode()
            protected["httpsKey"] = pulumi.Output.secret(encoded)
        interval = wrap(settings.sync_interval_seconds)
        self.configuration = kc.FluxConfiguration(
            f"{name}-config",
            flux_configuration_name=CONFIGURATION_NAME,
            namespace=CONFIGURATION_NAMESPACE,
            scope=kc.ScopeType.CLUSTER,
            source_kind=kc.SourceKindType.GIT_REPOSITORY,
            git_repository=kc.GitRepositoryDefinitionArgs(
                url=wrap(settings.url),
                repository_ref=kc.RepositoryRefDefinitionArgs(branch=wrap(settings.branch)),
                sync_interval_in_seconds=interval,
                https_user=wrap(settings.https_user) if settings.https_user is not None else None,
            ),
            kustomizations={
                KUSTOMIZATION_NAME: kc.KustomizationDefinitionArgs(
                    path=wrap(settings.path),
                    sync_interval_in_seconds=interval,
                    # Objects removed from Git (or with the configuration) are removed from the cluster.
                    prune=True,
                ),
            },
            configuration_protected_settings=protected or None,
            **scope,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.extension],
                delete_before_replace=True,
            ),
        )
        self.register_outputs({})
