"""The preflight Job under the mock engine: its spec, its Secret, and where it sits in the graph."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest

from components import network
from components.preflight import SCRIPT, settings_data, settings_hmac, shown_proxy, userinfo, without_userinfo
from components.settings import ProxySettings
from tests.conftest import BASE_CONFIG, BASE_STACK_YAML, FIXTURES, ROOT

PROJECT = "urn:pulumi:test::arc-onboarding::"
CHILD = f"{PROJECT}arc-onboarding:index:ArcConnectedCluster$"
NAMESPACE = f"{CHILD}kubernetes:core/v1:Namespace::arc-test-rg/arc-test-preflight-ns"
SECRET = f"{CHILD}kubernetes:core/v1:Secret::arc-test-rg/arc-test-preflight-settings"
JOB = f"{CHILD}kubernetes:batch/v1:Job::arc-test-rg/arc-test-preflight"
RELEASE = f"{CHILD}kubernetes:helm.sh/v3:Release::arc-test-rg/arc-test-agents"
PROVIDER = f"{CHILD}pulumi:providers:kubernetes::arc-test-rg/arc-test-k8s"
ARM_SIDE = {
    f"{PROJECT}azure-native:resources:ResourceGroup::arc-test-rg",
    f"{PROJECT}command:local:Command::register-microsoft.kubernetes",
    f"{PROJECT}command:local:Command::register-microsoft.kubernetesconfiguration",
    f"{CHILD}azure-native:resources:Resource::arc-test-rg/arc-test-cluster",
}
PROXY = {
    "httpsProxy": "http://arcuser:S3cr%23t-pw@proxy.corp:3128",
    "httpProxy": "http://proxy.corp:3080",
    "noProxy": ["10.96.0.0/12", "kubernetes.default.svc", ".svc.cluster.local", ".svc"],
    "caCertFile": "tests/fixtures/proxy-ca.pem",
}
EASTUS_PROBES = [
    "management.azure.com:443",
    "eastus.dp.kubernetesconfiguration.azure.com:443",
    "login.microsoftonline.com:443",
    "eastus.login.microsoft.com:443",
    "login.windows.net:443",
    "mcr.microsoft.com:443",
    "gbl.his.arc.azure.com:443",
    "guestnotificationservice.azure.com:443",
    "sts.windows.net:443",
]


def resources(result) -> dict[str, dict[str, Any]]:
    assert result.code == 0, result.stderr
    return {r["urn"]: r for r in result.document["resources"]}


def container(job: dict[str, Any]) -> dict[str, Any]:
    only: dict[str, Any]
    (only,) = job["inputs"]["spec"]["template"]["spec"]["containers"]
    return only


class TestJobSpec:
    def test_without_proxy(self, plan) -> None:
        found = resources(plan(BASE_CONFIG, "--json"))
        assert SECRET not in found
        job = found[JOB]
        assert job["provider"] == PROVIDER and job["dependencies"] == [NAMESPACE]
        assert job["options"]["deleteBeforeReplace"] is True
        assert job["options"]["replaceOnChanges"] == ["*"]
        assert job["options"]["customTimeouts"] == {"create": "6m", "update": "6m", "delete": None}
        metadata = job["inputs"]["metadata"]
        assert metadata["name"] == "arc-preflight" and metadata["namespace"] == "azure-arc-preflight"
        assert metadata["annotations"] == {"pulumi.com/replaceUnready": "true"}
        spec = job["inputs"]["spec"]
        assert spec["backoffLimit"] == 1 and spec["activeDeadlineSeconds"] == 300
        assert "ttlSecondsAfterFinished" not in spec  # the Job stays: Pulumi owns it
        pod = spec["template"]["spec"]
        assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
        assert pod["securityContext"] == {
            "runAsGroup": 65534, "runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"},
        }  # fmt: skip
        assert "annotations" not in spec["template"]["metadata"]
        c = container(job)
        assert c["image"] == "mcr.microsoft.com/azurelinux/base/core:3.0"
        assert c["command"] == ["/bin/bash", "-c", SCRIPT, "arc-preflight"]
        assert c["args"] == EASTUS_PROBES
        assert "env" not in c
        assert c["terminationMessagePolicy"] == "FallbackToLogsOnError"
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
        }  # fmt: skip
        assert c["volumeMounts"] == [{"mountPath": "/tmp", "name": "tmp"}]
        namespace = found[NAMESPACE]["inputs"]["metadata"]
        assert namespace["name"] == "azure-arc-preflight"
        assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"

    def test_proxy_env_and_ca_mount(self, plan) -> None:
        found = resources(plan({**BASE_CONFIG, "proxy": PROXY}, "--json"))
        secret = found[SECRET]
        assert secret["inputs"]["metadata"] == {
            "labels": found[JOB]["inputs"]["metadata"]["labels"], "name": "arc-preflight-settings",
            "namespace": "azure-arc-preflight",
        }  # fmt: skip
        assert secret["inputs"]["stringData"] == "[secret]" and secret["inputs"]["type"] == "Opaque"
        assert secret["options"]["deleteBeforeReplace"] is True
        job = found[JOB]
        assert sorted(job["dependencies"]) == sorted(
            [NAMESPACE, SECRET, f"{CHILD}tls:index/privateKey:PrivateKey::arc-test-rg/arc-test-key"]
        )
        c = container(job)
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"]}
        assert sorted(env) == sorted([
            "ARC_PREFLIGHT_PROXY", "ARC_PREFLIGHT_PROXY_HOST", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "NO_PROXY", "no_proxy", "ARC_PREFLIGHT_PROXY_USER", "ARC_PREFLIGHT_REDACT",
        ])  # fmt: skip
        assert all(ref == {"key": name, "name": "arc-preflight-settings"} for name, ref in env.items())
        assert c["volumeMounts"][1] == {"mountPath": "/etc/arc-preflight/ca", "name": "proxy-ca", "readOnly": True}
        volumes = job["inputs"]["spec"]["template"]["spec"]["volumes"]
        assert volumes[1] == {
            "name": "proxy-ca",
            "secret": {
                "items": [{"key": "proxy-ca.crt", "path": "proxy-ca.crt"}],
                "secretName": "arc-preflight-settings",
            },
        }
        # A change of the Secret's data changes the Pod template: an HMAC, kept secret.
        annotations = job["inputs"]["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {"arc-onboarding.azure.com/settings-hmac": "[secret]"}

    def test_ca_only(self, plan) -> None:
        found = resources(plan({**BASE_CONFIG, "proxy": {"caCertFile": "tests/fixtures/proxy-ca.pem"}}, "--json"))
        c = container(found[JOB])
        assert "env" not in c  # no proxy variables: the Secret holds only the CA
        assert [m["name"] for m in c["volumeMounts"]] == ["tmp", "proxy-ca"]

    def test_custom_image_and_auto_upgrade(self, plan) -> None:
        config = {
            **BASE_CONFIG,
            "preflight": {"image": "registry.corp/mirror/azurelinux/base/core:3.0"},
            "agents": {"autoUpgrade": True},
        }
        c = container(resources(plan(config, "--json"))[JOB])
        assert c["image"] == "registry.corp/mirror/azurelinux/base/core:3.0"
        assert c["args"] == [*EASTUS_PROBES[:6], "dl.k8s.io:443", *EASTUS_PROBES[6:]]

    def test_region_and_cloud_change_the_endpoints(self, plan) -> None:
        west = container(resources(plan({**BASE_CONFIG, "location": "westeurope"}, "--json"))[JOB])
        assert west["args"] == [t.replace("eastus", "westeurope") for t in EASTUS_PROBES]
        gov = {
            **BASE_CONFIG,
            "cloud": "AzureUSGovernment",
            "location": "usgovvirginia",
            "azure-native:environment": "usgovernment",
        }
        # Learn's Azure Government list: the regional login host, public MCR, sts.windows.net and
        # the Cluster Connect host (8084) included; wildcards are not probed.
        assert container(resources(plan(gov, "--json"))[JOB])["args"] == [
            "management.usgovcloudapi.net:443", "usgovvirginia.dp.kubernetesconfiguration.azure.us:443",
            "login.microsoftonline.us:443", "usgovvirginia.login.microsoftonline.us:443", "mcr.microsoft.com:443",
            "gbl.his.arc.azure.us:443", "usgv.his.arc.azure.us:443", "guestnotificationservice.azure.us:443",
            "sts.windows.net:443", "usgovvirginia.obo.arc.azure.us:8084",
        ]  # fmt: skip

    def test_credentials_reach_only_the_secret(self, plan) -> None:
        for args in (("--json",), ()):
            result = plan({**BASE_CONFIG, "proxy": PROXY}, *args)
            assert result.code == 0, result.stderr
            assert "S3cr%23t-pw" not in result.stdout + result.stderr and "arcuser" not in result.stdout


class TestOrdering:
    def test_gates_the_connected_cluster_and_waits_for_nothing_in_azure(self, plan) -> None:
        found = resources(plan({**BASE_CONFIG, "proxy": PROXY}, "--json"))
        preflight = {NAMESPACE, SECRET, JOB}
        for urn in preflight:
            assert not ARM_SIDE & set(found[urn]["dependencies"]), urn
        # Issue 19 §5: the connected cluster, the first write to Azure, waits for the Job's verdict
        # (the CLI's diagnostic checks gate its PUT); the registrations and the group do not.
        cluster = f"{CHILD}azure-native:resources:Resource::arc-test-rg/arc-test-cluster"
        assert JOB in found[cluster]["dependencies"]
        for urn in ARM_SIDE - {cluster}:
            assert not preflight & set(found[urn]["dependencies"]), urn
        assert JOB in found[RELEASE]["dependencies"]
        assert f"{CHILD}azure-native:resources:Resource::arc-test-rg/arc-test-cluster" in found[RELEASE]["dependencies"]
        order = [r["urn"] for r in plan({**BASE_CONFIG, "proxy": PROXY}, "--json").document["resources"]]
        assert order.index(NAMESPACE) < order.index(SECRET) < order.index(JOB) < order.index(RELEASE)

    def test_disabled(self, plan) -> None:
        found = resources(plan({**BASE_CONFIG, "preflight": {"enabled": False}}, "--json"))
        assert not {NAMESPACE, SECRET, JOB} & set(found)
        assert not any("preflight" in u for u in found[RELEASE]["dependencies"])

    def test_china_runs_the_preflight(self, plan) -> None:
        result = plan(
            {**BASE_CONFIG, "cloud": "AzureChinaCloud", "location": "chinaeast2", "azure-native:environment": "china"},
            "--json",
        )
        found = resources(result)
        assert JOB in found and NAMESPACE in found and result.document["warnings"] == []
        assert container(found[JOB])["args"] == [
            "management.chinacloudapi.cn:443", "chinaeast2.dp.kubernetesconfiguration.azure.cn:443",
            "login.chinacloudapi.cn:443", "chinaeast2.login.chinacloudapi.cn:443", "login.partner.microsoftonline.cn:443",
            "mcr.azk8s.cn:443", "gbl.his.arc.azure.cn:443", "guestnotificationservice.azure.cn:443",
            "sts.chinacloudapi.cn:443", "chinaeast2.obo.arc.azure.cn:8084",
        ]  # fmt: skip
        required = result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]["requiredEndpoints"]
        assert {"mcr.azk8s.cn", "*.servicebus.chinacloudapi.cn"} <= {e["host"] for e in required}

    def test_fleet_one_preflight_per_cluster(self, plan) -> None:
        result = plan(None, "--config-file", str(ROOT / "Pulumi.fleet-example.yaml"), "--json")
        found = resources(result)
        jobs = {r["name"]: container(r)["args"] for r in found.values() if r["type"] == "kubernetes:batch/v1:Job"}
        assert set(jobs) == {
            "arc-fleet-stores-rg/store-0101-preflight", "arc-fleet-stores-rg/store-0102-preflight",
            "arc-fleet-plants-rg/plant-07-preflight",
        }  # fmt: skip
        assert "northeurope.dp.kubernetesconfiguration.azure.com:443" in jobs["arc-fleet-plants-rg/plant-07-preflight"]
        assert "westeurope.dp.kubernetesconfiguration.azure.com:443" in jobs["arc-fleet-stores-rg/store-0101-preflight"]


class TestSettingsData:
    def test_environment_for_curl(self) -> None:
        proxy = ProxySettings(
            http_proxy="http://proxy.corp:3080", https_proxy="http://u:p%40ss@proxy.corp:3128",
            no_proxy=("10.96.0.0/12", ".svc"), ca_cert_pem="PEM",
        )  # fmt: skip
        # Finding 1: the credentials apart from the URL curl sees, and every form of them to redact.
        assert settings_data(proxy) == {
            "HTTPS_PROXY": "http://proxy.corp:3128", "https_proxy": "http://proxy.corp:3128",
            "ARC_PREFLIGHT_PROXY_USER": "u:p@ss",
            "ARC_PREFLIGHT_REDACT": "dTpwQHNz\nu:p%40ss\np%40ss\nu:p@ss\np@ss",
            "HTTP_PROXY": "http://proxy.corp:3080", "http_proxy": "http://proxy.corp:3080",
            "NO_PROXY": "10.96.0.0/12,.svc", "no_proxy": "10.96.0.0/12,.svc",
            "ARC_PREFLIGHT_PROXY": "http://proxy.corp:3128", "ARC_PREFLIGHT_PROXY_HOST": "proxy.corp",
            "proxy-ca.crt": "PEM",
        }  # fmt: skip
        assert settings_data(ProxySettings()) == {}
        assert settings_data(ProxySettings(http_proxy="http://p:1"))["ARC_PREFLIGHT_PROXY"].startswith("none for HTTPS")

    @pytest.mark.parametrize(
        ("url", "shown"),
        [
            ("http://user:pw@proxy.corp:3128", "http://proxy.corp:3128"),
            ("https://proxy.corp", "https://proxy.corp"),
            ("http://[fd00::1]:8080", "http://[fd00::1]:8080"),
        ],
    )
    def test_shown_proxy_drops_credentials(self, url: str, shown: str) -> None:
        assert shown_proxy(url) == shown

    @pytest.mark.parametrize(
        ("url", "bare", "info"),
        [
            ("http://user:pw@proxy.corp:3128", "http://proxy.corp:3128", "user:pw"),
            # Hosts curl cannot parse (finding 1) lose their credentials all the same.
            ("http://user:pass@proxy.corp,example:3128", "http://proxy.corp,example:3128", "user:pass"),
            ("http://u:p@ss@h{x}:1/a@b", "http://h{x}:1/a@b", "u:p@ss"),
            ("user:pw@proxy:3128", "proxy:3128", "user:pw"),
            ("http://[fd00::1]:8080", "http://[fd00::1]:8080", ""),
        ],
    )
    def test_finding_1_curl_gets_the_url_without_userinfo(self, url: str, bare: str, info: str) -> None:
        assert without_userinfo(url) == bare and userinfo(url) == info

    def test_hmac_changes_with_any_setting_and_only_then(self) -> None:
        base = settings_data(ProxySettings(https_proxy="http://u:one@p:3128", no_proxy=(".svc",)))
        assert settings_hmac("key", base) == settings_hmac("key", dict(reversed(list(base.items()))))
        changed = settings_data(ProxySettings(https_proxy="http://u:two@p:3128", no_proxy=(".svc",)))
        assert settings_hmac("key", base) != settings_hmac("key", changed)
        assert settings_hmac("key", base) != settings_hmac("other-key", base)
        assert "one" not in settings_hmac("key", base)


class TestEndpointsCommand:
    def test_text(self, plan) -> None:
        result = plan(BASE_CONFIG, "--endpoints")
        assert result.code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "# Outbound endpoints of arc-onboarding / stack test: arc-test-rg/arc-test (eastus)"
        assert lines[1] == "# cloud: AzureCloud"
        rows = [line.split() for line in lines if not line.startswith("#")]
        assert [r[0] for r in rows if r[1] == "yes"] == [
            e.target for e in network.required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False))
        ]
        assert len(rows) == 22
        relay = next(r for r in rows if r[0] == "*.servicebus.windows.net:443")
        assert relay[1:4] == ["yes", "yes", "all"]
        assert next(r for r in rows if r[0] == "eastus.obo.arc.azure.com:8084")[1] == "no"

    def test_json_matches_the_stack_output(self, plan) -> None:
        document = json.loads(plan(BASE_CONFIG, "--endpoints", "--json").stdout)
        assert list(document) == ["project", "stack", "cloud", "documented", "notes", "clusters", "endpoints"]
        assert document["clusters"] == [{"name": "arc-test-rg/arc-test", "location": "eastus"}]
        required = [
            {k: v for k, v in e.items() if k not in ("required", "clusters", "requiredBy")}
            for e in document["endpoints"]
            if e["required"]
        ]
        exported = plan(BASE_CONFIG, "--json").document["outputs"]["clusters"]["arc-test-rg/arc-test"][
            "requiredEndpoints"
        ]
        assert required == exported

    def test_fleet_lists_each_region_once(self, plan) -> None:
        result = plan(None, "--config-file", str(ROOT / "Pulumi.fleet-example.yaml"), "--endpoints", "--json")
        assert result.code == 0, result.stderr
        endpoints = {e["host"]: e for e in json.loads(result.stdout)["endpoints"]}
        assert endpoints["northeurope.dp.kubernetesconfiguration.azure.com"]["clusters"] == [
            "arc-fleet-plants-rg/plant-07"
        ]
        assert endpoints["westeurope.dp.kubernetesconfiguration.azure.com"]["clusters"] == [
            "arc-fleet-stores-rg/store-0101", "arc-fleet-stores-rg/store-0102",
        ]  # fmt: skip
        assert len(endpoints["management.azure.com"]["clusters"]) == 3

    AUTO_UPGRADE_IN_ONE: ClassVar[dict[str, Any]] = {
        "location": "westeurope", "resourceGroup": "rg",
        "clusters": [
            {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
            {"clusterName": "c2", "kubeContext": "kind-other", "agents": {"autoUpgrade": True}},
        ],
    }  # fmt: skip

    def test_auto_upgrade_in_one_cluster_makes_dl_k8s_io_required(self, plan) -> None:
        document = json.loads(plan(self.AUTO_UPGRADE_IN_ONE, "--endpoints", "--json").stdout)
        endpoints = {e["host"]: e for e in document["endpoints"]}
        assert endpoints["dl.k8s.io"]["required"] is True

    def test_finding_11_fleet_endpoints_name_the_clusters_that_need_them(self, plan) -> None:
        text = plan(self.AUTO_UPGRADE_IN_ONE, "--endpoints").stdout
        rows = {line.split()[0]: line.split() for line in text.splitlines() if not line.startswith("#")}
        assert rows["dl.k8s.io:443"][1:4] == ["yes", "no", "rg/c2"]
        assert rows["management.azure.com:443"][1:4] == ["yes", "no", "all"]
        document = json.loads(plan(self.AUTO_UPGRADE_IN_ONE, "--endpoints", "--json").stdout)
        endpoints = {e["host"]: e for e in document["endpoints"]}
        assert endpoints["dl.k8s.io"]["requiredBy"] == ["rg/c2"]
        assert endpoints["dl.k8s.io"]["clusters"] == ["rg/c1", "rg/c2"]
        assert endpoints["management.azure.com"]["requiredBy"] == ["rg/c1", "rg/c2"]

    def test_china_cloud(self, plan) -> None:
        result = plan(
            {**BASE_CONFIG, "cloud": "AzureChinaCloud", "location": "chinaeast2", "azure-native:environment": "china"},
            "--endpoints",
        )
        assert result.code == 0
        assert (
            "# Source: https://learn.microsoft.com/azure/azure-arc/kubernetes/network-requirements?tabs=azure-china"
            in (result.stdout)
        )
        document = json.loads(
            plan(
                {
                    **BASE_CONFIG,
                    "cloud": "AzureChinaCloud",
                    "location": "chinaeast2",
                    "azure-native:environment": "china",
                },
                "--endpoints",
                "--json",
            ).stdout
        )
        hosts = {e["host"]: e["required"] for e in document["endpoints"]}
        assert document["documented"] is True
        # The registry mirrors and the portal are listed, never required by the agents.
        assert hosts["mcr.azk8s.cn"] is True and hosts["quay.azk8s.cn"] is False and hosts["*.arc.azure.cn"] is False

    def test_invalid_configuration_exits_2(self, plan) -> None:
        result = plan({**BASE_CONFIG, "cloud": "AzureMoon"}, "--endpoints")
        assert result.code == 2 and result.stdout == ""
        assert result.stderr.startswith("arc-onboarding:cloud: must be one of")

    def test_warnings_go_to_stderr(self, plan) -> None:
        result = plan({**BASE_CONFIG, "proxy": {"httpsProxy": "http://p:3128"}}, "--endpoints", "--json")
        assert result.code == 0 and json.loads(result.stdout)["cloud"] == "AzureCloud"
        assert "warning: arc-onboarding:proxy.noProxy: lacks" in result.stderr


def test_plan_tree_shows_required_endpoints(plan) -> None:
    result = plan(BASE_CONFIG)
    assert result.code == 0
    assert "required endpoints for arc-test-rg/arc-test (13; all: --endpoints):" in result.stdout
    assert "  *.servicebus.windows.net:443 (websockets)" in result.stdout
    assert re.search(
        r"^ \+ .*kubernetes:batch/v1:Job +arc-test-rg/arc-test-preflight +create$", result.stdout, re.MULTILINE
    )


def test_secret_location_keeps_endpoints_secret(plan) -> None:
    raw = BASE_STACK_YAML + "  arc-onboarding:preflight:\n    image:\n      secure: AAABAKxyz==\n"
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    job = next(r for r in result.document["resources"] if r["type"] == "kubernetes:batch/v1:Job")
    assert container(job)["image"] == "[secret]"


def test_ca_fixture_is_what_the_secret_would_carry() -> None:
    pem = (FIXTURES / "proxy-ca.pem").read_text()
    assert settings_data(ProxySettings(ca_cert_pem=pem))["proxy-ca.crt"] == pem
