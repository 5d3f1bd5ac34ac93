"""Settings: types, defaults, names, proxy, CA and kubeconfig rules; every problem names its key."""

from __future__ import annotations

import datetime
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.schema import DEFAULT_CHART, DEFAULT_CHART_VERSION
from components.settings import SECURE_PLACEHOLDER, ConfigError, StackSettings, load
from components.settings.agents import local_chart_version
from tests.conftest import BASE_CONFIG, FIXTURES, KUBECONFIG, ROOT, engine_config

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}
# A noProxy that Microsoft's guidance is happy with: no routing warnings.
GOOD_NO_PROXY = ["10.96.0.0/12", "kubernetes.default.svc", ".svc.cluster.local", ".svc"]


def settings(
    overrides: dict[str, Any] | None = None,
    secret: Sequence[str] = (),
    env: dict[str, str] = ENV,
    drop: tuple[str, ...] = (),
) -> StackSettings:
    values = {k: v for k, v in {**BASE_CONFIG, **(overrides or {})}.items() if k not in drop}
    return load(
        engine_config(values), [f"arc-onboarding:{k}" for k in secret], ROOT, env, today=datetime.date(2026, 11, 25)
    )


def problems(overrides: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(overrides, **kwargs)
    return raised.value.problems


def test_defaults() -> None:
    s = settings()
    (cluster,) = s.clusters
    assert s.cloud.name == "AzureCloud" and s.register_providers is True
    assert cluster.create_resource_group is True
    assert cluster.distribution == "generic" and cluster.infrastructure == "generic"
    assert cluster.tags == {}
    assert cluster.agents.chart == DEFAULT_CHART
    assert cluster.agents.chart_version == DEFAULT_CHART_VERSION == "1.36.1"
    assert cluster.agents.auto_upgrade is False and cluster.agents.timeout_seconds == 1200
    assert not cluster.proxy.enabled and cluster.proxy.ca_cert_pem is None
    assert cluster.kube.context == "kind-arc-dev" and cluster.kube.context_source == "kubeContext"
    assert s.warnings == ()


def test_location_is_normalized() -> None:
    assert settings({"location": "East US"}).clusters[0].location == "eastus"


def test_unknown_location_is_a_warning_with_a_suggestion() -> None:
    s = settings({"location": "westeurop"})
    assert s.clusters[0].location == "westeurop"
    assert any("arc-onboarding:location:" in w and "'westeurope'" in w for w in s.warnings)


def test_all_problems_are_reported_at_once() -> None:
    found = problems(
        {"clusterName": "-bad-", "resourceGroup": "rg.", "distribution": "kindd", "agents": {"timeoutSeconds": 0}}
    )
    assert [p.split(":")[1] for p in found] == ["clusterName", "resourceGroup", "distribution", "agents.timeoutSeconds"]
    assert "did you mean `kind`" in found[2]


@pytest.mark.parametrize("key", ["clusterName", "resourceGroup", "location"])
def test_required_keys(key: str) -> None:
    (problem,) = problems(drop=(key,))
    assert problem == f"arc-onboarding:{key}: is required: `pulumi config set arc-onboarding:{key} VALUE`"


@pytest.mark.parametrize(
    "name", ["", " ", "a" * 64, "-start", "end-", "has space", "dot.ted", "multi\nline", "slash/name", "ü-umlaut"]
)
def test_bad_cluster_names(name: str) -> None:
    assert [p.split(":")[1] for p in problems({"clusterName": name})] == ["clusterName"]


@pytest.mark.parametrize("name", ["a", "A1", "a" * 63, "my_cluster-01"])
def test_good_cluster_names(name: str) -> None:
    assert settings({"clusterName": name}).clusters[0].cluster_name == name


@pytest.mark.parametrize("name", ["", "a" * 91, "ends.", "has space", "semi;colon", "hash#"])
def test_bad_group_names(name: str) -> None:
    assert [p.split(":")[1] for p in problems({"resourceGroup": name})] == ["resourceGroup"]


@pytest.mark.parametrize("name", ["rg", "a" * 90, "my.group(1)_x-y", "Gruppe-ä"])
def test_good_group_names(name: str) -> None:
    assert settings({"resourceGroup": name}).clusters[0].resource_group == name


def test_unknown_keys_with_suggestions() -> None:
    found = problems({"clustername": "x", "proxy": {"httpsproxy": "http://p:1"}, "agents": {"chartVerison": "1.36.1"}})
    assert "arc-onboarding:clustername: unknown key (did you mean `clusterName`?)" in found
    assert "arc-onboarding:proxy.httpsproxy: unknown key (did you mean `httpsProxy`?)" in found
    assert "arc-onboarding:agents.chartVerison: unknown key (did you mean `chartVersion`?)" in found


def test_flat_dotted_key_shows_the_path_command() -> None:
    (problem,) = problems({"proxy.httpsProxy": "http://proxy:3128"})
    assert problem.startswith("arc-onboarding:proxy.httpsProxy: is a flat key")
    assert "pulumi config set --path 'arc-onboarding:proxy.httpsProxy' VALUE" in problem


def test_keys_of_other_namespaces_are_ignored() -> None:
    loaded = settings({"azure-native:location": "westus", "kubernetes:enableServerSideApply": "true"})
    assert loaded.clusters[0].location == "eastus"  # arc-onboarding's, not azure-native's


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"createResourceGroup": "yes"}, "createResourceGroup", "must be true or false"),
        ({"agents": {"timeoutSeconds": 12.5}}, "agents.timeoutSeconds", "must be a whole number"),
        ({"agents": {"timeoutSeconds": "soon"}}, "agents.timeoutSeconds", "must be a whole number"),
        ({"agents": {"autoUpgrade": "yes"}}, "agents.autoUpgrade", "must be true or false"),
        ({"agents": {"chartVersion": 1.36}}, "agents.chartVersion", "must be a string"),
        ({"tags": {"team": {"nested": "x"}}}, "tags.team", "must be a string"),
        ({"proxy": {"noProxy": "a,b"}}, "proxy.noProxy", "must be a list"),
        ({"proxy": ["x"]}, "proxy", "must be a mapping"),
    ],
)
def test_wrong_types(overrides: dict[str, Any], key: str, message: str) -> None:
    (problem,) = problems(overrides)
    assert problem.startswith(f"arc-onboarding:{key}: {message}")


def test_object_given_as_plain_string() -> None:
    (problem,) = problems({"agents": "1.36.1"})
    assert problem.startswith("arc-onboarding:agents: must be a mapping, not a string")


def test_whole_numbers_and_boolean_strings_are_accepted() -> None:
    cluster = settings({"agents": {"timeoutSeconds": "600", "autoUpgrade": "true"}}).clusters[0]
    assert cluster.agents.timeout_seconds == 600 and cluster.agents.auto_upgrade is True


@pytest.mark.parametrize("version", ["1.36", "v1.36.1", "latest", "1.13.4", "0.2.9"])
def test_bad_chart_versions(version: str) -> None:
    assert [p.split(":")[1] for p in problems({"agents": {"chartVersion": version}})] == ["agents.chartVersion"]


@pytest.mark.parametrize("version", ["1.14.0", "1.35.3", "1.36.2-preview"])
def test_good_chart_versions(version: str) -> None:
    assert settings({"agents": {"chartVersion": version}}).clusters[0].agents.chart_version == version


@pytest.mark.parametrize(
    "chart", ["https://example.com/chart.tgz", "file:///charts/arc", "ftp://x/y", "oci://", "no/such/dir"]
)
def test_bad_chart_references(chart: str) -> None:
    assert [p.split(":")[1] for p in problems({"agents": {"chart": chart}})] == ["agents.chart"]


LOCAL_CHART = "tests/fixtures/charts/azure-arc-k8sagents"


def test_local_chart_path_relative_to_project() -> None:
    assert settings({"agents": {"chart": LOCAL_CHART}}).clusters[0].agents.chart == LOCAL_CHART


def test_a_packaged_local_chart_is_read_for_its_version(tmp_path: Path) -> None:
    packaged = tmp_path / "azure-arc-k8sagents-1.36.1.tgz"
    with tarfile.open(packaged, "w:gz") as archive:
        archive.add(ROOT / LOCAL_CHART, arcname="azure-arc-k8sagents")
    assert local_chart_version(packaged) == "1.36.1"
    assert settings({"agents": {"chart": str(packaged)}}).clusters[0].agents.chart == str(packaged)


@pytest.mark.parametrize(
    ("agents", "key", "says"),
    [
        ({"chart": "tests/fixtures"}, "agents.chart", "is not a Helm chart"),
        ({"chart": "tests/fixtures/kubeconfig"}, "agents.chart", "is not a Helm chart"),
        ({"chart": LOCAL_CHART, "chartVersion": "1.35.3"}, "agents.chartVersion", "holds version 1.36.1"),
        ({"chart": LOCAL_CHART, "autoUpgrade": True}, "agents.autoUpgrade", "must be false with a local chart"),
    ],
)
def test_a_local_chart_must_be_a_chart_of_the_pinned_version_and_pinned(agents, key: str, says: str) -> None:
    """Helm installs a path's own version whatever the pin (air-gapped sites: docs/network.md)."""
    found = problems({"agents": agents})
    assert [p.split(":")[1] for p in found] == [key] and says in found[0], found


def test_distribution_must_be_known_but_infrastructure_may_pass_through() -> None:
    assert problems({"distribution": "talos"})[0].startswith("arc-onboarding:distribution: must be one of generic,")
    s = settings({"infrastructure": "Windows 11 Enterprise"})
    assert s.clusters[0].infrastructure == "Windows 11 Enterprise"
    assert any(w.startswith("arc-onboarding:infrastructure:") for w in s.warnings)


def test_cloud_must_agree_with_azure_native_environment() -> None:
    agreed = settings(
        {"cloud": "AzureUSGovernment", "location": "usgovvirginia", "azure-native:environment": "usgovernment"}
    )
    assert agreed.cloud.name == "AzureUSGovernment"
    (problem,) = problems(
        {"cloud": "AzureUSGovernment", "location": "usgovvirginia", "azure-native:environment": "public"}
    )
    assert problem.startswith("arc-onboarding:cloud: is AzureUSGovernment but azure-native:environment is 'public'")


def test_unknown_cloud() -> None:
    assert problems({"cloud": "AzureStack"})[0].startswith("arc-onboarding:cloud: must be one of")


def test_tags_limits() -> None:
    found = problems({"tags": {"a/b": "x", "ok": "v" * 257}})
    assert [p.split(":")[1] for p in found] == ["tags.a/b", "tags.ok"]


class TestProxy:
    def test_urls_and_no_proxy(self) -> None:
        proxy = (
            settings(
                {
                    "proxy": {
                        "httpProxy": "http://proxy.corp:3128",
                        "httpsProxy": "https://proxy.corp:3129",
                        "noProxy": [
                            "10.0.0.0/8",
                            ".svc",
                            "kubernetes.default.svc",
                            "*.corp.example",
                            "192.168.1.1",
                            "localhost:8080",
                            "::1",
                            "fd00::/8",
                        ],
                    }
                }
            )
            .clusters[0]
            .proxy
        )
        assert proxy.enabled and not proxy.secret
        assert proxy.no_proxy[0] == "10.0.0.0/8"

    @pytest.mark.parametrize(
        "url",
        [
            "proxy.corp:3128",
            "socks5://proxy:1080",
            "ftp://proxy:21",
            "http://user:pw@:3128",
            "http://proxy:99999",
            "http://proxy:abc",
            "http://proxy:0",
            "http://proxy:3128/path",
            "http:// proxy:3128",
            "http://",
        ],
    )
    def test_bad_urls_name_the_key_and_never_echo_the_value(self, url: str) -> None:
        (problem,) = problems({"proxy": {"httpsProxy": url}})
        assert problem.startswith("arc-onboarding:proxy.httpsProxy: ")
        assert url not in problem

    def test_credentials_make_proxy_secret_and_warn_when_stored_in_plaintext(self) -> None:
        s = settings({"proxy": {"httpsProxy": "http://user:p%40ss@proxy:3128", "noProxy": GOOD_NO_PROXY}})
        assert s.clusters[0].proxy.secret and s.clusters[0].is_secret("proxy")
        (warning,) = s.warnings
        assert warning.startswith("arc-onboarding:proxy.httpsProxy: holds credentials in plaintext")
        assert "p%40ss" not in warning and "p@ss" not in warning

    def test_credentials_stored_as_secret_do_not_warn(self) -> None:
        s = settings({"proxy": {"httpsProxy": "http://user:pw@proxy:3128", "noProxy": GOOD_NO_PROXY}}, secret=["proxy"])
        assert s.warnings == () and s.clusters[0].proxy.secret

    def test_secret_proxy_key_makes_all_proxy_values_secret(self) -> None:
        s = settings({"proxy": {"httpsProxy": "http://p:3128", "noProxy": ["10.0.0.0/8"]}}, secret=["proxy"])
        assert s.clusters[0].proxy.secret

    @pytest.mark.parametrize(
        "entry", ["", " ", "10.0.0.0/33", "a,b", "has space", "bad_label-.com", "300.1.1.1/8", "host:99999"]
    )
    def test_bad_no_proxy_entries(self, entry: str) -> None:
        (problem,) = problems({"proxy": {"noProxy": ["ok.example", entry]}})
        assert problem.startswith("arc-onboarding:proxy.noProxy[1]: ")

    def test_ca_file(self) -> None:
        proxy = settings({"proxy": {"caCertFile": "tests/fixtures/proxy-ca.pem"}}).clusters[0].proxy
        assert proxy.ca_cert_pem == (FIXTURES / "proxy-ca.pem").read_text()
        assert not proxy.enabled

    @pytest.mark.parametrize(
        ("file", "message"),
        [
            ("tests/fixtures/missing.pem", "no such file"),
            ("tests/fixtures", "is not a file"),
            ("tests/fixtures/empty.pem", "is empty"),
            ("tests/fixtures/not-pem.pem", "is not a PEM certificate"),
            ("tests/fixtures/private-key.pem", "holds a private key"),
        ],
    )
    def test_bad_ca_files(self, file: str, message: str) -> None:
        (problem,) = problems({"proxy": {"caCertFile": file}})
        assert problem.startswith("arc-onboarding:proxy.caCertFile: ") and message in problem

    def test_private_key_content_is_never_echoed(self) -> None:
        (problem,) = problems({"proxy": {"caCertFile": "tests/fixtures/private-key.pem"}})
        assert "BEGIN" not in problem

    def test_expired_ca_is_a_warning(self) -> None:
        s = settings({"proxy": {"caCertFile": "tests/fixtures/expired-ca.pem"}})
        (warning,) = s.warnings
        assert warning.startswith("arc-onboarding:proxy.caCertFile: ") and "expired on" in warning


class TestKubeconfig:
    def test_first_entry_of_kubeconfig_list(self) -> None:
        env = {"KUBECONFIG": f"{KUBECONFIG}:/other/config", "HOME": "/x"}
        kube = settings(env=env, drop=("kubeContext",)).clusters[0].kube
        assert kube.path == str(KUBECONFIG)
        assert kube.context == "kind-arc-dev" and kube.context_source == "current-context"
        assert kube.content is not None
        # Only the chosen context, its cluster and its user: no other cluster's credentials.
        assert yaml.safe_load(kube.content) == {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "kind-arc-dev",
            "contexts": [{"name": "kind-arc-dev", "context": {"cluster": "kind-arc-dev", "user": "kind-arc-dev"}}],
            "clusters": [
                {
                    "name": "kind-arc-dev",
                    "cluster": {
                        "server": "https://127.0.0.1:6443",
                        "certificate-authority-data": "RklYVFVSRS1DQS1EQVRB",
                    },
                }
            ],
            "users": [{"name": "kind-arc-dev", "user": {"token": "fixture-token-5f2c9a1e7b"}}],
        }
        assert "Rml4dHVyZUNsaWVudEtleURhdGE5OTk=" not in kube.content  # the other context's client key

    def test_context_naming_an_undefined_cluster_is_an_error(self, tmp_path: Path) -> None:
        broken = tmp_path / "config"
        broken.write_text(
            KUBECONFIG.read_text().replace("cluster: kind-other, user: other", "cluster: gone, user: other")
        )
        (problem,) = problems({"kubeconfig": str(broken), "kubeContext": "kind-other"})
        assert problem.startswith("arc-onboarding:kubeContext: context 'kind-other' in ")
        assert "names a cluster or user the file does not define" in problem

    def test_home_fallback(self, tmp_path: Path) -> None:
        (tmp_path / ".kube").mkdir()
        (tmp_path / ".kube" / "config").write_text(KUBECONFIG.read_text())
        kube = settings(env={"HOME": str(tmp_path)}, overrides={"kubeContext": "kind-other"}).clusters[0].kube
        assert kube.path == str(tmp_path / ".kube" / "config") and kube.context == "kind-other"

    def test_explicit_file_relative_to_project(self) -> None:
        kube = settings({"kubeconfig": "tests/fixtures/kubeconfig"}, env={"HOME": "/x"}).clusters[0].kube
        assert kube.path == str(KUBECONFIG)

    def test_missing_file_is_a_warning(self) -> None:
        s = settings({"kubeconfig": "nope/config"})
        assert s.clusters[0].kube.content is None and s.clusters[0].kube.context == "kind-arc-dev"
        assert any(w.startswith("arc-onboarding:kubeconfig: ") and "does not exist" in w for w in s.warnings)

    def test_context_not_in_file_is_an_error(self) -> None:
        (problem,) = problems({"kubeContext": "kind-arc-devv"})
        assert problem.startswith("arc-onboarding:kubeContext: context 'kind-arc-devv' is not in")
        assert "did you mean `kind-arc-dev`" in problem

    def test_not_a_kubeconfig(self) -> None:
        (problem,) = problems({"kubeconfig": "tests/fixtures/not-pem.pem"})
        assert problem.startswith("arc-onboarding:kubeconfig: ")


def test_secure_placeholders_are_secret_and_unvalidated() -> None:
    s = settings({"proxy": {"httpsProxy": SECURE_PLACEHOLDER}}, secret=["proxy"])
    assert s.unvalidated == ("arc-onboarding:proxy.httpsProxy",)
    assert s.clusters[0].proxy.enabled and s.clusters[0].proxy.secret


def test_names_used_in_urns_cannot_be_secret() -> None:
    (problem,) = problems(secret=["clusterName"])
    assert problem.startswith("arc-onboarding:clusterName: is set as a secret")


def test_in_cluster_is_an_explicit_opt_in() -> None:
    kube = settings({"kubeconfig": "in-cluster"}, drop=("kubeContext",)).clusters[0].kube
    assert (kube.path, kube.content, kube.context, kube.context_source) == ("in-cluster", None, None, "in-cluster")
    (problem,) = problems({"kubeconfig": "in-cluster"})
    assert problem.startswith("arc-onboarding:kubeContext: cannot be combined with kubeconfig: in-cluster")
