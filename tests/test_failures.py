"""Errors the program owns: each injected failure gives one line naming the key or resource and
the next step, never a traceback and never a secret."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.plan.engine import PlanMocks
from tests.conftest import BASE_CONFIG, FIXTURE_CREDENTIALS, KUBECONFIG, ROOT, PlanResult
from tests.test_secrets import assert_no_secret

NEXT_STEP = "point `arc-onboarding:kubeconfig` (or $KUBECONFIG) at the cluster's kubeconfig file"
KEY_FAILURE = (
    "error: arc-test-rg/arc-test-key (tls:index/privateKey:PrivateKey): its public key cannot be "
    "converted for agentPublicKeyCertificate ({reason}); replace the key with `pulumi up --replace URN` "
    "(URN from `pulumi stack --show-urns`)"
)
INVOKE_FAILURE = (
    "error: azure-native:authorization:getClientConfig (the azure-native provider's subscription and "
    "tenant) failed: {reason}; check its credentials: `az login` and `az account set --subscription SUB`, "
    "or ARM_CLIENT_ID/ARM_TENANT_ID/ARM_SUBSCRIPTION_ID, or `azure-native:*` config"
)


def one_line(result: PlanResult, code: int) -> str:
    assert result.code == code and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert_no_secret(result.stderr)
    return lines[0]


class TestFileReads:
    def test_kubeconfig_that_is_a_directory(self, plan, tmp_path: Path) -> None:
        line = one_line(plan({**BASE_CONFIG, "kubeconfig": str(tmp_path)}), 2)
        assert line == f"arc-onboarding:kubeconfig: {tmp_path} cannot be read (Is a directory); {NEXT_STEP}"

    def test_kubeconfig_from_the_environment_that_is_a_directory(self, plan, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setenv("KUBECONFIG", str(tmp_path))
        line = one_line(plan(BASE_CONFIG), 2)
        assert line == f"arc-onboarding:kubeconfig: {tmp_path} cannot be read (Is a directory); {NEXT_STEP}"

    def test_kubeconfig_that_is_not_utf8(self, plan, tmp_path: Path) -> None:
        kubeconfig = tmp_path / "config"
        kubeconfig.write_bytes(KUBECONFIG.read_bytes() + b"\n# \xff\xfe\n")
        line = one_line(plan({**BASE_CONFIG, "kubeconfig": str(kubeconfig)}), 2)
        assert line == f"arc-onboarding:kubeconfig: {kubeconfig} is not a kubeconfig (not UTF-8 text); {NEXT_STEP}"

    def test_kubeconfig_that_is_not_yaml(self, plan, tmp_path: Path) -> None:
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text(f"users: [\n  {{token: {FIXTURE_CREDENTIALS[0]}}}: ]\n")
        line = one_line(plan({**BASE_CONFIG, "kubeconfig": str(kubeconfig)}), 2)
        assert (
            line.startswith(f"arc-onboarding:kubeconfig: {kubeconfig} is not a kubeconfig (")
            and " at line 2); " in line
        )
        assert line.endswith(NEXT_STEP)

    @pytest.mark.parametrize(
        "text",
        ["contexts: 7\n", "just a string\n", "- a\n- b\n", "contexts: {a: b}\n"],
    )
    def test_kubeconfig_of_the_wrong_shape(self, plan, tmp_path: Path, text: str) -> None:
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text(text)
        line = one_line(plan({**BASE_CONFIG, "kubeconfig": str(kubeconfig)}), 2)
        assert line == f"arc-onboarding:kubeconfig: {kubeconfig} is not a kubeconfig (no `contexts:` list); {NEXT_STEP}"

    def test_kubeconfig_whose_current_context_is_not_a_name(self, plan, tmp_path: Path) -> None:
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text("current-context: [a]\ncontexts: [{name: a}]\n")
        config = {k: v for k, v in BASE_CONFIG.items() if k != "kubeContext"}
        line = one_line(plan({**config, "kubeconfig": str(kubeconfig)}), 2)
        assert line.startswith(f"arc-onboarding:kubeContext: {kubeconfig} has no current-context; set one: ")

    def test_ca_file_that_vanishes_after_the_check(self, plan, monkeypatch) -> None:
        read_text = pathlib.Path.read_text

        def vanished(self: Path, *args: Any, **kwargs: Any) -> str:
            if self.name == "proxy-ca.pem":
                raise FileNotFoundError(2, "No such file or directory")
            return read_text(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "read_text", vanished)
        line = one_line(plan({**BASE_CONFIG, "proxy": {"caCertFile": "tests/fixtures/proxy-ca.pem"}}), 2)
        assert line == (
            "arc-onboarding:proxy.caCertFile: tests/fixtures/proxy-ca.pem: cannot be read "
            "(No such file or directory); check the file and run again"
        )

    def test_ca_file_that_is_binary(self, plan, tmp_path: Path) -> None:
        ca = tmp_path / "ca.der"
        ca.write_bytes(b"\x30\x82\x01\x0a\xff")
        line = one_line(plan({**BASE_CONFIG, "proxy": {"caCertFile": str(ca)}}), 2)
        assert line.startswith(f"arc-onboarding:proxy.caCertFile: {ca}: is not PEM text (binary, or not ASCII); ")
        assert "openssl x509 -inform der" in line

    def test_stack_file_that_is_a_directory(self, plan, tmp_path: Path) -> None:
        line = one_line(plan(None, "--config-file", str(tmp_path)), 2)
        assert line == f"error: {tmp_path}: cannot read the stack file: Is a directory"

    def test_outside_the_project_directory(self, plan, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.chdir(tmp_path)
        line = one_line(plan(None, "--stack", "dev"), 2)
        assert line == f"error: {tmp_path / 'Pulumi.yaml'}: not found; run from the project directory"


class TestProgramFailures:
    def test_key_conversion_failure_names_the_key(self, plan, monkeypatch) -> None:
        new_resource = PlanMocks.new_resource

        def malformed_public_key(self: PlanMocks, args: Any) -> tuple[str | None, dict[str, Any]]:
            rid, outputs = new_resource(self, args)
            if args.typ == "tls:index/privateKey:PrivateKey":
                outputs["publicKeyPem"] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            return rid, outputs

        monkeypatch.setattr(PlanMocks, "new_resource", malformed_public_key)
        line = one_line(plan(BASE_CONFIG, "--json"), 1)
        assert line == KEY_FAILURE.format(reason="expected DER tag 0x30 at byte 0")

    def test_apply_callback_raising_names_the_resource_not_the_message(self, plan, monkeypatch) -> None:
        def boom(pem: str) -> str:
            raise RuntimeError(f"cannot handle {pem}")  # a careless message quoting its input

        monkeypatch.setattr("components.arc_cluster.pkcs1_public_key_b64", boom)
        line = one_line(plan(BASE_CONFIG, "--json"), 1)
        assert line == KEY_FAILURE.format(reason="RuntimeError")

    def test_an_unguarded_apply_callback_raising_is_one_line_naming_the_resource(self, plan, monkeypatch) -> None:
        # Any callback without a guard of its own: the SDK wraps its ValueError twice; the plan
        # reports the resource and the original error.
        def unguarded(key_name: str):
            def convert(pem: str) -> str:
                raise ValueError("no RSA key here")

            return convert

        monkeypatch.setattr("components.arc_cluster.agent_public_key", unguarded)
        line = one_line(plan(BASE_CONFIG, "--json"), 1)
        assert (
            line == "error: azure-native:resources:Resource arc-test-rg/arc-test-cluster: ValueError: no RSA key here"
        )

    def test_invoke_failure_names_the_invoke_and_what_to_check(self, plan, monkeypatch) -> None:
        def fail(self: PlanMocks, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token\nsecond line")

        monkeypatch.setattr(PlanMocks, "call", fail)
        line = one_line(plan(BASE_CONFIG, "--json"), 1)
        assert line == INVOKE_FAILURE.format(reason="DefaultAzureCredential failed to retrieve a token")

    def test_a_provider_failure_is_one_line(self, plan, monkeypatch) -> None:
        # Cloud failures are the engine's to report; the plan still prints one line, no traceback.
        new_resource = PlanMocks.new_resource

        def refuse(self: PlanMocks, args: Any) -> tuple[str | None, dict[str, Any]]:
            if args.typ == "azure-native:resources:Resource":
                raise ValueError("AuthorizationFailed")
            return new_resource(self, args)

        monkeypatch.setattr(PlanMocks, "new_resource", refuse)
        line = one_line(plan(BASE_CONFIG, "--json"), 1)
        assert line == "error: ValueError: AuthorizationFailed"


INJECT = """
import sys
from components.plan.engine import PlanMocks
from components.plan.cli import main
def fail(self, args):
    raise RuntimeError("token expired")
PlanMocks.call = fail
sys.exit(main(sys.argv[1:]))
"""


def test_in_a_real_process_a_failed_invoke_prints_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(KUBECONFIG)}
    done = subprocess.run(
        [sys.executable, "-c", INJECT, "--stack", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == INVOKE_FAILURE.format(reason="token expired") + "\n"
