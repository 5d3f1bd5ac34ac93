"""GitOps: the `gitops` object's rules, and the Flux extension and configuration the engine receives."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest

from components.settings import GitOpsSettings
from tests.conftest import BASE_CONFIG, BASE_STACK_YAML
from tests.test_extensions import EXTENSION_OPTIONS
from tests.test_fleet import FLEET_DEFAULTS, ITEMS, fleet
from tests.test_plan import CHILD, CLUSTER, COMPONENT, GROUP, NO_OPTIONS, PROJECT, RELEASE, by_urn
from tests.test_settings import problems, settings

PASSWORD = "Fl#x-t0ken-93b1"
IN_URL = quote(PASSWORD, safe="")
REPO = "https://git.corp.example/platform/fleet-config.git"
GITOPS = f"{CHILD}arc-onboarding:index:ArcGitOps::arc-test-rg/arc-test-gitops"
GITOPS_CHILD = f"{PROJECT}arc-onboarding:index:ArcConnectedCluster$arc-onboarding:index:ArcGitOps$"
VERIFY = f"{PROJECT}arc-onboarding:index:ArcConnectedCluster$command:local:Command::arc-test-rg/arc-test-verify"
EXTENSION = f"{GITOPS_CHILD}azure-native:kubernetesconfiguration:Extension::arc-test-rg/arc-test-gitops-flux"
CONFIGURATION = (
    f"{GITOPS_CHILD}azure-native:kubernetesconfiguration:FluxConfiguration::arc-test-rg/arc-test-gitops-config"
)
FLUX_TYPES = {
    "arc-onboarding:index:ArcGitOps",
    "azure-native:kubernetesconfiguration:Extension",
    "azure-native:kubernetesconfiguration:FluxConfiguration",
}
EXTENSION_INPUTS = {
    "autoUpgradeMinorVersion": True,
    "clusterName": "arc-test",
    "clusterResourceName": "connectedClusters",
    "clusterRp": "Microsoft.Kubernetes",
    "extensionName": "flux",
    "extensionType": "microsoft.flux",
    "identity": {"type": "SystemAssigned"},
    "releaseTrain": "Stable",
    "resourceGroupName": "arc-test-rg",
    "scope": {"cluster": {"releaseNamespace": "flux-system"}},
}


def configuration_inputs(
    url: Any = REPO, branch: Any = "main", path: Any = "./", interval: Any = 600, user: Any = None, key: bool = False
) -> dict[str, Any]:
    """The FluxConfiguration's inputs; timeouts, force, wait and suspend are the SDK's defaults."""
    repository = {
        "repositoryRef": {"branch": branch},
        "syncIntervalInSeconds": interval,
        "timeoutInSeconds": 600,
        "url": url,
    }
    return {
        "clusterName": "arc-test",
        "clusterResourceName": "connectedClusters",
        "clusterRp": "Microsoft.Kubernetes",
        **({"configurationProtectedSettings": {"httpsKey": "[secret]"}} if key else {}),
        "fluxConfigurationName": "cluster-config",
        "gitRepository": {**repository, **({"httpsUser": user} if user is not None else {})},
        "kustomizations": {
            "kustomization-1": {
                "force": False,
                "path": path,
                "prune": True,
                "syncIntervalInSeconds": interval,
                "timeoutInSeconds": 600,
                "wait": True,
            },
        },
        "namespace": "cluster-config",
        "resourceGroupName": "arc-test-rg",
        "scope": "cluster",
        "sourceKind": "GitRepository",
        "suspend": False,
    }


def never_shown(text: str) -> None:
    for needle in (PASSWORD, IN_URL, base64.b64encode(PASSWORD.encode()).decode()):
        assert needle not in text


# --- settings -------------------------------------------------------------------------------------


def test_unset_gitops_is_none() -> None:
    assert settings().clusters[0].gitops is None


def test_defaults_fill_in_once_a_field_is_set() -> None:
    assert settings({"gitops": {"url": REPO}}).clusters[0].gitops == GitOpsSettings(
        url=REPO, branch="main", path="./", sync_interval_seconds=600
    )


def test_all_fields_and_the_password_kept_out_of_repr() -> None:
    gitops = {"url": REPO, "branch": "release/1.2", "path": "clusters/edge", "syncIntervalSeconds": "120",
              "httpsUser": "fluxbot", "httpsPassword": PASSWORD}  # fmt: skip
    parsed = settings({"gitops": gitops}, secret=["gitops"]).clusters[0].gitops
    assert parsed == GitOpsSettings(REPO, "release/1.2", "clusters/edge", 120, "fluxbot", PASSWORD)
    never_shown(repr(parsed))


@pytest.mark.parametrize("url", ["ssh://git@github.com/org/repo.git", "https://github.com:8443/org/repo"])
def test_ssh_and_https_urls(url: str) -> None:
    s = settings({"gitops": {"url": url}})
    assert s.clusters[0].gitops is not None
    assert s.clusters[0].gitops.url == url and s.warnings == ()


def test_http_url_is_accepted_with_a_warning() -> None:
    s = settings({"gitops": {"url": "http://gitea.gitea.svc/platform/config"}})
    assert s.clusters[0].gitops is not None
    assert s.clusters[0].gitops.url == "http://gitea.gitea.svc/platform/config"
    assert s.warnings == (
        "arc-onboarding:gitops.url: http:// is unencrypted: the cluster applies whatever the network returns; "
        "prefer https://",
    )


GITOPS_ERRORS = [
    ({"branch": "dev"}, "gitops.url",
     "is required with gitops: `pulumi config set --path 'arc-onboarding:gitops.url' URL`"),
    ({"url": "ftp://git.corp/x"}, "gitops.url", "must start with https:// or ssh://"),
    ({"url": "git@github.com:org/repo.git"}, "gitops.url",
     "scp-style addresses are not accepted by Flux; write ssh://git@host/path"),
    ({"url": f"https://bot:{IN_URL}@github.com/org/repo"}, "gitops.url",
     "must not carry credentials; set gitops.httpsUser and gitops.httpsPassword (--secret)"),
    ({"url": f"ssh://git:{IN_URL}@github.com/org/repo"}, "gitops.url",
     "must not carry credentials; set gitops.httpsUser and gitops.httpsPassword (--secret)"),
    ({"url": "https:///org/repo"}, "gitops.url", "has no host: expected https://host/path"),
    ({"url": "https://github.com:99999/org"}, "gitops.url", "has an invalid port (1-65535)"),
    ({"url": "https://github.com/org/my repo"}, "gitops.url", "must not contain spaces or line breaks"),
    ({"url": REPO, "branch": "a..b"}, "gitops.branch", "is not a valid Git branch name"),
    ({"url": REPO, "branch": "-x"}, "gitops.branch", "is not a valid Git branch name"),
    ({"url": REPO, "branch": ""}, "gitops.branch", "is not a valid Git branch name"),
    ({"url": REPO, "path": " "}, "gitops.path", "must not be empty (`./` is the repository root)"),
    ({"url": REPO, "path": "./apps/../../other"}, "gitops.path", "must stay inside the repository (no `..`)"),
    ({"url": REPO, "syncIntervalSeconds": 0}, "gitops.syncIntervalSeconds", "must be a positive number of seconds"),
    ({"url": REPO, "syncIntervalSeconds": "often"}, "gitops.syncIntervalSeconds", "must be a whole number"),
    ({"url": REPO, "httpsPassword": PASSWORD}, "gitops.httpsPassword", "needs gitops.httpsUser"),
    ({"url": REPO, "httpsUser": "bot"}, "gitops.httpsUser", "needs gitops.httpsPassword (set it with --secret)"),
    ({"url": REPO, "httpsUser": " ", "httpsPassword": PASSWORD}, "gitops.httpsUser", "must not be empty"),
    ({"url": REPO, "httpsUser": "bot", "httpsPassword": ""}, "gitops.httpsPassword", "must not be empty"),
    ({"url": "ssh://git@github.com/org/repo", "httpsUser": "bot", "httpsPassword": PASSWORD},
     "gitops.httpsPassword", "is only sent to an https:// url, not ssh://"),
    ({"url": "http://gitea.local/org/repo", "httpsUser": "bot", "httpsPassword": PASSWORD},
     "gitops.httpsPassword", "is only sent to an https:// url, not http://"),
    ({"url": REPO, "token": PASSWORD}, "gitops.token", "unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(("gitops", "key", "message"), GITOPS_ERRORS)
def test_gitops_errors_name_the_key_and_never_the_secret(gitops: dict[str, Any], key: str, message: str) -> None:
    found = problems({"gitops": gitops}, secret=["gitops"])
    assert f"arc-onboarding:{key}: {message}" in found
    assert all(p.startswith("arc-onboarding:gitops.") for p in found)
    never_shown("\n".join(found))


def test_every_gitops_problem_at_once() -> None:
    found = problems({"gitops": {"url": "ftp://x", "branch": "a b", "syncIntervalSeconds": -5, "httpsPassword": "p"}})
    assert [p.split(": ")[0] for p in found] == [
        "arc-onboarding:gitops.url", "arc-onboarding:gitops.branch", "arc-onboarding:gitops.syncIntervalSeconds",
        "arc-onboarding:gitops.httpsPassword",
    ]  # fmt: skip


def test_plaintext_password_is_a_warning_not_an_error() -> None:
    gitops = {"url": REPO, "httpsUser": "bot", "httpsPassword": PASSWORD}
    plain = settings({"gitops": gitops})
    assert plain.clusters[0].gitops is not None
    assert plain.clusters[0].gitops.https_password == PASSWORD
    assert plain.warnings == (
        "arc-onboarding:gitops.httpsPassword: is stored in plaintext; it is kept secret in Pulumi, but set it "
        "with `pulumi config set --secret --path 'arc-onboarding:gitops.httpsPassword' VALUE`",
    )
    assert settings({"gitops": gitops}, secret=["gitops"]).warnings == ()


# --- the plan -------------------------------------------------------------------------------------


def gitops_plan(plan, gitops: dict[str, Any], **extra: Any):
    result = plan({**BASE_CONFIG, **extra, "gitops": gitops}, "--json")
    assert result.code == 0, result.stderr
    return result


def test_extension_and_configuration(plan) -> None:
    result = gitops_plan(plan, {"url": REPO, "httpsUser": "fluxbot", "httpsPassword": PASSWORD})
    resources = by_urn(result)
    component, extension, configuration = resources[GITOPS], resources[EXTENSION], resources[CONFIGURATION]

    assert component["parent"] == COMPONENT and component["custom"] is False
    assert component["inputs"] == {} and component["dependencies"] == [] and component["options"] == NO_OPTIONS
    for resource in (extension, configuration):
        assert resource["parent"] == GITOPS and resource["custom"] is True and resource["provider"] is None
    assert configuration["options"] == {**NO_OPTIONS, "deleteBeforeReplace": True}
    # Every extension of the program: replaced when ARM cannot update what changed (issue 21).
    assert extension["options"] == {**NO_OPTIONS, **EXTENSION_OPTIONS}

    assert extension["name"] == "arc-test-rg/arc-test-gitops-flux"
    assert extension["inputs"] == EXTENSION_INPUTS
    # After the agents' release and the verify step (connected); group and cluster by name.
    assert extension["dependencies"] == sorted([GROUP, CLUSTER, RELEASE, VERIFY])

    assert configuration["name"] == "arc-test-rg/arc-test-gitops-config"
    assert configuration["inputs"] == configuration_inputs(user="fluxbot", key=True)
    assert configuration["dependencies"] == sorted([GROUP, CLUSTER, EXTENSION])

    order = [r["urn"] for r in result.document["resources"]]
    assert order.index(RELEASE) < order.index(VERIFY) < order.index(EXTENSION) < order.index(CONFIGURATION)
    # Flux is a cluster extension: its registry joins the required endpoints; nothing else changes.
    with_flux = result.document["outputs"]["clusters"]["arc-test-rg/arc-test"]
    without = plan(BASE_CONFIG, "--json").document["outputs"]["clusters"]["arc-test-rg/arc-test"]
    before = without.pop("requiredEndpoints")
    added = [e["host"] for e in with_flux.pop("requiredEndpoints") if e not in before]
    assert added == ["linuxgeneva-microsoft.azurecr.io"] and with_flux == without


def test_plaintext_password_is_secret_everywhere_and_never_printed(plan) -> None:
    config = {**BASE_CONFIG, "gitops": {"url": REPO, "httpsUser": "fluxbot", "httpsPassword": PASSWORD}}
    results = [plan(config, *args) for args in (("--json",), (), ("--diff",))]  # inputs show in the text with --diff
    for result in results:
        assert result.code == 0
        never_shown(result.stdout + result.stderr)
        assert "warning: arc-onboarding:gitops.httpsPassword: is stored in plaintext" in result.stderr
    assert results[-1].stdout.count("httpsKey: [secret]") == 1


def test_without_gitops_there_is_no_flux(plan) -> None:
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0
    assert not FLUX_TYPES & {r["type"] for r in result.document["resources"]}


def test_options_and_ssh_url_flow_as_given(plan) -> None:
    url = "ssh://git@github.com/org/fleet.git"
    result = gitops_plan(plan, {"url": url, "branch": "edge", "path": "clusters/edge", "syncIntervalSeconds": 120})
    assert by_urn(result)[CONFIGURATION]["inputs"] == configuration_inputs(url, "edge", "clusters/edge", 120)


def test_gitops_set_as_secret_keeps_every_value_secret(plan) -> None:
    raw = (
        BASE_STACK_YAML + "  arc-onboarding:gitops:\n"
        f"    url: {REPO}\n"
        "    httpsUser: fluxbot\n"
        "    httpsPassword:\n"
        "      secure: AAABAKxyz==\n"
    )
    result = plan(None, "--json", raw=raw)
    assert result.code == 0, result.stderr
    assert result.document["warnings"] == [
        "arc-onboarding:gitops.httpsPassword: secure value not decrypted offline, so not validated"
    ]
    secret = "[secret]"
    assert by_urn(result)[CONFIGURATION]["inputs"] == configuration_inputs(
        secret, secret, secret, secret, secret, key=True
    )
    assert by_urn(result)[EXTENSION]["inputs"] == EXTENSION_INPUTS


def test_the_cluster_proxy_is_not_passed_to_flux(plan) -> None:
    """microsoft.flux documents no proxy setting: Flux relies on the agents' proxy (README)."""
    proxy = {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}
    result = gitops_plan(plan, {"url": REPO}, proxy=proxy)
    assert by_urn(result)[EXTENSION]["inputs"] == EXTENSION_INPUTS
    assert by_urn(result)[CONFIGURATION]["inputs"] == configuration_inputs()


# --- fleets ---------------------------------------------------------------------------------------


def test_fleet_items_inherit_and_override_gitops(plan) -> None:
    items = [ITEMS[0], {**ITEMS[1], "gitops": {"branch": "canary"}}]
    result = plan(fleet(items, gitops={"url": REPO}), "--json")
    assert result.code == 0, result.stderr
    configurations = {
        r["name"]: r["inputs"]["gitRepository"] for r in result.document["resources"]
        if r["type"] == "azure-native:kubernetesconfiguration:FluxConfiguration"
    }  # fmt: skip
    assert {name: (repo["url"], repo["repositoryRef"]["branch"]) for name, repo in configurations.items()} == {
        "rg-a/c1-gitops-config": (REPO, "main"),
        "rg-a/c2-gitops-config": (REPO, "canary"),
    }
    # Each cluster's extension waits for its own agents (dependencies by name, in URN order).
    extensions = {
        r["name"]: [u.rsplit("::", 1)[1] for u in r["dependencies"]] for r in result.document["resources"]
        if r["type"] == "azure-native:kubernetesconfiguration:Extension"
    }  # fmt: skip
    assert extensions == {
        "rg-a/c1-gitops-flux": ["rg-a/c1-cluster", "rg-a/c1-verify", "rg-a/c1-agents", "rg-a"],
        "rg-a/c2-gitops-flux": ["rg-a/c2-cluster", "rg-a/c2-verify", "rg-a/c2-agents", "rg-a"],
    }


def test_fleet_gitops_errors_and_warnings_name_the_item(plan) -> None:
    items = [
        {**ITEMS[0], "gitops": {"branch": "dev"}},
        {**ITEMS[1], "gitops": {"url": REPO, "httpsPassword": PASSWORD}},
        {**ITEMS[2], "gitops": {"url": "http://gitea.local/x", "syncIntervalSeconds": 0}},
    ]
    result = plan({**FLEET_DEFAULTS, "clusters": items}, "--json")
    assert result.code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "arc-onboarding:clusters[0].gitops.url: is required with gitops: "
        "`pulumi config set --path 'arc-onboarding:clusters[0].gitops.url' URL`",
        "arc-onboarding:clusters[1].gitops.httpsPassword: needs gitops.httpsUser",
        "arc-onboarding:clusters[2].gitops.syncIntervalSeconds: must be a positive number of seconds",
    ]
    never_shown(result.stderr)


def test_fleet_plaintext_password_warning_shows_the_item_command(plan) -> None:
    items = [ITEMS[0], {**ITEMS[1], "gitops": {"url": REPO, "httpsUser": "bot", "httpsPassword": PASSWORD}}]
    result = plan(fleet(items), "--json")
    assert result.code == 0, result.stderr
    # (The fleet's proxy defaults also draw noProxy warnings; only the gitops ones matter here.)
    assert [w for w in result.document["warnings"] if "gitops" in w] == [
        "arc-onboarding:clusters[1].gitops.httpsPassword: is stored in plaintext; it is kept secret in Pulumi, but "
        "set it with `pulumi config set --secret --path 'arc-onboarding:clusters[1].gitops.httpsPassword' VALUE`"
    ]
    never_shown(result.stdout + result.stderr)
