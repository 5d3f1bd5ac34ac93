"""Issue 19 §2 on the real engine: the agents' Helm values come from the (fake) Arc data plane
(healthCheck, then GetHelmSettings with the cluster as PUT and placeholders for the proxy's values),
a second `up` changes nothing, an unreachable data plane keeps the explicit set with a warning, and
a stack of the program before this change is upgraded without replacing anything.

The data plane's answer is the fake's (standins/fake_az.py): which keys it holds is an assumption."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import (
    PROXY_PASSWORD,
    Engine,
    dev_config,
    json_object,
    release_in_cluster,
    set_proxy_as_users_do,
    upgraded_engine,
)

# main before issue 19 §2: the release's values were the explicit set, no helm-settings step.
BEFORE_DATA_PLANE_COMMIT = "6a259678c2f3af359c0e413cecd41c4da5a259c4"
HELM_SETTINGS = "arc-dev-rg/arc-dev-helm-settings"
OIDC = {"arc-onboarding:oidcIssuer": {"enabled": True}, "arc-onboarding:workloadIdentity": {"enabled": True}}


def data_plane_posts(engine: Engine, start: int = 0) -> list[list[str]]:
    return [
        c["argv"]
        for c in engine.calls("az")[start:]
        if c.get("argv", [])[:3] == ["rest", "--method", "post"]
        and ".dp.kubernetesconfiguration." in " ".join(c["argv"])
    ]


def request_of(post: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(post[post.index("--body") + 1])
    return body


def test_the_values_come_from_the_data_plane_and_a_second_up_changes_nothing(engine: Engine) -> None:
    engine.init({**dev_config(), **OIDC})
    set_proxy_as_users_do(engine)
    engine.up()
    health, settings = data_plane_posts(engine)
    assert "/azure-arc-k8sagents/healthCheck?api-version=2024-07-01-preview" in " ".join(health)
    assert "/azure-arc-k8sagents/GetHelmSettings?api-version=2024-07-01-preview&releaseTrain=stable" in " ".join(
        settings
    )
    request = request_of(settings)
    assert request["identity"]["principalId"] and request["identity"]["tenantId"]
    assert request["id"].lower().endswith("/connectedclusters/arc-dev")
    (proxy,) = request["properties"]["arcAgentryConfigurations"]
    assert proxy["protectedSettings"]["https_proxy"] == "redacted:proxy:https_proxy"
    assert PROXY_PASSWORD not in json.dumps(engine.calls("az"))
    values = release_in_cluster(engine)["values"]
    # What the (fake) data plane derived reaches the agents, its placeholders replaced locally.
    assert values["global"]["enableOidcIssuer"] is True
    assert values["global"]["httpsProxy"] == f"http://user:{PROXY_PASSWORD}@proxy.corp.example:3128"
    assert values["global"]["noProxy"] == "10.96.0.0/12,kubernetes.default.svc,.svc.cluster.local,.svc"
    assert values["systemDefaultValues"]["azureArcAgents"]["autoUpdate"] is False
    # verify waited for the agent state, as the CLI polls it with workload identity on.
    assert any("properties.arcAgentProfile.agentState" in c.get("argv", []) for c in engine.calls("az"))
    start = len(engine.calls("az"))
    engine.up("--expect-no-changes")
    assert data_plane_posts(engine, start) == [], "the data plane was asked again on an up that changed nothing"


def test_an_unreachable_data_plane_keeps_the_explicit_set_with_a_warning(engine: Engine) -> None:
    engine.env["ARC_DP_RETRY_SECONDS"] = "0"
    engine.init({**dev_config(), **OIDC})
    engine.arm_fault("az", "exec", "healthCheck", "ERROR: HTTPSConnectionPool: Max retries exceeded", times=5)
    done = engine.up()
    assert "the agents get the explicit set of Helm values, not the data plane's: healthCheck failed" in done.stdout
    assert [p for p in data_plane_posts(engine) if "GetHelmSettings" in " ".join(p)] == []
    values = release_in_cluster(engine)["values"]
    assert "enableOidcIssuer" not in values["global"]
    assert values["global"]["resourceName"] == "arc-dev" and values["systemDefaultValues"]["spnOnboarding"] is False
    engine.up("--expect-no-changes")


def test_upgrade_from_the_explicit_set_creates_the_step_and_updates_the_release_in_place(tools, tmp_path: Path) -> None:
    engine = upgraded_engine(tools, tmp_path, BEFORE_DATA_PLANE_COMMIT)
    steps = json_object(engine.run("preview", "--json").stdout)["steps"]
    ops = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in steps}
    assert [name for name, op in ops.items() if op == "create"] == [HELM_SETTINGS], ops
    # The release is updated in place at most (its values may change once the step answers), never
    # replaced; nothing else but Commands (verify's new text) changes.
    assert not [
        (name, op)
        for name, op in ops.items()
        if op not in ("same", "update", "refresh", "create") and not (op == "replace" and name.endswith("-verify"))
    ], ops
    start = len(engine.calls())
    engine.up()
    written = [c for c in engine.calls()[start:] if c["call"] in ("Create", "Update", "Delete")]
    assert not [c for c in written if c["who"] == "kubernetes" and c["call"] == "Delete"], written
    assert not [c for c in written if c["who"] == "azure-native"], written
    assert release_in_cluster(engine)["values"]["systemDefaultValues"]["azureArcAgents"]["autoUpdate"] is False
    engine.up("--expect-no-changes")
