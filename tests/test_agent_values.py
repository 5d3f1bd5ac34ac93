"""Helm values of the agents' release: the az CLI's set, proxy rules, and the chart's own keys."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from components.agent_values import agent_values, feature_values, proxy_values
from components.clouds import CLOUDS
from components.settings import FeatureSettings, ProxySettings
from tests.conftest import chart_value_types, json_type, leaves

CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def build(
    proxy: ProxySettings = ProxySettings(),
    auto_upgrade: bool = False,
    cloud: str = "AzureCloud",
    features: FeatureSettings = FeatureSettings(),
) -> dict[str, Any]:
    return agent_values(
        subscription_id="sub-id",
        tenant_id="tenant-id",
        resource_group="rg",
        cluster_name="c1",
        location="westeurope",
        distribution="k3s",
        infrastructure="generic",
        cloud=CLOUDS[cloud],
        private_key_pem="-----BEGIN RSA PRIVATE KEY-----\nX\n-----END RSA PRIVATE KEY-----",
        auto_upgrade=auto_upgrade,
        proxy=proxy,
        features=features,
    )


def test_values_without_proxy_are_the_cli_set() -> None:
    assert leaves(build()) == {
        "global.subscriptionId": "sub-id",
        "global.tenantId": "tenant-id",
        "global.resourceGroupName": "rg",
        "global.resourceName": "c1",
        "global.location": "westeurope",
        "global.kubernetesDistro": "k3s",
        "global.kubernetesInfra": "generic",
        "global.azureEnvironment": "AZUREPUBLICCLOUD",
        "global.onboardingPrivateKey": "-----BEGIN RSA PRIVATE KEY-----\nX\n-----END RSA PRIVATE KEY-----",
        "systemDefaultValues.spnOnboarding": False,
        "systemDefaultValues.clusterconnect-agent.enabled": True,
        "systemDefaultValues.azureArcAgents.autoUpdate": "false",
    }


def test_auto_upgrade_is_the_charts_string_true() -> None:
    assert build(auto_upgrade=True)["systemDefaultValues"]["azureArcAgents"]["autoUpdate"] == "true"


@pytest.mark.parametrize(
    ("cloud", "environment"),
    [
        ("AzureCloud", "AZUREPUBLICCLOUD"),
        ("AzureUSGovernment", "AZUREUSGOVERNMENTCLOUD"),
        ("AzureChinaCloud", "AZURECHINACLOUD"),
    ],
)
def test_cloud_maps_to_azure_environment(cloud: str, environment: str) -> None:
    assert build(cloud=cloud)["global"]["azureEnvironment"] == environment


@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        (ProxySettings(), {}),
        (
            ProxySettings(
                http_proxy="http://p:3128",
                https_proxy="http://p:3128",
                no_proxy=("10.0.0.0/8", ".svc", "kubernetes.default.svc"),
            ),
            {
                "httpProxy": "http://p:3128",
                "httpsProxy": "http://p:3128",
                "noProxy": "10.0.0.0/8,.svc,kubernetes.default.svc",
                "isProxyEnabled": True,
            },
        ),
        # noProxy alone enables the proxy secret, as the CLI does.
        (ProxySettings(no_proxy=("localhost",)), {"noProxy": "localhost", "isProxyEnabled": True}),
        # A CA alone is valid and does not enable the proxy.
        (ProxySettings(ca_cert_file="ca.pem", ca_cert_pem=CA), {"proxyCert": CA, "isCustomCert": True}),
        (
            ProxySettings(https_proxy="https://p:443", ca_cert_file="ca.pem", ca_cert_pem=CA),
            {"httpsProxy": "https://p:443", "isProxyEnabled": True, "proxyCert": CA, "isCustomCert": True},
        ),
    ],
    ids=["none", "urls-and-noproxy", "noproxy-only", "ca-only", "ca-and-url"],
)
def test_proxy_values(proxy: ProxySettings, expected: dict[str, Any]) -> None:
    assert proxy_values(proxy) == expected
    assert {k: v for k, v in build(proxy)["global"].items() if k in expected} == expected


def test_no_proxy_is_joined_without_cli_escaping() -> None:
    values = proxy_values(ProxySettings(no_proxy=("10.96.0.0/12", "a.b")))
    assert values["noProxy"] == "10.96.0.0/12,a.b"
    assert "\\" not in values["noProxy"]


def test_every_key_exists_in_the_charts_values_yaml_with_its_type() -> None:
    chart = chart_value_types()
    full = ProxySettings(
        http_proxy="http://p:1", https_proxy="http://p:1", no_proxy=("x",), ca_cert_file="c", ca_cert_pem=CA
    )
    features = FeatureSettings(custom_locations_oid=OID, azure_rbac=True, azure_rbac_skip_list=("a@b.c",))
    sent = leaves(build(full, auto_upgrade=True, features=features))
    assert {"systemDefaultValues.customLocations.oid", "systemDefaultValues.guard.skipAuthzCheck"} <= set(sent)
    for dotted, value in sent.items():
        # A new key must be looked up in the chart's values.yaml and written into the fixture.
        assert dotted in chart, f"{dotted} is not in tests/fixtures/chart-value-keys.json (the chart's keys)"
        if chart[dotted] == "null":
            # A null default (guard.skipAuthzCheck) takes the string the CLI sets with --set.
            assert isinstance(value, str), dotted
            continue
        assert json_type(value) == chart[dotted], f"{dotted}: chart has {chart[dotted]}, we send {json_type(value)}"


def test_the_chart_facts_name_only_keys_the_program_sets() -> None:
    """The fixture lists what the program sets, no more: a key it stops sending leaves the list."""
    full = ProxySettings(
        http_proxy="http://p:1", https_proxy="http://p:1", no_proxy=("x",), ca_cert_file="c", ca_cert_pem=CA
    )
    features = FeatureSettings(custom_locations_oid=OID, azure_rbac=True, azure_rbac_skip_list=("a@b.c",))
    assert set(chart_value_types()) == set(leaves(build(full, auto_upgrade=True, features=features)))


OID = "51dfe1e8-70c6-4de5-a08e-e18aff23d815"


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (FeatureSettings(), {"clusterconnect-agent": {"enabled": True}}),
        (FeatureSettings(cluster_connect=False), {"clusterconnect-agent": {"enabled": False}}),
        (
            FeatureSettings(custom_locations_oid=OID),
            {"clusterconnect-agent": {"enabled": True}, "customLocations": {"enabled": True, "oid": OID}},
        ),
        (
            FeatureSettings(azure_rbac=True),
            {"clusterconnect-agent": {"enabled": True}, "guard": {"enabled": True, "authnMode": "arc"}},
        ),
        (
            FeatureSettings(azure_rbac=True, azure_rbac_skip_list=("alice@contoso.com", OID)),
            {
                "clusterconnect-agent": {"enabled": True},
                "guard": {"enabled": True, "authnMode": "arc", "skipAuthzCheck": f"alice@contoso.com,{OID}"},
            },
        ),
    ],
    ids=["default", "no-cluster-connect", "custom-locations", "azure-rbac", "azure-rbac-skip-list"],
)
def test_feature_values_are_what_enable_features_sets(features: FeatureSettings, expected: dict[str, Any]) -> None:
    assert feature_values(features) == expected
    assert {k: v for k, v in build(features=features)["systemDefaultValues"].items() if k in expected} == expected


def test_secret_features_wrap_every_value() -> None:
    values = feature_values(
        FeatureSettings(custom_locations_oid=OID, azure_rbac=True, azure_rbac_skip_list=("a",), secret=True)
    )
    for dotted, value in leaves(values).items():
        assert isinstance(value, pulumi.Output) and _sync_await(value.is_secret()), dotted
