"""Azure Policy (issue 14), the pure parts: built-ins table, `policy` checks, clouds, endpoints, arguments, schema."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from components import network
from components.policy import (
    DISABLED,
    PolicyAssignment,
    PolicySettings,
    check_policy,
    cloud_gap,
    extension_confirmed,
)
from components.policy_args import (
    EXTENSION_NAME,
    EXTENSION_TYPE,
    arm_parameters,
    assignment_args,
    extension_args,
)
from components.policy_catalog import BUILTINS, docs_table, find
from components.schema import (
    ASSIGNMENT_FIELDS,
    CLUSTER_FIELDS,
    POLICY_FIELDS,
    POLICY_KEY,
    SCHEMA,
    config_table,
    default_of,
)
from tests.conftest import ROOT

BASELINE = "Kubernetes cluster pod security baseline standards for Linux-based workloads"
BASELINE_ID = "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d"
IMAGES = "Kubernetes cluster containers should only use allowed images"
LIMITS = "Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits"
HOST_NETWORK_ID = "/providers/Microsoft.Authorization/policyDefinitions/82985f06-dc18-4a48-bc1c-b9f4f0098cfe"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
CUSTOM_ID = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/policyDefinitions/no-latest-tag"
NOT_IN_TABLE = "/providers/Microsoft.Authorization/policyDefinitions/16697877-1118-4fb1-9b65-9898ec2509ec"


def run(value: Any, cloud: str | None = None) -> tuple[PolicySettings | None, list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    result = check_policy(
        value,
        lambda path, message: errors.append(f"{path}: {message}"),
        lambda path, message: warnings.append(f"{path}: {message}"),
        cloud=cloud,
    )
    return result, errors, warnings


def good(value: Any, cloud: str | None = None) -> tuple[PolicySettings, list[str]]:
    result, errors, warnings = run(value, cloud)
    assert errors == [] and result is not None
    return result, warnings


def bad(value: Any) -> list[str]:
    """The errors of a bad value; the checker must not hand back settings for it."""
    result, errors, _ = run(value)
    assert result is None, "bad input was accepted"
    assert errors
    return errors


def one(assignment: dict[str, Any], **policy: Any) -> dict[str, Any]:
    return {"enabled": True, **policy, "assignments": [assignment]}


# --- The built-ins table ---------------------------------------------------------------------------


def test_every_builtin_is_a_row_of_the_reference_and_back() -> None:
    """No invented ids: the table and the published built-ins list the same (kind, display name, id)."""
    lines = (ROOT / "tests" / "fixtures" / "azure-policy-builtins.tsv").read_text().splitlines()
    rows = [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]
    kinds = {"policySetDefinition": "initiative", "policyDefinition": "definition"}
    reference = {(kinds[kind], name, guid) for kind, name, guid in rows}
    assert len(reference) == 10
    assert {(b.kind, b.display_name, b.guid) for b in BUILTINS} == reference


def test_builtin_ids_are_tenant_level_and_unique() -> None:
    for b in BUILTINS:
        segment = "policySetDefinitions" if b.kind == "initiative" else "policyDefinitions"
        assert b.id == f"/providers/Microsoft.Authorization/{segment}/{b.guid}"
        assert b.source.startswith("https://github.com/Azure/azure-policy/blob/f4a50bac")
        assert len({p.name for p in b.parameters}) == len(b.parameters)
    assert len({b.guid for b in BUILTINS}) == len(BUILTINS)
    assert {b.kind for b in BUILTINS if "pod security" in b.display_name} == {"initiative"}


def test_find_by_display_name_id_or_guid_in_any_case() -> None:
    baseline = find(BASELINE)
    assert baseline is not None and baseline.id == BASELINE_ID
    assert find(BASELINE.upper()) is baseline
    assert find(BASELINE_ID.lower()) is baseline
    assert find(" a8640138-9B0A-4a28-b8cb-1666c838647d ") is baseline
    assert find("Kubernetes cluster pod security") is None


def test_required_parameters_are_those_without_defaults() -> None:
    required = {b.display_name: [p.name for p in b.parameters if p.required] for b in BUILTINS}
    assert required[IMAGES] == ["allowedContainerImagesRegex"]
    assert required[LIMITS] == ["cpuLimit", "memoryLimit"]
    assert sum(map(len, required.values())) == 3


def test_docs_page_carries_the_generated_builtins_table() -> None:
    assert docs_table() in (ROOT / "docs" / "policy.md").read_text()


# --- A good policy ---------------------------------------------------------------------------------


def test_unset_is_disabled() -> None:
    assert good(None) == (DISABLED, [])
    assert PolicySettings(enabled=False, auto_upgrade_minor_version=True, version=None, assignments=()) == DISABLED


def test_two_assignments() -> None:
    settings, warnings = good(
        {
            "enabled": True,
            "assignments": [
                {"name": "pod-baseline", "definition": BASELINE.lower(), "parameters": {"effect": "deny"}},
                {
                    "name": "host-network",
                    "definition": HOST_NETWORK_ID.upper(),
                    "parameters": {"allowHostNetwork": "true", "excludedNamespaces": ["kube-system"]},
                    "enforcement": "DoNotEnforce",
                },
            ],
        }
    )
    assert warnings == []
    assert settings.enabled and settings.auto_upgrade_minor_version and settings.version is None
    first, second = settings.assignments
    assert first == PolicyAssignment("pod-baseline", BASELINE_ID, BASELINE, {"effect": "deny"}, "Default")
    # Canonical id; `true` text (as `config set --path` stores it) becomes a boolean.
    assert second.definition_id == HOST_NETWORK_ID
    assert second.parameters == {"allowHostNetwork": True, "excludedNamespaces": ["kube-system"]}
    assert second.enforcement == "DoNotEnforce"


def test_enabled_without_assignments_and_fields_left_none() -> None:
    """Values as the settings package hands them: unset fields None."""
    settings, _ = good({"enabled": "true", "autoUpgradeMinorVersion": None, "version": None, "assignments": None})
    assert settings == PolicySettings(enabled=True)


def test_pinned_version() -> None:
    settings, _ = good({"enabled": True, "autoUpgradeMinorVersion": False, "version": "1.16.1"})
    assert (settings.auto_upgrade_minor_version, settings.version) == (False, "1.16.1")


@pytest.mark.parametrize(
    "definition",
    [
        CUSTOM_ID,
        f"/subscriptions/{SUBSCRIPTION}/providers/microsoft.authorization/policysetdefinitions/my-initiative",
        (
            "/providers/Microsoft.Management/managementGroups/platform/providers/Microsoft.Authorization/"
            "policyDefinitions/2f1b0a11-8a27-4b0c-9f5e-0e4b0c3b1a11"
        ),
    ],
)
def test_custom_definitions_by_full_id_take_any_parameters(definition: str) -> None:
    settings, warnings = good(one({"name": "custom", "definition": definition, "parameters": {"anything": [1, 2]}}))
    assert warnings == []
    (assignment,) = settings.assignments
    assert assignment.definition_id == definition and assignment.display_name is None
    assert assignment.parameters == {"anything": [1, 2]}


def test_a_builtin_outside_the_table_is_a_warning_and_unchecked() -> None:
    settings, warnings = good(one({"name": "volumes", "definition": NOT_IN_TABLE, "parameters": {"x": 1}}))
    assert settings.assignments[0].definition_id == NOT_IN_TABLE
    assert warnings == [
        (
            "policy.assignments[0].definition: is not in this program's table of Kubernetes built-ins (docs/policy.md): "
            "its parameters are not checked here; ARM checks them at `pulumi up`"
        )
    ]


def test_a_name_of_64_characters_is_fine() -> None:
    good(one({"name": "a" * 64, "definition": BASELINE}))


# --- Bad values ------------------------------------------------------------------------------------


def test_policy_must_be_a_mapping() -> None:
    assert bad(["enabled"]) == ["policy: must be a mapping, not a list"]


def test_unknown_keys_get_did_you_mean() -> None:
    assert bad({"enabeld": True}) == ["policy.enabeld: unknown key (did you mean `enabled`?)"]
    assert bad(one({"name": "a", "definition": BASELINE, "paramters": {}})) == [
        "policy.assignments[0].paramters: unknown key (did you mean `parameters`?)"
    ]


def test_enabled_must_be_a_boolean() -> None:
    assert bad({"enabled": "yes"}) == ["policy.enabled: must be true or false"]
    # An invalid `enabled` is one problem, not also "assignments need enabled".
    assert bad({"enabled": "yes", "assignments": [{"name": "a", "definition": BASELINE}]}) == [
        "policy.enabled: must be true or false"
    ]


@pytest.mark.parametrize("policy", [{"assignments": []}, {"enabled": False, "assignments": []}])
def test_no_assignments_without_enabled_is_fine(policy: dict[str, Any]) -> None:
    assert good(policy)[0] == DISABLED


@pytest.mark.parametrize("enabled", [{}, {"enabled": False}, {"enabled": "false"}])
def test_an_assignment_without_enabled_is_an_error(enabled: dict[str, Any]) -> None:
    assert bad({**enabled, "assignments": [{"name": "a", "definition": BASELINE}]}) == [
        (
            "policy.assignments: needs policy.enabled: true: the Azure Policy extension is what enforces assignments "
            "in the cluster"
        )
    ]


def test_assignments_must_be_a_list_of_mappings() -> None:
    assert bad({"enabled": True, "assignments": {"name": "a"}}) == ["policy.assignments: must be a list, not a mapping"]
    assert bad({"enabled": True, "assignments": ["a"]}) == ["policy.assignments[0]: must be a mapping, not a string"]


def test_name_and_definition_are_required() -> None:
    assert bad(one({})) == ["policy.assignments[0].name: is required", "policy.assignments[0].definition: is required"]
    assert bad(one({"name": 7, "definition": BASELINE})) == [
        "policy.assignments[0].name: must be a string, not a number"
    ]


NAME_RULE = (
    "policy.assignments[0].name: must be 1-64 characters without < > * % & : \\ ? . + / or control characters, "
    "not ending in a space (ARM's rule for policy assignment names)"
)


@pytest.mark.parametrize("name", ["", "a" * 65, "trailing ", "tab\there", *[f"a{c}b" for c in "<>*%&:\\?.+/"]])
def test_assignment_names_follow_arm(name: str) -> None:
    assert bad(one({"name": name, "definition": BASELINE})) == [NAME_RULE]


def test_assignment_names_are_unique_case_insensitively() -> None:
    policy = {
        "enabled": True,
        "assignments": [{"name": "Baseline", "definition": BASELINE}, {"name": "baseline", "definition": IMAGES}],
    }
    assert bad(policy) == [
        (
            "policy.assignments[1].parameters.allowedContainerImagesRegex: is required by "
            f"`{IMAGES}` (it has no default)"
        ),
        (
            "policy.assignments[1].name: 'baseline' is already the name of policy.assignments[0] (ARM compares names "
            "case-insensitively)"
        ),
    ]


def test_unknown_definition_gets_did_you_mean() -> None:
    assert bad(one({"name": "a", "definition": "Kubernetes cluster should not alow privileged containers"})) == [
        (
            "policy.assignments[0].definition: unknown built-in 'Kubernetes cluster should not alow privileged "
            "containers' (did you mean `Kubernetes cluster should not allow privileged containers`?); give a display "
            "name or id from docs/policy.md, or a custom definition's full id"
        )
    ]
    assert bad(one({"name": "a", "definition": "no-such-thing"})) == [
        (
            "policy.assignments[0].definition: unknown built-in 'no-such-thing'; give a display name or id from "
            "docs/policy.md, or a custom definition's full id"
        )
    ]


def test_the_builtin_that_installs_the_extension_is_refused() -> None:
    assert bad(one({"name": "a", "definition": "0adc5395-9169-4b9b-8687-af838d69410a"})) == [
        (
            "policy.assignments[0].definition: `Configure Azure Arc enabled Kubernetes clusters to install the Azure "
            "Policy extension` deploys the extension itself (deployIfNotExists), and its assignment needs a managed "
            "identity, which this program does not create; policy.enabled installs the extension instead"
        )
    ]


def test_definition_ids_in_a_resource_group_or_malformed() -> None:
    in_group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Authorization/policyDefinitions/x"
    assert bad(one({"name": "a", "definition": in_group})) == [
        (
            "policy.assignments[0].definition: policy definitions live at a subscription or a management group, not in "
            "a resource group"
        )
    ]
    malformed = "/subscriptions/not-a-guid/providers/Microsoft.Authorization/policyDefinitions/x"
    assert bad(one({"name": "a", "definition": malformed})) == [
        (
            "policy.assignments[0].definition: is not a policy definition id: expected /subscriptions/<subscription id>"
            "/providers/Microsoft.Authorization/policyDefinitions/<name> (or policySetDefinitions), or the same under "
            "/providers/Microsoft.Management/managementGroups/<group>"
        )
    ]


def test_parameters_must_be_a_mapping() -> None:
    assert bad(one({"name": "a", "definition": BASELINE, "parameters": ["effect"]})) == [
        "policy.assignments[0].parameters: must be a mapping of parameter names to values, not a list"
    ]


def test_unknown_parameter_names_the_definitions_parameters() -> None:
    assert bad(one({"name": "a", "definition": BASELINE, "parameters": {"efect": "Deny"}})) == [
        (
            f"policy.assignments[0].parameters.efect: is not a parameter of `{BASELINE}` (did you mean `effect`?); "
            "it takes effect, excludedNamespaces, namespaces, allowedHostPaths"
        )
    ]


def test_missing_required_parameters_are_named() -> None:
    assert bad(one({"name": "a", "definition": LIMITS, "parameters": {"cpuLimit": "200m"}})) == [
        f"policy.assignments[0].parameters.memoryLimit: is required by `{LIMITS}` (it has no default)"
    ]
    assert bad(one({"name": "a", "definition": IMAGES})) == [
        f"policy.assignments[0].parameters.allowedContainerImagesRegex: is required by `{IMAGES}` (it has no default)"
    ]


def test_allowed_values_are_case_sensitive_as_in_arm() -> None:
    # HostNetworkPorts allows Audit/Deny/Disabled only; the pod security initiatives also take lower case.
    assert bad(one({"name": "a", "definition": HOST_NETWORK_ID, "parameters": {"effect": "deny"}})) == [
        "policy.assignments[0].parameters.effect: must be one of Audit, Deny, Disabled (did you mean `Deny`?)"
    ]
    good(one({"name": "a", "definition": BASELINE, "parameters": {"effect": "deny"}}))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"excludedNamespaces": "kube-system"}, "excludedNamespaces: must be a list, not a string"),
        ({"allowHostNetwork": "yes"}, "allowHostNetwork: must be true or false, not a string"),
        ({"labelSelector": []}, "labelSelector: must be a mapping, not a list"),
        ({"effect": 1}, "effect: must be a string, not a number"),
        (
            {"effect": {"value": "Deny"}},
            "effect: give the value itself: the program puts it in ARM's `{value: ...}` form",
        ),
    ],
)
def test_parameter_types(parameters: dict[str, Any], message: str) -> None:
    assert bad(one({"name": "a", "definition": HOST_NETWORK_ID, "parameters": parameters})) == [
        f"policy.assignments[0].parameters.{message}"
    ]


def test_source_other_than_original_is_a_warning() -> None:
    _, warnings = good(one({"name": "a", "definition": HOST_NETWORK_ID, "parameters": {"source": "Generated"}}))
    assert warnings == [
        (
            "policy.assignments[0].parameters.source: `Generated` and `All` also check generated resources, which "
            "Microsoft documents for AKS only; keep `Original` on Arc"
        )
    ]


@pytest.mark.parametrize(
    ("enforcement", "hint"), [("donotenforce", " (did you mean `DoNotEnforce`?)"), ("Enroll", ""), ("", "")]
)
def test_enforcement(enforcement: str, hint: str) -> None:
    assert bad(one({"name": "a", "definition": BASELINE, "enforcement": enforcement})) == [
        f"policy.assignments[0].enforcement: must be Default or DoNotEnforce{hint}"
    ]


def test_version_rules() -> None:
    assert bad({"enabled": True, "version": "1.16.1"}) == [
        (
            "policy.version: is only taken with policy.autoUpgradeMinorVersion: false (Azure pins a version only with "
            "auto-upgrade off)"
        )
    ]
    assert bad({"enabled": True, "autoUpgradeMinorVersion": False, "version": "latest"}) == [
        "policy.version: must be a version such as 1.16.1"
    ]
    assert bad({"enabled": True, "autoUpgradeMinorVersion": False}) == [
        "policy.autoUpgradeMinorVersion: is false, so policy.version must pin the extension (e.g. 1.16.1)"
    ]
    assert bad({"autoUpgradeMinorVersion": "no"}) == ["policy.autoUpgradeMinorVersion: must be true or false"]


def test_every_problem_is_reported_at_once() -> None:
    errors = bad(
        {
            "enabled": True,
            "assignments": [
                {"name": "a/b", "definition": "nope", "parameters": [], "enforcement": "x"},
                {"name": "ok", "definition": IMAGES, "parameters": {"bogus": 1}},
            ],
        }
    )
    assert [e.split(":")[0] for e in errors] == [
        "policy.assignments[0].name",
        "policy.assignments[0].definition",
        "policy.assignments[0].parameters",
        "policy.assignments[0].enforcement",
        "policy.assignments[1].parameters.bogus",
        "policy.assignments[1].parameters.allowedContainerImagesRegex",
    ]


def test_values_the_caller_already_reported_are_skipped() -> None:
    invalid = object()
    errors: list[str] = []
    result = check_policy(
        {"enabled": True, "assignments": [invalid]},
        lambda p, m: errors.append(p),
        lambda p, m: None,
        reported=lambda v: v is invalid,
    )
    assert result is None and errors == []


# --- Clouds ----------------------------------------------------------------------------------------


def test_extension_confirmed_only_in_the_public_cloud() -> None:
    assert extension_confirmed("AzureCloud") and cloud_gap("AzureCloud") is None
    assert not extension_confirmed("AzureUSGovernment") and not extension_confirmed("AzureChinaCloud")


@pytest.mark.parametrize("cloud", ["AzureUSGovernment", "AzureChinaCloud"])
def test_enabling_policy_where_it_is_not_confirmed_is_a_warning(cloud: str) -> None:
    settings, warnings = good({"enabled": True}, cloud=cloud)
    assert settings.enabled
    assert warnings == [
        (
            f"policy.enabled: the Azure Policy extension is not confirmed in {cloud}: Microsoft's Arc network "
            f"requirements for {cloud} list no Azure Policy endpoints, and no Arc page confirms the extension there "
            "(only an AKS page names its hosts); `pulumi up` may fail at the extension (docs/policy.md, Clouds)"
        )
    ]
    assert good({"enabled": False}, cloud=cloud)[1] == []


def test_no_cloud_warning_in_the_public_cloud() -> None:
    assert good({"enabled": True}, cloud="AzureCloud")[1] == []


# --- Endpoints -------------------------------------------------------------------------------------


def test_policy_endpoints_per_cloud() -> None:
    hosts = {cloud: [e.host for e in endpoints] for cloud, endpoints in network.POLICY_ENDPOINTS.items()}
    assert hosts == {
        "AzureCloud": ["data.policy.core.windows.net", "store.policy.core.windows.net", "dc.services.visualstudio.com"],
        "AzureUSGovernment": ["data.policy.azure.us", "store.policy.azure.us"],
        "AzureChinaCloud": ["data.policy.azure.cn", "store.policy.azure.cn"],
    }
    assert set(network.POLICY_ENDPOINTS) == set(network.ENDPOINTS) == set(network.POLICY_NOTES)
    without = network.conditions(auto_upgrade=True, azure_rbac=True, extensions=True)
    with_policy = network.conditions(auto_upgrade=False, policy=True)
    assert network.listed("AzureCloud", without) == network.ENDPOINTS["AzureCloud"]
    assert network.listed("AzureCloud", with_policy) == network.PUBLIC + network.POLICY_ENDPOINTS["AzureCloud"]
    # The policy extension is a cluster extension: linuxgeneva-microsoft.azurecr.io comes with it.
    assert {"policy", "extensions"} <= with_policy and "policy" not in without


def test_policy_endpoints_merge_into_the_network_tables() -> None:
    """Same shape as the agents' endpoints: probe targets, JSON rows and `required` work."""
    for cloud, extra in network.POLICY_ENDPOINTS.items():
        # Nothing repeats a host already in the agents' table (login.windows.net is there, always needed).
        assert not {e.host for e in extra} & {e.host for e in network.ENDPOINTS[cloud]}
        for endpoint in extra:
            assert endpoint.required(frozenset({network.POLICY}))
            assert not endpoint.required(network.conditions(auto_upgrade=True, azure_rbac=True, extensions=True))
            assert endpoint.as_json()["neededWhen"] == "Azure Policy extension (policy.enabled)"
            assert endpoint.port == 443
        assert network.probe_targets(extra) == [f"{e.host}:443" for e in extra]
    assert "login.windows.net" in {e.host for e in network.PUBLIC if e.needed == "always"}


# --- Arguments -------------------------------------------------------------------------------------


def _parameters_of(cls: type) -> set[str]:
    return set(inspect.signature(cls).parameters)


def test_extension_arguments() -> None:
    from pulumi_azure_native import kubernetesconfiguration as kc

    args = extension_args(DISABLED, "arc-test", "arc-test-rg")
    assert set(args) <= _parameters_of(kc.ExtensionArgs)
    assert args == {
        "cluster_rp": "Microsoft.Kubernetes",
        "cluster_resource_name": "connectedClusters",
        "cluster_name": "arc-test",
        "resource_group_name": "arc-test-rg",
        "extension_name": EXTENSION_NAME,
        "extension_type": EXTENSION_TYPE,
        "release_train": "Stable",
        "auto_upgrade_minor_version": True,
        "identity": {"type": "SystemAssigned"},
        "scope": {"cluster": {"release_namespace": "kube-system"}},
    }
    assert (EXTENSION_NAME, EXTENSION_TYPE) == ("azurepolicy", "microsoft.policyinsights")
    pinned = extension_args(PolicySettings(True, False, "1.16.1"), "c", "g")
    assert (pinned["auto_upgrade_minor_version"], pinned["version"]) == (False, "1.16.1")
    kc.ExtensionArgs(**pinned)  # the SDK takes them as they are


def test_assignment_arguments() -> None:
    from pulumi_azure_native import authorization

    scope = "/subscriptions/0/resourceGroups/g/providers/Microsoft.Kubernetes/connectedClusters/c"
    assignment = PolicyAssignment("pod-baseline", BASELINE_ID, BASELINE, {"effect": "Deny", "namespaces": ["a"]})
    args = assignment_args(assignment, scope)
    assert set(args) <= _parameters_of(authorization.PolicyAssignmentArgs)
    assert args == {
        "policy_assignment_name": "pod-baseline",
        "scope": scope,
        "policy_definition_id": BASELINE_ID,
        "enforcement_mode": "Default",
        "parameters": {"effect": {"value": "Deny"}, "namespaces": {"value": ["a"]}},
        "display_name": BASELINE,
    }
    assert arm_parameters({}) is None
    authorization.PolicyAssignmentArgs(**args)


# --- Schema ----------------------------------------------------------------------------------------


def test_schema_entry_matches_the_checker() -> None:
    assert list(POLICY_FIELDS) == ["enabled", "autoUpgradeMinorVersion", "version", "assignments"]
    assert list(ASSIGNMENT_FIELDS) == ["name", "definition", "parameters", "enforcement"]
    assert POLICY_FIELDS["assignments"].fields is ASSIGNMENT_FIELDS
    assert default_of(POLICY_KEY) is None  # unset: DISABLED
    assert POLICY_FIELDS["enabled"].default is PolicySettings().enabled
    assert POLICY_FIELDS["autoUpgradeMinorVersion"].default is PolicySettings().auto_upgrade_minor_version
    assert not POLICY_KEY.stack_only and SCHEMA["policy"] is POLICY_KEY and CLUSTER_FIELDS["policy"] is POLICY_KEY


def test_schema_entry_renders_in_the_config_table() -> None:
    table = config_table()
    for path in ("policy.enabled", "policy.autoUpgradeMinorVersion", "policy.version", "policy.assignments"):
        assert f"| `{path}` |" in table
