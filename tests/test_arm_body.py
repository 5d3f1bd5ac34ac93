"""The connected cluster at the stable API 2026-05-01: the ARM body the offline plan sends, checked
against the API's swagger (tests/fixtures/connectedClusters-2026-05-01.json), the alias that keeps
existing stacks' clusters, the gateway association and the OIDC issuer's URL."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from components import arm_body
from components.plan.engine import PLACEHOLDER_ISSUER_HOST, engine_urn
from tests.conftest import BASE_CONFIG, FIXTURES
from tests.test_plan import CLUSTER, COMPONENT, PROJECT

SWAGGER = json.loads((FIXTURES / "connectedClusters-2026-05-01.json").read_text(encoding="utf-8"))
GENERIC = "azure-native:resources:Resource"
# The generic resource's path parameters: they form the URL, the rest is the PUT body.
PATH_INPUTS = {
    "apiVersion", "resourceGroupName", "resourceName", "resourceProviderNamespace", "resourceType", "parentResourcePath",
}  # fmt: skip
# ConnectedCluster's base, `TrackedResource` of common-types v3 (Azure/azure-rest-api-specs
# `specification/common-types/resource-management/v3/types.json`, MIT), which the swagger references
# by a relative path outside the fixture: id, name, type and systemData are read-only; location is
# required; tags a map of strings.
TRACKED_RESOURCE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "name": {"type": "string", "readOnly": True},
        "type": {"type": "string", "readOnly": True},
        "systemData": {"type": "object", "readOnly": True},
        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
        "location": {"type": "string"},
    },
    "required": ["location"],
}
GATEWAY_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg"
    "/providers/Microsoft.HybridCompute/gateways/arc-gw"
)


def strict(schema: dict[str, Any], definitions: dict[str, Any]) -> Any:
    """A swagger schema as a strict JSON Schema for a request: $refs and allOf inlined, read-only
    properties forbidden, no property the swagger does not declare, `x-nullable` allowing null."""
    if "$ref" in schema:
        ref = schema["$ref"]
        target = TRACKED_RESOURCE if ref.endswith("/TrackedResource") else definitions[ref.rsplit("/", 1)[1]]
        return strict({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, definitions)
    if schema.get("readOnly"):
        return False
    out = {k: v for k, v in schema.items() if not k.startswith("x-") and k not in ("description", "allOf", "default")}
    properties = {name: strict(sub, definitions) for name, sub in schema.get("properties", {}).items()}
    required = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        base = strict(part, definitions)
        properties.update(base.get("properties", {}))
        required += base.get("required", [])
    if properties:
        out["properties"] = properties
        out["required"] = sorted(set(required))
        out.setdefault("additionalProperties", False)
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = strict(out["additionalProperties"], definitions)
    if "items" in out:
        out["items"] = strict(out["items"], definitions)
    if schema.get("x-nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


CONNECTED_CLUSTER = strict(SWAGGER["definitions"]["ConnectedCluster"], SWAGGER["definitions"])


def put_body(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource["inputs"].items() if k not in PATH_INPUTS}


def violations(body: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(CONNECTED_CLUSTER)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body))


def cluster_of(result) -> dict[str, Any]:
    assert result.code == 0, result.stderr
    return dict(result.resource(GENERIC, "-cluster"))


EVERY_KEY = {
    **BASE_CONFIG,
    "gateway": {"resourceId": GATEWAY_ID},
    "oidcIssuer": {"enabled": True, "selfHostedIssuerUrl": "https://issuer.example.com/arc"},
    "workloadIdentity": {"enabled": True},
    "azureHybridBenefit": "True",
    "distributionVersion": "1.31.4+k3s1",
    "proxy": {"httpsProxy": "http://proxy.example.com:3128", "noProxy": ["10.96.0.0/12", ".svc", "Arc"]},
    "agents": {"autoUpgrade": True},
}


class TestAgainstTheSwagger:
    @pytest.mark.parametrize(
        "config",
        [
            BASE_CONFIG,
            EVERY_KEY,
            {
                **BASE_CONFIG,
                "privateLink": {"scopeResourceId": GATEWAY_ID.replace("gateways/arc-gw", "privateLinkScopes/s")},
            },
            {**BASE_CONFIG, "oidcIssuer": {"enabled": True}, "azureHybridBenefit": "NotApplicable"},
            {**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}},
            {**BASE_CONFIG, "oidcIssuer": {"enabled": True}, "workloadIdentity": {"enabled": False}},
            {**BASE_CONFIG, "azureHybridBenefit": "False"},
            {**BASE_CONFIG, "distributionVersion": "4.16"},
            {**BASE_CONFIG, "proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": ["Arc"]}},
            {**BASE_CONFIG, "features": {"customLocations": True}},
        ],
        ids=[
            "base",
            "every-new-key",
            "private-link",
            "oidc-only",
            "gateway",
            "oidc-without-wi",
            "ahb",
            "distribution-version",
            "no-proxy-only",
            "custom-locations",
        ],
    )
    def test_the_plan_body_is_valid(self, plan, config: dict[str, Any]) -> None:
        cluster = cluster_of(plan(config, "--json"))
        body = put_body(cluster)
        assert violations(body) == []
        # Not AKS Arc: no `kind` (the CLI refuses to update or delete a ProvisionedCluster).
        assert "kind" not in body
        assert cluster["inputs"]["apiVersion"] == "2026-05-01"
        assert cluster["inputs"]["resourceProviderNamespace"] == "Microsoft.Kubernetes"
        assert cluster["inputs"]["resourceType"] == "connectedClusters"
        assert cluster["inputs"]["parentResourcePath"] == ""

    def test_the_check_can_fail(self, plan) -> None:
        """The strict schema rejects what ARM would: a read-only property, a wrong enum, an unknown field."""
        body = put_body(cluster_of(plan(BASE_CONFIG, "--json")))
        for path, value, expected in [
            (("properties", "connectivityStatus"), "Connected", "False schema does not allow 'Connected'"),
            (("properties", "azureHybridBenefit"), "Yes", "properties.azureHybridBenefit: 'Yes' is not one of"),
            (("properties", "oidcIssuerProfile"), {"enabled": True, "issuerUrl": "https://x"}, "oidcIssuerProfile"),
            (("properties", "gatewayResourceId"), GATEWAY_ID, "Additional properties"),
            (("identity",), {"type": "UserAssigned"}, "identity.type"),
        ]:
            broken = copy.deepcopy(body)
            broken[path[0]] = {**broken.get(path[0], {}), path[-1]: value} if len(path) == 2 else value
            assert any(expected in v for v in violations(broken)), (path, violations(broken))

    @pytest.mark.parametrize(
        ("config", "expected"),
        [
            ({"gateway": {"resourceId": GATEWAY_ID}}, {"gateway": {"enabled": True}}),
            ({"oidcIssuer": {"enabled": True}}, {"oidcIssuerProfile": {"enabled": True},
                                                 "securityProfile": {"workloadIdentity": {"enabled": False}}}),
            ({"azureHybridBenefit": "False"}, {"azureHybridBenefit": "False"}),
            ({"distributionVersion": "4.16"}, {"distributionVersion": "4.16"}),
            ({"proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": ["Arc"]}}, {"arcAgentryConfigurations": [{"feature": "proxy", "settings": {}}]}),
            ({"features": {"customLocations": True}}, {}),
        ],
        ids=["gateway", "oidc", "ahb", "distribution-version", "proxy", "custom-locations"],
    )  # fmt: skip
    def test_each_key_changes_only_its_properties(self, plan, config: dict[str, Any], expected: dict[str, Any]) -> None:
        base = cluster_of(plan(BASE_CONFIG, "--json"))["inputs"]["properties"]
        changed = cluster_of(plan({**BASE_CONFIG, **config}, "--json"))["inputs"]["properties"]
        for properties in (base, changed):
            properties.pop("agentPublicKeyCertificate")
        assert {k: v for k, v in changed.items() if base.get(k) != v} == expected

    def test_every_new_key_reaches_the_body(self, plan) -> None:
        properties = cluster_of(plan(EVERY_KEY, "--json"))["inputs"]["properties"]
        properties.pop("agentPublicKeyCertificate")
        assert properties == {
            "arcAgentProfile": {"agentAutoUpgrade": "Enabled"},
            "arcAgentryConfigurations": [{"feature": "proxy", "settings": {}}],
            "azureHybridBenefit": "True",
            "distribution": "generic",
            "distributionVersion": "1.31.4+k3s1",
            "gateway": {"enabled": True},
            "infrastructure": "generic",
            "oidcIssuerProfile": {"enabled": True, "selfHostedIssuerUrl": "https://issuer.example.com/arc"},
            "privateLinkState": "Disabled",
            "securityProfile": {"workloadIdentity": {"enabled": True}},
        }

    def test_a_ca_alone_configures_the_proxy_feature(self, plan) -> None:
        config = {**BASE_CONFIG, "proxy": {"caCertFile": "tests/fixtures/proxy-ca.pem"}}
        properties = cluster_of(plan(config, "--json"))["inputs"]["properties"]
        assert properties["arcAgentryConfigurations"] == [{"feature": "proxy", "settings": {}}]
        assert "BEGIN CERTIFICATE" not in json.dumps(properties)

    def test_proxy_credentials_never_reach_arm(self, plan) -> None:
        config = {**BASE_CONFIG, "proxy": {"httpsProxy": "http://arcuser:S3cr3t-pw@proxy.example.com:3128"}}
        cluster = cluster_of(plan(config, "--json"))
        assert cluster["inputs"]["properties"]["arcAgentryConfigurations"] == [{"feature": "proxy", "settings": {}}]
        assert "S3cr3t" not in json.dumps(cluster) and "arcuser" not in json.dumps(cluster)


class TestAlias:
    def test_the_old_type_is_an_alias(self, plan) -> None:
        cluster = cluster_of(plan(BASE_CONFIG, "--json"))
        assert cluster["options"]["aliases"] == [{"type": arm_body.LEGACY_CLUSTER_TYPE}]
        # The alias resolves to the URN the typed resource had: same name, same parent.
        old = engine_urn("test", "arc-onboarding", arm_body.LEGACY_CLUSTER_TYPE, cluster["name"],
                         "arc-onboarding:index:ArcConnectedCluster")  # fmt: skip
        assert (
            old
            == f"{PROJECT}arc-onboarding:index:ArcConnectedCluster$azure-native:kubernetes:ConnectedCluster::arc-test-rg/arc-test-cluster"
        )
        assert cluster["urn"] == CLUSTER and cluster["parent"] == COMPONENT

    def test_outputs_read_the_generic_resource(self, plan) -> None:
        outputs = plan(BASE_CONFIG, "--json").document["outputs"]["clusters"]["arc-test-rg/arc-test"]
        assert outputs["clusterId"] == (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-test-rg"
            "/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
        )
        assert outputs["clusterName"] == "arc-test" and "oidcIssuerUrl" not in outputs


class TestGateway:
    def test_settings_resource_at_the_cluster_scope(self, plan) -> None:
        result = plan({**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}}, "--json")
        assert result.code == 0, result.stderr
        settings = result.resource(GENERIC, "-gateway")
        assert settings["inputs"] == {
            "apiVersion": "2025-02-19-preview",
            "parentResourcePath": "connectedClusters/arc-test/providers/Microsoft.HybridCompute",
            "properties": {"gatewayProperties": {"gatewayResourceId": GATEWAY_ID}},
            "resourceGroupName": "arc-test-rg",
            "resourceName": "default",
            "resourceProviderNamespace": "Microsoft.Kubernetes",
            "resourceType": "settings",
        }
        assert CLUSTER in settings["dependencies"] and settings["parent"] == COMPONENT
        registered = {r["name"] for r in result.document["resources"] if r["name"].startswith("register-")}
        assert "register-microsoft.hybridcompute" in registered
        # The mocked id is the CLI's URL of the setting.
        assert any("Microsoft.HybridCompute/settings" in m for m in result.document["mocked"])

    def test_no_gateway_no_settings_and_gateway_disabled(self, plan) -> None:
        result = plan(BASE_CONFIG, "--json")
        assert [r for r in result.document["resources"] if r["name"].endswith("-gateway")] == []
        assert cluster_of(result)["inputs"]["properties"]["gateway"] == {"enabled": False}
        assert not any(r["name"] == "register-microsoft.hybridcompute" for r in result.document["resources"])

    def test_required_endpoints_follow_the_gateway(self, plan) -> None:
        config = {**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}}
        required = plan(config, "--json").document["outputs"]["clusters"]["arc-test-rg/arc-test"]["requiredEndpoints"]
        hosts = [e["host"] for e in required]
        assert hosts[0] == "*.gw.arc.azure.com" and "*.servicebus.windows.net" not in hosts
        listed = json.loads(plan(config, "--endpoints", "--json").stdout)["endpoints"]
        assert {e["host"] for e in listed if e["required"]} == set(hosts) == {e["host"] for e in listed}
        job = plan(config, "--json").resource("kubernetes:batch/v1:Job")
        assert (
            "guestnotificationservice.azure.com:443"
            not in job["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"]
        )


class TestOidcIssuer:
    def test_issuer_url_is_read_after_verify(self, plan) -> None:
        result = plan({**BASE_CONFIG, "oidcIssuer": {"enabled": True}}, "--json")
        assert result.code == 0, result.stderr
        outputs = result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]
        assert outputs["oidcIssuerUrl"].startswith(f"https://{PLACEHOLDER_ISSUER_HOST}/")
        assert any("getResource" in m for m in result.document["mocked"])

    def test_issuer_url_parsing(self) -> None:
        assert arm_body.oidc_issuer_url({"oidcIssuerProfile": {"issuerUrl": "https://i/x"}}) == "https://i/x"
        assert arm_body.oidc_issuer_url({"oidcIssuerProfile": {"enabled": True}}) is None
        assert arm_body.oidc_issuer_url(None) is None


class TestCustomLocations:
    def test_lookup_command_feeds_the_values(self, plan) -> None:
        result = plan({**BASE_CONFIG, "features": {"customLocations": True}}, "--json")
        assert result.code == 0, result.stderr
        lookup = result.resource("command:local:Command", "-custom-locations-oid")
        assert lookup["inputs"]["environment"] == {
            "ARC_CUSTOM_LOCATIONS_APP_ID": "bc313c14-388c-4e7d-a58e-70017303ee3b"
        }
        assert "az ad sp show" in lookup["inputs"]["create"] and "delete" not in lookup["inputs"]
        release = result.resource("kubernetes:helm.sh/v3:Release")
        assert lookup["urn"] in release["dependencies"]
        # The mock's Command prints nothing: the value is the lookup's stdout.
        assert release["inputs"]["values"]["systemDefaultValues"]["customLocations"] == {"enabled": True, "oid": ""}
        assert any(r["name"] == "register-microsoft.extendedlocation" for r in result.document["resources"])

    def test_an_explicit_oid_needs_no_lookup(self, plan) -> None:
        oid = "51dfe1e8-70c6-4de5-a08e-e18aff23d815"
        result = plan({**BASE_CONFIG, "features": {"customLocations": True, "customLocationsOid": oid}}, "--json")
        assert not [r for r in result.document["resources"] if r["name"].endswith("-custom-locations-oid")]
        values = result.resource("kubernetes:helm.sh/v3:Release")["inputs"]["values"]["systemDefaultValues"]
        assert values["customLocations"] == {"enabled": True, "oid": oid}
