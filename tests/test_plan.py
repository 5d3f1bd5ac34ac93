"""The program under the mock engine, through `python -m components.plan`: what the engine receives."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from components import arm_read_only, scripts
from components.plan.engine import PlanMocks
from components.plan.render import tree_rows, use_colour
from tests.conftest import BASE_CONFIG, FIXTURE_CREDENTIALS, FIXTURES

PROJECT = "urn:pulumi:test::arc-onboarding::"
COMPONENT = f"{PROJECT}arc-onboarding:index:ArcConnectedCluster::arc-test-rg/arc-test"
CHILD = f"{PROJECT}arc-onboarding:index:ArcConnectedCluster$"
GROUP = f"{PROJECT}azure-native:resources:ResourceGroup::arc-test-rg"
REGISTER_K8S = f"{PROJECT}command:local:Command::register-microsoft.kubernetes"
REGISTER_CFG = f"{PROJECT}command:local:Command::register-microsoft.kubernetesconfiguration"
KEY = f"{CHILD}tls:index/privateKey:PrivateKey::arc-test-rg/arc-test-key"
CLUSTER = f"{CHILD}azure-native:resources:Resource::arc-test-rg/arc-test-cluster"
PROVIDER = f"{CHILD}pulumi:providers:kubernetes::arc-test-rg/arc-test-k8s"
RELEASE = f"{CHILD}kubernetes:helm.sh/v3:Release::arc-test-rg/arc-test-agents"
CLEANUP = f"{CHILD}command:local:Command::arc-test-rg/arc-test-cleanup"
VERIFY = f"{CHILD}command:local:Command::arc-test-rg/arc-test-verify"
# The agents' Helm values from the data plane (issue 19 §2).
HELM_SETTINGS = f"{CHILD}command:local:Command::arc-test-rg/arc-test-helm-settings"
GUARD = f"{PROJECT}command:local:Command::arc-test-rg-delete-guard"
UNINSTALL_GUARD = f"{CHILD}command:local:Command::arc-test-rg/arc-test-uninstall-guard"
PREFLIGHT_NS = f"{CHILD}kubernetes:core/v1:Namespace::arc-test-rg/arc-test-preflight-ns"
PREFLIGHT_JOB = f"{CHILD}kubernetes:batch/v1:Job::arc-test-rg/arc-test-preflight"
# The agents' key as its own Secret (chart 1.35.3 and later: the default pin).
KEY_NS = f"{CHILD}kubernetes:core/v1:Namespace::arc-test-rg/arc-test-agent-key-ns"
KEY_SECRET = f"{CHILD}kubernetes:core/v1:Secret::arc-test-rg/arc-test-agent-key"
NO_OPTIONS = {
    "protect": False, "retainOnDelete": False, "deleteBeforeReplace": False, "ignoreChanges": [],
    "replaceOnChanges": [], "additionalSecretOutputs": [], "customTimeouts": None, "aliases": [],
}  # fmt: skip


@pytest.fixture
def base_plan(plan):
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0, result.stderr
    return result


def by_urn(result) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in result.document["resources"]}


def test_document_shape(base_plan) -> None:
    doc = base_plan.document
    assert list(doc) == ["project", "stack", "mocked", "warnings", "resources", "outputs"]
    assert doc["project"] == "arc-onboarding" and doc["stack"] == "test"
    assert doc["warnings"] == []
    for resource in doc["resources"]:
        assert list(resource) == [
            "urn",
            "type",
            "name",
            "parent",
            "custom",
            "read",
            "provider",
            "dependencies",
            "options",
            "inputs",
        ]
        assert list(resource["options"]) == list(NO_OPTIONS)
        assert resource["dependencies"] == sorted(resource["dependencies"])
    assert any("getClientConfig" in m for m in doc["mocked"])


def test_resources_urns_parents_and_order(base_plan) -> None:
    resources = base_plan.document["resources"]
    assert {r["urn"] for r in resources} == {
        COMPONENT, GROUP, GUARD, REGISTER_K8S, REGISTER_CFG, KEY, CLEANUP, CLUSTER, PROVIDER, RELEASE, VERIFY,
        PREFLIGHT_NS, PREFLIGHT_JOB, UNINSTALL_GUARD, KEY_NS, KEY_SECRET, HELM_SETTINGS,
    }  # fmt: skip
    parents = {r["urn"]: r["parent"] for r in resources}
    assert (
        parents[GROUP] is parents[GUARD] is parents[REGISTER_K8S] is parents[REGISTER_CFG] is parents[COMPONENT] is None
    )
    children = (
        KEY, CLEANUP, CLUSTER, PROVIDER, RELEASE, VERIFY, PREFLIGHT_NS, PREFLIGHT_JOB, UNINSTALL_GUARD,
        KEY_NS, KEY_SECRET, HELM_SETTINGS,
    )  # fmt: skip
    assert {parents[u] for u in children} == {COMPONENT}
    position = {r["urn"]: i for i, r in enumerate(resources)}
    for resource in resources:
        for before in [*resource["dependencies"], resource["parent"], resource["provider"]]:
            if before:
                assert position[before] < position[resource["urn"]]


def test_connected_cluster(base_plan) -> None:
    cluster = by_urn(base_plan)[CLUSTER]
    # The group's delete guard comes before it, so destroy runs the guard after deleting it.
    # The preflight's verdict gates the first ARM write (issue 19 §5), as the CLI's diagnostic checks.
    assert cluster["dependencies"] == sorted([GROUP, GUARD, KEY, REGISTER_K8S, REGISTER_CFG, PREFLIGHT_JOB])
    assert cluster["options"] == {
        **NO_OPTIONS, "deleteBeforeReplace": True,
        "replaceOnChanges": ["location", "properties.agentPublicKeyCertificate"],
        "aliases": [{"type": "azure-native:kubernetes:ConnectedCluster"}],
        # Every read-only property of the 2026-05-01 swagger (tests/test_arm_read_only.py).
        "ignoreChanges": sorted(arm_read_only.CLUSTER_READ_ONLY_PATHS),
    }  # fmt: skip
    assert cluster["provider"] is None and cluster["custom"] is True
    inputs = cluster["inputs"]
    public_key = inputs["properties"].pop("agentPublicKeyCertificate")
    # The generic resource at the stable API: what the typed 2024-02-01-preview resource sent, plus
    # `gateway.enabled: false` (removing gateway.resourceId must turn the gateway off).
    assert inputs == {
        "apiVersion": "2026-05-01",
        "identity": {"type": "SystemAssigned"},
        "location": "eastus",
        "parentResourcePath": "",
        "properties": {
            "arcAgentProfile": {"agentAutoUpgrade": "Disabled"},
            "azureHybridBenefit": "NotApplicable",
            "distribution": "generic",
            "gateway": {"enabled": False},
            "infrastructure": "generic",
            "privateLinkState": "Disabled",
        },
        "resourceGroupName": "arc-test-rg",
        "resourceName": "arc-test",
        "resourceProviderNamespace": "Microsoft.Kubernetes",
        "resourceType": "connectedClusters",
        # The owner tag the pre-write check reads (components/arm_body.py OWNER_TAG).
        "tags": {"arcOnboardingStack": "arc-onboarding/test"},
    }
    # The PKCS#1 form of the (mocked, real) RSA-4096 key's public half.
    _, public_pem = PlanMocks._keys[4096]
    der = serialization.load_pem_public_key(public_pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    assert public_key == base64.b64encode(der).decode() and public_key.startswith("MIICCgKCAgEA")


def test_key(base_plan) -> None:
    key = by_urn(base_plan)[KEY]
    assert key["inputs"] == {"algorithm": "RSA", "rsaBits": 4096}
    assert key["options"]["additionalSecretOutputs"] == ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"]


def test_kubernetes_provider(base_plan) -> None:
    provider = by_urn(base_plan)[PROVIDER]
    assert provider["inputs"] == {
        "clusterIdentifier": "arc-test-rg/arc-test",
        "context": "kind-arc-dev",
        "kubeconfig": "[secret]",
        # The agents' key namespace and Secret may exist (an earlier release rendered them): adopted.
        "upsertExistingObjects": "true",
    }


def test_release(base_plan) -> None:
    release = by_urn(base_plan)[RELEASE]
    assert release["provider"] == PROVIDER
    assert release["options"] == {**NO_OPTIONS, "deleteBeforeReplace": True}
    # The cleanup is a dependency, so destroy uninstalls the release before the cleanup runs; the
    # preflight Job must have passed before the agents install; the key's Secret exists before it.
    # The key itself reaches the release only through that Secret (chart 1.36.1: not a value).
    # The data plane's Helm values (issue 19 §2) are asked before it.
    assert release["dependencies"] == sorted([GROUP, CLEANUP, CLUSTER, PREFLIGHT_JOB, KEY_SECRET, HELM_SETTINGS])
    inputs = release["inputs"]
    values = inputs.pop("values")
    assert inputs == {
        "atomic": True,
        "chart": "oci://mcr.microsoft.com/azurearck8s/batch1/stable/v2/azure-arc-k8sagents",
        "cleanupOnFail": True,
        "compat": "true",
        "createNamespace": True,
        "name": "azure-arc",
        "namespace": "azure-arc-release",
        "timeout": 1200,
        "version": "1.36.1",
    }
    assert values == {
        "global": {
            "azureEnvironment": "AZUREPUBLICCLOUD",
            "kubernetesDistro": "generic",
            "kubernetesInfra": "generic",
            "location": "eastus",
            "resourceGroupName": "arc-test-rg",
            "resourceName": "arc-test",
            "subscriptionId": "00000000-0000-0000-0000-000000000000",
            "tenantId": "11111111-1111-1111-1111-111111111111",
        },
        "systemDefaultValues": {
            "azureArcAgents": {"autoUpdate": "false"},
            "clusterconnect-agent": {"enabled": True},
            "spnOnboarding": False,
        },
    }


def test_registrations(base_plan) -> None:
    resources = by_urn(base_plan)
    for urn, namespace in ((REGISTER_K8S, "Microsoft.Kubernetes"), (REGISTER_CFG, "Microsoft.KubernetesConfiguration")):
        # No delete command: registrations are never undone.
        assert resources[urn]["inputs"] == {
            "create": scripts.text("register"),
            "environment": {
                "ARC_PROVIDER_NAMESPACE": namespace,
                "ARC_SUBSCRIPTION": "00000000-0000-0000-0000-000000000000",
            },
            "interpreter": ["/bin/sh", "-c"],
        }
        assert resources[urn]["dependencies"] == [] and resources[urn]["provider"] is None


def test_outputs(base_plan) -> None:
    from components import network

    outputs = base_plan.document["outputs"]
    endpoints = outputs["clusters"]["arc-test-rg/arc-test"].pop("requiredEndpoints")
    assert endpoints == [
        e.as_json() for e in network.required_endpoints("AzureCloud", "eastus", network.conditions(auto_upgrade=False))
    ]
    assert outputs == {
        "clusters": {
            "arc-test-rg/arc-test": {
                "agentNamespace": "azure-arc",
                "clusterId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-test-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-test",
                "clusterName": "arc-test",
                "dataPlaneEndpoint": "https://eastus.dp.kubernetesconfiguration.azure.com",
                "kubeContext": "kind-arc-dev",
                "resourceGroup": "arc-test-rg",
            }
        }
    }


def test_adopted_group_is_read_not_created(plan) -> None:
    result = plan({**BASE_CONFIG, "createResourceGroup": False}, "--json")
    group = result.resource("azure-native:resources:ResourceGroup")
    assert group["read"] is True and group["inputs"] == {}
    assert group["urn"] == GROUP


def test_no_registrations_when_disabled(plan) -> None:
    result = plan({**BASE_CONFIG, "registerProviders": False}, "--json")
    assert not [r for r in result.document["resources"] if r["name"].startswith("register-")]
    assert result.resource("azure-native:resources:Resource")["dependencies"] == sorted(
        [GROUP, GUARD, KEY, PREFLIGHT_JOB]
    )


def test_plan_is_deterministic_apart_from_the_generated_key(plan) -> None:
    config = {**BASE_CONFIG, "tags": {"b": "2", "a": "1"}, "proxy": {"noProxy": ["x", "y"]}}
    first, second = plan(config, "--json").stdout, plan(config, "--json").stdout
    assert first == second  # the offline key is generated once per process


PROXY_SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "none": ({}, {}),
    "urls-and-noproxy": (
        {
            "httpProxy": "http://proxy.corp:3128",
            "httpsProxy": "http://proxy.corp:3128",
            "noProxy": ["10.96.0.0/12", "kubernetes.default.svc", ".svc.cluster.local", ".svc"],
        },
        {
            "httpProxy": "http://proxy.corp:3128",
            "httpsProxy": "http://proxy.corp:3128",
            "noProxy": "10.96.0.0/12,kubernetes.default.svc,.svc.cluster.local,.svc",
            "isProxyEnabled": True,
        },
    ),
    "credentials": (
        {"httpsProxy": "http://arcuser:S3cr%23t-pw@proxy.corp:3128", "noProxy": [".svc"]},
        {"httpsProxy": "[secret]", "noProxy": "[secret]", "isProxyEnabled": True},
    ),
    "ca-only": (
        {"caCertFile": "tests/fixtures/proxy-ca.pem"},
        {"proxyCert": (FIXTURES / "proxy-ca.pem").read_text(), "isCustomCert": True},
    ),
    "ca-and-urls": (
        {"httpsProxy": "https://proxy.corp:443", "caCertFile": "tests/fixtures/proxy-ca.pem"},
        {
            "httpsProxy": "https://proxy.corp:443",
            "isProxyEnabled": True,
            "proxyCert": (FIXTURES / "proxy-ca.pem").read_text(),
            "isCustomCert": True,
        },
    ),
}


@pytest.mark.parametrize("scenario", PROXY_SCENARIOS)
def test_proxy_scenarios(plan, scenario: str) -> None:
    proxy, expected = PROXY_SCENARIOS[scenario]
    result = plan({**BASE_CONFIG, "proxy": proxy} if proxy else BASE_CONFIG, "--json")
    assert result.code == 0, result.stderr
    global_values = result.resource("kubernetes:helm.sh/v3:Release")["inputs"]["values"]["global"]
    proxy_keys = {"httpProxy", "httpsProxy", "noProxy", "isProxyEnabled", "proxyCert", "isCustomCert"}
    assert {k: v for k, v in global_values.items() if k in proxy_keys} == expected


def test_credentials_never_appear_anywhere(plan) -> None:
    config = {
        **BASE_CONFIG,
        "proxy": {
            "httpsProxy": "http://arcuser:S3cr%23t-pw@proxy.corp:3128",
            "httpProxy": "http://arcuser:S3cr%23t-pw@proxy.corp:3128",
        },
    }
    for args in (("--json",), (), ("--diff",)):
        result = plan(config, *args)
        assert result.code == 0
        text = result.stdout + result.stderr
        for needle in ("S3cr%23t-pw", "S3cr#t-pw", "BEGIN RSA PRIVATE KEY", "PRIVATE KEY", *FIXTURE_CREDENTIALS):
            assert needle not in text
        assert "holds credentials in plaintext" in result.stderr


def test_secure_values_are_placeholders_named_in_warnings(plan) -> None:
    raw = (
        "config:\n"
        "  arc-onboarding:clusterName: arc-test\n"
        "  arc-onboarding:resourceGroup: arc-test-rg\n"
        "  arc-onboarding:location: eastus\n"
        "  arc-onboarding:proxy:\n"
        "    httpsProxy:\n"
        "      secure: AAABAKxyz==\n"
        "    noProxy: [.svc]\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    doc = result.document
    assert "arc-onboarding:proxy.httpsProxy: secure value not decrypted offline, so not validated" in doc["warnings"]
    values = result.resource("kubernetes:helm.sh/v3:Release")["inputs"]["values"]["global"]
    assert values["httpsProxy"] == "[secret]" and values["noProxy"] == "[secret]" and values["isProxyEnabled"] is True


class TestInvalid:
    @pytest.mark.parametrize(
        ("config", "key"),
        [
            ({**BASE_CONFIG, "proxy": {"caCertFile": "tests/fixtures/not-pem.pem"}}, "proxy.caCertFile"),
            ({**BASE_CONFIG, "proxy": {"httpsProxy": "proxy.corp:3128"}}, "proxy.httpsProxy"),
            ({**BASE_CONFIG, "proxy": {"noProxy": ["10.0.0.0/33"]}}, "proxy.noProxy[0]"),
            ({**BASE_CONFIG, "resourceGroup": "bad rg"}, "resourceGroup"),
            ({**BASE_CONFIG, "clusterName": "bad/name"}, "clusterName"),
            ({**BASE_CONFIG, "distribution": "unknown"}, "distribution"),
            ({k: v for k, v in BASE_CONFIG.items() if k != "location"}, "location"),
            ({**BASE_CONFIG, "proxy.httpsProxy": "http://p:1"}, "proxy.httpsProxy"),
            ({**BASE_CONFIG, "clustername": "x"}, "clustername"),
        ],
    )
    def test_exit_2_naming_the_key_nothing_on_stdout(self, plan, config: dict[str, Any], key: str) -> None:
        for args in (("--json",), ()):
            result = plan(config, *args)
            assert result.code == 2
            assert result.stdout == ""
            lines = result.stderr.strip().splitlines()
            assert lines and all(line.startswith("arc-onboarding:") for line in lines)
            assert any(line.startswith(f"arc-onboarding:{key}: ") for line in lines)
            assert "Traceback" not in result.stderr

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("config: [unclosed\n", "is not valid YAML"),
            ("- just\n- a list\n", "must be a mapping"),
            ("config: just-a-string\n", "`config:` must be a mapping"),
        ],
    )
    def test_broken_stack_files(self, plan, raw: str, message: str) -> None:
        result = plan(None, "--json", raw=raw)
        assert result.code == 2 and result.stdout == ""
        assert message in result.stderr and "Traceback" not in result.stderr

    def test_missing_stack_file(self, plan) -> None:
        result = plan(None, "--stack", "nosuchstack")
        assert result.code == 2 and "Pulumi.nosuchstack.yaml" in result.stderr


def test_missing_kubeconfig_is_a_warning(plan, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", "/nonexistent/kubeconfig")
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0
    assert any(
        w.startswith("arc-onboarding:kubeconfig: /nonexistent/kubeconfig does not exist")
        for w in result.document["warnings"]
    )
    assert result.resource("pulumi:providers:kubernetes")["inputs"]["kubeconfig"] == "[secret]"


def tree_rows_of(stdout: str) -> list[str]:
    """The tree's rows (after the header, up to the first blank line)."""
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Type "))
    return lines[header + 1 : lines.index("", header)]


def test_human_output_reads_like_pulumi_preview(plan) -> None:
    # Deliberately changed from the depth-indented dependency list: a tree as `pulumi preview` draws it.
    result = plan(BASE_CONFIG)
    assert result.code == 0
    rows = tree_rows_of(result.stdout)
    header = next(line for line in result.stdout.splitlines() if line.lstrip().startswith("Type "))
    name_column, plan_column = header.index("Name"), header.index("Plan")
    for row in rows:  # one aligned column of types, names and plans
        assert row[name_column - 2 : name_column] == "  " and row[name_column] != " ", row
        assert row[plan_column:] in ("create", "read"), row
    assert [(r[:5], r[5:name_column].rstrip(), r[name_column:plan_column].rstrip()) for r in rows] == [
        (" +   ", "pulumi:pulumi:Stack", "arc-onboarding-test"),
        (" +   ", "├─ azure-native:resources:ResourceGroup", "arc-test-rg"),
        (" +   ", "├─ command:local:Command", "arc-test-rg-delete-guard"),
        (" +   ", "├─ command:local:Command", "register-microsoft.kubernetes"),
        (" +   ", "├─ command:local:Command", "register-microsoft.kubernetesconfiguration"),
        (" +   ", "└─ arc-onboarding:index:ArcConnectedCluster", "arc-test-rg/arc-test"),
        (" +   ", "   ├─ pulumi:providers:kubernetes", "arc-test-rg/arc-test-k8s"),
        (" +   ", "   ├─ kubernetes:core/v1:Namespace", "arc-test-rg/arc-test-preflight-ns"),
        (" +   ", "   ├─ kubernetes:batch/v1:Job", "arc-test-rg/arc-test-preflight"),
        (" +   ", "   ├─ tls:index/privateKey:PrivateKey", "arc-test-rg/arc-test-key"),
        (" +   ", "   ├─ azure-native:resources:Resource", "arc-test-rg/arc-test-cluster"),
        (" +   ", "   ├─ command:local:Command", "arc-test-rg/arc-test-cleanup"),
        (" +   ", "   ├─ command:local:Command", "arc-test-rg/arc-test-helm-settings"),
        (" +   ", "   ├─ kubernetes:core/v1:Namespace", "arc-test-rg/arc-test-agent-key-ns"),
        (" +   ", "   ├─ kubernetes:core/v1:Secret", "arc-test-rg/arc-test-agent-key"),
        (" +   ", "   ├─ kubernetes:helm.sh/v3:Release", "arc-test-rg/arc-test-agents"),
        (" +   ", "   ├─ command:local:Command", "arc-test-rg/arc-test-uninstall-guard"),
        (" +   ", "   └─ command:local:Command", "arc-test-rg/arc-test-verify"),
    ]
    assert "Resources:\n    + 18 to create\n" in result.stdout and "to read" not in result.stdout
    assert "kube context for arc-test-rg/arc-test: kind-arc-dev" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal
    assert "agentPublicKeyCertificate" not in result.stdout  # inputs only with --diff


def test_fleet_tree_keeps_each_component_s_children_together(plan) -> None:
    clusters = [
        {"clusterName": f"edge-{i}", "kubeContext": context} for i, context in ((1, "kind-arc-dev"), (2, "kind-other"))
    ]
    config = {k: v for k, v in BASE_CONFIG.items() if k not in ("clusterName", "kubeContext")}
    result = plan({**config, "clusters": clusters})
    assert result.code == 0, result.stderr
    rows = tree_rows_of(result.stdout)
    components = [i for i, row in enumerate(rows) if "arc-onboarding:index:ArcConnectedCluster" in row]
    assert (
        len(components) == 2
        and rows[components[0]].startswith(" +   ├─ ")
        and rows[components[1]].startswith(" +   └─ ")
    )
    # Every stack-level resource before the first component, each component's 12 children right under it.
    assert all(row.startswith((" +   ├─ ", " +   └─ ")) for row in rows[1 : components[0]])
    assert all(row.startswith(" +   │  ") for row in rows[components[0] + 1 : components[1]])
    assert all(row.startswith(" +      ") for row in rows[components[1] + 1 :])
    assert components[1] - components[0] == 13 and len(rows) - components[1] == 13


def test_a_read_is_shown_and_counted(plan) -> None:
    result = plan({**BASE_CONFIG, "createResourceGroup": False})
    rows = tree_rows_of(result.stdout)
    group = next(row for row in rows if "azure-native:resources:ResourceGroup" in row)
    assert group.startswith(" >   ├─ ") and group.endswith("  read")
    # The adopted group keeps a disarmed delete guard (issue 10 finding 10), beside issue 11's
    # uninstall guard, the agents' key namespace and Secret, and the helm-settings step: 17 resources
    # and the stack.
    assert "Resources:\n    + 17 to create\n    > 1 to read\n" in result.stdout


def test_diff_shows_inputs_under_each_resource(plan) -> None:
    result = plan(BASE_CONFIG, "--diff")
    lines = result.stdout.splitlines()
    release = next(i for i, line in enumerate(lines) if "kubernetes:helm.sh/v3:Release" in line)
    assert lines[release + 1] == "        │     options: deleteBeforeReplace=True"
    assert lines[release + 2] == "        │     provider: arc-test-rg/arc-test-k8s"
    # Chart 1.36.1: the key is in its own Secret, never a release value.
    assert not [line for line in lines[release:] if "onboardingPrivateKey" in line]
    secret = next(i for i, line in enumerate(lines) if "kubernetes:core/v1:Secret" in line)
    assert "        │     stringData: [secret]" in lines[secret:release]


class TestColour:
    def test_on_a_terminal_unless_no_color(self, plan, monkeypatch) -> None:
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
        coloured = plan(BASE_CONFIG).stdout
        assert "\x1b[32m+\x1b[0m   pulumi:pulumi:Stack" in coloured and "\x1b[32m+ 18 to create\x1b[0m" in coloured
        monkeypatch.setenv("NO_COLOR", "1")
        assert "\x1b[" not in plan(BASE_CONFIG).stdout
        # Colour codes are added after padding: the columns line up as without them.
        plain_rows = tree_rows_of(plan(BASE_CONFIG).stdout)
        assert [re.sub(r"\x1b\[\d+m", "", r) for r in tree_rows_of(coloured)] == plain_rows

    def test_flag_overrides(self, plan, monkeypatch) -> None:
        monkeypatch.setenv("NO_COLOR", "1")
        assert (
            "\x1b[36m> 1 to read\x1b[0m"
            in plan({**BASE_CONFIG, "createResourceGroup": False}, "--color", "always").stdout
        )
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
        assert "\x1b[" not in plan(BASE_CONFIG, "--color", "never").stdout

    @pytest.mark.parametrize(
        ("choice", "terminal", "environ", "expected"),
        [
            ("auto", True, {}, True), ("auto", False, {}, False), ("auto", True, {"NO_COLOR": "1"}, False),
            ("auto", True, {"NO_COLOR": ""}, True), ("always", False, {"NO_COLOR": "1"}, True), ("never", True, {}, False),
        ],
    )  # fmt: skip
    def test_use_colour(self, choice: str, terminal: bool, environ: dict[str, str], expected: bool) -> None:
        assert use_colour(choice, terminal, environ) is expected


def test_siblings_follow_their_subtrees_dependencies() -> None:
    # A component registered first whose child needs a stack-level resource registered later: the
    # component's whole subtree is drawn after that resource, never split around it.
    def resource(urn: str, parent: str | None = None, dependencies: tuple[str, ...] = ()) -> dict[str, Any]:
        return {"urn": urn, "parent": parent, "provider": None, "dependencies": list(dependencies)}

    resources = [
        resource("a-component"),
        resource("b-group"),
        resource("c-child", "a-component", ("b-group",)),
        resource("d-other"),
    ]
    assert [(r["urn"], guide) for r, guide, _ in tree_rows(resources)] == [
        ("b-group", "├─ "), ("a-component", "├─ "), ("c-child", "│  └─ "), ("d-other", "└─ "),
    ]  # fmt: skip


def test_dev_stack(plan) -> None:
    result = plan(None, "--json")
    assert result.code == 0, result.stderr
    doc = result.document
    assert doc["stack"] == "dev" and doc["warnings"] == []
    types = sorted(r["type"] for r in doc["resources"])
    assert types == sorted(
        [
            *["command:local:Command"] * 7,
            "azure-native:resources:ResourceGroup",
            "arc-onboarding:index:ArcConnectedCluster",
            "tls:index/privateKey:PrivateKey",
            "azure-native:resources:Resource",
            "pulumi:providers:kubernetes",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:core/v1:Namespace",
            "kubernetes:batch/v1:Job",
            # The agents' key out of the release values (chart 1.36.1).
            "kubernetes:core/v1:Namespace",
            "kubernetes:core/v1:Secret",
        ]
    )
    assert result.resource("azure-native:resources:Resource")["inputs"]["properties"]["distribution"] == "kind"
    assert json.dumps(doc).count("[secret]") >= 2


def test_in_cluster_provider_has_no_kubeconfig(plan) -> None:
    config = {k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"}
    result = plan({**config, "kubeconfig": "in-cluster"}, "--json")
    assert result.code == 0, result.stderr
    # Empty, not unset: unset would make the SDK fall back to $KUBECONFIG (set in this test).
    assert result.resource("pulumi:providers:kubernetes")["inputs"] == {
        "clusterIdentifier": "arc-test-rg/arc-test",
        "kubeconfig": "",
        "upsertExistingObjects": "true",
    }
    assert result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]["kubeContext"] is None
