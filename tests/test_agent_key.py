"""Issue 19 §3: from chart 1.35.3 the agents' private key is the Secret `azure-arc/azure-arc-connect-privatekey`
(Helm adoption marks, created before the install), never a release value; older pins keep the value."""

from __future__ import annotations

from typing import Any

import pytest

from components import agent_releases
from tests.conftest import BASE_CONFIG

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
NAMESPACE = "kubernetes:core/v1:Namespace"
CLUSTER = "azure-native:resources:Resource"
PROVIDER = "pulumi:providers:kubernetes"
ADOPTION_ANNOTATIONS = {
    "meta.helm.sh/release-name": "azure-arc",
    "meta.helm.sh/release-namespace": "azure-arc-release",
}


@pytest.mark.parametrize(
    ("version", "in_secret"),
    [
        # The CLI's unit tests: 1.35.2 old flow, 1.35.3 and 1.36.2 new (agent-versions.md §3).
        ("1.35.2", False),
        ("1.35.3", True),
        ("1.36.1", True),
        ("1.36.2", True),
        ("2.0.0", True),
        ("1.14.0", False),
        ("1.35.3-preview", True),
        ("1.35.2-preview", False),
        ("0.2.1234-dev", True),
        ("latest", False),  # unreadable: the value, as the CLI keeps it
    ],
)
def test_which_versions_take_the_key_as_a_secret(version: str, in_secret: bool) -> None:
    assert agent_releases.key_in_secret(version) is in_secret


def resources_of(result: Any, type_: str) -> list[dict[str, Any]]:
    return [r for r in result.document["resources"] if r["type"] == type_]


class TestChart1361:
    @pytest.fixture
    def result(self, plan) -> Any:
        result = plan({**BASE_CONFIG, "agents": {"chartVersion": "1.36.1"}}, "--json")
        assert result.code == 0, result.stderr
        return result

    def test_no_private_key_in_the_release_values(self, result) -> None:
        release = result.resource(RELEASE)
        assert "onboardingPrivateKey" not in release["inputs"]["values"]["global"]
        assert "PRIVATE" not in str(release["inputs"])

    def test_the_secret_as_the_cli_creates_it(self, result) -> None:
        secret = result.resource(SECRET, "-agent-key")
        metadata = secret["inputs"]["metadata"]
        assert (metadata["name"], metadata["namespace"]) == ("azure-arc-connect-privatekey", "azure-arc")
        assert metadata["labels"] == {"app.kubernetes.io/managed-by": "Helm"}
        # The adoption marks, and `keep`: an upgrade from a release that rendered it never deletes it.
        assert metadata["annotations"] == {**ADOPTION_ANNOTATIONS, "helm.sh/resource-policy": "keep"}
        assert secret["inputs"]["type"] == "Opaque" and secret["inputs"]["stringData"] == "[secret]"

    def test_the_namespace_carries_helms_adoption_marks(self, result) -> None:
        namespace = result.resource(NAMESPACE, "-agent-key-ns")
        metadata = namespace["inputs"]["metadata"]
        assert metadata["name"] == "azure-arc"
        assert metadata["labels"] == {"app.kubernetes.io/managed-by": "Helm"}
        assert metadata["annotations"] == ADOPTION_ANNOTATIONS

    def test_order_cluster_then_secret_then_agents(self, result) -> None:
        cluster = result.resource(CLUSTER, "-cluster")["urn"]
        namespace = result.resource(NAMESPACE, "-agent-key-ns")
        secret = result.resource(SECRET, "-agent-key")
        # Written only after the connected cluster, itself written only after the pre-write check:
        # never into another onboarding's namespace.
        assert cluster in namespace["dependencies"]
        assert namespace["urn"] in secret["dependencies"]
        assert secret["urn"] in result.resource(RELEASE)["dependencies"]

    def test_existing_objects_are_adopted(self, result) -> None:
        provider = result.resource(PROVIDER)
        assert provider["inputs"]["upsertExistingObjects"] == "true"
        assert result.resource(SECRET, "-agent-key")["provider"] == provider["urn"]


def test_an_older_pin_keeps_the_key_as_a_value(plan) -> None:
    result = plan({**BASE_CONFIG, "agents": {"chartVersion": "1.34.2"}}, "--json")
    assert result.code == 0, result.stderr
    assert result.resource(RELEASE)["inputs"]["values"]["global"]["onboardingPrivateKey"] == "[secret]"
    assert not [r for r in resources_of(result, SECRET) if r["name"].endswith("-agent-key")]
    assert not [r for r in resources_of(result, NAMESPACE) if r["name"].endswith("-agent-key-ns")]
