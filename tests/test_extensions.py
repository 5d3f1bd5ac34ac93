"""Cluster extensions (issue 21): the catalog, the `extensions` settings and their errors, the resources
the engine receives (offline plan), registrations, endpoints and the uninstall guard's list."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import extension_catalog as catalog
from components import network
from components.arc_cluster import managed_extensions
from components.extensions import (
    ExtensionSettings,
    data_collection_rule_args,
    extension_args,
    looked_up_protected,
    workspace_ref,
)
from components.plan.engine import PLACEHOLDER_SUBSCRIPTION
from components.settings.extensions import resource_id_pattern
from tests.conftest import BASE_CONFIG, BASE_STACK_YAML, FIXTURES
from tests.test_fleet import ITEMS, fleet
from tests.test_plan import CHILD, PROJECT, by_urn
from tests.test_settings import problems, settings

EXTENSION_OPTIONS: dict[str, Any] = {
    "deleteBeforeReplace": True,
    "replaceOnChanges": ["extensionType", "identity", "plan", "scope"],
}
WORKSPACE = (
    f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/logs-rg"
    "/providers/Microsoft.OperationalInsights/workspaces/fleet-logs"
)
CLUSTER_ID = (
    f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/arc-test-rg"
    "/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
)
INSIGHTS: dict[str, Any] = {
    "type": "Microsoft.AzureMonitor.Containers",
    "configurationSettings": {"logAnalyticsWorkspaceResourceID": WORKSPACE},
}
DEFENDER: dict[str, Any] = {
    "type": "Microsoft.AzureDefender.Kubernetes",
    "configurationSettings": {"logAnalyticsWorkspaceResourceID": WORKSPACE},
}
KEY_VAULT: dict[str, Any] = {
    "type": "Microsoft.AzureKeyVaultSecretsProvider",
    "configurationSettings": {
        "secrets-store-csi-driver.enableSecretRotation": True,
        "secrets-store-csi-driver.rotationPollInterval": "2m",
    },
}
THREE = [INSIGHTS, DEFENDER, KEY_VAULT]
EXTENSIONS = f"{CHILD}arc-onboarding:index:ArcExtensions::arc-test-rg/arc-test-extensions"
EXT_CHILD = f"{CHILD}arc-onboarding:index:ArcExtensions$"
KC = "azure-native:kubernetesconfiguration:Extension"


def ext_urn(name: str, type_: str = KC) -> str:
    return f"{EXT_CHILD}{type_}::arc-test-rg/arc-test-extensions-{name}"


def first(overrides: dict[str, Any]) -> list[str]:
    return problems({"extensions": [overrides]})


# --- the catalog ------------------------------------------------------------------------------------


def test_every_fact_names_a_source_the_entry_cites() -> None:
    for known in catalog.KNOWN:
        assert known.sources and set(known.sources) <= set(catalog.SOURCES), known.type
        assert known.type == known.type.lower()
        for setting in known.settings:
            assert setting.source in catalog.SOURCES, (known.type, setting.name)
        for endpoints in known.endpoints.values():
            assert all(e.needed == network.extension_key(known.type) and e.port == 443 for e in endpoints)
    assert catalog.find("Microsoft.AzureMonitor.Containers") is catalog.CONTAINER_INSIGHTS
    assert catalog.find("unknown.type") is None


def test_the_cli_facts_as_its_source_has_them() -> None:
    """ContainerInsights.py @404252ff: name, namespace, rule name cut to 64, association name; AzureDefender.py
    @61faf6b4: the name is the type lower-cased, namespace `mdc`; AzureMonitorMetrics.py @e8529266."""
    assert (catalog.CONTAINER_INSIGHTS.default_name, catalog.CONTAINER_INSIGHTS.release_namespace) == (
        "azuremonitor-containers",
        "azuremonitor-containers",
    )
    assert catalog.dcr_name("East US", "arc-test") == "MSCI-eastus-arc-test"
    assert len(catalog.dcr_name("westeurope", "c" * 63)) == 64
    assert catalog.DCR_ASSOCIATION_NAME == "ContainerInsightsExtension"
    assert (catalog.DEFENDER.default_name, catalog.DEFENDER.release_namespace) == (catalog.DEFENDER_TYPE, "mdc")
    assert (catalog.MANAGED_PROMETHEUS.default_name, catalog.MANAGED_PROMETHEUS.release_train) == (
        "azuremonitor-metrics",
        "stable",
    )


def test_what_arm_updates_in_place_is_the_patch_body() -> None:
    """extensions.json 2023-05-01, `patchExtension`: the rest of `Extension` is fixed at creation."""
    assert set(catalog.UPDATABLE) == {
        "autoUpgradeMinorVersion",
        "releaseTrain",
        "version",
        "configurationSettings",
        "configurationProtectedSettings",
    }
    assert not set(catalog.REPLACE_ON_CHANGES) & set(catalog.UPDATABLE)


def test_lookups_fill_what_the_cli_fills() -> None:
    insights = ExtensionSettings(
        "azuremonitor-containers", catalog.CONTAINER_INSIGHTS_TYPE, protected={"proxyEndpoint": "http://u:p@proxy:3128"}
    )
    filled = looked_up_protected(insights, "wsid", "key")
    assert filled["amalogs.secret.wsid"] == filled["omsagent.secret.wsid"] == "wsid"
    assert filled["amalogs.secret.key"] == "<not_used>"
    assert filled["amalogs.proxy"] == "http://u:p@proxy:3128"
    defender = ExtensionSettings(catalog.DEFENDER_TYPE, catalog.DEFENDER_TYPE)
    assert looked_up_protected(defender, "wsid", "key")["amalogs.secret.key"] == "key"
    assert workspace_ref(WORKSPACE).resource_group == "logs-rg" and workspace_ref(WORKSPACE).name == "fleet-logs"
    assert resource_id_pattern(catalog.WORKSPACE_TYPE).fullmatch(
        WORKSPACE.upper().replace("SUBSCRIPTIONS", "subscriptions")
    )


def test_namespace_scope_args() -> None:
    args = extension_args(ExtensionSettings("dapr", "Microsoft.Dapr", scope="namespace", namespace="apps"), "c", "g")
    assert args["scope"] == {"namespace": {"target_namespace": "apps"}} and "configuration_settings" not in args


# --- settings ---------------------------------------------------------------------------------------


def test_known_types_take_their_names_namespaces_and_program_settings() -> None:
    (cluster,) = settings({"extensions": THREE}).clusters
    insights, defender, key_vault = cluster.extensions
    assert (insights.name, insights.namespace, insights.type) == (
        "azuremonitor-containers",
        "azuremonitor-containers",
        catalog.CONTAINER_INSIGHTS_TYPE,
    )
    assert insights.settings["amalogs.useAADAuth"] == "true" and defender.settings["amalogs.useAADAuth"] == "false"
    assert key_vault.settings["secrets-store-csi-driver.enableSecretRotation"] == "true"
    held = cluster.network_conditions
    assert {network.extension_key(e.type) for e in cluster.extensions} <= held and "extensions" in held
    assert managed_extensions(cluster) == ["azuremonitor-containers", catalog.DEFENDER_TYPE, "akvsecretsprovider"]


def test_unset_extensions_add_nothing() -> None:
    (cluster,) = settings().clusters
    assert cluster.extensions == () and "extensions" not in cluster.network_conditions


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            {"type": "Microsoft.AzureMonitor.Containers"},
            "arc-onboarding:extensions[0].configurationSettings.logAnalyticsWorkspaceResourceID: is required for Azure "
            "Monitor Container Insights: `pulumi config set --path 'arc-onboarding:extensions[0].configurationSettings"
            ".logAnalyticsWorkspaceResourceID' VALUE`",
        ),
        (
            {**INSIGHTS, "configurationSettings": {"logAnalyticsWorkspaceResourceID": "/subscriptions/x/workspaces/y"}},
            "arc-onboarding:extensions[0].configurationSettings.logAnalyticsWorkspaceResourceID: must be the ARM id of a "
            "Microsoft.OperationalInsights/workspaces: /subscriptions/<guid>/resourceGroups/<group>/providers/"
            "Microsoft.OperationalInsights/workspaces/<name>",
        ),
        (
            {**INSIGHTS, "configurationSettings": {"loganalyticsworkspaceresourceid": WORKSPACE}},
            "arc-onboarding:extensions[0].configurationSettings.loganalyticsworkspaceresourceid: unknown setting (did "
            "you mean `logAnalyticsWorkspaceResourceID`? names are case-sensitive)",
        ),
        (
            {**KEY_VAULT, "configurationSettings": {"secrets-store-csi-driver.enableSecretRotation": "yes"}},
            "arc-onboarding:extensions[0].configurationSettings.secrets-store-csi-driver.enableSecretRotation: must be "
            "true or false",
        ),
        (
            {**KEY_VAULT, "configurationSettings": {"secrets-store-csi-driver.rotationPollInterval": "two minutes"}},
            "arc-onboarding:extensions[0].configurationSettings.secrets-store-csi-driver.rotationPollInterval: must be a "
            "duration such as `2m`, `90s` or `1h`",
        ),
        (
            {**KEY_VAULT, "configurationSettings": {"a": [1]}},
            "arc-onboarding:extensions[0].configurationSettings.a: must be a string, a boolean or a number, not a list",
        ),
        (
            {**INSIGHTS, "configurationSettings": {**INSIGHTS["configurationSettings"], "amalogs.useAADAuth": False}},
            "arc-onboarding:extensions[0].configurationSettings.amalogs.useAADAuth: must be `true` here "
            "(docs/extensions.md)",
        ),
        (
            {**DEFENDER, "configurationSettings": {**DEFENDER["configurationSettings"], "amalogs.domain": "x"}},
            "arc-onboarding:extensions[0].configurationSettings.amalogs.domain: is set by the program for Microsoft "
            "Defender for Containers sensor (as `az k8s-extension create` does): leave it out",
        ),
        (
            {**INSIGHTS, "name": "monitoring"},
            "arc-onboarding:extensions[0].name: must be `azuremonitor-containers` or unset: `az k8s-extension create` "
            "gives Azure Monitor Container Insights that name whatever `--name` says (a single instance per cluster)",
        ),
        (
            {**KEY_VAULT, "scope": "namespace"},
            "arc-onboarding:extensions[0].scope: Azure Key Vault Secrets Provider is installed at cluster scope only",
        ),
        (
            {**KEY_VAULT, "scope": "namespaces"},
            "arc-onboarding:extensions[0].scope: must be `cluster` or `namespace` (did you mean `namespace`?)",
        ),
        (
            {**KEY_VAULT, "version": "1.5.0"},
            "arc-onboarding:extensions[0].version: pins a version only with `autoUpgradeMinorVersion: false`",
        ),
        (
            {**KEY_VAULT, "autoUpgradeMinorVersion": False, "releaseTrain": "Preview", "version": "1.5.0"},
            "arc-onboarding:extensions[0].releaseTrain: applies only with `autoUpgradeMinorVersion: true` (the default)",
        ),
        (
            {"type": "Microsoft.Flux"},
            "arc-onboarding:extensions[0].type: `microsoft.flux` is installed by `gitops` (docs/extensions.md): set "
            "`gitops` instead",
        ),
        (
            {"type": "Microsoft.Dapr"},
            "arc-onboarding:extensions[0].name: is required for a type outside the catalog: `pulumi config set --path "
            "'arc-onboarding:extensions[0].name' NAME`",
        ),
        (
            {"type": "Microsoft.Dapr", "name": "dapr", "scope": "namespace", "targetNamespace": "Apps"},
            "arc-onboarding:extensions[0].targetNamespace: must be a Kubernetes namespace name: 1-63 lower-case "
            "letters, digits and `-`, alphanumeric at both ends",
        ),
        (
            {**KEY_VAULT, "configurationProtectedSettings": {"token": "s3cr3t-Value"}},
            "arc-onboarding:extensions[0].configurationProtectedSettings.token: is stored in plain text; set it as a "
            "secret: `pulumi config set --secret --path 'arc-onboarding:extensions[0].configurationProtectedSettings"
            ".token' VALUE`",
        ),
        (
            {
                **INSIGHTS,
                "configurationSettings": {
                    **INSIGHTS["configurationSettings"],
                    "dataCollectionSettings": {"interval": "45m", "namespaceFilteringMode": "Sometimes"},
                },
            },
            "arc-onboarding:extensions[0].configurationSettings.dataCollectionSettings: interval must be from 1m to 30m",
        ),
        (
            {
                **INSIGHTS,
                "configurationSettings": {**INSIGHTS["configurationSettings"], "dataCollectionSettings": "{not json"},
            },
            "arc-onboarding:extensions[0].configurationSettings.dataCollectionSettings: must be a mapping (or its JSON "
            "text)",
        ),
        (
            {"type": "Microsoft.Dapr", "name": "dapr", "releaseNamespace": "dapr-system"},
            "arc-onboarding:extensions[0].scope: is required with releaseNamespace or targetNamespace: `cluster` or "
            "`namespace`",
        ),
        (
            {**KEY_VAULT, "typo": 1},
            "arc-onboarding:extensions[0].typo: unknown key (did you mean `type`?)",
        ),
    ],
)
def test_bad_items_name_the_key(item: dict[str, Any], expected: str) -> None:
    found = first(item)
    assert expected in found, found
    assert not any("s3cr3t-Value" in p for p in found)


def test_names_are_unique_and_not_flux_or_policy() -> None:
    dapr = {"type": "Microsoft.Dapr", "name": "flux"}
    found = problems({"extensions": [KEY_VAULT, KEY_VAULT, dapr], "gitops": {"url": "https://git.example/r.git"}})
    assert (
        "arc-onboarding:extensions[1].name: `akvsecretsprovider` is already extensions[0]'s name: names are unique per cluster"
        in found
    )
    assert (
        "arc-onboarding:extensions[1].type: only one Azure Key Vault Secrets Provider extension per cluster (extensions[0] is one)"
        in found
    )
    assert "arc-onboarding:extensions[2].name: `flux` is the extension `gitops` installs: choose another name" in found


def test_unknown_types_are_installed_unchecked_with_a_warning() -> None:
    s = settings({"extensions": [{"type": "Microsoft.Dapr", "name": "dapr", "configurationSettings": {"x": 1}}]})
    (extension,) = s.clusters[0].extensions
    assert extension.type == "Microsoft.Dapr" and extension.settings == {"x": "1"} and extension.known is None
    assert any("`Microsoft.Dapr` is not in the catalog" in w for w in s.warnings)
    assert extension.namespace is None and extension.scope is None
    # No scope sent, as the CLI sends none without `--scope` (DefaultExtension Create).
    assert "scope" not in extension_args(extension, "c", "g")


def test_prometheus_warns_what_is_not_done_and_missing_cloud_endpoints() -> None:
    metrics = {
        "type": "Microsoft.AzureMonitor.Containers.Metrics",
        "configurationSettings": {
            "azure-monitor-workspace-resource-id": f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/m"
            "/providers/Microsoft.Monitor/accounts/amw"
        },
    }
    s = settings({"extensions": [metrics]})
    assert s.clusters[0].extensions[0].release_train == "stable"
    assert any("data collection endpoint" in w for w in s.warnings)


def test_fleet_default_applies_to_every_item_and_an_item_replaces_it() -> None:
    items = [ITEMS[0], {**ITEMS[1], "extensions": [KEY_VAULT]}]
    s = settings(fleet(items, extensions=[INSIGHTS]), drop=("clusterName", "kubeContext"))
    assert [[e.name for e in c.extensions] for c in s.clusters] == [["azuremonitor-containers"], ["akvsecretsprovider"]]


def test_fleet_errors_name_the_item() -> None:
    found = problems(
        fleet([{**ITEMS[0], "extensions": [{"type": "Microsoft.AzureMonitor.Containers"}]}]),
        drop=("clusterName", "kubeContext"),
    )
    assert any(p.startswith("arc-onboarding:clusters[0].extensions[0].configurationSettings.") for p in found), found


# --- the offline plan ---------------------------------------------------------------------------------


def test_plan_shows_each_extension_its_settings_registrations_and_endpoints(plan) -> None:
    raw = (
        BASE_STACK_YAML
        + "  arc-onboarding:extensions:\n"
        + "    - type: Microsoft.AzureMonitor.Containers\n"
        + f"      configurationSettings: {{logAnalyticsWorkspaceResourceID: '{WORKSPACE}'}}\n"
        + "      configurationProtectedSettings:\n"
        + "        proxyEndpoint:\n"
        + "          secure: AAABAKxyz==\n"
        + "    - type: Microsoft.AzureDefender.Kubernetes\n"
        + f"      configurationSettings: {{logAnalyticsWorkspaceResourceID: '{WORKSPACE}'}}\n"
        + "    - type: Microsoft.AzureKeyVaultSecretsProvider\n"
        + "      configurationSettings: {secrets-store-csi-driver.syncSecret.enabled: true}\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    resources = by_urn(result)
    insights = resources[ext_urn("azuremonitor-containers")]
    assert insights["inputs"] == {
        "autoUpgradeMinorVersion": True,
        "clusterName": "arc-test",
        "clusterResourceName": "connectedClusters",
        "clusterRp": "Microsoft.Kubernetes",
        "configurationProtectedSettings": "[secret]",
        "configurationSettings": {"amalogs.useAADAuth": "true", "logAnalyticsWorkspaceResourceID": WORKSPACE},
        "extensionName": "azuremonitor-containers",
        "extensionType": "microsoft.azuremonitor.containers",
        "identity": {"type": "SystemAssigned"},
        "releaseTrain": "Stable",
        "resourceGroupName": "arc-test-rg",
        "scope": {"cluster": {"releaseNamespace": "azuremonitor-containers"}},
    }
    assert insights["options"]["replaceOnChanges"] == EXTENSION_OPTIONS["replaceOnChanges"]
    defender = resources[ext_urn(catalog.DEFENDER_TYPE)]
    assert defender["inputs"]["configurationSettings"]["amalogs.useAADAuth"] == "false"
    key_vault = resources[ext_urn("akvsecretsprovider")]
    assert key_vault["inputs"]["configurationSettings"] == {"secrets-store-csi-driver.syncSecret.enabled": "true"}
    assert key_vault["inputs"]["scope"] == {"cluster": {"releaseNamespace": "kube-system"}}
    rule = resources[ext_urn("azuremonitor-containers-dcr", "azure-native:monitor:DataCollectionRule")]
    association = resources[
        ext_urn("azuremonitor-containers-dcra", "azure-native:monitor:DataCollectionRuleAssociation")
    ]
    assert rule["inputs"]["kind"] == "Linux" and rule["inputs"]["resourceGroupName"] == "arc-test-rg"
    assert rule["inputs"]["destinations"] == {
        "logAnalytics": [{"name": "la-workspace", "workspaceResourceId": WORKSPACE}]
    }
    assert association["inputs"]["resourceUri"] == CLUSTER_ID
    assert association["inputs"]["associationName"] == "ContainerInsightsExtension"
    # The extension after its association, every extension after the agents and the registrations.
    assert association["urn"] in insights["dependencies"]
    register = f"{PROJECT}command:local:Command::register-microsoft.insights"
    assert register in resources and register in defender["dependencies"]
    release = f"{CHILD}kubernetes:helm.sh/v3:Release::arc-test-rg/arc-test-agents"
    assert all(release in r["dependencies"] for r in (insights, defender, key_vault))
    hosts = {e["host"] for e in result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]["requiredEndpoints"]}
    assert {
        "*.ods.opinsights.azure.com",
        "eastus.handler.control.monitor.azure.com",
        "*.cloud.defender.microsoft.com",
        "upstreamarc.azurecr.io",
        "linuxgeneva-microsoft.azurecr.io",
    } <= hosts
    guard = resources[f"{CHILD}command:local:Command::arc-test-rg/arc-test-uninstall-guard"]
    assert guard["inputs"]["environment"] == "[secret]"  # with the kubeconfig: the list is in it


def test_plain_settings_without_secrets_are_shown_plainly(plan) -> None:
    result = plan({**BASE_CONFIG, "extensions": [KEY_VAULT]}, "--json")
    assert result.code == 0, result.stderr
    key_vault = by_urn(result)[ext_urn("akvsecretsprovider")]
    assert key_vault["inputs"]["configurationSettings"]["secrets-store-csi-driver.rotationPollInterval"] == "2m"
    assert "configurationProtectedSettings" not in key_vault["inputs"]


def test_bad_settings_exit_2_before_anything_is_registered(plan) -> None:
    result = plan({**BASE_CONFIG, "extensions": [{"type": "Microsoft.AzureMonitor.Containers"}]}, "--json")
    assert result.code == 2
    assert (
        "arc-onboarding:extensions[0].configurationSettings.logAnalyticsWorkspaceResourceID: is required"
        in result.stderr
    )
    assert result.stdout == ""


def test_endpoints_join_the_preflight_and_the_firewall_list_of_their_cluster_only(plan) -> None:
    items = [{**ITEMS[0], "extensions": [KEY_VAULT]}, ITEMS[1]]
    result = plan(fleet(items), "--json")
    assert result.code == 0, result.stderr
    jobs = {
        r["name"]: r["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"]
        for r in result.document["resources"]
        if r["type"] == "kubernetes:batch/v1:Job"
    }
    assert "upstreamarc.azurecr.io:443" in jobs["rg-a/c1-preflight"]
    assert "upstreamarc.azurecr.io:443" not in jobs["rg-a/c2-preflight"]
    # A wildcard names no host to try: listed, not probed.
    assert "*.blob.core.windows.net:443" not in jobs["rg-a/c1-preflight"]
    listed = plan(fleet(items), "--endpoints", "--json").document["endpoints"]
    row = next(e for e in listed if e["host"] == "upstreamarc.azurecr.io")
    assert row["clusters"] == ["rg-a/c1"] and row["required"] is True
    assert row["neededWhen"] == "cluster extension microsoft.azurekeyvaultsecretsprovider (extensions)"


def test_looked_up_workspace_key_is_secret_without_any_secret_config(plan) -> None:
    result = plan({**BASE_CONFIG, "extensions": [DEFENDER]}, "--json")
    assert result.code == 0, result.stderr
    protected = by_urn(result)[ext_urn(catalog.DEFENDER_TYPE)]["inputs"]["configurationProtectedSettings"]
    assert protected == {
        f"{prefix}.secret.{key}": "[secret]" for prefix in ("amalogs", "omsagent") for key in ("key", "wsid")
    }
    assert "placeholder-shared-key" not in result.stdout


def source_facts() -> list[tuple[str, str, str]]:
    rows = (FIXTURES / "extension-facts.tsv").read_text().splitlines()
    return [(tag, fact, value) for tag, _, fact, value in (r.split("\t") for r in rows if not r.startswith("#"))]


ENTRY = {
    "CI": catalog.CONTAINER_INSIGHTS,
    "DEF": catalog.DEFENDER,
    "AMM": catalog.MANAGED_PROMETHEUS,
    "AKV": catalog.KEY_VAULT,
    "AKVCN": catalog.KEY_VAULT,
    "DEFNET": catalog.DEFENDER,
}


@pytest.mark.parametrize(("tag", "fact", "value"), source_facts())
def test_the_catalog_against_its_sources(tag: str, fact: str, value: str) -> None:
    if tag == "SPEC":
        assert list(catalog.UPDATABLE) == value.split()
        return
    known = ENTRY[tag]
    if fact == "name":
        assert known.default_name == value
    elif fact == "release_namespace":
        assert known.release_namespace == value
    elif fact == "release_train":
        assert known.release_train == value
    elif fact == "workspace_setting":
        assert (setting := known.setting(value)) is not None and setting.required and setting.type == "resourceId"
    elif fact == "aad_setting":
        assert value == catalog.AAD_AUTH_SETTING and known.setting(value) is not None
    elif fact == "dcr_name":
        assert catalog.dcr_name("West Europe", "c1") == "MSCI-westeurope-c1" and catalog.DCR_NAME_MAX == 64
    elif fact == "dcra_name":
        assert value == catalog.DCR_ASSOCIATION_NAME
    elif fact == "dcr_stream":
        assert (value,) == catalog.DCR_STREAMS
    elif fact == "dcr_kind":
        assert data_collection_rule_args(WORKSPACE)["kind"] == value
    elif fact == "dcr_destination":
        assert value == catalog.DCR_DESTINATION
    elif fact == "data_collection_interval_max":
        assert int(value) == catalog.DATA_COLLECTION_INTERVAL_MAX
        assert known.setting(catalog.DATA_COLLECTION_SETTING) is not None
    elif fact.startswith("domain_"):
        assert catalog.CONTAINER_INSIGHTS_DOMAINS[fact.removeprefix("domain_")] == value
    elif fact.startswith("endpoint_"):
        assert [e.host for e in known.endpoints[fact.removeprefix("endpoint_")]] == value.split()
    else:
        pytest.fail(f"unknown fact {fact}")


def test_a_secret_extensions_key_quotes_no_type_and_says_names_are_plain(plan) -> None:
    raw = (
        BASE_STACK_YAML
        + "  arc-onboarding:extensions:\n"
        + "    - type: Contoso.InternalAgent\n"
        + "      name: internal-agent\n"
        + "      configurationProtectedSettings:\n"
        + "        token:\n"
        + "          secure: AAABAKxyz==\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    warnings = result.document["warnings"]
    assert "Contoso.InternalAgent" not in json.dumps(warnings)
    assert (
        "arc-onboarding:extensions[0].type: the type is not in the catalog: it is installed as given, its settings unchecked (docs/extensions.md lists the known types)"
        in warnings
    )
    assert any(w.startswith("arc-onboarding:extensions: is secret, but extension names become part") for w in warnings)
    extension = by_urn(result)[ext_urn("internal-agent")]
    assert extension["inputs"]["configurationProtectedSettings"] == "[secret]"


def test_data_collection_settings_reach_the_rule_as_the_cli_puts_them(plan) -> None:
    collect = {
        "interval": "5m",
        "namespaceFilteringMode": "Exclude",
        "namespaces": ["kube-system"],
        "streams": ["Microsoft-ContainerLogV2", "Microsoft-KubeEvents"],
    }
    item = {
        **INSIGHTS,
        "configurationSettings": {**INSIGHTS["configurationSettings"], "dataCollectionSettings": collect},
    }
    (cluster,) = settings({"extensions": [item]}).clusters
    text = cluster.extensions[0].settings["dataCollectionSettings"]
    assert json.loads(text) == collect
    rule = data_collection_rule_args(WORKSPACE, text)
    assert rule["data_flows"] == [{"streams": collect["streams"], "destinations": ["la-workspace"]}]
    (source,) = rule["data_sources"]["extensions"]
    assert source["streams"] == collect["streams"] and source["extension_settings"] == {
        "dataCollectionSettings": collect
    }
    # Without it: the default stream and no extension settings (CI).
    (default,) = data_collection_rule_args(WORKSPACE)["data_sources"]["extensions"]
    assert default["streams"] == ["Microsoft-ContainerInsights-Group-Default"] and default["extension_settings"] == {}
    result = plan({**BASE_CONFIG, "extensions": [item]}, "--json")
    assert result.code == 0, result.stderr
    planned = by_urn(result)[ext_urn("azuremonitor-containers-dcr", "azure-native:monitor:DataCollectionRule")]
    assert planned["inputs"]["dataFlows"] == [{"destinations": ["la-workspace"], "streams": collect["streams"]}]
