"""Network requirements as data: endpoint lists per cloud and region, noProxy matching and warnings."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from components import network
from components.network import Endpoint, bypasses, endpoints_for, required_endpoints
from components.settings import load
from tests.conftest import BASE_CONFIG, KUBECONFIG, ROOT, engine_config

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}
GOOD_NO_PROXY = ["10.96.0.0/12", "kubernetes.default.svc", ".svc.cluster.local", ".svc"]

PUBLIC_REQUIRED_EASTUS = [
    "management.azure.com:443",
    "eastus.dp.kubernetesconfiguration.azure.com:443",
    "login.microsoftonline.com:443",
    "eastus.login.microsoft.com:443",
    "login.windows.net:443",
    "mcr.microsoft.com:443",
    "*.data.mcr.microsoft.com:443",
    "gbl.his.arc.azure.com:443",
    "*.his.arc.azure.com:443",
    "guestnotificationservice.azure.com:443",
    "*.guestnotificationservice.azure.com:443",
    "sts.windows.net:443",
    "*.servicebus.windows.net:443",
]


def targets(endpoints: tuple[Endpoint, ...]) -> list[str]:
    return [e.target for e in endpoints]


class TestEndpointLists:
    def test_azure_cloud_eastus(self) -> None:
        assert (
            targets(required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False)))
            == PUBLIC_REQUIRED_EASTUS
        )
        everything = targets(endpoints_for("AzureCloud", "eastus"))
        assert len(everything) == 22 and len(set(everything)) == 22
        assert "eastus.obo.arc.azure.com:8084" in everything  # optional, port 8084
        optional = {
            e.host: e.needed
            for e in endpoints_for("AzureCloud", "eastus")
            if not e.required(network.conditions(auto_upgrade=False))
        }
        assert optional == {
            "dl.k8s.io": "autoUpgrade",
            "graph.microsoft.com": "azureRbac",
            "*.arc.azure.net": "portal",
            "eastus.obo.arc.azure.com": "clusterConnectRbac",
            "linuxgeneva-microsoft.azurecr.io": "extensions",
            "gcs.prod.monitoring.core.windows.net": "edgeServices",
            "*.prod.microsoftmetrics.com": "edgeServices",
            "*.prod.hot.ingest.monitor.core.windows.net": "edgeServices",
            "*.prod.warm.ingest.monitor.core.windows.net": "edgeServices",
        }

    def test_azure_cloud_westeurope_substitutes_the_region_only_where_listed(self) -> None:
        west = targets(required_endpoints("AzureCloud", "westeurope", network.conditions(auto_upgrade=False)))
        assert west == [t.replace("eastus", "westeurope") for t in PUBLIC_REQUIRED_EASTUS]
        assert "westeurope.dp.kubernetesconfiguration.azure.com:443" in west
        assert "westeurope.login.microsoft.com:443" in west
        assert not any("{region}" in t for t in targets(endpoints_for("AzureCloud", "westeurope")))

    def test_auto_upgrade_adds_dl_k8s_io(self) -> None:
        with_upgrade = targets(required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=True)))
        assert with_upgrade == [*PUBLIC_REQUIRED_EASTUS[:7], "dl.k8s.io:443", *PUBLIC_REQUIRED_EASTUS[7:]]

    def test_only_the_relay_needs_websockets_in_public_cloud(self) -> None:
        needs = [e.host for e in endpoints_for("AzureCloud", "eastus") if e.websockets]
        assert needs == ["*.servicebus.windows.net"]
        assert all(e.protocol == "https" and e.port in (443, 8084) for e in endpoints_for("AzureCloud", "eastus"))

    def test_us_government(self) -> None:
        """Learn's Azure Government tab (ms.date 06/11/2026), host by host."""
        required = targets(
            required_endpoints("AzureUSGovernment", "usgovvirginia", network.conditions(auto_upgrade=False))
        )
        assert required == [
            "management.usgovcloudapi.net:443",
            "usgovvirginia.dp.kubernetesconfiguration.azure.us:443",
            "login.microsoftonline.us:443",
            "usgovvirginia.login.microsoftonline.us:443",
            "mcr.microsoft.com:443",
            "*.data.mcr.microsoft.com:443",
            "gbl.his.arc.azure.us:443",
            "usgv.his.arc.azure.us:443",
            "guestnotificationservice.azure.us:443",
            "*.guestnotificationservice.azure.us:443",
            "sts.windows.net:443",
            "*.servicebus.usgovcloudapi.net:443",
            "usgovvirginia.obo.arc.azure.us:8084",
        ]
        everything = endpoints_for("AzureUSGovernment", "usgovtexas")
        assert targets(everything)[1] == "usgovtexas.dp.kubernetesconfiguration.azure.us:443"
        # Only usgovvirginia's Cluster Connect host is listed, whatever the region.
        assert "usgovvirginia.obo.arc.azure.us:8084" in targets(everything)
        assert [e.host for e in everything if e.websockets] == ["*.servicebus.usgovcloudapi.net"]
        assert {e.host for e in everything if e.needed == "azureRbac"} == {"graph.microsoft.com"}
        # No dl.k8s.io is listed for this cloud, so automatic upgrades add nothing.
        assert required_endpoints(
            "AzureUSGovernment", "usgovvirginia", network.conditions(auto_upgrade=True)
        ) == required_endpoints("AzureUSGovernment", "usgovvirginia", network.conditions(auto_upgrade=False))

    def test_china(self) -> None:
        """Learn's 21Vianet tab (ms.date 02/18/2025): every host, images from mcr.azk8s.cn."""
        assert network.documented("AzureChinaCloud")
        everything = endpoints_for("AzureChinaCloud", "chinaeast2")
        assert len(everything) == 20
        required = targets(required_endpoints("AzureChinaCloud", "chinaeast2", network.conditions(auto_upgrade=False)))
        assert "mcr.azk8s.cn:443" in required and "mcr.microsoft.com:443" not in required
        assert "chinaeast2.obo.arc.azure.cn:8084" in required and "*.servicebus.chinacloudapi.cn:443" in required
        assert [e.host for e in everything if e.websockets] == ["*.servicebus.chinacloudapi.cn"]
        # The registry mirrors serve VMs pulling public images, not the agents: listed, never required.
        mirrors = [e for e in everything if e.host.endswith(".azk8s.cn") and e.host != "mcr.azk8s.cn"]
        assert len(mirrors) == 5
        assert all(
            not e.required(network.conditions(auto_upgrade=True, azure_rbac=True, extensions=True)) for e in mirrors
        )
        assert network.NOTES["AzureChinaCloud"][0].startswith("Source: https://learn.microsoft.com/")

    def test_gateway_mode_needs_only_the_gateway_list(self) -> None:
        """Learn 'Simplify network configuration requirements with Azure Arc gateway'."""
        held = network.conditions(auto_upgrade=False, gateway=True)
        required = targets(required_endpoints("AzureCloud", "eastus", held))
        assert required == [
            "*.gw.arc.azure.com:443", "management.azure.com:443", "eastus.obo.arc.azure.com:8084",
            "login.microsoftonline.com:443", "eastus.login.microsoft.com:443", "gbl.his.arc.azure.com:443",
            "*.his.arc.azure.com:443", "mcr.microsoft.com:443", "*.data.mcr.microsoft.com:443",
        ]  # fmt: skip
        # Without cluster connect, its host drops out as in the full list.
        no_connect = network.conditions(auto_upgrade=False, cluster_connect=False, gateway=True)
        assert "eastus.obo.arc.azure.com:8084" not in targets(required_endpoints("AzureCloud", "eastus", no_connect))

    def test_gateway_mode_keeps_the_policy_endpoints(self) -> None:
        """The Arc gateway does not cover Azure Policy's hosts (azure-policy.md S5): they join its list."""
        gateway = network.conditions(auto_upgrade=False, gateway=True)
        both = network.conditions(auto_upgrade=False, gateway=True, policy=True)
        assert required_endpoints("AzureCloud", "eastus", both) == (
            required_endpoints("AzureCloud", "eastus", gateway) + network.POLICY_ENDPOINTS["AzureCloud"]
        )
        assert network.listed("AzureCloud", both) == network.GATEWAY + network.POLICY_ENDPOINTS["AzureCloud"]

    def test_features_change_what_is_required(self) -> None:
        base = set(targets(required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False))))
        rbac = set(
            targets(required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False, azure_rbac=True)))
        )
        assert rbac - base == {"graph.microsoft.com:443", "eastus.obo.arc.azure.com:8084"}
        no_connect = set(
            targets(
                required_endpoints(
                    "AzureCloud", "eastus", network.conditions(auto_upgrade=False, cluster_connect=False)
                )
            )
        )
        assert base - no_connect == {
            "guestnotificationservice.azure.com:443", "*.guestnotificationservice.azure.com:443",
            "sts.windows.net:443", "*.servicebus.windows.net:443",
        }  # fmt: skip
        flux = set(
            targets(required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False, extensions=True)))
        )
        assert flux - base == {"linuxgeneva-microsoft.azurecr.io:443"}

    def test_probe_targets_skip_wildcards(self) -> None:
        probed = network.probe_targets(
            required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False))
        )
        assert probed == [t for t in PUBLIC_REQUIRED_EASTUS if not t.startswith("*.")]

    def test_every_entry_cites_its_source_in_a_comment(self) -> None:
        source = (ROOT / "components" / "network.py").read_text().splitlines()
        starts = [i for i, line in enumerate(source) if re.match(r"\s+Endpoint\(", line)]
        tables = (network.PUBLIC, network.US_GOVERNMENT, network.CHINA, network.GATEWAY)
        policy = sum(len(endpoints) for endpoints in network.POLICY_ENDPOINTS.values())
        assert len(starts) == sum(map(len, tables)) + policy
        for i in starts:
            comment = source[i - 1].strip()
            cited = re.search(
                r"(agent-versions|connectedk8s)\.md §\d|Learn azure-(government|china), row \d|azure-policy\.md §3 \(S\d\)",
                comment,
            )
            assert comment.startswith("#") and cited, source[i]

    def test_as_json(self) -> None:
        (relay,) = [e for e in endpoints_for("AzureCloud", "eastus") if e.host == "*.servicebus.windows.net"]
        assert relay.as_json() == {
            "host": "*.servicebus.windows.net", "port": 443, "protocol": "https", "websockets": True,
            "neededWhen": "cluster connect (features.clusterConnect, on by default)", "purpose": "Cluster Connect and Custom Locations (Azure Relay)",
        }  # fmt: skip
        assert relay.as_json(required=True)["required"] is True


MGMT = Endpoint("management.azure.com", 443, "https", "", False, "always")
HIS = Endpoint("*.his.arc.azure.com", 443, "https", "", False, "always")


@pytest.mark.parametrize(
    ("entry", "endpoint", "expected"),
    [
        ("*", MGMT, True),
        (".azure.com", MGMT, True),
        ("azure.com", MGMT, True),
        ("*.azure.com", MGMT, True),
        ("management.azure.com", MGMT, True),
        ("MANAGEMENT.azure.com", MGMT, True),
        (".management.azure.com", MGMT, False),  # subdomains only
        ("management.azure.com:443", MGMT, True),
        ("management.azure.com:8443", MGMT, False),
        ("anagement.azure.com", MGMT, False),
        ("10.0.0.0/8", MGMT, False),
        ("20.37.0.1", MGMT, False),
        (".svc", MGMT, False),
        (".his.arc.azure.com", HIS, True),
        ("his.arc.azure.com", HIS, True),
        ("arc.azure.com", HIS, True),
        ("eus.his.arc.azure.com", HIS, True),  # part of the wildcard
        ("guestnotificationservice.azure.com", HIS, False),
        ("azure.net", HIS, False),
    ],
)
def test_no_proxy_matching(entry: str, endpoint: Endpoint, expected: bool) -> None:
    assert bypasses(entry, endpoint) is expected


def warnings(proxy: dict[str, Any] | None = None, secret: tuple[str, ...] = (), **overrides: Any) -> list[str]:
    values = {**BASE_CONFIG, **overrides, **({"proxy": proxy} if proxy is not None else {})}
    settings = load(
        engine_config(values), [f"arc-onboarding:{k}" for k in secret], ROOT, ENV, today=datetime.date(2026, 11, 25)
    )
    return list(settings.warnings)


class TestNoProxyWarnings:
    def test_none_without_a_proxy_url(self) -> None:
        assert warnings({"caCertFile": "tests/fixtures/proxy-ca.pem"}) == []

    def test_none_with_the_guidance(self) -> None:
        assert warnings({"httpsProxy": "http://p:3128", "noProxy": GOOD_NO_PROXY}) == []

    def test_missing_in_cluster_entries_and_cidr(self) -> None:
        found = warnings({"httpsProxy": "http://p:3128", "noProxy": ["kubernetes.default.svc"]})
        assert len(found) == 2
        assert found[0].startswith("arc-onboarding:proxy.noProxy: lacks .svc.cluster.local, .svc: ")
        assert found[1].startswith("arc-onboarding:proxy.noProxy: has no CIDR: add the cluster's service CIDR")
        assert "cannot be known offline" in found[1]

    def test_no_no_proxy_at_all(self) -> None:
        found = warnings({"httpsProxy": "http://p:3128"})
        assert [w.split(": ")[1] for w in found] == [
            "lacks kubernetes.default.svc, .svc.cluster.local, .svc",
            "has no CIDR",
        ]

    def test_entry_sending_azure_around_the_proxy_is_named(self) -> None:
        found = warnings({"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, ".azure.com", "corp.example"]})
        assert found == [
            "arc-onboarding:proxy.noProxy[4]: '.azure.com' sends management.azure.com, "
            "eastus.dp.kubernetesconfiguration.azure.com, gbl.his.arc.azure.com, *.his.arc.azure.com, "
            "guestnotificationservice.azure.com, "
            "*.guestnotificationservice.azure.com around the proxy: the nodes must reach them directly"
        ]

    def test_star_bypasses_everything(self) -> None:
        (found,) = warnings({"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "*"]})
        assert found.startswith("arc-onboarding:proxy.noProxy[4]: '*' sends management.azure.com, ")
        assert found.count(", ") == len(PUBLIC_REQUIRED_EASTUS) - 1

    def test_optional_endpoints_do_not_count(self) -> None:
        # dl.k8s.io is needed only with agents.autoUpgrade.
        assert warnings({"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "dl.k8s.io"]}) == []
        (found,) = warnings(
            {"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "dl.k8s.io"]}, agents={"autoUpgrade": True}
        )
        assert found.startswith("arc-onboarding:proxy.noProxy[4]: 'dl.k8s.io' sends dl.k8s.io around the proxy")

    def test_a_secret_proxy_names_the_index_only(self) -> None:
        (found,) = warnings(
            {"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, "login.windows.net"]}, secret=("proxy",)
        )
        assert found == (
            "arc-onboarding:proxy.noProxy[4]: sends login.windows.net around the proxy: the nodes must reach them directly"
        )

    def test_http_proxy_alone(self) -> None:
        found = warnings({"httpProxy": "http://p:3128", "noProxy": GOOD_NO_PROXY})
        assert found == [
            "arc-onboarding:proxy.httpsProxy: is not set: httpProxy only carries plain HTTP, and every Azure "
            "endpoint of the agents is HTTPS, so they would bypass the proxy; set httpsProxy too"
        ]

    def test_a_fleet_names_the_key_the_user_wrote(self) -> None:
        values = {
            "location": "westeurope",
            "resourceGroup": "rg",
            "proxy": {"httpsProxy": "http://p:3128", "noProxy": GOOD_NO_PROXY},
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
                {
                    "clusterName": "c2",
                    "kubeContext": "kind-other",
                    "proxy": {"noProxy": [*GOOD_NO_PROXY, ".windows.net"]},
                },
            ],
        }
        settings = load(engine_config(values), [], ROOT, ENV, today=datetime.date(2026, 11, 25))
        assert settings.warnings == (
            "arc-onboarding:clusters[1].proxy.noProxy[4]: '.windows.net' sends login.windows.net, sts.windows.net, "
            "*.servicebus.windows.net around the proxy: the nodes must reach them directly",
        )

    def test_us_government_endpoints_are_checked_too(self) -> None:
        gov = {"cloud": "AzureUSGovernment", "location": "usgovvirginia", "azure-native:environment": "usgovernment"}
        (found,) = warnings({"httpsProxy": "http://p:3128", "noProxy": [*GOOD_NO_PROXY, ".us"]}, (), **gov)
        assert found.startswith(
            "arc-onboarding:proxy.noProxy[4]: '.us' sends usgovvirginia.dp.kubernetesconfiguration.azure.us, "
        )


class TestPreflightSettings:
    def test_defaults(self) -> None:
        settings = load(engine_config(BASE_CONFIG), [], ROOT, ENV)
        preflight = settings.clusters[0].preflight
        assert preflight.enabled is True and preflight.image == "mcr.microsoft.com/azurelinux/base/core:3.0"

    @pytest.mark.parametrize("image", ["", "  ", "registry.corp/a b:1", "https://registry.corp/arc/core:3.0"])
    def test_bad_images_name_the_key(self, image: str) -> None:
        from components.settings import ConfigError

        with pytest.raises(ConfigError) as raised:
            load(engine_config({**BASE_CONFIG, "preflight": {"image": image}}), [], ROOT, ENV)
        (problem,) = raised.value.problems
        assert problem.startswith("arc-onboarding:preflight.image: must be an image reference")

    def test_china_runs_the_preflight(self) -> None:
        settings = load(
            engine_config(
                {
                    **BASE_CONFIG,
                    "cloud": "AzureChinaCloud",
                    "location": "chinaeast2",
                    "azure-native:environment": "china",
                }
            ),
            [],
            ROOT,
            ENV,
        )
        assert settings.warnings == () and settings.clusters[0].preflight.enabled


def test_docs_network_section_matches_the_data() -> None:
    readme = (ROOT / "docs" / "network.md").read_text()
    section = readme.split("<!-- network-requirements:start -->\n", 1)[1].split(
        "\n<!-- network-requirements:end -->", 1
    )[0]
    assert section == network.readme_section()
    for e in network.PUBLIC:
        row = f"| `{e.host.replace('{region}', '<region>')}` | {e.port} |"
        assert row in section
