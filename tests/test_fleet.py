"""Fleets: many clusters per stack, merged defaults, errors naming items, URNs that never move."""

from __future__ import annotations

import collections
from typing import Any

import pytest

from tests.conftest import BASE_CONFIG, ROOT, PlanResult

FLEET_DEFAULTS: dict[str, Any] = {
    "location": "westeurope",
    "resourceGroup": "rg-a",
    "tags": {"fleet": "eu"},
    "agents": {"chartVersion": "1.35.3"},
    "proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc"]},
}
ITEMS: list[dict[str, Any]] = [
    {"clusterName": "c1", "kubeContext": "kind-arc-dev"},
    {"clusterName": "c2", "kubeContext": "kind-other", "agents": {"autoUpgrade": True}},
    {
        "clusterName": "c3",
        "kubeconfig": "tests/fixtures/kubeconfig-edge",
        "resourceGroup": "rg-b",
        "location": "northeurope",
        "proxy": {"noProxy": ["10.0.0.0/8"]},
    },
]


def fleet(items: list[Any] = ITEMS, **defaults: Any) -> dict[str, Any]:
    return {**FLEET_DEFAULTS, **defaults, "clusters": items}


def urns(result) -> set[str]:
    assert result.code == 0, result.stderr
    return {r["urn"] for r in result.document["resources"]}


def per_cluster(result, name: str) -> set[str]:
    return {u for u in urns(result) if f"::{name}" in u}


def depth(resources: list[dict[str, Any]], urn: str) -> int:
    """Longest chain of dependencies (and parents) below a resource."""
    by_urn = {r["urn"]: r for r in resources}
    resource = by_urn[urn]
    before = [u for u in [*resource["dependencies"], resource["parent"]] if u in by_urn]
    return 1 + max((depth(resources, u) for u in before), default=0)


def test_fleet_example_stack(plan) -> None:
    result = plan(None, "--config-file", str(ROOT / "Pulumi.fleet-example.yaml"), "--json")
    assert result.code == 0, result.stderr
    resources = result.document["resources"]
    counts = collections.Counter(r["type"] for r in resources)
    assert counts == {
        # 2 registrations, a delete guard per created group, a cleanup, a verify, an uninstall guard and
        # a helm-settings step per cluster.
        "command:local:Command": 2 + 2 + 3 + 3 + 3 + 3,
        "azure-native:resources:ResourceGroup": 2,
        "arc-onboarding:index:ArcConnectedCluster": 3,
        "tls:index/privateKey:PrivateKey": 3,
        "azure-native:resources:Resource": 3,
        "pulumi:providers:kubernetes": 3,
        "kubernetes:helm.sh/v3:Release": 3,
        # Per cluster the preflight's and, for the default chart 1.36.1, the agents' key's.
        "kubernetes:core/v1:Namespace": 3 + 3,
        "kubernetes:core/v1:Secret": 3 + 3,
        "kubernetes:batch/v1:Job": 3,
    }
    releases = [r["urn"] for r in resources if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert len({depth(resources, u) for u in releases}) == 1, "every cluster's chain has the same length"
    groups = {r["name"]: r["inputs"] for r in resources if r["type"] == "azure-native:resources:ResourceGroup"}
    # Created groups are in the top-level location, unless resourceGroupLocations names them (finding 17).
    assert {n: g["location"] for n, g in groups.items()} == {
        "arc-fleet-stores-rg": "westeurope",
        "arc-fleet-plants-rg": "northeurope",
    }
    assert groups["arc-fleet-plants-rg"]["tags"] == {"fleet": "edge-eu", "owner": "platform-team"}


def test_items_merge_defaults(plan) -> None:
    result = plan(fleet(), "--json")
    assert result.code == 0, result.stderr
    releases = {r["name"]: r for r in result.document["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"}
    c1, c2, c3 = (releases[f"{g}/{c}-agents"] for g, c in (("rg-a", "c1"), ("rg-a", "c2"), ("rg-b", "c3")))
    assert c1["inputs"]["version"] == c2["inputs"]["version"] == c3["inputs"]["version"] == "1.35.3"
    # Objects merge key by key: c2 keeps the default chartVersion and adds autoUpgrade.
    assert c2["inputs"]["values"]["systemDefaultValues"]["azureArcAgents"]["autoUpdate"] == "true"
    assert c1["inputs"]["values"]["systemDefaultValues"]["azureArcAgents"]["autoUpdate"] == "false"
    # Arrays are replaced, not concatenated; the proxy URL still comes from the defaults.
    assert c3["inputs"]["values"]["global"]["noProxy"] == "10.0.0.0/8"
    assert c3["inputs"]["values"]["global"]["httpsProxy"] == "http://proxy.corp:3128"
    assert c1["inputs"]["values"]["global"]["noProxy"] == ".svc"
    clusters = {
        r["name"]: r["inputs"] for r in result.document["resources"] if r["type"] == "azure-native:resources:Resource"
    }
    assert clusters["rg-b/c3-cluster"]["location"] == "northeurope"
    assert clusters["rg-a/c1-cluster"]["location"] == "westeurope"


def test_one_registration_set_and_one_group_per_name(plan) -> None:
    items = [
        *ITEMS,
        {
            "clusterName": "c4",
            "resourceGroup": "RG-A",
            "kubeContext": "edge-2",
            "kubeconfig": "tests/fixtures/kubeconfig-edge",
        },
    ]
    result = plan(fleet(items), "--json")
    assert result.code == 0, result.stderr
    types = collections.Counter(r["type"] for r in result.document["resources"])
    commands = sorted(r["name"] for r in result.document["resources"] if r["type"] == "command:local:Command")
    assert [c for c in commands if c.startswith("register-")] == [
        "register-microsoft.kubernetes",
        "register-microsoft.kubernetesconfiguration",
    ]
    assert [c for c in commands if c.endswith("-delete-guard")] == ["rg-a-delete-guard", "rg-b-delete-guard"]
    assert types["azure-native:resources:ResourceGroup"] == 2


def test_reordering_changes_no_urn(plan) -> None:
    assert urns(plan(fleet(ITEMS), "--json")) == urns(plan(fleet(list(reversed(ITEMS))), "--json"))


def test_removing_an_item_changes_no_other_urn(plan) -> None:
    full = urns(plan(fleet(ITEMS), "--json"))
    without_c2 = urns(plan(fleet([ITEMS[0], ITEMS[2]]), "--json"))
    assert without_c2 == {u for u in full if "rg-a/c2" not in u}


def test_single_cluster_moved_into_a_one_item_list_keeps_every_urn(plan) -> None:
    single = {**BASE_CONFIG, "tags": {"t": "1"}}
    item = {k: v for k, v in single.items() if k not in ("location",)}
    moved = {"location": single["location"], "clusters": [item]}
    before, after = plan(single, "--json"), plan(moved, "--json")
    assert urns(before) == urns(after)


def problems(plan, config: dict[str, Any]) -> list[str]:
    result: PlanResult = plan(config, "--json")
    assert result.code == 2 and result.stdout == "", result.stderr
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {**fleet(), "clusterName": "x"},
            "arc-onboarding:clusters: set either clusters (a fleet) or clusterName (one cluster), not both",
        ),
        ({k: v for k, v in fleet().items() if k != "location"}, "arc-onboarding:location: is required in a fleet"),
        (fleet([]), "arc-onboarding:clusters: must list at least one cluster"),
        (
            fleet(
                [
                    *ITEMS,
                    {"clusterName": "C1", "kubeContext": "kind-arc-dev", "kubeconfig": "tests/fixtures/kubeconfig"},
                ]
            ),
            "arc-onboarding:clusters[3].clusterName: 'C1' is already in group 'rg-a' (clusters[0])",
        ),
        (
            fleet([*ITEMS, {"clusterName": "c9", "kubeContext": "kind-arc-dev"}]),
            "arc-onboarding:clusters[3].kubeContext: same kubeconfig file and context as clusters[0]",
        ),
        (
            fleet(
                [
                    *ITEMS,
                    {
                        "clusterName": "c9",
                        "resourceGroup": "rg-b",
                        "createResourceGroup": False,
                        "kubeContext": "kind-other",
                        "kubeconfig": "tests/fixtures/kubeconfig",
                    },
                ]
            ),
            "arc-onboarding:clusters[3].createResourceGroup: group 'rg-b' is created by one item and adopted by another",
        ),
        (
            fleet([ITEMS[0], {**ITEMS[1], "clustername": "x"}]),
            "arc-onboarding:clusters[1].clustername: unknown key (did you mean `clusterName`?)",
        ),
        (
            fleet([ITEMS[0], {**ITEMS[1], "cloud": "AzureCloud"}]),
            "arc-onboarding:clusters[1].cloud: unknown key (a stack-wide key: set it at the top level)",
        ),
        (fleet([ITEMS[0], {"kubeContext": "kind-other"}]), "arc-onboarding:clusters[1].clusterName: is required"),
        (
            fleet([ITEMS[0], {**ITEMS[1], "clusterName": "bad name"}]),
            "arc-onboarding:clusters[1].clusterName: must be 1-63",
        ),
        (
            fleet([ITEMS[0], {**ITEMS[1], "proxy": {"noProxy": ["10.0.0.0/33"]}}]),
            "arc-onboarding:clusters[1].proxy.noProxy[0]: '10.0.0.0/33' is not a valid CIDR",
        ),
        (fleet([ITEMS[0], "not-an-object"]), "arc-onboarding:clusters[1]: must be a mapping, not a string"),
    ],
)
def test_fleet_errors_name_the_item(plan, config: dict[str, Any], expected: str) -> None:
    assert any(line.startswith(expected) for line in problems(plan, config))


def test_a_bad_default_is_reported_once_at_its_own_key(plan) -> None:
    found = problems(plan, fleet(proxy={"httpsProxy": "ftp://proxy:21"}))
    assert [p for p in found if "httpsProxy" in p] == [
        "arc-onboarding:proxy.httpsProxy: must start with http:// or https://"
    ]


def test_secret_default_object_stays_secret_when_an_item_overrides_part_of_it(plan) -> None:
    raw = (
        "config:\n"
        "  arc-onboarding:location: westeurope\n"
        "  arc-onboarding:resourceGroup: rg-a\n"
        "  arc-onboarding:proxy:\n"
        "    httpsProxy: {secure: AAABAKxyz==}\n"
        "    noProxy: [.svc]\n"
        "  arc-onboarding:clusters:\n"
        "    - {clusterName: c1, kubeContext: kind-arc-dev}\n"
        "    - {clusterName: c2, kubeContext: kind-other, proxy: {noProxy: [10.0.0.0/8]}}\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    for name in ("rg-a/c1-agents", "rg-a/c2-agents"):
        values = result.resource("kubernetes:helm.sh/v3:Release", name)["inputs"]["values"]["global"]
        assert values["httpsProxy"] == "[secret]" and values["noProxy"] == "[secret]"
