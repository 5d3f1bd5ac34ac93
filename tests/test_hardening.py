"""Issue 10, hardening round two: one regression test (or more) per finding, named after it."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import ConfigError, StackSettings, files, load
from tests.conftest import BASE_CONFIG, BASE_STACK_YAML, FIXTURES, KUBECONFIG, ROOT, engine_config

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}


def settings(
    overrides: dict[str, Any],
    secret: tuple[str, ...] = (),
    env: dict[str, str] = ENV,
    drop: tuple[str, ...] = (),
    drop_context: bool = False,
) -> StackSettings:
    base = {k: v for k, v in BASE_CONFIG.items() if k not in drop and not (drop_context and k == "kubeContext")}
    return load(
        engine_config({**base, **overrides}),
        [f"arc-onboarding:{k}" for k in secret],
        ROOT,
        env,
        today=datetime.date(2026, 11, 25),
    )


def problems(
    overrides: dict[str, Any], secret: tuple[str, ...] = (), env: dict[str, str] = ENV, drop: tuple[str, ...] = ()
) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(overrides, secret, env, drop)
    return raised.value.problems


# --- finding 3: only the certificates of the CA file are sent -----------------------------------


def test_finding_03_only_the_parsed_certificates_reach_the_chart(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    certificate = (FIXTURES / "proxy-ca.pem").read_text()
    bundle.write_text(f"# corporate bundle\nclient_secret = s3cr3t-in-the-bundle\n{certificate}\ntrailing note\n")
    pem = settings({"proxy": {"caCertFile": str(bundle)}}).clusters[0].proxy.ca_cert_pem
    assert pem is not None and "s3cr3t" not in pem and "note" not in pem and "#" not in pem
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n") and pem.endswith("-----END CERTIFICATE-----\n")
    assert pem.split() == certificate.split()


# --- finding 8: bounded input --------------------------------------------------------------------

ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_finding_08_a_yaml_alias_bomb_in_the_stack_file_is_a_config_error(plan) -> None:
    started = time.monotonic()
    result = plan(
        None,
        raw=BASE_STACK_YAML + "  arc-onboarding:tags:\n" + "".join(f"    {line}\n" for line in ALIAS_BOMB.splitlines()),
    )
    assert time.monotonic() - started < 10
    assert result.code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("arc-onboarding:tags: Pulumi.test.yaml: expands to more than ")


def test_finding_08_a_yaml_alias_bomb_in_the_kubeconfig_is_a_config_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        KUBECONFIG.read_text() + "extensions:\n" + "".join(f"  {x}\n" for x in ALIAS_BOMB.splitlines())
    )
    (problem,) = problems({"kubeconfig": str(kubeconfig)})
    assert problem.startswith(f"arc-onboarding:kubeconfig: {kubeconfig} is not a kubeconfig (expands to more than")


def test_finding_08_deep_nesting_is_a_config_error(plan) -> None:
    deep = "[" * 500 + "]" * 500
    result = plan(None, raw=BASE_STACK_YAML + f"  arc-onboarding:tags: {{a: {deep}}}\n")
    assert result.code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("arc-onboarding:tags: Pulumi.test.yaml: nests deeper than 64 levels at line ")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_finding_08_a_device_as_kubeconfig_is_refused_unread(device: str) -> None:
    started = time.monotonic()
    (problem,) = problems({"kubeconfig": device})
    assert time.monotonic() - started < 5
    assert problem.startswith(f"arc-onboarding:kubeconfig: {device} cannot be read (not a regular file")


def test_finding_08_a_fifo_as_ca_file_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    (problem,) = problems({"proxy": {"caCertFile": str(fifo)}})
    assert problem.startswith("arc-onboarding:proxy.caCertFile: ") and "not a regular file" in problem


def test_finding_08_a_huge_kubeconfig_is_refused(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    with kubeconfig.open("wb") as file:
        file.truncate(17 * 1024 * 1024)  # sparse: costs no disk
    (problem,) = problems({"kubeconfig": str(kubeconfig)})
    assert problem == (
        f"arc-onboarding:kubeconfig: {kubeconfig} cannot be read (larger than 16 MiB); "
        "point `arc-onboarding:kubeconfig` (or $KUBECONFIG) at the cluster's kubeconfig file"
    )


def test_finding_08_a_path_that_exists_but_cannot_be_read_is_not_missing(tmp_path: Path) -> None:
    loop = tmp_path / "config"
    loop.symlink_to(loop)  # exists as a name, cannot be opened (root reads through permissions)
    (problem,) = problems({"kubeconfig": str(loop)})
    assert "does not exist" not in problem
    assert problem.startswith(f"arc-onboarding:kubeconfig: {loop} cannot be read (Too many levels of symbolic links)")
    (problem,) = problems({"proxy": {"caCertFile": str(loop)}})
    assert "no such file" not in problem and "cannot be read" in problem


def test_finding_08_permission_denied_is_not_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(KUBECONFIG.read_text())
    real_stat = Path.stat

    def denied(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        if self == kubeconfig:
            raise PermissionError(13, "Permission denied")
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", denied)
    assert files.exists(kubeconfig)


# --- finding 12: a sovereign cloud needs the provider's environment ------------------------------


@pytest.mark.parametrize(
    ("cloud", "location"), [("AzureUSGovernment", "usgovvirginia"), ("AzureChinaCloud", "chinaeast2")]
)
def test_finding_12_sovereign_cloud_without_provider_environment(cloud: str, location: str) -> None:
    (problem,) = problems({"cloud": cloud, "location": location})
    assert problem.startswith(
        f"arc-onboarding:cloud: is {cloud} but neither azure-native:environment nor ARM_ENVIRONMENT"
    )
    assert settings({"cloud": cloud, "location": location}, env={**ENV, "ARM_ENVIRONMENT": "usgovernment"}).clusters
    environment = "usgovernment" if cloud == "AzureUSGovernment" else "china"
    assert settings({"cloud": cloud, "location": location, "azure-native:environment": environment}).clusters
    assert settings({"cloud": "AzureCloud"}).clusters  # public needs neither


# --- findings 13 and 14: duplicate keys and syntax errors in a stack file ------------------------


def test_finding_13_duplicate_keys_name_the_key_and_both_lines(plan) -> None:
    result = plan(None, raw=BASE_STACK_YAML + "  arc-onboarding:location: westeurope\n")
    assert result.code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "arc-onboarding:location: Pulumi.test.yaml: duplicate key `arc-onboarding:location` at lines 4 and 6"
    )


def test_finding_13_duplicate_keys_within_an_object(plan) -> None:
    raw = BASE_STACK_YAML + "  arc-onboarding:proxy:\n    httpsProxy: http://a:3128\n    httpsProxy: http://b:3128\n"
    result = plan(None, raw=raw)
    (line,) = result.stderr.splitlines()
    assert line.startswith("arc-onboarding:proxy: Pulumi.test.yaml: duplicate key `httpsProxy` at lines 7 and 8")


def test_finding_14_syntax_errors_give_line_column_and_what_was_expected(plan) -> None:
    result = plan(None, raw=BASE_STACK_YAML + "  arc-onboarding:tags: [a, b\n")
    assert result.code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and "the stack file is not valid YAML: did not find expected ',' or ']'" in line
    assert "at line 7, column 1" in line


def test_finding_02_yaml_tags_are_not_echoed(plan, tmp_path: Path) -> None:
    result = plan(None, raw=BASE_STACK_YAML + "  arc-onboarding:gitops:\n    httpsPassword: !ghp_Sup3rS3cret\n")
    assert result.code == 2 and "Sup3r" not in result.stderr
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        KUBECONFIG.read_text().replace("users:", "users:\n- name: x\n  user:\n    password: !Sup3rSecret", 1)
    )
    (problem,) = problems({"kubeconfig": str(kubeconfig)})
    assert "Sup3r" not in problem and "a tag such as !name" in problem


# --- finding 1: proxy hosts curl can parse, nothing else ------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["proxy.corp,example", *(f"proxy{c}corp" for c in "!'*()=+&$<\"{"), "a_b.corp", "-proxy.corp", "[fe80::1%25eth0]"],
)
def test_finding_01_proxy_host_must_be_ldh(host: str) -> None:
    (problem,) = problems({"proxy": {"httpsProxy": f"http://user:Hunter2-pw@{host}:3128"}}, secret=("proxy",))
    assert problem.startswith("arc-onboarding:proxy.httpsProxy: has an invalid host: expected a DNS name")
    assert "Hunter2" not in problem and host not in problem


@pytest.mark.parametrize(
    "host", ["proxy.corp", "PROXY.Corp.", "10.1.2.3", "[2001:db8::1]", "bücher.example", "xn--bcher-kva.example"]
)
def test_finding_01_good_proxy_hosts(host: str) -> None:
    proxy = settings({"proxy": {"httpsProxy": f"http://{host}:3128"}}).clusters[0].proxy
    assert proxy.https_proxy == f"http://{host}:3128"


# --- finding 2: no message quotes a value given as a secret ---------------------------------------


def test_finding_02_secret_infrastructure_is_not_quoted() -> None:
    (warning,) = settings({"infrastructure": "awz-s3cr3t"}, secret=("infrastructure",)).warnings
    assert warning.startswith("arc-onboarding:infrastructure: the value is not one of") and "s3cr3t" not in warning
    (warning,) = settings({"infrastructure": "awz-plain"}).warnings
    assert "'awz-plain'" in warning


def test_finding_02_secret_tag_names_are_not_echoed() -> None:
    found = problems({"tags": {"s3cr3t/name": "x", "count": 7}}, secret=("tags",))
    assert found and all(p.startswith("arc-onboarding:tags: ") for p in found)
    assert not any("s3cr3t" in p or "count" in p for p in found)


def test_finding_02_ca_subject_of_a_secret_proxy_is_not_quoted() -> None:
    expired = {"proxy": {"caCertFile": "tests/fixtures/expired-ca.pem"}}
    (shown,) = settings(expired).warnings
    (hidden,) = settings(expired, secret=("proxy",)).warnings
    assert "CN=" in shown and "CN=" not in hidden and "certificate number 1 expired on" in hidden


# --- finding 16: numeric tag values get the quoting hint ------------------------------------------


@pytest.mark.parametrize("value", [42, 4.5, True])
def test_finding_16_numeric_tag_values_get_the_quoting_hint(value: Any) -> None:
    (problem,) = problems({"tags": {"cost-center": value}})
    assert problem.startswith("arc-onboarding:tags.cost-center: must be a string, not ")
    assert "(quote it in the stack file" in problem


# --- finding 18: KUBECONFIG lists, empty kubeconfigs, wrong namespaces, region spellings ---------


def test_finding_18_kubeconfig_list_is_merged_as_kubectl_does(tmp_path: Path) -> None:
    edge = FIXTURES / "kubeconfig-edge"
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{KUBECONFIG}::{edge}", "HOME": "/x"}
    edge_contexts = [c["name"] for c in yaml.safe_load(edge.read_text())["contexts"]]
    other = next(c for c in edge_contexts if c != "kind-arc-dev")
    kube = settings({"kubeContext": other}, env=env).clusters[0].kube
    assert kube.context == other and kube.path == f"{KUBECONFIG}:{edge}"
    assert kube.content is not None and yaml.safe_load(kube.content)["contexts"][0]["name"] == other
    # The first file's current-context wins, as with kubectl.
    first = settings({}, env=env, drop_context=True).clusters[0].kube
    assert first.context == yaml.safe_load(KUBECONFIG.read_text())["current-context"]


def test_finding_18_an_empty_kubeconfig_says_it_is_empty(tmp_path: Path) -> None:
    empty = tmp_path / "config"
    empty.write_text("\n# nothing yet\n")
    (problem,) = problems({"kubeconfig": str(empty)})
    assert problem.startswith(f"arc-onboarding:kubeconfig: {empty} is empty; ")


def test_finding_18_a_wrong_project_namespace_suggests_ours() -> None:
    found = problems({"arc:location": "westeurope"}, drop=("location",))
    assert "arc-onboarding:location: is set as `arc:location`, which nothing reads" in found[0]
    assert "(did you mean `arc-onboarding:location`?)" in found[0]
    assert settings({"azure-native:location": "westus"}).clusters  # a provider's key is not ours


@pytest.mark.parametrize(
    ("given", "region"), [("uk-south", "uksouth"), ("west-europe", "westeurope"), ("east_us", "eastus")]
)
def test_finding_18_region_spellings_get_a_did_you_mean(given: str, region: str) -> None:
    (problem,) = problems({"location": given})
    assert (
        problem.startswith("arc-onboarding:location: must be an Azure region name")
        and f"(did you mean {region!r}?)" in problem
    )


# --- finding 15: a PEM private key pasted on one line ---------------------------------------------


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode("ascii")


@pytest.mark.parametrize("join", [" ", "", "\\n"])
def test_finding_15_a_one_line_private_key_is_rewrapped(rsa_pem: str, join: str) -> None:
    one_line = join.join(rsa_pem.strip().split("\n"))
    agents = settings({"agents": {"privateKey": one_line}}, secret=("agents",)).clusters[0].agents
    assert agents.private_key_pem == rsa_pem
    assert (
        settings({"agents": {"privateKey": rsa_pem}}, secret=("agents",)).clusters[0].agents.private_key_pem == rsa_pem
    )


def test_finding_15_an_ambiguous_one_line_key_is_refused_with_a_hint(rsa_pem: str) -> None:
    body = " ".join(rsa_pem.strip().split("\n")[1:-1])
    garbled = f"-----BEGIN RSA PRIVATE KEY----- Proc-Type: 4,ENCRYPTED {body} -----END RSA PRIVATE KEY-----"
    (problem,) = problems({"agents": {"privateKey": garbled}}, secret=("agents",))
    assert problem.startswith("arc-onboarding:agents.privateKey: is on one line") and "< key.pem" in problem
    assert body[:20] not in problem


# --- finding 17: a fleet's groups and their locations ---------------------------------------------

FLEET = {
    "location": "westeurope",
    "clusters": [
        {"clusterName": "a", "resourceGroup": "stores-rg", "kubeContext": "kind-arc-dev"},
        {"clusterName": "b", "resourceGroup": "plants-rg", "kubeContext": "kind-other", "location": "northeurope"},
    ],
}


def fleet_settings(extra: dict[str, Any]) -> StackSettings:
    return load(engine_config({**FLEET, **extra}), [], ROOT, ENV, today=datetime.date(2026, 11, 25))


def test_finding_17_a_group_whose_clusters_are_all_elsewhere_is_warned() -> None:
    fleet = fleet_settings({})
    assert {g.name: g.location for g in fleet.groups} == {"stores-rg": "westeurope", "plants-rg": "westeurope"}
    (warning,) = fleet.warnings
    assert warning.startswith("arc-onboarding:resourceGroupLocations: group 'plants-rg' is created in `location`")
    assert "resourceGroupLocations.plants-rg' northeurope`" in warning


def test_finding_17_resource_group_locations_place_each_group() -> None:
    fleet = fleet_settings({"resourceGroupLocations": {"Plants-RG": "North Europe"}})
    assert {g.name: g.location for g in fleet.groups} == {"stores-rg": "westeurope", "plants-rg": "northeurope"}
    assert fleet.warnings == ()


def test_finding_17_resource_group_locations_must_name_a_group_of_a_fleet() -> None:
    with pytest.raises(ConfigError) as raised:
        fleet_settings({"resourceGroupLocations": {"other-rg": "eastus"}})
    assert raised.value.problems == [
        "arc-onboarding:resourceGroupLocations: names group 'other-rg', which no cluster of the fleet is in"
    ]
    (problem,) = problems({"resourceGroupLocations": {"arc-test-rg": "eastus"}})
    assert problem.startswith("arc-onboarding:resourceGroupLocations: only applies to a fleet")


def test_finding_17_resource_group_locations_place_a_groups_stacks_groups() -> None:
    """A groups stack (issue 13) creates the groups its shards read: resourceGroupLocations places them too."""
    stack = {"location": "westeurope", "groups": ["stores-rg", "Plants-RG"]}
    placed = load(engine_config({**stack, "resourceGroupLocations": {"plants-rg": "North Europe"}}), [], ROOT, ENV)
    assert {g.name: g.location for g in placed.groups} == {"stores-rg": "westeurope", "Plants-RG": "northeurope"}
    with pytest.raises(ConfigError) as raised:
        load(engine_config({**stack, "resourceGroupLocations": {"other-rg": "eastus"}}), [], ROOT, ENV)
    assert raised.value.problems == [
        "arc-onboarding:resourceGroupLocations: names group 'other-rg', which `groups` does not list"
    ]


# --- finding 10: createResourceGroup true -> false neither blocks `up` nor deletes the group ------


def test_finding_10_switching_to_adopted_updates_the_guard_instead_of_deleting_it(plan) -> None:
    def guard_and_group(create: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        result = plan({**BASE_CONFIG, "createResourceGroup": create}, "--json")
        assert result.code == 0, result.stderr
        return (
            result.resource("command:local:Command", "-delete-guard"),
            result.resource("azure-native:resources:ResourceGroup"),
        )

    (created_guard, created_group), (adopted_guard, adopted_group) = guard_and_group(True), guard_and_group(False)
    # Same URN both ways: the engine updates the Command (no delete step runs during `up`).
    assert adopted_guard["urn"] == created_guard["urn"] and adopted_group["urn"] == created_group["urn"]
    assert adopted_guard["inputs"]["delete"] == created_guard["inputs"]["delete"]
    assert "ARC_GROUP_ADOPTED" not in created_guard["inputs"]["environment"]
    assert adopted_guard["inputs"]["environment"]["ARC_GROUP_ADOPTED"] == "true"
    assert (created_group["read"], adopted_group["read"]) == (False, True)


def test_finding_10_the_read_id_is_the_created_groups_id_string() -> None:
    import pulumi

    from components.onboarding import group_id
    from components.plan.engine import PLACEHOLDER_SUBSCRIPTION, PlanMocks

    created, _ = PlanMocks().new_resource(
        pulumi.runtime.MockResourceArgs(
            typ="azure-native:resources:ResourceGroup",
            name="arc-test-rg",
            inputs={"resourceGroupName": "Arc-Test-RG", "location": "eastus"},
            provider="",
            resource_id="",
            custom=True,
        )
    )
    assert group_id(PLACEHOLDER_SUBSCRIPTION, "Arc-Test-RG") == created
    # ARM writes the subscription GUID in lower case, whatever case the provider was given.
    subscription = "AbCdEf01-2345-6789-ABCD-EF0123456789"
    assert (
        group_id(subscription, "Arc-Test-RG")
        == "/subscriptions/abcdef01-2345-6789-abcd-ef0123456789/resourceGroups/Arc-Test-RG"
    )


# --- finding 9: `auto` reads every cluster at once, under one deadline, and says so -----------------


def slow_kubectl(tmp_path: Path, seconds: float, hang_context: str = "") -> str:
    """A kubectl that answers the aks fixture after `seconds` (or never, for `hang_context`)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(
        '#!/bin/sh\ncontext=\nwhile [ $# -gt 0 ]; do [ "$1" = --context ] && context=$2; shift; done\n'
        f'[ "$context" = "{hang_context}" ] && exec sleep 600\n'
        f'sleep {seconds}\ncat "{FIXTURES / "nodes" / "aks.json"}"\n'
    )
    kubectl.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.defpath}"


def auto_fleet(size: int) -> dict[str, Any]:
    kubeconfig = yaml.safe_load(KUBECONFIG.read_text())
    context = kubeconfig["contexts"][0]
    return {
        "location": "eastus",
        "resourceGroup": "rg",
        "distribution": "auto",
        "clusters": [
            {"clusterName": f"c{i}", "kubeContext": context["name"] if i == 0 else f"ctx-{i}"} for i in range(size)
        ],
    }


def fleet_kubeconfig(tmp_path: Path, size: int) -> Path:
    document = yaml.safe_load(KUBECONFIG.read_text())
    context = document["contexts"][0]
    document["contexts"] += [{"name": f"ctx-{i}", "context": context["context"]} for i in range(1, size)]
    path = tmp_path / "fleet-kubeconfig"
    path.write_text(yaml.safe_dump(document))
    return path


def test_finding_09_detections_run_concurrently(tmp_path: Path) -> None:
    size = 8
    env = {"KUBECONFIG": str(fleet_kubeconfig(tmp_path, size)), "HOME": "/x", "PATH": slow_kubectl(tmp_path, 1.5)}
    started = time.monotonic()
    fleet = load(engine_config(auto_fleet(size)), [], ROOT, env, today=datetime.date(2026, 11, 25))
    elapsed = time.monotonic() - started
    assert [c.distribution for c in fleet.clusters] == ["aks"] * size
    assert elapsed < size * 1.5 / 2, f"{elapsed:.1f}s: one at a time?"


def test_finding_09_one_deadline_and_progress_while_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from components.settings import kube

    monkeypatch.setattr(kube, "DETECTION_DEADLINE", 4.0)
    monkeypatch.setattr(kube, "_PROGRESS_AFTER", 0.5)
    monkeypatch.setattr(kube, "_PROGRESS_EVERY", 1.0)
    size = 3
    env = {
        "KUBECONFIG": str(fleet_kubeconfig(tmp_path, size)),
        "HOME": "/x",
        "PATH": slow_kubectl(tmp_path, 0.1, hang_context="ctx-2"),
    }
    started = time.monotonic()
    with pytest.raises(ConfigError) as raised:
        load(engine_config(auto_fleet(size)), [], ROOT, env, today=datetime.date(2026, 11, 25))
    assert time.monotonic() - started < 8
    assert raised.value.problems == ["arc-onboarding:clusters[2].distribution: auto: no answer within 4s (kubectl)"]
    progress = capsys.readouterr().err.splitlines()
    assert progress and progress[0].startswith(
        "arc-onboarding: `auto`: reading the nodes of 3 cluster(s) with kubectl: 2 done"
    )


def test_finding_09_the_plan_header_says_the_cluster_was_contacted(plan, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", slow_kubectl(tmp_path, 0))
    result = plan({**BASE_CONFIG, "distribution": "auto"})
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Offline plan of arc-onboarding / stack test (no cloud contacted; `auto` read the nodes of 1 cluster(s): "
        "kind-arc-dev)"
    )
    offline = plan(BASE_CONFIG)
    assert offline.stdout.splitlines()[0] == "Offline plan of arc-onboarding / stack test (no cloud contacted)"


@pytest.mark.parametrize("depth", [100, 5000])
def test_finding_08_deep_nesting_from_the_engine_is_a_config_error(depth: int) -> None:
    # Under `pulumi up` the engine reads the stack file and passes objects as JSON text.
    config = engine_config(BASE_CONFIG)
    config["arc-onboarding:tags"] = '{"a": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ConfigError) as raised:
        load(config, [], ROOT, ENV)
    assert raised.value.problems == ["arc-onboarding:tags: nests deeper than 64 levels"]


# --- an inventory (issue 13) is a file the user names: read bounded like the others ------------
def test_an_inventory_is_read_bounded(tmp_path: Path) -> None:
    def inventory_problems(text: str | None) -> list[str]:
        path = tmp_path / f"inventory-{len(list(tmp_path.iterdir()))}.yaml"
        if text is None:
            path.mkdir()
        else:
            path.write_text(text)
        config = {"location": "westeurope", "resourceGroup": "rg", "inventory": str(path)}
        with pytest.raises(ConfigError) as raised:
            load(engine_config(config), [], ROOT, ENV)
        return raised.value.problems

    (bomb,) = inventory_problems(
        "- clusterName: c1\n  tags:\n" + "".join(f"    {line}\n" for line in ALIAS_BOMB.splitlines())
    )
    assert bomb.startswith("arc-onboarding:inventory: ") and "expands to more than" in bomb
    (twice,) = inventory_problems("- clusterName: c1\n  clusterName: s3cr3t\n")
    assert "duplicate key `clusterName` at lines 1 and 2" in twice and "s3cr3t" not in twice
    (tag,) = inventory_problems("- clusterName: !vault s3cr3t\n")
    assert "a tag such as !name" in tag and "s3cr3t" not in tag
    (folder,) = inventory_problems(None)
    assert folder.endswith("cannot read it: Is a directory")
