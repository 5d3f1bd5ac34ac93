"""Azure Policy (issue 14) in the stack: settings, the extension and assignments the engine receives,
their order and destroy order, the provider registration, endpoints per cluster, fleets, secrets."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from components.plan.engine import PLACEHOLDER_SUBSCRIPTION
from components.policy import DISABLED
from tests.conftest import BASE_CONFIG, BASE_STACK_YAML
from tests.test_arm_body import GATEWAY_ID
from tests.test_extensions import EXTENSION_OPTIONS
from tests.test_fleet import FLEET_DEFAULTS, ITEMS, fleet
from tests.test_lifecycle import depends_on
from tests.test_plan import (
    CHILD,
    CLEANUP,
    CLUSTER,
    COMPONENT,
    GROUP,
    GUARD,
    NO_OPTIONS,
    PROJECT,
    REGISTER_K8S,
    RELEASE,
    VERIFY,
    by_urn,
)
from tests.test_settings import problems, settings

BASELINE = "Kubernetes cluster pod security baseline standards for Linux-based workloads"
BASELINE_ID = "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d"
IMAGES_ID = "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469"
IMAGES = "Kubernetes cluster containers should only use allowed images"
REGEX = r"^myregistry\.azurecr\.io/.+$"
TWO = [
    {"name": "pod-baseline", "definition": BASELINE, "parameters": {"effect": "Deny"}},
    {
        "name": "allowed-images",
        "definition": "febd0533-8e55-448f-b837-bd0e06f16469",
        "parameters": {"allowedContainerImagesRegex": REGEX},
        "enforcement": "DoNotEnforce",
    },
]
POLICY = {"enabled": True, "assignments": TWO}

POLICY_COMPONENT = f"{CHILD}arc-onboarding:index:ArcPolicy::arc-test-rg/arc-test-policy"
POLICY_CHILD = f"{CHILD}arc-onboarding:index:ArcPolicy$"
EXTENSION = f"{POLICY_CHILD}azure-native:kubernetesconfiguration:Extension::arc-test-rg/arc-test-policy-extension"
BASELINE_URN = f"{POLICY_CHILD}azure-native:authorization:PolicyAssignment::arc-test-rg/arc-test-policy-pod-baseline"
IMAGES_URN = f"{POLICY_CHILD}azure-native:authorization:PolicyAssignment::arc-test-rg/arc-test-policy-allowed-images"
REGISTER_POLICY = f"{PROJECT}command:local:Command::register-microsoft.policyinsights"
CLUSTER_ID = (
    f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/arc-test-rg"
    "/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
)
POLICY_TYPES = {
    "arc-onboarding:index:ArcPolicy",
    "azure-native:kubernetesconfiguration:Extension",
    "azure-native:authorization:PolicyAssignment",
}
POLICY_HOSTS = ["data.policy.core.windows.net", "store.policy.core.windows.net", "dc.services.visualstudio.com"]
EXTENSION_INPUTS = {
    "autoUpgradeMinorVersion": True,
    "clusterName": "arc-test",
    "clusterResourceName": "connectedClusters",
    "clusterRp": "Microsoft.Kubernetes",
    "extensionName": "azurepolicy",
    "extensionType": "microsoft.policyinsights",
    "identity": {"type": "SystemAssigned"},
    "releaseTrain": "Stable",
    "resourceGroupName": "arc-test-rg",
    "scope": {"cluster": {"releaseNamespace": "kube-system"}},
}


def policy_plan(plan, policy: Any = POLICY, **extra: Any) -> dict[str, dict[str, Any]]:
    result = plan({**BASE_CONFIG, **extra, "policy": policy}, "--json")
    assert result.code == 0, result.stderr
    return by_urn(result)


def of_type(resources: dict[str, dict[str, Any]], *types: str) -> list[str]:
    return [u for u, r in resources.items() if r["type"] in types]


# --- settings -------------------------------------------------------------------------------------


def test_unset_policy_is_disabled_and_adds_no_endpoint() -> None:
    (cluster,) = settings().clusters
    assert cluster.policy is DISABLED and "policy" not in cluster.network_conditions


def test_policy_reaches_the_cluster_settings() -> None:
    (cluster,) = settings({"policy": POLICY}).clusters
    assert cluster.policy.enabled and [a.name for a in cluster.policy.assignments] == ["pod-baseline", "allowed-images"]
    assert [a.definition_id for a in cluster.policy.assignments] == [BASELINE_ID, IMAGES_ID]
    assert cluster.policy.assignments[1].enforcement == "DoNotEnforce"
    # The extension is a cluster extension: its registry and the policy hosts are needed.
    assert {"policy", "extensions"} <= cluster.network_conditions


def test_errors_name_the_full_key_once() -> None:
    bad = {"enabled": True, "assignments": [{"name": "x", "definition": IMAGES, "parameters": {"effect": 1}}]}
    assert problems({"policy": bad}) == [
        "arc-onboarding:policy.assignments[0].parameters.effect: must be a string, not a number",
        "arc-onboarding:policy.assignments[0].parameters.allowedContainerImagesRegex: is required by "
        f"`{IMAGES}` (it has no default)",
    ]


def test_a_wrong_type_is_reported_once_by_the_reader() -> None:
    """The raw reader reports `name: 5`; the policy checker skips what was reported."""
    bad = {"enabled": True, "assignments": [{"name": 5, "definition": BASELINE}]}
    assert problems({"policy": bad}) == [
        "arc-onboarding:policy.assignments[0].name: must be a string, not a number (quote it in the stack file)"
    ]


# --- the plan: resources, scopes, dependencies, order ----------------------------------------------


@pytest.mark.parametrize("verify", [True, False])
def test_extension_and_two_assignments(plan, verify: bool) -> None:
    resources = policy_plan(plan, verify=verify)
    component, extension = resources[POLICY_COMPONENT], resources[EXTENSION]
    baseline, images = resources[BASELINE_URN], resources[IMAGES_URN]

    assert component["parent"] == COMPONENT and component["custom"] is False and component["inputs"] == {}
    for resource in (extension, baseline, images):
        assert resource["parent"] == POLICY_COMPONENT and resource["custom"] is True
        assert resource["provider"] is None
    for resource in (baseline, images):
        assert resource["options"] == {**NO_OPTIONS, "deleteBeforeReplace": True}
    assert extension["options"] == {**NO_OPTIONS, **EXTENSION_OPTIONS}
    assert extension["inputs"] == EXTENSION_INPUTS
    assert baseline["inputs"] == {
        "displayName": BASELINE,
        "enforcementMode": "Default",
        "parameters": {"effect": {"value": "Deny"}},
        "policyAssignmentName": "pod-baseline",
        "policyDefinitionId": BASELINE_ID,
        "scope": CLUSTER_ID,
    }
    assert images["inputs"] == {
        "displayName": IMAGES,
        "enforcementMode": "DoNotEnforce",
        "parameters": {"allowedContainerImagesRegex": {"value": REGEX}},
        "policyAssignmentName": "allowed-images",
        "policyDefinitionId": IMAGES_ID,
        "scope": CLUSTER_ID,
    }
    # The extension after the agents' release, the verify step when on, and the registration.
    agents = [RELEASE, *([VERIFY] if verify else [])]
    assert extension["dependencies"] == sorted([GROUP, CLUSTER, *agents, REGISTER_POLICY])
    # Each assignment after the extension; its scope (the cluster's id) makes it wait for the cluster too.
    for assignment in (baseline, images):
        assert assignment["dependencies"] == sorted([CLUSTER, EXTENSION])
    assert (VERIFY in resources) is verify

    order = list(resources)
    assert order.index(RELEASE) < order.index(EXTENSION) < order.index(BASELINE_URN)
    assert order.index(EXTENSION) < order.index(IMAGES_URN)
    if verify:
        assert order.index(VERIFY) < order.index(EXTENSION)


def test_destroy_removes_assignments_then_the_extension_then_the_agents(plan) -> None:
    """Destroy deletes dependents first: each assignment, the extension, verify, the release, the cluster."""
    resources = policy_plan(plan)
    for assignment in (BASELINE_URN, IMAGES_URN):
        chain = [assignment, EXTENSION, VERIFY, RELEASE, CLEANUP, CLUSTER, GUARD, GROUP]
        for later, earlier in itertools.pairwise(chain):
            assert depends_on(resources, later, earlier), (later, earlier)
            assert not depends_on(resources, earlier, later), (earlier, later)
    # The two assignments are independent of each other.
    assert not depends_on(resources, BASELINE_URN, IMAGES_URN) and not depends_on(resources, IMAGES_URN, BASELINE_URN)


def test_protect_covers_the_extension_and_assignments(plan) -> None:
    resources = policy_plan(plan, protect=True)
    for urn in (EXTENSION, BASELINE_URN, IMAGES_URN, CLUSTER):
        assert resources[urn]["options"]["protect"] is True, urn


@pytest.mark.parametrize("policy", [None, {"enabled": False}, {"enabled": True}])
def test_turning_policy_off_removes_everything_it_created(plan, policy: Any) -> None:
    """Resources that leave the program leave the plan: the engine deletes them at the next `pulumi up`."""
    config = BASE_CONFIG if policy is None else {**BASE_CONFIG, "policy": policy}
    result = plan(config, "--json")
    assert result.code == 0, result.stderr
    resources = by_urn(result)
    enabled = bool(policy and policy["enabled"])
    assert bool(of_type(resources, *POLICY_TYPES)) is enabled
    assert (EXTENSION in resources) is enabled and BASELINE_URN not in resources
    assert (REGISTER_POLICY in resources) is enabled
    with_policy = policy_plan(plan)
    gone = set(with_policy) - set(resources)
    expected = {BASELINE_URN, IMAGES_URN} | ({POLICY_COMPONENT, EXTENSION, REGISTER_POLICY} if not enabled else set())
    assert gone == expected and set(resources) <= set(with_policy)


def test_assignment_names_keep_their_urns_when_reordered(plan) -> None:
    """Names, not positions, form the URNs: reordering the list replaces nothing."""
    forward = set(policy_plan(plan))
    backward = set(policy_plan(plan, {"enabled": True, "assignments": TWO[::-1]}))
    assert forward == backward


def test_pinned_extension_version(plan) -> None:
    resources = policy_plan(plan, {"enabled": True, "autoUpgradeMinorVersion": False, "version": "1.16.1"})
    assert resources[EXTENSION]["inputs"] == {**EXTENSION_INPUTS, "autoUpgradeMinorVersion": False, "version": "1.16.1"}


# --- the provider registration -------------------------------------------------------------------


def test_policyinsights_is_registered_once_per_stack_and_only_the_extensions_wait(plan) -> None:
    items = [{**ITEMS[0], "policy": {"enabled": True}}, {**ITEMS[1], "policy": {"enabled": True}}, ITEMS[2]]
    result = plan(fleet(items), "--json")
    assert result.code == 0, result.stderr
    resources = result.document["resources"]
    registrations = [r["name"] for r in resources if r["name"].startswith("register-")]
    assert registrations == [
        "register-microsoft.kubernetes",
        "register-microsoft.kubernetesconfiguration",
        "register-microsoft.policyinsights",
    ]
    register = f"{PROJECT}command:local:Command::register-microsoft.policyinsights"
    waiting = sorted(r["name"] for r in resources if register in r["dependencies"])
    assert waiting == ["rg-a/c1-policy-extension", "rg-a/c2-policy-extension"]
    # The connected clusters wait for the agents' registrations only.
    clusters = [
        r
        for r in resources
        if r["type"] == "azure-native:resources:Resource" and r["inputs"]["resourceType"] == "connectedClusters"
    ]
    assert len(clusters) == 3 and all(register not in r["dependencies"] for r in clusters)


def test_no_registration_without_policy_or_with_register_providers_off(plan) -> None:
    resources = policy_plan(plan, registerProviders=False)
    assert not [u for u in resources if "register-" in u]
    assert resources[EXTENSION]["dependencies"] == sorted([GROUP, CLUSTER, RELEASE, VERIFY])
    without = by_urn(plan(BASE_CONFIG, "--json"))
    assert REGISTER_POLICY not in without and REGISTER_K8S in without


# --- endpoints ------------------------------------------------------------------------------------


def required_hosts(result, cluster: str) -> list[str]:
    return [e["host"] for e in result.document["outputs"]["clusters"][cluster]["requiredEndpoints"]]


def test_policy_endpoints_join_only_the_clusters_that_enable_policy(plan) -> None:
    items = [{**ITEMS[0], "policy": {"enabled": True}}, ITEMS[1]]
    result = plan(fleet(items), "--json")
    assert result.code == 0, result.stderr
    with_policy, without = required_hosts(result, "rg-a/c1"), required_hosts(result, "rg-a/c2")
    assert with_policy[-3:] == POLICY_HOSTS and not set(POLICY_HOSTS) & set(without)
    # The extension registry comes with any extension.
    assert "linuxgeneva-microsoft.azurecr.io" in with_policy and "linuxgeneva-microsoft.azurecr.io" not in without
    # The preflight checks them for that cluster only.
    jobs = {
        r["name"]: r["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"]
        for r in result.document["resources"]
        if r["type"] == "kubernetes:batch/v1:Job"
    }
    assert all(f"{h}:443" in jobs["rg-a/c1-preflight"] for h in POLICY_HOSTS)
    assert not any(f"{h}:443" in jobs["rg-a/c2-preflight"] for h in POLICY_HOSTS)


def test_endpoints_list_names_the_policy_clusters(plan) -> None:
    items = [{**ITEMS[0], "policy": {"enabled": True}}, ITEMS[1]]
    result = plan(fleet(items), "--endpoints", "--json")
    assert result.code == 0, result.stderr
    rows = {e["host"]: e for e in result.document["endpoints"]}
    for host in POLICY_HOSTS:
        assert rows[host]["required"] is True and rows[host]["clusters"] == ["rg-a/c1"], host
        assert rows[host]["neededWhen"] == "Azure Policy extension (policy.enabled)"
    assert rows["management.azure.com"]["clusters"] == ["rg-a/c1", "rg-a/c2"]
    text = plan(fleet(items), "--endpoints").stdout
    assert "# Azure Policy hosts: Learn 'Azure Policy for Kubernetes' (S1)" in text
    # Without policy, the list is what it was: no policy host, no policy note.
    plain = plan(fleet(ITEMS[:2]), "--endpoints")
    assert "policy" not in plain.stdout.lower()


def test_endpoints_required_by_spans_the_cloud_gateway_and_policy_tables(plan) -> None:
    """Issue 10 finding 11 over issue 11/14's tables: each endpoint names the clusters whose agents
    need it, whichever table it comes from (c1: gateway mode with policy; c2: the cloud's list)."""
    items = [{**ITEMS[0], "gateway": {"resourceId": GATEWAY_ID}, "policy": {"enabled": True}}, ITEMS[1]]
    result = plan(fleet(items), "--endpoints", "--json")
    assert result.code == 0, result.stderr
    rows = {e["host"]: e for e in result.document["endpoints"]}
    assert rows["*.gw.arc.azure.com"]["requiredBy"] == rows["*.gw.arc.azure.com"]["clusters"] == ["rg-a/c1"]
    assert rows["*.servicebus.windows.net"]["requiredBy"] == ["rg-a/c2"]
    for host in POLICY_HOSTS:
        assert rows[host]["requiredBy"] == ["rg-a/c1"], host
    assert all(e["required"] is bool(e["requiredBy"]) for e in rows.values())


BYPASS_POLICY = {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc", ".svc.cluster.local", "10.0.0.0/16",
                 "kubernetes.default.svc", ".policy.core.windows.net"]}  # fmt: skip


def test_policy_hosts_must_go_through_the_proxy(plan) -> None:
    """The Arc gateway does not cover them (S5): a noProxy entry that bypasses them is a warning, as for
    the agents' hosts (gateway mode: the next test)."""
    proxy = BYPASS_POLICY
    result = plan({**BASE_CONFIG, "proxy": proxy, "policy": {"enabled": True}}, "--json")
    assert result.code == 0, result.stderr
    bypass = [w for w in result.document["warnings"] if "policy.core.windows.net" in w]
    assert len(bypass) == 1 and "data.policy.core.windows.net" in bypass[0], result.document["warnings"]
    quiet = plan({**BASE_CONFIG, "proxy": proxy}, "--json")
    assert not [w for w in quiet.document["warnings"] if "policy.core.windows.net" in w]


def test_gateway_mode_keeps_the_policy_hosts_required_through_the_proxy(plan) -> None:
    """Issue 14: in gateway mode the policy hosts stay required through the proxy (the gateway does not
    cover them, S5): the cluster's list is the gateway's plus theirs, everywhere the list is used."""
    config = {**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}, "policy": {"enabled": True}}
    gateway_only = {**BASE_CONFIG, "gateway": {"resourceId": GATEWAY_ID}}
    result = plan({**config, "proxy": BYPASS_POLICY}, "--json")
    assert result.code == 0, result.stderr
    hosts = required_hosts(result, "arc-test-rg/arc-test")
    assert hosts == [*required_hosts(plan(gateway_only, "--json"), "arc-test-rg/arc-test"), *POLICY_HOSTS]
    assert hosts[0] == "*.gw.arc.azure.com" and "*.servicebus.windows.net" not in hosts
    # A noProxy entry that sends them around the proxy warns, as without the gateway.
    bypass = [w for w in result.document["warnings"] if "policy.core.windows.net" in w]
    assert len(bypass) == 1 and "data.policy.core.windows.net" in bypass[0], result.document["warnings"]
    # The preflight checks them, and `--endpoints` lists exactly the gateway's and the policy hosts.
    job = result.resource("kubernetes:batch/v1:Job")
    assert all(f"{h}:443" in job["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"] for h in POLICY_HOSTS)
    rows = plan(config, "--endpoints", "--json").document["endpoints"]
    assert sorted(r["host"] for r in rows) == sorted(hosts) and all(r["required"] for r in rows)


def test_china_adds_the_policy_hosts_to_the_agents(plan) -> None:
    config = {
        **BASE_CONFIG,
        "location": "chinaeast2",
        "cloud": "AzureChinaCloud",
        "azure-native:environment": "china",
        "policy": {"enabled": True},
    }
    result = plan(config, "--json")
    assert result.code == 0, result.stderr
    hosts = required_hosts(result, "arc-test-rg/arc-test")
    assert hosts[0] == "management.chinacloudapi.cn" and hosts[-2:] == ["data.policy.azure.cn", "store.policy.azure.cn"]
    # No Arc page confirms the extension there (S6): still a warning.
    assert [w for w in result.document["warnings"] if "policy.enabled" in w]
    # The agents' list is documented there now (Learn azure-china), so the preflight runs, policy hosts included.
    job = result.resource("kubernetes:batch/v1:Job")
    assert "data.policy.azure.cn:443" in job["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"]


# --- fleets ---------------------------------------------------------------------------------------


def assignments_by_cluster(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in result.document["resources"]:
        if r["type"] == "azure-native:authorization:PolicyAssignment":
            cluster = r["name"].split("-policy-", 1)[0]
            out.setdefault(cluster, []).append(r["inputs"]["policyAssignmentName"])
    return out


def test_fleet_items_merge_policy_key_by_key_and_replace_assignments_whole(plan) -> None:
    items = [
        ITEMS[0],
        {**ITEMS[1], "policy": {"assignments": [TWO[1]]}},
        {**ITEMS[2], "policy": {"autoUpgradeMinorVersion": False, "version": "1.16.1"}},
    ]
    result = plan(fleet(items, policy={"enabled": True, "assignments": [TWO[0]]}), "--json")
    assert result.code == 0, result.stderr
    assert assignments_by_cluster(result) == {
        "rg-a/c1": ["pod-baseline"],  # inherited
        "rg-a/c2": ["allowed-images"],  # its own list replaces the default's; `enabled` still inherited
        "rg-b/c3": ["pod-baseline"],  # its own fields merged over the default's
    }
    extensions = {
        r["name"]: r["inputs"].get("version")
        for r in result.document["resources"]
        if r["type"] == "azure-native:kubernetesconfiguration:Extension"
    }
    assert extensions == {"rg-a/c1-policy-extension": None, "rg-a/c2-policy-extension": None,
                          "rg-b/c3-policy-extension": "1.16.1"}  # fmt: skip


def test_a_fleet_item_can_turn_policy_off(plan) -> None:
    items = [ITEMS[0], {**ITEMS[1], "policy": {"enabled": False}}]
    result = plan(fleet(items, policy={"enabled": True}), "--json")
    assert result.code == 0, result.stderr
    names = {r["name"] for r in result.document["resources"] if r["type"] in POLICY_TYPES}
    assert names == {"rg-a/c1-policy", "rg-a/c1-policy-extension"}


def test_a_fleet_item_turning_policy_off_keeps_no_inherited_assignment(plan) -> None:
    items = [ITEMS[0], {**ITEMS[1], "policy": {"enabled": False}}]
    result = plan(fleet(items, policy=POLICY), "--json")
    assert result.code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "arc-onboarding:clusters[1] (c2).policy.assignments: needs policy.enabled: true: the Azure Policy "
        "extension is what enforces assignments in the cluster"
    ]


def test_the_cloud_warning_of_a_fleet_default_is_said_once(plan) -> None:
    config = {
        **FLEET_DEFAULTS,
        "location": "usgovvirginia",
        "cloud": "AzureUSGovernment",
        "azure-native:environment": "usgovernment",
        "policy": {"enabled": True},
        "clusters": [ITEMS[0], {**ITEMS[1], "policy": {"enabled": True}}],
    }
    result = plan(config, "--json")
    assert result.code == 0, result.stderr
    assert [w.split(": the Azure")[0] for w in result.document["warnings"] if "not confirmed in" in w] == [
        "arc-onboarding:policy.enabled",
        "arc-onboarding:clusters[1].policy.enabled",
    ]


# --- secrets --------------------------------------------------------------------------------------


def test_secret_policy_keeps_its_values_secret_but_says_names_are_not(plan) -> None:
    raw = (
        BASE_STACK_YAML + "  arc-onboarding:policy:\n"
        "    enabled: true\n"
        "    assignments:\n"
        "      - name: allowed-images\n"
        f"        definition: {IMAGES}\n"
        "        parameters:\n"
        "          allowedContainerImagesRegex:\n"
        "            secure: AAABAKxyz==\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    assert result.document["warnings"] == [
        "arc-onboarding:policy: is secret, but assignment names become part of resource names (URNs), which "
        "Pulumi cannot encrypt: they are stored and shown in plain text; every other policy value stays secret",
        "arc-onboarding:policy.assignments[0].parameters.allowedContainerImagesRegex: secure value not decrypted "
        "offline, so not validated",
    ]
    resources = by_urn(result)
    assert resources[IMAGES_URN]["inputs"] == {
        "displayName": "[secret]",
        "enforcementMode": "[secret]",
        "parameters": "[secret]",
        "policyAssignmentName": "allowed-images",
        "policyDefinitionId": "[secret]",
        "scope": CLUSTER_ID,
    }
    assert resources[EXTENSION]["inputs"] == {**EXTENSION_INPUTS, "autoUpgradeMinorVersion": "[secret]"}
