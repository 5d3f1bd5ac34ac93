"""Issue 19 §1: the Arc gateway association is never DELETEd (the settings type has no DELETE), its
removal and a destroy clear it as `az connectedk8s update --disable-gateway` does, the agents wait
for it, and a gateway behind a TLS-inspecting proxy is warned about."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components import arm_body, migrate, scripts
from tests.conftest import BASE_CONFIG
from tests.test_arm_body import GATEWAY_ID, GENERIC
from tests.test_migrate import exported
from tests.test_scripts import SUBSCRIPTION, needs_sh, sh  # noqa: F401  # sh: the fixture
from tests.test_settings import settings

COMMAND = "command:local:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"
GATEWAY_CONFIG = {**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}}


def addresses_gateway_settings(resource: dict[str, Any]) -> bool:
    inputs = resource["inputs"]
    return bool(resource["type"] == GENERIC and inputs.get("resourceType") == arm_body.GATEWAY_SETTINGS_TYPE)


class TestPlan:
    def test_no_delete_of_the_association_on_removal_or_destroy(self, plan) -> None:
        """What a removal or destroy does is fixed by the delete steps: no resource addresses the
        setting through the provider (whose create and delete would not work on it), and the one
        delete step that names it PUTs a null id."""
        result = plan(GATEWAY_CONFIG, "--json")
        assert result.code == 0, result.stderr
        assert not [r for r in result.document["resources"] if addresses_gateway_settings(r)]
        for command in (r for r in result.document["resources"] if r["type"] == COMMAND):
            delete = command["inputs"].get("delete") or ""
            if "HybridCompute/settings" in delete:
                assert "--method delete" not in delete and "--method put" in delete

    def test_the_association_puts_the_id_and_a_null_one_on_removal(self, plan) -> None:
        result = plan(GATEWAY_CONFIG, "--json")
        link = result.resource(COMMAND, "-gateway-link")
        assert link["inputs"]["create"] == link["inputs"]["update"] == scripts.text("gateway_link")
        assert link["inputs"]["delete"] == scripts.text("gateway_unlink")
        assert '"gatewayResourceId":null' in link["inputs"]["delete"]
        # After the connected cluster: a destroy clears it before the ARM delete.
        assert result.resource(GENERIC, "-cluster")["urn"] in link["dependencies"]
        assert link["inputs"]["environment"] == {
            "ARC_SUBSCRIPTION": "00000000-0000-0000-0000-000000000000",
            "ARC_RESOURCE_GROUP": "arc-test-rg",
            "ARC_CLUSTER_NAME": "arc-test",
            "ARC_API_VERSION": "2025-02-19-preview",
            "ARC_GATEWAY_ID": GATEWAY_ID,
        }

    def test_the_agents_wait_for_the_association(self, plan) -> None:
        result = plan(GATEWAY_CONFIG, "--json")
        assert result.resource(COMMAND, "-gateway-link")["urn"] in result.resource(RELEASE)["dependencies"]

    def test_no_gateway_no_association(self, plan) -> None:
        result = plan(BASE_CONFIG, "--json")
        assert not [r for r in result.document["resources"] if "-gateway" in r["name"]]


def unlink(subscription: str = SUBSCRIPTION) -> tuple[str, dict[str, str]]:
    environment = scripts.gateway_unlink_environment(
        subscription=subscription,
        resource_group="arc-test-rg",
        cluster_name="arc-test",
        api_version="2025-02-19-preview",
    )
    return scripts.text("gateway_unlink"), environment


@needs_sh
class TestUnlinkRuns:
    def test_puts_a_null_gateway_id_as_disable_gateway_does(self, sh) -> None:  # noqa: F811
        run = sh(unlink())
        assert run.code == 0, run.stderr
        (call,) = run.calls
        assert call.startswith(
            "rest --method put --url /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-test-rg"
            "/providers/Microsoft.Kubernetes/connectedClusters/arc-test/providers/Microsoft.HybridCompute"
            "/settings/default?api-version=2025-02-19-preview"
        )
        assert '--body {"properties":{"gatewayProperties":{"gatewayResourceId":null}}}' in call
        assert "gateway association cleared" in run.stderr

    def test_a_cluster_already_gone_is_fine(self, sh) -> None:  # noqa: F811
        run = sh(unlink(), FAKE_AZ_ERROR="ERROR: (ParentResourceNotFound) Can not perform requested operation")
        assert run.code == 0 and "is gone" in run.stderr

    def test_another_failure_stops_the_destroy_naming_it(self, sh) -> None:  # noqa: F811
        run = sh(unlink(), FAKE_AZ_ERROR="ERROR: (AuthorizationFailed) no write permission")
        assert run.code == 1 and "AuthorizationFailed" in run.stderr

    def test_a_subscription_that_is_no_guid_is_never_passed_to_az(self, sh) -> None:  # noqa: F811
        run = sh(unlink("$(touch pwned)"))
        assert run.code == 2 and run.calls == []

    def test_the_link_puts_the_gateway_id_as_connect_does(self, sh) -> None:  # noqa: F811
        environment = scripts.gateway_environment(
            subscription=SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test",
            api_version="2025-02-19-preview", gateway_id=GATEWAY_ID,
        )  # fmt: skip
        run = sh((scripts.text("gateway_link"), environment))
        assert run.code == 0, run.stderr
        (call,) = run.calls
        assert call.startswith("rest --method put --url /subscriptions/")
        assert f'--body {{"properties":{{"gatewayProperties":{{"gatewayResourceId":"{GATEWAY_ID}"}}}}}}' in call
        bad = sh((scripts.text("gateway_link"), {**environment, "ARC_GATEWAY_ID": 'x"; touch pwned'}))
        assert bad.code == 2 and bad.calls == []


def test_gateway_behind_a_tls_inspecting_proxy_is_a_warning_naming_both_keys() -> None:
    s = settings({"gateway": {"resourceId": GATEWAY_ID}, "proxy": {"caCertFile": "tests/fixtures/proxy-ca.pem"}})
    (warning,) = [w for w in s.warnings if "gateway" in w]
    assert warning.startswith("arc-onboarding:gateway.resourceId: ") and "proxy.caCertFile" in warning
    assert not [w for w in settings({"gateway": {"resourceId": GATEWAY_ID}}).warnings if "caCertFile" in w]


def gateway_state() -> dict[str, Any]:
    state = exported()
    resources = state["deployment"]["resources"]
    cluster = next(r for r in resources if r["type"] == arm_body.LEGACY_CLUSTER_TYPE)
    urn = cluster["urn"].rsplit("::", 1)[0].rsplit("$", 1)[0]
    resources.append(
        {
            "urn": f"{urn}${GENERIC}::arc-dev-gateway",
            "type": GENERIC,
            "custom": True,
            "inputs": {
                "resourceType": "settings",
                "resourceName": "default",
                "resourceProviderNamespace": "Microsoft.Kubernetes",
                "parentResourcePath": "connectedClusters/arc-dev-cluster/providers/Microsoft.HybridCompute",
            },
            "outputs": {},
        }
    )
    return state


class TestUpgrade:
    def test_a_recorded_association_is_marked_retained_so_the_next_removal_sends_no_delete(self) -> None:
        before = gateway_state()
        after, changes = migrate.migrate(before)
        (association,) = [r for r in after["deployment"]["resources"] if r["urn"].endswith("::arc-dev-gateway")]
        assert association["retainOnDelete"] is True
        assert any(c.options == ("retainOnDelete",) for c in changes)
        assert "retainOnDelete" not in copy.deepcopy(before)["deployment"]["resources"][-1]

    def test_idempotent(self) -> None:
        once, _ = migrate.migrate(gateway_state())
        twice, changes = migrate.migrate(once)
        assert twice == once and not [c for c in changes if c.options]

    @pytest.mark.parametrize("resource_type", ["extensions", "connectedClusters"])
    def test_other_generic_resources_are_left_alone(self, resource_type: str) -> None:
        state = gateway_state()
        state["deployment"]["resources"][-1]["inputs"]["resourceType"] = resource_type
        after, changes = migrate.migrate(state)
        assert "retainOnDelete" not in after["deployment"]["resources"][-1]
        assert not [c for c in changes if c.options]


# --- custom locations: the CLI prefers the looked-up object id (issue 19 §5) -------------------------

LOOKED_UP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
GIVEN = "51dfe1e8-70c6-4de5-a08e-e18aff23d815"


@needs_sh
class TestCustomLocationsLookup:
    def test_the_looked_up_id_wins_over_a_given_one(self, sh) -> None:  # noqa: F811
        run = sh((scripts.text("custom_locations_oid"), scripts.custom_locations_environment(GIVEN)),
                 FAKE_LISTING=LOOKED_UP)  # fmt: skip
        assert (run.code, run.stdout) == (0, LOOKED_UP) and "using the looked-up one" in run.stderr

    def test_a_failed_lookup_falls_back_to_the_given_id(self, sh) -> None:  # noqa: F811
        run = sh((scripts.text("custom_locations_oid"), scripts.custom_locations_environment(GIVEN)),
                 FAKE_AZ_ERROR="Insufficient privileges")  # fmt: skip
        assert (run.code, run.stdout) == (0, GIVEN) and "unchecked" in run.stderr

    def test_a_failed_lookup_without_a_given_id_stops(self, sh) -> None:  # noqa: F811
        run = sh((scripts.text("custom_locations_oid"), scripts.custom_locations_environment()),
                 FAKE_AZ_ERROR="Insufficient privileges")  # fmt: skip
        assert run.code == 1 and run.stdout == "" and "features.customLocationsOid" in run.stderr
