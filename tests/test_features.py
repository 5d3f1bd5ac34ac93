"""Private link, features, adopting a CLI onboarding, detection and clouds, asserted from the plan JSON."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components import scripts
from components.settings import NODES_FILE_ENV
from tests.conftest import BASE_CONFIG, FIXTURES, PlanResult
from tests.test_plan import CHILD, GROUP, PROJECT, REGISTER_CFG, REGISTER_K8S

CLUSTER_TYPE = "azure-native:resources:Resource"  # the connected cluster, at the stable API (arm_body.py)
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
KEY_TYPE = "tls:index/privateKey:PrivateKey"
REGISTER_EXT = f"{PROJECT}command:local:Command::register-microsoft.extendedlocation"
# The created group's delete-time check (lifecycle); the connected cluster is ordered after it.
GROUP_GUARD = f"{PROJECT}command:local:Command::arc-test-rg-delete-guard"


def registrations(result: PlanResult) -> list[dict[str, Any]]:
    return [
        r
        for r in result.document["resources"]
        if r["type"] == "command:local:Command" and r["name"].startswith("register-")
    ]


SCOPE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-net-rg"
    "/providers/Microsoft.HybridCompute/privateLinkScopes/arc-pls"
)
OID = "51dfe1e8-70c6-4de5-a08e-e18aff23d815"
NODES = FIXTURES / "nodes"


def ok(result) -> Any:
    assert result.code == 0, result.stderr
    return result


def cluster_inputs(result: PlanResult) -> dict[str, Any]:
    """The connected cluster's ARM `properties` as the plan sends them."""
    properties: dict[str, Any] = ok(result).resource(CLUSTER_TYPE, "-cluster")["inputs"]["properties"]
    return properties


def system_values(result: PlanResult) -> dict[str, Any]:
    values: dict[str, Any] = ok(result).resource(RELEASE_TYPE)["inputs"]["values"]["systemDefaultValues"]
    return values


def invalid(result: PlanResult) -> list[str]:
    """The problem lines of a refused plan (exit 2, nothing on stdout)."""
    assert result.code == 2, result.stdout or result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()


def names_key(lines: list[str], key: str) -> bool:
    return any(line.startswith(f"arc-onboarding:{key}: ") for line in lines)


class TestPrivateLink:
    def test_connected_cluster_and_values(self, plan) -> None:
        result = plan({**BASE_CONFIG, "privateLink": {"scopeResourceId": SCOPE}}, "--json")
        inputs = cluster_inputs(result)
        inputs.pop("agentPublicKeyCertificate")
        assert inputs == {
            "arcAgentProfile": {"agentAutoUpgrade": "Disabled"},
            "azureHybridBenefit": "NotApplicable",
            "distribution": "generic",
            "gateway": {"enabled": False},
            "infrastructure": "generic",
            "privateLinkScopeResourceId": SCOPE,
            "privateLinkState": "Enabled",
        }
        assert system_values(result) == {
            "azureArcAgents": {"autoUpdate": "false"},
            "clusterconnect-agent": {"enabled": False},
            "spnOnboarding": False,
        }

    def test_explicit_cluster_connect_false_is_allowed(self, plan) -> None:
        config = {**BASE_CONFIG, "privateLink": {"scopeResourceId": SCOPE}, "features": {"clusterConnect": False}}
        assert system_values(plan(config, "--json"))["clusterconnect-agent"] == {"enabled": False}

    def test_segments_are_case_insensitive_and_kept_as_written(self, plan) -> None:
        scope = SCOPE.replace("Microsoft.HybridCompute/privateLinkScopes", "microsoft.hybridcompute/PRIVATELINKSCOPES")
        scope = scope.replace("resourceGroups", "resourcegroups")
        inputs = cluster_inputs(plan({**BASE_CONFIG, "privateLink": {"scopeResourceId": scope}}, "--json"))
        assert inputs["privateLinkScopeResourceId"] == scope

    def test_a_secret_scope_stays_secret(self, plan) -> None:
        raw = (
            "config:\n  arc-onboarding:clusterName: arc-test\n  arc-onboarding:resourceGroup: arc-test-rg\n"
            "  arc-onboarding:location: eastus\n  arc-onboarding:privateLink:\n    scopeResourceId:\n      secure: AAAB==\n"
        )
        inputs = cluster_inputs(plan(None, "--json", raw=raw))
        assert inputs["privateLinkScopeResourceId"] == "[secret]" and inputs["privateLinkState"] == "Enabled"

    @pytest.mark.parametrize(
        "scope",
        [
            SCOPE.replace("Microsoft.HybridCompute", "Microsoft.Network"),
            SCOPE.replace("privateLinkScopes", "machines"),
            SCOPE.replace("00000000-0000-0000-0000-000000000000", "my-subscription"),
            SCOPE + "/",
            SCOPE.removeprefix("/"),
            "arc-pls",
            SCOPE.replace("arc-net-rg", "bad rg"),
        ],
    )
    def test_not_a_scope_id(self, plan, scope: str) -> None:
        lines = invalid(plan({**BASE_CONFIG, "privateLink": {"scopeResourceId": scope}}, "--json"))
        assert lines == [
            "arc-onboarding:privateLink.scopeResourceId: must be the ARM id of a private link scope: "
            "/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.HybridCompute/privateLinkScopes/<name>"
        ]

    def test_cluster_connect_and_custom_locations_are_refused(self, plan) -> None:
        config = {
            **BASE_CONFIG,
            "privateLink": {"scopeResourceId": SCOPE},
            "features": {"clusterConnect": True, "customLocationsOid": OID},
        }
        assert invalid(plan(config, "--json")) == [
            "arc-onboarding:features.clusterConnect: cannot be true with privateLink.scopeResourceId: "
            "private link turns cluster-connect off",
            "arc-onboarding:features.customLocationsOid: custom locations cannot be used with "
            "privateLink.scopeResourceId (they need cluster-connect, which private link turns off)",
        ]

    def test_azure_rbac_is_allowed(self, plan) -> None:
        config = {**BASE_CONFIG, "privateLink": {"scopeResourceId": SCOPE}, "features": {"azureRbac": True}}
        assert system_values(plan(config, "--json"))["guard"] == {"enabled": True, "authnMode": "arc"}


class TestFeatures:
    def test_custom_locations_values_and_registration(self, plan) -> None:
        result = ok(plan({**BASE_CONFIG, "features": {"customLocationsOid": OID}}, "--json"))
        assert system_values(result) == {
            "azureArcAgents": {"autoUpdate": "false"},
            "clusterconnect-agent": {"enabled": True},
            "customLocations": {"enabled": True, "oid": OID},
            "spnOnboarding": False,
        }
        commands = {r["urn"]: r for r in registrations(result)}
        assert set(commands) == {REGISTER_K8S, REGISTER_CFG, REGISTER_EXT}
        assert commands[REGISTER_EXT]["inputs"] == {
            "create": scripts.text("register"),
            "environment": {
                "ARC_PROVIDER_NAMESPACE": "Microsoft.ExtendedLocation",
                "ARC_SUBSCRIPTION": "00000000-0000-0000-0000-000000000000",
            },
            "interpreter": ["/bin/sh", "-c"],
        }
        assert commands[REGISTER_EXT]["dependencies"] == [] and commands[REGISTER_EXT]["parent"] is None
        assert result.resource(CLUSTER_TYPE)["dependencies"] == sorted(
            [
                GROUP,
                GROUP_GUARD,
                f"{CHILD}{KEY_TYPE}::arc-test-rg/arc-test-key",
                REGISTER_K8S,
                REGISTER_CFG,
                REGISTER_EXT,
            ]
        )

    def test_no_extended_location_registration_without_custom_locations(self, plan) -> None:
        result = ok(plan({**BASE_CONFIG, "features": {"azureRbac": True, "clusterConnect": False}}, "--json"))
        urns = {r["urn"] for r in registrations(result)}
        assert urns == {REGISTER_K8S, REGISTER_CFG}

    def test_no_registrations_at_all_when_disabled(self, plan) -> None:
        result = ok(
            plan({**BASE_CONFIG, "registerProviders": False, "features": {"customLocationsOid": OID}}, "--json")
        )
        assert not registrations(result)

    def test_azure_rbac_values(self, plan) -> None:
        config = {**BASE_CONFIG, "features": {"azureRbac": True, "azureRbacSkipList": ["alice@contoso.com", OID]}}
        assert system_values(plan(config, "--json")) == {
            "azureArcAgents": {"autoUpdate": "false"},
            "clusterconnect-agent": {"enabled": True},
            "guard": {"enabled": True, "authnMode": "arc", "skipAuthzCheck": f"alice@contoso.com,{OID}"},
            "spnOnboarding": False,
        }

    def test_cluster_connect_off(self, plan) -> None:
        values = system_values(plan({**BASE_CONFIG, "features": {"clusterConnect": False}}, "--json"))
        assert values["clusterconnect-agent"] == {"enabled": False}

    def test_secret_features_stay_secret(self, plan) -> None:
        raw = (
            "config:\n  arc-onboarding:clusterName: arc-test\n  arc-onboarding:resourceGroup: arc-test-rg\n"
            "  arc-onboarding:location: eastus\n  arc-onboarding:features:\n    azureRbac: true\n"
            "    azureRbacSkipList:\n      - secure: AAAB==\n"
        )
        assert system_values(plan(None, "--json", raw=raw))["guard"] == {
            "enabled": "[secret]", "authnMode": "[secret]", "skipAuthzCheck": "[secret]",
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("features", "key", "message"),
        [
            ({"customLocationsOid": "not-a-guid"}, "features.customLocationsOid", "must be an object id (a GUID)"),
            (
                {"clusterConnect": False, "customLocationsOid": OID},
                "features.customLocationsOid",
                "custom locations need cluster-connect",
            ),
            (
                {"azureRbacSkipList": ["alice@contoso.com"]},
                "features.azureRbacSkipList",
                "only applies with features.azureRbac: true",
            ),
            ({"azureRbac": True, "azureRbacSkipList": ["a,b"]}, "features.azureRbacSkipList[0]", "must be one user"),
            (
                {"azureRbac": True, "azureRbacSkipList": ["ok", " "]},
                "features.azureRbacSkipList[1]",
                "must be one user",
            ),
            ({"azureRbac": "yes"}, "features.azureRbac", "must be true or false"),
            ({"clusterconnect": True}, "features.clusterconnect", "unknown key (did you mean `clusterConnect`?)"),
        ],
    )
    def test_config_errors(self, plan, features: dict[str, Any], key: str, message: str) -> None:
        (line,) = invalid(plan({**BASE_CONFIG, "features": features}, "--json"))
        assert line.startswith(f"arc-onboarding:{key}: {message}")

    def test_fleet_registers_extended_location_once_and_values_per_cluster(self, plan) -> None:
        config = {
            "location": "westeurope",
            "resourceGroup": "rg-a",
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev", "features": {"customLocationsOid": OID}},
                {"clusterName": "c2", "kubeContext": "kind-other", "features": {"customLocationsOid": OID}},
                {
                    "clusterName": "c3",
                    "kubeconfig": "tests/fixtures/kubeconfig-edge",
                    "privateLink": {"scopeResourceId": SCOPE},
                },
            ],
        }
        result = ok(plan(config, "--json"))
        commands = [r["name"] for r in registrations(result)]
        assert sorted(commands) == [
            "register-microsoft.extendedlocation", "register-microsoft.kubernetes", "register-microsoft.kubernetesconfiguration",
        ]  # fmt: skip
        for name, custom_locations, connect in (("c1", True, True), ("c2", True, True), ("c3", False, False)):
            values = result.resource(RELEASE_TYPE, f"/{name}-agents")["inputs"]["values"]["systemDefaultValues"]
            assert ("customLocations" in values) is custom_locations
            assert values["clusterconnect-agent"] == {"enabled": connect}
        assert result.resource(CLUSTER_TYPE, "/c3-cluster")["inputs"]["properties"]["privateLinkState"] == "Enabled"
        assert result.resource(CLUSTER_TYPE, "/c1-cluster")["inputs"]["properties"]["privateLinkState"] == "Disabled"

    def test_fleet_errors_name_the_item(self, plan) -> None:
        config = {
            "location": "westeurope",
            "resourceGroup": "rg-a",
            "features": {"clusterConnect": True},
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
                {"clusterName": "c2", "kubeContext": "kind-other", "privateLink": {"scopeResourceId": SCOPE}},
            ],
        }
        # The conflicting value is the top-level default: the line names the item (issue 20 finding 13)
        # and the key the user wrote.
        assert invalid(plan(config, "--json")) == [
            "arc-onboarding:clusters[1] (c2).features.clusterConnect: cannot be true with privateLink.scopeResourceId: "
            "private link turns cluster-connect off",
        ]


@pytest.fixture(scope="session")
def agent_key() -> tuple[str, str]:
    """An RSA key as the CLI stores it (PKCS#1 PEM, no trailing newline) and its PKCS#1 public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        .decode()
        .strip()
    )
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return pem, base64.b64encode(der).decode()


def adopted_raw(private: str, public: str | None = None) -> str:
    """A stack file whose key is `secure:` (what `pulumi config set --secret --path` writes)."""
    text = (
        "config:\n  arc-onboarding:clusterName: arc-test\n  arc-onboarding:resourceGroup: arc-test-rg\n"
        "  arc-onboarding:location: eastus\n  arc-onboarding:kubeContext: kind-arc-dev\n"
        f"  arc-onboarding:agents:\n    privateKey:\n      secure: {private}\n"
    )
    return text + (f"    publicKeyCertificate: {public}\n" if public else "")


class TestAdoption:
    def test_the_given_key_replaces_the_generated_one(self, plan, agent_key) -> None:
        pem, public = agent_key
        config = {**BASE_CONFIG, "agents": {"privateKey": pem}}
        results = [ok(plan(config, *args)) for args in ((), ("--json",))]
        for result in results:
            text = result.stdout + result.stderr
            assert "PRIVATE KEY" not in text and pem.splitlines()[1] not in text
        doc = results[-1].document
        assert not [r for r in doc["resources"] if r["type"] == KEY_TYPE]
        cluster = next(r for r in doc["resources"] if r["type"] == CLUSTER_TYPE)
        assert cluster["inputs"]["properties"]["agentPublicKeyCertificate"] == public
        assert cluster["dependencies"] == sorted([GROUP, GROUP_GUARD, REGISTER_K8S, REGISTER_CFG])
        release = next(r for r in doc["resources"] if r["type"] == RELEASE_TYPE)
        assert release["inputs"]["values"]["global"]["onboardingPrivateKey"] == "[secret]"
        # Only the key is secret: the chart version stays readable in diffs.
        assert release["inputs"]["version"] == "1.36.1"
        assert doc["warnings"] == [
            "arc-onboarding:agents.privateKey: is stored in plaintext; it is kept secret in Pulumi, but set it with "
            "`pulumi config set --secret --path 'arc-onboarding:agents.privateKey' \"$(kubectl -n azure-arc get secret "
            "azure-arc-connect-privatekey -o jsonpath='{.data.privateKey}' | base64 -d)\"`"
        ]

    def test_matching_public_key_is_accepted(self, plan, agent_key) -> None:
        pem, public = agent_key
        # `az` prints it on one line; a wrapped copy is the same key.
        wrapped = "\n".join(public[i : i + 64] for i in range(0, len(public), 64))
        inputs = cluster_inputs(
            plan({**BASE_CONFIG, "agents": {"privateKey": pem, "publicKeyCertificate": wrapped}}, "--json")
        )
        assert inputs["agentPublicKeyCertificate"] == public

    def test_mismatch_is_a_config_error(self, plan, agent_key) -> None:
        pem, _ = agent_key
        # Small on purpose: any other key will do, and a 1024-bit one is quick to generate.
        other = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505
        other_b64 = base64.b64encode(
            other.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        ).decode()
        lines = invalid(
            plan({**BASE_CONFIG, "agents": {"privateKey": pem, "publicKeyCertificate": other_b64}}, "--json")
        )
        assert lines == [
            "arc-onboarding:agents.publicKeyCertificate: does not match agents.privateKey: the key is not the one "
            "this connected cluster was onboarded with (check both come from the same cluster)"
        ]

    def test_secure_key_with_public_key_plans_that_public_key(self, plan, agent_key) -> None:
        _, public = agent_key
        result = ok(plan(None, "--json", raw=adopted_raw("AAAB==", public)))
        assert result.document["warnings"] == [
            "arc-onboarding:agents.privateKey: secure value not decrypted offline, so not validated"
        ]
        assert cluster_inputs(result)["agentPublicKeyCertificate"] == public
        assert not [r for r in result.document["resources"] if r["type"] == KEY_TYPE]
        release = result.resource(RELEASE_TYPE)["inputs"]
        assert release["values"]["global"]["onboardingPrivateKey"] == "[secret]"
        assert release["version"] == "[secret]"  # `agents` is one secret key: all of it stays secret

    def test_secure_key_alone_leaves_the_public_key_unknown_offline(self, plan) -> None:
        assert (
            cluster_inputs(plan(None, "--json", raw=adopted_raw("AAAB==")))["agentPublicKeyCertificate"] == "[unknown]"
        )

    def test_public_key_alone_is_refused(self, plan, agent_key) -> None:
        _, public = agent_key
        assert invalid(plan({**BASE_CONFIG, "agents": {"publicKeyCertificate": public}}, "--json")) == [
            "arc-onboarding:agents.publicKeyCertificate: is only a check of agents.privateKey: set both "
            "(adopting an onboarding) or neither"
        ]

    @pytest.mark.parametrize("public", ["not base64!", base64.b64encode(b"\x30\x03\x02\x01\x01").decode(), "MIIB"])
    def test_public_key_must_be_pkcs1(self, plan, agent_key, public: str) -> None:
        pem, _ = agent_key
        (line,) = invalid(
            plan({**BASE_CONFIG, "agents": {"privateKey": pem, "publicKeyCertificate": public}}, "--json")
        )
        assert line.startswith("arc-onboarding:agents.publicKeyCertificate: must be the base64 PKCS#1 public key")

    def test_bad_private_keys_are_refused_without_echo(self, plan, agent_key) -> None:
        pem, _ = agent_key
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        pkcs8 = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        encrypted = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(b"pw"),
        ).decode()
        body = pem.splitlines()
        corrupted = "\n".join([body[0], body[1][:-4] + "AAAA", *body[2:]])
        cases = {
            "pkcs8": (pkcs8, "not a PEM RSA PRIVATE KEY"),
            "ec": ((FIXTURES / "private-key.pem").read_text(), "not a PEM RSA PRIVATE KEY"),
            "encrypted": (encrypted, "an encrypted key"),
            "corrupted": (corrupted, "not a readable RSA private key"),
            "public": (
                key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode(),
                "not a PEM RSA PRIVATE KEY",
            ),
            "text": ("hunter2", "not a PEM RSA PRIVATE KEY"),
        }
        for name, (value, reason) in cases.items():
            result = plan({**BASE_CONFIG, "agents": {"privateKey": value}}, "--json")
            lines = invalid(result)
            assert lines == [
                "arc-onboarding:agents.privateKey: must be the unencrypted PKCS#1 PEM (-----BEGIN RSA PRIVATE KEY-----) "
                f"of the cluster's azure-arc-connect-privatekey secret: {reason}"
            ], name
            body = [line for line in value.strip().splitlines()[1:-1] if len(line) > 40] or [value]
            assert not [line for line in body if line in result.stderr], name


def fake_kubectl(tmp_path: Path, by_context: dict[str, Path | None]) -> str:
    """A `kubectl` that prints a fixture per --context (no fixture: fails like an unreachable cluster)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cases = "".join(
        f'    {context}) cat "{path}" ;;\n'
        if path
        else f"    {context}) echo 'Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused' >&2; exit 1 ;;\n"
        for context, path in by_context.items()
    )
    script = (
        '#!/bin/sh\ncontext=\nwhile [ $# -gt 0 ]; do [ "$1" = --context ] && context=$2; shift; done\n'
        f'case "$context" in\n{cases}    *) echo "unexpected context $context" >&2; exit 3 ;;\nesac\n'
    )
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(script)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    return f"{bin_dir}{os.pathsep}{os.defpath}"


class TestDetection:
    @pytest.mark.parametrize(
        ("fixture", "distribution", "infrastructure"),
        [
            ("aks.json", "aks", "azure"),
            ("eks-generic-first.json", "eks", "aws"),
            ("kubeadm-bare-metal.json", "kubeadm", "None"),
            ("kubeadm-openstack.json", "kubeadm", "openstack"),
        ],
    )
    def test_nodes_file(self, plan, fixture: str, distribution: str, infrastructure: str) -> None:
        config = {**BASE_CONFIG, "distribution": "auto", "infrastructure": "auto"}
        result = ok(plan(config, "--nodes-file", str(NODES / fixture), "--json"))
        inputs = result.resource(CLUSTER_TYPE)["inputs"]["properties"]
        assert (inputs["distribution"], inputs["infrastructure"]) == (distribution, infrastructure)
        values = result.resource(RELEASE_TYPE)["inputs"]["values"]["global"]
        assert (values["kubernetesDistro"], values["kubernetesInfra"]) == (distribution, infrastructure)
        # Passed through as the CLI sends them, without the warning a configured unknown value gets.
        assert result.document["warnings"] == []
        assert NODES_FILE_ENV not in os.environ

    def test_only_what_is_auto_is_detected(self, plan) -> None:
        config = {**BASE_CONFIG, "infrastructure": "auto"}
        inputs = cluster_inputs(plan(config, "--nodes-file", str(NODES / "aks.json"), "--json"))
        assert (inputs["distribution"], inputs["infrastructure"]) == ("generic", "azure")

    def test_nodes_file_is_ignored_without_auto(self, plan) -> None:
        inputs = cluster_inputs(plan(BASE_CONFIG, "--nodes-file", str(NODES / "aks.json"), "--json"))
        assert (inputs["distribution"], inputs["infrastructure"]) == ("generic", "generic")

    def test_missing_nodes_file(self, plan) -> None:
        result = plan(
            {**BASE_CONFIG, "distribution": "auto"}, "--nodes-file", "tests/fixtures/nodes/nope.json", "--json"
        )
        assert result.code == 2 and result.stdout == ""
        assert result.stderr == "error: --nodes-file tests/fixtures/nodes/nope.json: no such file\n"

    def test_nodes_file_that_is_not_a_node_list(self, plan) -> None:
        lines = invalid(
            plan({**BASE_CONFIG, "distribution": "auto"}, "--nodes-file", str(NODES / "not-a-list.json"), "--json")
        )
        assert lines == [
            "arc-onboarding:distribution: auto: has no `items` list of nodes (expected the output of `kubectl get nodes -o json`)"
        ]

    def test_without_kubectl_the_error_names_the_key(self, plan, monkeypatch, tmp_path) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        lines = invalid(plan({**BASE_CONFIG, "infrastructure": "auto"}, "--json"))
        assert lines == ["arc-onboarding:infrastructure: auto: needs kubectl on PATH to read the cluster's nodes"]

    def test_unreachable_cluster_names_the_key(self, plan, monkeypatch, tmp_path) -> None:
        monkeypatch.setenv("PATH", fake_kubectl(tmp_path, {"kind-arc-dev": None}))
        lines = invalid(plan({**BASE_CONFIG, "distribution": "auto", "infrastructure": "auto"}, "--json"))
        assert lines == [
            "arc-onboarding:distribution: auto: kubectl get nodes failed "
            "(Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused)"
        ]

    def test_missing_kubeconfig_cannot_detect(self, plan, monkeypatch) -> None:
        monkeypatch.setenv("KUBECONFIG", "/nonexistent/kubeconfig")
        lines = invalid(
            plan({k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"} | {"distribution": "auto"}, "--json")
        )
        assert lines == [
            "arc-onboarding:distribution: auto: needs the cluster, but the kubeconfig /nonexistent/kubeconfig does not exist here"
        ]

    def test_fleet_detects_per_cluster_through_each_context(self, plan, monkeypatch, tmp_path) -> None:
        monkeypatch.setenv(
            "PATH", fake_kubectl(tmp_path, {"kind-arc-dev": NODES / "kind.json", "kind-other": NODES / "aks.json"})
        )
        config = {
            "location": "westeurope",
            "resourceGroup": "rg-a",
            "distribution": "auto",
            "infrastructure": "auto",
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
                {"clusterName": "c2", "kubeContext": "kind-other"},
                # Set explicitly: no detection, so its context (edge-1) is never asked.
                {
                    "clusterName": "c3",
                    "kubeconfig": "tests/fixtures/kubeconfig-edge",
                    "distribution": "k3s",
                    "infrastructure": "generic",
                },
            ],
        }
        result = ok(plan(config, "--json"))
        detected = {
            r["name"]: (r["inputs"]["properties"]["distribution"], r["inputs"]["properties"]["infrastructure"])
            for r in result.document["resources"] if r["type"] == CLUSTER_TYPE
        }  # fmt: skip
        assert detected == {
            "rg-a/c1-cluster": ("kind", "kind"),
            "rg-a/c2-cluster": ("aks", "azure"),
            "rg-a/c3-cluster": ("k3s", "generic"),
        }

    def test_fleet_unreachable_item_is_named(self, plan, monkeypatch, tmp_path) -> None:
        monkeypatch.setenv("PATH", fake_kubectl(tmp_path, {"kind-arc-dev": NODES / "kind.json", "kind-other": None}))
        config = {
            "location": "westeurope",
            "resourceGroup": "rg-a",
            "distribution": "auto",
            "clusters": [
                {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
                {"clusterName": "c2", "kubeContext": "kind-other"},
            ],
        }
        # `auto` is the fleet's default, but only c2 cannot be read: the line names the item.
        (line,) = invalid(plan(config, "--json"))
        assert line.startswith("arc-onboarding:clusters[1].distribution: auto: kubectl get nodes failed")


class TestClouds:
    @pytest.mark.parametrize(
        ("cloud", "environment", "location", "endpoint"),
        [
            ("AzureCloud", "public", "westeurope", "https://westeurope.dp.kubernetesconfiguration.azure.com"),
            (
                "AzureUSGovernment",
                "usgovernment",
                "usgovvirginia",
                "https://usgovvirginia.dp.kubernetesconfiguration.azure.us",
            ),
            ("AzureChinaCloud", "china", "chinanorth3", "https://chinanorth3.dp.kubernetesconfiguration.azure.cn"),
        ],
    )
    def test_data_plane_endpoint_output(self, plan, cloud: str, environment: str, location: str, endpoint: str) -> None:
        config = {**BASE_CONFIG, "cloud": cloud, "location": location, "azure-native:environment": environment}
        result = ok(plan(config, "--json"))
        assert result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]["dataPlaneEndpoint"] == endpoint
        # Every cloud has Learn's endpoint list now, so the preflight runs in each (no warning).
        assert result.document["warnings"] == []

    def test_mismatch_names_both(self, plan) -> None:
        config = {
            **BASE_CONFIG,
            "cloud": "AzureChinaCloud",
            "location": "chinanorth3",
            "azure-native:environment": "public",
        }
        assert invalid(plan(config, "--json")) == [
            "arc-onboarding:cloud: is AzureChinaCloud but azure-native:environment is 'public'; "
            "set azure-native:environment to 'china' or change cloud"
        ]

    def test_secret_location_keeps_the_endpoint_secret(self, plan) -> None:
        # One secure leaf makes `clusters` secret, and with it every key an item sets (here location).
        raw = (
            "config:\n  arc-onboarding:location: westeurope\n  arc-onboarding:resourceGroup: rg-a\n"
            "  arc-onboarding:clusters:\n    - clusterName: c1\n      kubeContext: kind-arc-dev\n"
            "      location: northeurope\n      tags:\n        owner:\n          secure: AAAB==\n"
        )
        outputs = ok(plan(None, "--json", raw=raw)).document["outputs"]
        assert outputs["clusters"]["rg-a/c1"]["dataPlaneEndpoint"] == "[secret]"


def test_documented_import_steps_use_the_urns_and_names_the_plan_forms(plan, agent_key) -> None:
    readme = (Path(__file__).resolve().parents[1] / "docs" / "lifecycle.md").read_text()
    section = readme.split("## Adopting an existing onboarding", 1)[1].split("\n## ", 1)[0]
    pem, public = agent_key
    config = {
        "clusterName": "arc-prod", "resourceGroup": "arc-prod-rg", "location": "eastus", "kubeContext": "kind-arc-dev",
        "createResourceGroup": False, "agents": {"privateKey": pem, "publicKeyCertificate": public},
    }  # fmt: skip
    resources = {r["type"]: r for r in ok(plan(config, "--stack", "prod", "--json")).document["resources"]}
    component = resources["arc-onboarding:index:ArcConnectedCluster"]["urn"]
    provider = resources["pulumi:providers:kubernetes"]["urn"]
    assert f"COMPONENT='{component}'" in section and f"PROVIDER='{provider}'" in section
    for type_ in (CLUSTER_TYPE, RELEASE_TYPE):
        assert f"pulumi import {type_} {resources[type_]['name']} " in section
        assert resources[type_]["parent"] == component
    assert resources[RELEASE_TYPE]["provider"] == provider
    assert KEY_TYPE not in resources
