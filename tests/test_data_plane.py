"""Issue 19 §2: the agents' Helm values from the Arc data plane, as the CLI has asked for them since
1.10 (healthCheck, then GetHelmSettings with the cluster as PUT and placeholders for the proxy's
values), over the explicit set that stays the fallback; verify waits for the agent state the CLI
polls with the OIDC issuer or workload identity on."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from components import agent_values, data_plane, scripts
from components.settings import ProxySettings
from tests.conftest import BASE_CONFIG
from tests.test_scripts import SUBSCRIPTION, needs_sh, sh  # noqa: F401  # sh: the fixture

COMMAND = "command:local:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"
GENERIC = "azure-native:resources:Resource"
PROXY_URL = "http://user:proxy-pass-42@proxy.corp:3128"
CLUSTER_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/arc-test-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
PROTECTED = {"proxy": {"https_proxy": PROXY_URL, "no_proxy": "10.0.0.0/16,.svc", "proxy_cert": "-----BEGIN X-----"}}


def body(protected: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    return data_plane.request_body(
        cluster_id=CLUSTER_ID,
        name="arc-test",
        location="eastus",
        tags={"arcOnboardingStack": "p/s"},
        principal_id="principal-1",
        tenant_id="tenant-1",
        properties={
            "distribution": "kind",
            "arcAgentryConfigurations": [{"feature": "proxy", "settings": {}}],
        },
        protected=PROTECTED if protected is None else protected,
    )


class TestRequest:
    def test_the_cluster_as_put_with_identity_and_id_and_placeholders_only(self) -> None:
        request = body()
        assert request["id"] == CLUSTER_ID
        assert request["identity"] == {"type": "SystemAssigned", "principalId": "principal-1", "tenantId": "tenant-1"}
        assert request["properties"]["arcAgentryConfigurations"] == [
            {
                "feature": "proxy",
                "settings": {},
                "protectedSettings": {
                    "https_proxy": "redacted:proxy:https_proxy",
                    "no_proxy": "redacted:proxy:no_proxy",
                    "proxy_cert": "redacted:proxy:proxy_cert",
                },
            }
        ]
        text = data_plane.body_json(request)
        assert "proxy-pass-42" not in text and "BEGIN" not in text and "10.0.0.0" not in text

    def test_no_protected_settings_no_placeholders(self) -> None:
        request = body(protected={})
        assert request["properties"]["arcAgentryConfigurations"] == [{"feature": "proxy", "settings": {}}]

    def test_the_body_text_is_stable(self) -> None:
        assert data_plane.body_json(body()) == data_plane.body_json(json.loads(data_plane.body_json(body())))

    def test_the_urls_are_the_clis(self) -> None:
        endpoint = "https://eastus.dp.kubernetesconfiguration.azure.com"
        assert data_plane.health_check_url(endpoint) == (
            f"{endpoint}/azure-arc-k8sagents/healthCheck?api-version=2024-07-01-preview"
        )
        assert data_plane.helm_settings_url(endpoint) == (
            f"{endpoint}/azure-arc-k8sagents/GetHelmSettings?api-version=2024-07-01-preview&releaseTrain=stable"
        )

    def test_protected_settings_of_the_proxy(self) -> None:
        proxy = ProxySettings(https_proxy=PROXY_URL, no_proxy=("10.0.0.0/16", ".svc"), ca_cert_pem="PEM")
        assert agent_values.protected_settings(proxy) == {
            "proxy": {"https_proxy": PROXY_URL, "no_proxy": "10.0.0.0/16,.svc", "proxy_cert": "PEM"}
        }
        assert agent_values.protected_settings(ProxySettings()) == {}


def dp_stdout(
    content: dict[str, Any], path: str | None = "mcr.microsoft.com/azurearck8s/batch1/stable/x:1.36.1"
) -> str:
    answer: dict[str, Any] = {"helmValuesContent": content, **({"repositoryPath": path} if path else {})}
    return json.dumps({"source": "dataPlane", "answer": answer})


class TestAnswer:
    def test_nothing_printed_is_not_asked(self) -> None:
        assert data_plane.parse_answer("").source == "notAsked"

    def test_the_data_planes_answer(self) -> None:
        answer = data_plane.parse_answer(dp_stdout({"global.location": "eastus", "a.b": True}))
        assert answer.source == "dataPlane"
        assert answer.values == {"global.location": "eastus", "a.b": "True"}
        assert answer.repository_path == "mcr.microsoft.com/azurearck8s/batch1/stable/x:1.36.1"

    @pytest.mark.parametrize(
        ("stdout", "reason"),
        [
            ('{"source":"fallback","reason":"healthCheck failed: offline"}', "healthCheck failed: offline"),
            ("not json", "the helm-settings step printed no JSON"),
            ('{"source":"dataPlane","answer":{}}', "the data plane's answer has no helmValuesContent map"),
        ],
    )
    def test_fallbacks_say_why(self, stdout: str, reason: str) -> None:
        answer = data_plane.parse_answer(stdout)
        assert (answer.source, answer.reason) == ("fallback", reason)


class TestValues:
    def test_placeholders_are_replaced_locally(self) -> None:
        resolved, unresolved = data_plane.substitute(
            {
                "global.httpsProxy": "redacted:proxy:https_proxy",
                "global.x": "plain",
                "global.httpProxy": "redacted:proxy:http_proxy",
            },
            PROTECTED,
        )
        assert resolved == {"global.httpsProxy": PROXY_URL, "global.x": "plain"}
        assert unresolved == ["global.httpProxy"]

    @pytest.mark.parametrize(
        ("text", "value"),
        [("true", True), ("False", False), ("null", None), ("0", 0), ("42", 42), ("-7", -7), ("007", "007"),
         ("1.5", "1.5"), ("eastus", "eastus"), ("", "")],
    )  # fmt: skip
    def test_values_are_typed_as_set_types_them(self, text: str, value: Any) -> None:
        assert data_plane.typed(text) == value and type(data_plane.typed(text)) is type(value)

    def test_dotted_keys_nest_and_an_escaped_dot_stays(self) -> None:
        assert data_plane.nested({"a.b.c": 1, "a.d": 2, "x\\.y.z": 3}) == {
            "a": {"b": {"c": 1}, "d": 2},
            "x.y": {"z": 3},
        }

    def test_the_answer_over_the_explicit_set_and_the_clis_own_over_both(self) -> None:
        explicit = {
            "global": {"location": "old", "kubernetesDistro": "kind"},
            "systemDefaultValues": {"clusterconnect-agent": {"enabled": False}, "spnOnboarding": False},
        }
        after = {"systemDefaultValues": {"clusterconnect-agent": {"enabled": False}}}
        answer = data_plane.parse_answer(
            dp_stdout(
                {
                    "global.location": "eastus",
                    "global.enableOidcIssuer": "true",
                    "global.httpsProxy": "redacted:proxy:https_proxy",
                    "global.noProxy": "redacted:proxy:no_proxy",
                    "systemDefaultValues.clusterconnect-agent.enabled": "true",
                }
            )
        )
        merged = data_plane.release_values(explicit, answer, after, PROTECTED)
        assert merged.values == {
            "global": {
                "location": "eastus",
                "kubernetesDistro": "kind",
                "enableOidcIssuer": True,
                # The user's text, never typed.
                "httpsProxy": PROXY_URL,
                "noProxy": "10.0.0.0/16,.svc",
            },
            "systemDefaultValues": {"clusterconnect-agent": {"enabled": False}, "spnOnboarding": False},
        }
        assert merged.unresolved == []

    @pytest.mark.parametrize("stdout", ["", '{"source":"fallback","reason":"x"}'])
    def test_without_an_answer_the_explicit_set(self, stdout: str) -> None:
        explicit = {"global": {"location": "eastus"}}
        merged = data_plane.release_values(explicit, data_plane.parse_answer(stdout), {"z": 1}, {})
        assert merged.values == explicit


# A fake `az` for the data plane and the agent state: each call's argv on a line of $FAKE_LOG.
FAKE_AZ = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
case "$*" in
  *healthCheck*)
    if [ -n "${FAKE_HEALTH_ERROR:-}" ]; then printf '%s\n' "$FAKE_HEALTH_ERROR" >&2; exit 1; fi ;;
  *GetHelmSettings*)
    if [ -n "${FAKE_SETTINGS_ERROR:-}" ]; then printf '%s\n' "$FAKE_SETTINGS_ERROR" >&2; exit 1; fi
    printf '%s\n' "${FAKE_SETTINGS-}" ;;
  *properties.connectivityStatus*) echo Connected ;;
  *properties.arcAgentProfile.agentState*)
    # One state per call ("-": none); the last one repeats.
    count=$(grep -c agentState "$FAKE_LOG")
    state=$(printf '%s\n' $FAKE_AGENT_STATES | sed -n "${count}p;\$p" | head -n 1)
    [ "$state" = - ] && state=
    printf '%s\n' "$state" ;;
esac
"""
ENDPOINT = "https://eastus.dp.kubernetesconfiguration.azure.com"
ANSWER = {
    "repositoryPath": "mcr.microsoft.com/x:1",
    "helmValuesContent": {"global.httpsProxy": "redacted:proxy:https_proxy"},
}


def helm_settings() -> tuple[str, dict[str, str]]:
    environment = scripts.helm_settings_environment(
        endpoint=ENDPOINT, aad_resource="https://management.core.windows.net/", body=data_plane.body_json(body())
    )
    return scripts.text("helm_settings"), {**environment, "ARC_DP_RETRY_SECONDS": "0"}


@pytest.fixture
def dp_sh(sh):  # noqa: F811
    (sh.bin_dir / "az").write_text(FAKE_AZ)
    return sh


@needs_sh
class TestHelmSettingsRuns:
    def test_health_check_then_helm_settings_with_the_body(self, dp_sh) -> None:
        run = dp_sh(helm_settings(), FAKE_SETTINGS=json.dumps(ANSWER))
        assert run.code == 0, run.stderr
        assert run.calls == [
            f"rest --method post --url {data_plane.health_check_url(ENDPOINT)} "
            "--resource https://management.core.windows.net/ --output json",
            f"rest --method post --url {data_plane.helm_settings_url(ENDPOINT)} "
            f"--resource https://management.core.windows.net/ --body {data_plane.body_json(body())} --output json",
        ]
        assert json.loads(run.stdout) == {"source": "dataPlane", "answer": ANSWER}
        assert data_plane.parse_answer(run.stdout).values == ANSWER["helmValuesContent"]
        assert "proxy-pass-42" not in "\n".join(run.calls) + run.stdout + run.stderr

    def test_an_unreachable_data_plane_is_the_fallback_with_the_clis_retries(self, dp_sh) -> None:
        run = dp_sh(helm_settings(), FAKE_HEALTH_ERROR='ERROR: HTTPSConnectionPool(host="x"): Max retries exceeded')
        assert run.code == 0, run.stderr
        assert len(run.calls) == 5 and all("healthCheck" in c for c in run.calls)
        answer = data_plane.parse_answer(run.stdout)
        assert answer.source == "fallback"
        assert answer.reason == "healthCheck failed: ERROR: HTTPSConnectionPool(host=x): Max retries exceeded "
        assert "the agents get the explicit set of values" in run.stderr

    def test_no_az_at_all_is_the_fallback(self, dp_sh) -> None:
        (dp_sh.bin_dir / "az").write_text("#!/bin/sh\necho 'az: not logged in' >&2\nexit 1\n")
        run = dp_sh(helm_settings(), ARC_DP_ATTEMPTS="1")
        assert run.code == 0 and data_plane.parse_answer(run.stdout).source == "fallback"

    def test_a_refused_helm_settings_fails_as_the_cli_does(self, dp_sh) -> None:
        run = dp_sh(helm_settings(), FAKE_SETTINGS_ERROR="Forbidden({})", ARC_DP_ATTEMPTS="2")
        assert run.code == 1
        assert sum("GetHelmSettings" in c for c in run.calls) == 2
        assert "GetHelmSettings failed: Forbidden({})" in run.stderr


def verify(wait: bool) -> tuple[str, dict[str, str]]:
    environment = scripts.verify_environment(
        resource_group="arc-test-rg",
        cluster_name="arc-test",
        subscription=SUBSCRIPTION,
        timeout_seconds=0 if not wait else 600,
        agent_namespace="azure-arc",
        wait_for_agent_state=wait,
    )
    return scripts.text("verify"), {**environment, "ARC_VERIFY_INTERVAL_SECONDS": "0"}


@needs_sh
class TestVerifyAgentState:
    def test_waits_for_succeeded(self, dp_sh) -> None:
        run = dp_sh(verify(True), FAKE_AGENT_STATES="Updating Updating Succeeded")
        assert run.code == 0, run.stderr
        assert sum("agentState" in c for c in run.calls) == 3
        assert run.stdout.endswith("agent state Succeeded\n")

    def test_no_state_is_done_as_for_the_cli(self, dp_sh) -> None:
        run = dp_sh(verify(True), FAKE_AGENT_STATES="-")
        assert run.code == 0 and run.stdout.endswith("agent state not reported\n")

    def test_failed_is_a_clear_error(self, dp_sh) -> None:
        run = dp_sh(verify(True), FAKE_AGENT_STATES="Updating Failed")
        assert run.code == 1
        assert "arcAgentProfile.agentState is Failed" in run.stderr

    def test_timeout_names_the_last_state(self, dp_sh) -> None:
        environment = {**verify(True)[1], "ARC_TIMEOUT_SECONDS": "0"}
        run = dp_sh((scripts.text("verify"), environment), FAKE_AGENT_STATES="Updating")
        assert run.code == 1 and "last state seen: Updating" in run.stderr

    def test_without_oidc_no_agent_state(self, dp_sh) -> None:
        run = dp_sh(verify(False), FAKE_AGENT_STATES="Failed")
        assert run.code == 0 and not [c for c in run.calls if "agentState" in c]


OIDC = {**BASE_CONFIG, "oidcIssuer": {"enabled": True}}


class TestPlan:
    def test_the_data_plane_is_asked_after_the_cluster_and_the_agents_wait(self, plan) -> None:
        result = plan(BASE_CONFIG, "--json")
        assert result.code == 0, result.stderr
        step = result.resource(COMMAND, "-helm-settings")
        assert step["inputs"]["create"] == step["inputs"]["update"] == scripts.text("helm_settings")
        assert "delete" not in step["inputs"]
        assert result.resource(GENERIC, "-cluster")["urn"] in step["dependencies"]
        assert step["urn"] in result.resource(RELEASE)["dependencies"]
        environment = step["inputs"]["environment"]
        assert environment["ARC_HEALTH_CHECK_URL"] == data_plane.health_check_url(
            "https://eastus.dp.kubernetesconfiguration.azure.com"
        )
        assert environment["ARC_AAD_RESOURCE"] == "https://management.core.windows.net/"
        request = json.loads(environment["ARC_DP_BODY"])
        assert request["id"].endswith("/connectedClusters/arc-test")
        assert request["identity"]["principalId"] and request["identity"]["tenantId"]
        assert request["properties"]["agentPublicKeyCertificate"]
        # No trigger: a chart pin change (self-upgrading agents) must not ask again.
        assert "triggers" not in step["inputs"]

    def test_a_proxy_reaches_the_data_plane_as_placeholders(self, plan) -> None:
        config = {**BASE_CONFIG, "proxy": {"httpsProxy": PROXY_URL, "noProxy": ["10.0.0.0/16"]}}
        result = plan(config, "--json")
        assert result.code == 0, result.stderr
        text = json.dumps(result.resource(COMMAND, "-helm-settings")["inputs"])
        assert "proxy-pass-42" not in text
        assert "redacted:proxy:https_proxy" in text and "redacted:proxy:no_proxy" in text

    def test_the_plan_says_the_values_come_from_the_data_plane(self, plan) -> None:
        text = plan(BASE_CONFIG).stdout
        assert (
            "agents' values for arc-test-rg/arc-test: from the Arc data plane at `up` (arc-test-rg/arc-test-helm-settings: "
            "healthCheck, then GetHelmSettings at https://eastus.dp.kubernetesconfiguration.azure.com) over the "
            "program's explicit set, which stands alone when the data plane cannot be reached" in text
        )

    def test_verify_waits_for_the_agent_state_with_oidc_only(self, plan) -> None:
        with_oidc = plan(OIDC, "--json").resource(COMMAND, "-verify")["inputs"]["environment"]
        assert with_oidc["ARC_WAIT_AGENT_STATE"] == "true"
        without = plan(BASE_CONFIG, "--json").resource(COMMAND, "-verify")["inputs"]["environment"]
        assert "ARC_WAIT_AGENT_STATE" not in without


def resolve(output: Any) -> Any:
    return _sync_await(output.future())


class TestWithDataPlane:
    """agent_values.with_data_plane: the answer merged with the explicit set's outputs in place."""

    def test_secret_proxy_values_substituted_stay_secret_and_explicit_secrets_stay_leaves(self) -> None:
        proxy = ProxySettings(https_proxy=PROXY_URL, secret=True)
        key = pulumi.Output.secret("PEM")
        explicit = {"global": {"onboardingPrivateKey": key, "location": "old"}}
        warnings: list[str] = []
        stdout = dp_stdout({"global.httpsProxy": "redacted:proxy:https_proxy", "global.location": "eastus"})
        values = resolve(agent_values.with_data_plane(explicit, {}, stdout, proxy, warnings.append))
        assert values["global"]["onboardingPrivateKey"] is key
        assert values["global"]["location"] == "eastus"
        https = values["global"]["httpsProxy"]
        assert isinstance(https, pulumi.Output) and _sync_await(https.is_secret())
        assert resolve(https) == PROXY_URL
        assert warnings == []

    def test_the_fallback_and_unknown_placeholders_are_warned_about(self) -> None:
        warnings: list[str] = []
        fallback = '{"source":"fallback","reason":"healthCheck failed: offline"}'
        values = resolve(agent_values.with_data_plane({"a": 1}, {}, fallback, ProxySettings(), warnings.append))
        assert values == {"a": 1}
        stdout = dp_stdout({"global.httpProxy": "redacted:proxy:http_proxy"})
        resolve(agent_values.with_data_plane({"a": 1}, {}, stdout, ProxySettings(), warnings.append))
        assert warnings == [
            "the agents get the explicit set of Helm values, not the data plane's: healthCheck failed: offline",
            "the data plane's values for global.httpProxy name a protected setting this stack does not have; "
            "the explicit set's value stands",
        ]
