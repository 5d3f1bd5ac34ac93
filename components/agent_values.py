"""Helm values of the `azure-arc` release, as `az connectedk8s connect` sets them.

`agent_values` is the CLI's explicit value set from before 1.10.0 (connectedk8s.md §2.4). Since
1.10.0 the CLI takes most of them from the data plane's `GetHelmSettings` answer: the program asks
it too, once per cluster (the `<cluster>-helm-settings` Command), and `with_data_plane` lays that
answer over the explicit set (components/data_plane.py), which stays the fallback when the data
plane cannot be reached. The private key goes in as `global.onboardingPrivateKey` only for charts
before 1.35.3; from 1.35.3 it is a Secret of its own (components/agent_key.py), as the CLI does,
and the values leave it out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pulumi

from . import data_plane
from .clouds import Cloud
from .settings import FeatureSettings, ProxySettings


def keep_secret(secret: bool) -> Callable[[Any], Any]:
    """Wrap values as secrets when their config key was secret (identity otherwise)."""
    return pulumi.Output.secret if secret else (lambda value: value)


def proxy_values(proxy: ProxySettings) -> dict[str, Any]:
    """The chart's `global.*` proxy keys; empty when neither a proxy nor a CA is configured."""
    wrap = keep_secret(proxy.secret)
    values: dict[str, Any] = {}
    if proxy.http_proxy:
        values["httpProxy"] = wrap(proxy.http_proxy)
    if proxy.https_proxy:
        values["httpsProxy"] = wrap(proxy.https_proxy)
    if proxy.no_proxy:
        # A values map needs none of the CLI's `--set` escaping of ',' and '/'.
        values["noProxy"] = wrap(",".join(proxy.no_proxy))
    if proxy.enabled:
        values["isProxyEnabled"] = True
    if proxy.ca_cert_pem:
        # A CA alone is valid (TLS-inspecting middleboxes) and does not turn the proxy on.
        values["proxyCert"] = wrap(proxy.ca_cert_pem)
        values["isCustomCert"] = True
    return values


def arc_bypass_record(proxy: ProxySettings) -> str | None:
    """`connectedk8sCli.arcProxyBypass`: the CLI's record of which noProxy entries are the user's and
    which the `Arc` bypass added, base64 of `{"userNoProxy": ..., "noProxy": ...}` (azure-cli-extensions
    connectedk8s `custom.py` `build_arc_proxy_bypass_settings`, read back by
    `get_arc_proxy_bypass_user_range`), so a later `az connectedk8s update --clear-proxy-bypass Arc`
    removes only what was added. None without the `Arc` bypass."""
    if proxy.user_no_proxy is None:
        return None
    record = {"userNoProxy": ",".join(proxy.user_no_proxy), "noProxy": ",".join(proxy.no_proxy)}
    return base64.b64encode(json.dumps(record).encode("utf-8")).decode("ascii")


def feature_values(features: FeatureSettings, custom_locations_oid: Any = None) -> dict[str, Any]:
    """`systemDefaultValues` of the features, as `az connectedk8s connect` / `enable-features` set them.

    Only what is on is set, so a default stack sends exactly the CLI's connect values.
    `custom_locations_oid`: the lookup's object id, which the CLI prefers to an explicit one.
    """
    wrap = keep_secret(features.secret)
    values: dict[str, Any] = {"clusterconnect-agent": {"enabled": wrap(features.cluster_connect)}}
    looked_up = custom_locations_oid if features.custom_locations else None
    oid = looked_up if looked_up is not None else features.custom_locations_oid
    if oid is not None:
        values["customLocations"] = {"enabled": wrap(True), "oid": wrap(oid)}
    if features.azure_rbac:
        guard: dict[str, Any] = {"enabled": wrap(True), "authnMode": wrap("arc")}
        if features.azure_rbac_skip_list:
            # The CLI's `--skip-azure-rbac-list` joined with commas; the chart default is null.
            guard["skipAuthzCheck"] = wrap(",".join(features.azure_rbac_skip_list))
        values["guard"] = guard
    return values


def cli_after_values(
    proxy: ProxySettings, features: FeatureSettings, custom_locations_oid: Any = None
) -> dict[str, Any]:
    """What the CLI sets after the data plane's values, so they win over its answer
    (`_utils.py` `helm_install_release`: custom locations and private link's cluster-connect after
    `parse_helm_values`; `enable-features` for Azure RBAC; `connectedk8sCli.arcProxyBypass`, its own
    record)."""
    record = arc_bypass_record(proxy)
    bypass = {} if record is None else {"connectedk8sCli": {"arcProxyBypass": keep_secret(proxy.secret)(record)}}
    return {"systemDefaultValues": feature_values(features, custom_locations_oid), **bypass}


def protected_settings(proxy: ProxySettings) -> dict[str, dict[str, str]]:
    """The CLI's protected settings by feature: what the data plane's placeholders stand for."""
    settings = data_plane.proxy_protected_settings(
        https_proxy=proxy.https_proxy,
        http_proxy=proxy.http_proxy,
        no_proxy=proxy.no_proxy,
        ca_cert_pem=proxy.ca_cert_pem,
    )
    return {data_plane.PROXY_FEATURE: settings} if settings else {}


def with_data_plane(
    explicit: dict[str, Any],
    cli_after: dict[str, Any],
    answer_stdout: pulumi.Input[str],
    proxy: ProxySettings,
    warn: Callable[[str], None],
) -> pulumi.Output[dict[str, Any]]:
    """The release's values once the helm-settings step has answered (data_plane.release_values);
    `warn` says when the explicit set stands in for the data plane's answer. The explicit set's
    outputs stay where they are (a secret stays a secret leaf, as the release's values held it
    before), and a value with the proxy's settings substituted is secret when the proxy is."""
    protected = protected_settings(proxy)

    def merge(stdout: str | None) -> dict[str, Any]:
        answer = data_plane.parse_answer(stdout or "")
        if answer.source == "fallback":
            warn(f"the agents get the explicit set of Helm values, not the data plane's: {answer.reason}")
        merged = data_plane.release_values(explicit, answer, cli_after, protected, keep_secret(proxy.secret))
        if merged.unresolved:
            warn(
                "the data plane's values for "
                + ", ".join(merged.unresolved)
                + " name a protected setting this stack does not have; the explicit set's value stands"
            )
        return merged.values

    # The explicit set's outputs stay leaves of the result, so this carries their resources as the
    # values' dependencies, in a preview too (where the merge does not run). Its value is None:
    # unsecret exposes nothing, and the result is secret only where a leaf is.
    explicit_dependencies = pulumi.Output.unsecret(
        pulumi.Output.from_input({"explicit": explicit, "after": cli_after}).apply(lambda _: None)
    )
    return pulumi.Output.all(answer_stdout, explicit_dependencies).apply(lambda resolved: merge(resolved[0]))


def agent_values(
    *,
    subscription_id: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
    resource_group: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    location: pulumi.Input[str],
    distribution: pulumi.Input[str],
    infrastructure: pulumi.Input[str],
    cloud: Cloud,
    private_key_pem: pulumi.Input[str] | None,
    auto_upgrade: bool,
    proxy: ProxySettings,
    features: FeatureSettings = FeatureSettings(),
    custom_locations_oid: pulumi.Input[str] | None = None,
) -> dict[str, Any]:
    """The nested values map; every key exists in the chart's values.yaml with the same type.
    `private_key_pem` None: the key is in its own Secret, not in the values."""
    key = {} if private_key_pem is None else {"onboardingPrivateKey": private_key_pem}
    after = cli_after_values(proxy, features, custom_locations_oid)
    return {
        "global": {
            "subscriptionId": subscription_id,
            "tenantId": tenant_id,
            "resourceGroupName": resource_group,
            "resourceName": cluster_name,
            "location": location,
            "kubernetesDistro": distribution,
            "kubernetesInfra": infrastructure,
            "azureEnvironment": cloud.helm_environment,
            **key,
            **proxy_values(proxy),
        },
        "systemDefaultValues": {
            # The chart defaults to SPN onboarding; key-pair onboarding needs it off.
            "spnOnboarding": False,
            # A string in the chart ("true"), read into the AZURE_ARC_AUTOUPDATE config map entry.
            "azureArcAgents": {"autoUpdate": "true" if auto_upgrade else "false"},
            **after["systemDefaultValues"],
        },
        **{k: v for k, v in after.items() if k != "systemDefaultValues"},
    }
