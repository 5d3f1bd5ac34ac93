"""No secret leaks: nothing the plan prints holds a secret, and secrets stay marked wherever they flow.

The secrets: the agents' private key (the offline plan's real RSA key), proxy passwords (as
written, URL-decoded and URL-encoded) and the kubeconfig's credentials. Everything printed is
scanned: stdout and stderr, JSON and table, plans, warnings and errors.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

import pytest

from components.keys import pkcs1_public_key_b64
from components.plan.engine import PlanMocks
from components.plan.runner import run_program
from components.settings import ConfigError, load
from tests.conftest import BASE_CONFIG, FIXTURE_CREDENTIALS, KUBECONFIG, ROOT, engine_config

EXAMPLE_STACKS = sorted(ROOT.glob("Pulumi.*.yaml"))
PASSWORD = "S3cr%23t%2Fpw:42"  # as written in a URL; decoded: S3cr#t/pw:42
FLEET_PASSWORD = "Edge%40pw%2199"
CREDENTIALED = f"http://arcuser:{PASSWORD}@proxy.corp:3128"
CA = "tests/fixtures/proxy-ca.pem"
RELEASE = "kubernetes:helm.sh/v3:Release"
PROVIDER = "pulumi:providers:kubernetes"
CLUSTER = "azure-native:resources:Resource"
GROUP = "azure-native:resources:ResourceGroup"
KEY_SECRET = "kubernetes:core/v1:Secret"

PROXY_SCENARIOS: dict[str, dict[str, Any]] = {
    "none": BASE_CONFIG,
    "urls-and-noproxy": {
        **BASE_CONFIG,
        "proxy": {
            "httpProxy": "http://proxy.corp:3128",
            "httpsProxy": "http://proxy.corp:3128",
            "noProxy": ["10.96.0.0/12", ".svc"],
        },
    },
    "credentials": {
        **BASE_CONFIG,
        "proxy": {"httpProxy": CREDENTIALED, "httpsProxy": CREDENTIALED, "noProxy": [".svc"]},
    },
    "ca-only": {**BASE_CONFIG, "proxy": {"caCertFile": CA}},
    "ca-and-urls": {
        **BASE_CONFIG,
        "proxy": {"httpsProxy": "https://proxy.corp:443", "noProxy": [".svc"], "caCertFile": CA},
    },
    "credentials-in-a-fleet-item": {
        "location": "westeurope",
        "resourceGroup": "arc-fleet-rg",
        "clusters": [
            {"clusterName": "store-1", "kubeContext": "kind-arc-dev"},
            {
                "clusterName": "store-2",
                "kubeContext": "kind-other",
                "proxy": {"httpsProxy": f"http://edge:{FLEET_PASSWORD}@proxy.corp:3128", "caCertFile": CA},
            },
        ],
    },
}
# Plaintext credentials that are invalid: the problem lines must not echo them either.
INVALID_SCENARIOS: dict[str, dict[str, Any]] = {
    "bad-port": {**BASE_CONFIG, "proxy": {"httpsProxy": f"http://arcuser:{PASSWORD}@proxy.corp:99999"}},
    "no-host": {**BASE_CONFIG, "proxy": {"httpsProxy": f"http://arcuser:{PASSWORD}@"}},
    "path": {**BASE_CONFIG, "proxy": {"httpProxy": f"http://arcuser:{PASSWORD}@proxy.corp:3128/x"}},
    "spaces": {**BASE_CONFIG, "proxy": {"httpProxy": f"http://arcuser:{PASSWORD} @proxy.corp:3128"}},
    "fleet-item": {
        **PROXY_SCENARIOS["credentials-in-a-fleet-item"],
        "clusters": [{"clusterName": "s", "proxy": {"httpsProxy": f"socks5://edge:{FLEET_PASSWORD}@proxy.corp"}}],
    },
}


def secret_needles() -> list[str]:
    """Every form in which a secret could show up in text."""
    needles = [*FIXTURE_CREDENTIALS]
    for written in (PASSWORD, FLEET_PASSWORD):
        needles += [written, unquote(written), quote(unquote(written), safe="")]
    for private_pem, public_pem in PlanMocks._keys.values():
        body = [line for line in private_pem.splitlines() if line and not line.startswith("-----")]
        # The private key's DER holds the public modulus too, at the same base64 alignment as in
        # agentPublicKeyCertificate: lines that are public material prove nothing.
        public = [pkcs1_public_key_b64(public_pem), "".join(public_pem.splitlines()[1:-1])]
        private_lines = [line for line in body if not any(line in text for text in public)]
        assert len(private_lines) > len(body) // 2
        needles += [private_pem.strip(), "".join(body), *private_lines]
        needles += [base64.b64encode(private_pem.encode()).decode()[:60], json.dumps(private_pem)[1:60]]
    return needles


def assert_no_secret(text: str) -> None:
    assert "PRIVATE KEY" not in text
    for needle in secret_needles():
        assert needle not in text, f"secret leaked: {needle[:12]}…"


def leaf(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize("stack", EXAMPLE_STACKS, ids=[p.name for p in EXAMPLE_STACKS])
def test_example_stacks_print_no_secret(plan, stack: Path) -> None:
    for args in (("--json",), ()):
        result = plan(None, "--config-file", str(stack), *args)
        assert result.code == 0, result.stderr
        assert_no_secret(result.stdout + result.stderr)
    assert PlanMocks._keys, "the plan generated no key: the scan would prove nothing"


@pytest.mark.parametrize("scenario", PROXY_SCENARIOS)
def test_proxy_scenarios_print_no_secret(plan, scenario: str) -> None:
    for args in (("--json",), ()):
        result = plan(PROXY_SCENARIOS[scenario], *args)
        assert result.code == 0, result.stderr
        assert_no_secret(result.stdout + result.stderr)
    outputs = plan(PROXY_SCENARIOS[scenario], "--json").document["outputs"]
    assert_no_secret(json.dumps(outputs))


@pytest.mark.parametrize("scenario", INVALID_SCENARIOS)
def test_errors_print_no_secret(plan, scenario: str) -> None:
    result = plan(INVALID_SCENARIOS[scenario], "--json")
    assert result.code == 2 and result.stdout == ""
    assert "proxy.http" in result.stderr
    assert_no_secret(result.stderr)


def test_plaintext_credentials_warn_without_the_password(plan) -> None:
    result = plan(PROXY_SCENARIOS["credentials-in-a-fleet-item"], "--json")
    # (The item's proxy has no noProxy, which draws its own warnings; only the credentials matter here.)
    assert [w for w in result.document["warnings"] if "credentials" in w] == [
        "arc-onboarding:clusters[1].proxy.httpsProxy: holds credentials in plaintext; it is kept secret in "
        "Pulumi, but set it with `pulumi config set --secret --path 'arc-onboarding:clusters[1].proxy.httpsProxy' URL`"
    ]


def test_kubeconfig_that_is_not_yaml_is_not_quoted(plan, tmp_path: Path) -> None:
    # YAML's own error message quotes the lines around the problem: here, the token.
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(f"users:\n- name: a\n  user: {{token: {FIXTURE_CREDENTIALS[0]}: x}}\n")
    result = plan({**BASE_CONFIG, "kubeconfig": str(kubeconfig)}, "--json")
    assert result.code == 2
    assert result.stderr.startswith(f"arc-onboarding:kubeconfig: {kubeconfig} is not a kubeconfig (")
    assert_no_secret(result.stderr)


class TestSecretMarkers:
    """Secret inputs are "[secret]" at every input they reach."""

    def test_private_key_and_kubeconfig(self, plan) -> None:
        result = plan(BASE_CONFIG, "--json")
        assert result.resource(KEY_SECRET)["inputs"]["stringData"] == "[secret]"
        # With an older pin the key is a release value, secret there too.
        older = plan({**BASE_CONFIG, "agents": {"chartVersion": "1.34.2"}}, "--json")
        assert leaf(older.resource(RELEASE)["inputs"], "values.global.onboardingPrivateKey") == "[secret]"
        assert result.resource(PROVIDER)["inputs"]["kubeconfig"] == "[secret]"

    def test_credentials_make_every_proxy_value_secret(self, plan) -> None:
        values = plan(PROXY_SCENARIOS["credentials"], "--json").resource(RELEASE)["inputs"]["values"]["global"]
        assert {k: values[k] for k in ("httpProxy", "httpsProxy", "noProxy", "isProxyEnabled")} == {
            "httpProxy": "[secret]", "httpsProxy": "[secret]", "noProxy": "[secret]", "isProxyEnabled": True,
        }  # fmt: skip

    def test_credentials_in_one_fleet_item_mark_that_item_only(self, plan) -> None:
        result = plan(PROXY_SCENARIOS["credentials-in-a-fleet-item"], "--json")
        store2 = result.resource(RELEASE, "store-2-agents")["inputs"]["values"]["global"]
        assert (store2["httpsProxy"], store2["proxyCert"], store2["isCustomCert"]) == ("[secret]", "[secret]", True)
        store1 = result.resource(RELEASE, "store-1-agents")["inputs"]["values"]["global"]
        assert "httpsProxy" not in store1 and "proxyCert" not in store1

    def test_keys_set_as_secrets_are_secret_on_every_resource(self, kube_env: Path) -> None:
        # What `pulumi up` hands the program for `--secret` keys: real values, marked secret.
        config = {
            **BASE_CONFIG,
            "location": "westeurope",
            "tags": {"owner": "platform"},
            "agents": {"chartVersion": "1.36.1"},
            "proxy": {"httpsProxy": CREDENTIALED, "noProxy": [".svc"], "caCertFile": CA},
        }
        secret = [f"arc-onboarding:{k}" for k in ("location", "tags", "kubeContext", "agents", "proxy")]
        run = run_program(ROOT / "__main__.py", "arc-onboarding", "test", engine_config(config), secret)
        inputs = {r.type: r.inputs for r in run.registrations}
        expected_secret = {
            GROUP: ["location", "tags"],
            CLUSTER: ["location", "tags"],
            PROVIDER: ["kubeconfig", "context"],
            RELEASE: [
                "chart", "version", "timeout", "values.global.location",
                "values.global.httpsProxy", "values.global.noProxy", "values.global.proxyCert",
            ],
            KEY_SECRET: ["stringData"],
        }  # fmt: skip
        for type_, paths in expected_secret.items():
            for path in paths:
                assert leaf(inputs[type_], path) == "[secret]", f"{type_} {path}"
        # Nothing secret reaches the registrations: their only value is the subscription id.
        commands = {r.name: r.inputs for r in run.registrations if r.type == "command:local:Command"}
        registrations = [c for name, c in commands.items() if name.startswith("register-")]
        assert [sorted(c) for c in registrations] == [["create", "environment", "interpreter"]] * 2
        assert all(c["environment"]["ARC_SUBSCRIPTION"].startswith("00000000-") for c in registrations)
        # The cleanup carries the kubeconfig; the verify's values, built from `agents`, are secret with it.
        assert commands["arc-test-rg/arc-test-cleanup"]["environment"] == "[secret]"
        assert commands["arc-test-rg/arc-test-verify"]["environment"] == "[secret]"
        assert run.outputs["clusters"]["arc-test-rg/arc-test"]["kubeContext"] == "[secret]"
        assert_no_secret(json.dumps([r.as_json() for r in run.registrations]) + json.dumps(run.outputs))


class TestMessagesOfSecretKeys:
    """Problems and warnings quote values to help, except values of keys set as secrets."""

    SECRET_VALUES = ("ctx-hidden-7", "bad_host!hidden", "certs/hidden-ca.pem")
    CONFIG: ClassVar[dict[str, Any]] = {
        **BASE_CONFIG,
        "kubeContext": "ctx-hidden-7",
        "proxy": {"noProxy": ["bad_host!hidden"], "caCertFile": "certs/hidden-ca.pem"},
    }

    def problems(self, secret: list[str]) -> list[str]:
        with pytest.raises(ConfigError) as raised:
            load(engine_config(self.CONFIG), secret, ROOT, {"KUBECONFIG": str(KUBECONFIG)})
        return raised.value.problems

    def test_plain_values_are_quoted(self) -> None:
        text = "\n".join(self.problems([]))
        assert all(value in text for value in self.SECRET_VALUES)

    def test_secret_values_are_not(self) -> None:
        problems = self.problems(["arc-onboarding:kubeContext", "arc-onboarding:proxy"])
        assert [p.split(": ", 1)[0] for p in problems] == [
            "arc-onboarding:proxy.noProxy[0]", "arc-onboarding:proxy.caCertFile", "arc-onboarding:kubeContext",
        ]  # fmt: skip
        assert not any(value in p for p in problems for value in self.SECRET_VALUES)

    def test_secret_location_is_not_quoted_in_its_warning(self) -> None:
        config = engine_config({**BASE_CONFIG, "location": "westeuropz"})
        (warning,) = load(config, ["arc-onboarding:location"], ROOT, {"KUBECONFIG": str(KUBECONFIG)}).warnings
        assert warning.startswith("arc-onboarding:location: the value is not a AzureCloud region known offline")
        assert "westeuropz" not in warning
