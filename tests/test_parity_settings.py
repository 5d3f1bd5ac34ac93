"""The keys of `az connectedk8s` parity (issue 11): gateway, OIDC issuer, workload identity, Azure Hybrid
Benefit, distribution version, looked-up custom locations, the `Arc` noProxy keyword, the support window."""

from __future__ import annotations

from typing import Any

import pytest

from components import agent_releases
from components.settings import NODES_FILE_ENV, OidcIssuerSettings
from tests.conftest import ROOT
from tests.test_settings import ENV, GOOD_NO_PROXY, problems, settings

GATEWAY = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg"
    "/providers/Microsoft.HybridCompute/gateways/arc-gw"
)


def test_defaults_send_nothing_new() -> None:
    (cluster,) = settings().clusters
    assert cluster.gateway_resource_id is None and cluster.oidc == OidcIssuerSettings()
    assert cluster.azure_hybrid_benefit is None and cluster.distribution_version is None
    assert cluster.features.custom_locations is False


def test_every_key_is_typed() -> None:
    (cluster,) = settings(
        {
            "gateway": {"resourceId": GATEWAY},
            "oidcIssuer": {"enabled": True, "selfHostedIssuerUrl": "https://issuer.example.com/x"},
            "workloadIdentity": {"enabled": True},
            "azureHybridBenefit": "False",
            "distributionVersion": "v1.31.4+k3s1",
            "features": {"customLocations": True},
        }
    ).clusters
    assert cluster.gateway_resource_id == GATEWAY
    assert cluster.oidc == OidcIssuerSettings(True, "https://issuer.example.com/x", True)
    assert (cluster.azure_hybrid_benefit, cluster.distribution_version) == ("False", "v1.31.4+k3s1")
    assert cluster.features.custom_locations and cluster.features.custom_locations_oid is None
    assert "gateway" in cluster.network_conditions


def test_gateway_id_compares_case_insensitively() -> None:
    lower = GATEWAY.replace("Microsoft.HybridCompute", "microsoft.hybridcompute")
    assert settings({"gateway": {"resourceId": lower}}).clusters[0].gateway_resource_id == lower


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"gateway": {"resourceId": "arc-gw"}}, "gateway.resourceId"),
        ({"gateway": "arc-gw"}, "gateway"),
        ({"workloadIdentity": {"enabled": True}}, "workloadIdentity.enabled"),
        (
            {"oidcIssuer": {"enabled": True, "selfHostedIssuerUrl": "issuer.example.com"}},
            "oidcIssuer.selfHostedIssuerUrl",
        ),
        ({"azureHybridBenefit": "true"}, "azureHybridBenefit"),
        ({"distributionVersion": ""}, "distributionVersion"),
        (
            {
                "features": {"customLocations": True},
                "privateLink": {"scopeResourceId": GATEWAY.replace("gateways/arc-gw", "privateLinkScopes/s")},
            },
            "features.customLocations",
        ),
    ],
)
def test_bad_values_name_the_key(overrides: dict[str, Any], key: str) -> None:
    assert [p.split(": ", 1)[0] for p in problems(overrides)] == [f"arc-onboarding:{key}"]


def test_workload_identity_error_names_both_keys() -> None:
    (problem,) = problems({"workloadIdentity": {"enabled": True}})
    assert "oidcIssuer.enabled" in problem and problem.startswith("arc-onboarding:workloadIdentity.enabled:")


def test_fleet_items_take_the_keys() -> None:
    stack = settings(
        {
            "oidcIssuer": {"enabled": True},
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev", "workloadIdentity": {"enabled": True}},
                {"clusterName": "c2", "kubeContext": "kind-other", "gateway": {"resourceId": GATEWAY}},
            ],
        },
        drop=("clusterName", "kubeContext"),
    )
    c1, c2 = stack.clusters
    assert c1.oidc.workload_identity and c2.oidc.enabled and not c2.oidc.workload_identity
    assert c2.gateway_resource_id == GATEWAY and c1.gateway_resource_id is None


class TestArcKeyword:
    def test_expands_to_the_cloud_suffixes(self) -> None:
        proxy = (
            settings({"proxy": {"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "Arc"]}}).clusters[0].proxy
        )
        assert proxy.no_proxy == (
            *GOOD_NO_PROXY, ".his.arc.azure.com", ".dp.kubernetesconfiguration.azure.com", ".guestconfiguration.azure.com",
        )  # fmt: skip

    def test_case_insensitive_deduplicated_and_per_cloud(self) -> None:
        config = {
            "cloud": "AzureChinaCloud", "azure-native:environment": "china", "location": "chinaeast2",
            "proxy": {"httpsProxy": "http://p:3128", "noProxy": ["arc", ".his.arc.azure.cn", "ARC"]},
        }  # fmt: skip
        assert settings(config).clusters[0].proxy.no_proxy == (
            ".his.arc.azure.cn", ".dp.kubernetesconfiguration.azure.cn", ".guestconfiguration.azure.cn",
        )  # fmt: skip

    def test_warns_that_it_sends_the_arc_hosts_around_the_proxy(self) -> None:
        warnings = settings({"proxy": {"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "Arc"]}}).warnings
        assert any("*.his.arc.azure.com" in w and "around the proxy" in w for w in warnings)


class TestSupportWindow:
    def test_window_is_the_three_newest_minors(self) -> None:
        assert agent_releases.newest() == agent_releases.RELEASES[0][0] == "1.36.1"
        assert agent_releases.supported_minors() == [(1, 36), (1, 35), (1, 34)]
        assert agent_releases.outside_support((1, 33, 0)) and not agent_releases.outside_support((1, 34, 0))
        assert not agent_releases.outside_support((1, 37, 0))

    def test_releases_are_newest_first(self) -> None:
        versions = [tuple(map(int, v.split("."))) for v, _ in agent_releases.RELEASES]
        assert versions == sorted(versions, reverse=True)
        months = [m for _, m in agent_releases.RELEASES]
        assert months == sorted(months, reverse=True)

    @pytest.mark.parametrize(
        ("version", "warned"), [("1.33.0", True), ("1.14.5", True), ("1.34.2", False), ("1.36.1", False)]
    )
    def test_a_pin_outside_is_a_warning_naming_the_newest(self, version: str, warned: bool) -> None:
        warnings = settings({"agents": {"chartVersion": version}}).warnings
        assert bool(warnings) is warned
        if warned:
            (warning,) = warnings
            assert warning.startswith("arc-onboarding:agents.chartVersion:") and "1.36.1" in warning


def test_detected_distribution_needs_its_own_issuer() -> None:
    """`auto` is resolved after every cluster is built (all at once): the aks/eks/gke issuer rule
    runs again on what the nodes said."""
    env = {**ENV, NODES_FILE_ENV: str(ROOT / "tests/fixtures/nodes/eks-generic-first.json")}
    oidc = {"distribution": "auto", "oidcIssuer": {"enabled": True}}
    (problem,) = problems(oidc, env=env)
    assert problem.startswith("arc-onboarding:oidcIssuer.selfHostedIssuerUrl: is required with distribution eks")
    (secret,) = problems(oidc, env=env, secret=("distribution",))
    assert "the secret distribution" in secret and "eks" not in secret
    (cluster,) = settings(
        {**oidc, "oidcIssuer": {"enabled": True, "selfHostedIssuerUrl": "https://i.example.com/x"}}, env=env
    ).clusters
    assert cluster.distribution == "eks"
