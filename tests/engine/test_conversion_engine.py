"""Issue 19 §5 on the real engine: a connected cluster the multicloud connector created in ARM
(AgentNotInstalled) is converted as `az connectedk8s connect` converts it (azure-cli-extensions @
0b4bb2eb, connectedk8s `custom.py` `connected_cluster_exists`, `create_connectedk8s`): one PUT of this
stack's body over it, the engine imports it, the agents go in; the next `up` records the apiVersion
the import did not read; destroy deletes it. The connector's resource is the stand-in's
`arm.agentless_cluster` (CreateClusterAgentless_KindAWSExample, 2024-12-01-preview @ ecee9191)."""

from __future__ import annotations

from typing import Any

from .conftest import Engine, calls_since, dev_config
from .standins import arm

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"  # the engine's (conftest make_engine)
CLUSTER_ID = arm.resource_id(SUBSCRIPTION, "arc-dev-rg", "Microsoft.Kubernetes", "connectedClusters", "arc-dev")
GROUP_ID = arm.group_id(SUBSCRIPTION, "arc-dev-rg")


def connector_made(engine: Engine) -> dict[str, Any]:
    """The group (the stack adopts it) and the connector's cluster in it, as ARM holds them."""
    azure = engine.state("azure")
    resources = azure.setdefault("resources", {})
    resources[GROUP_ID.lower()] = {
        "id": GROUP_ID,
        "name": "arc-dev-rg",
        "type": "Microsoft.Resources/resourceGroups",
        "location": "eastus",
        "properties": {"provisioningState": "Succeeded"},
        "inputs": {"resourceGroupName": "arc-dev-rg", "location": "eastus"},
    }
    connector = arm.agentless_cluster(SUBSCRIPTION, "arc-dev-rg", "arc-dev", "eastus")
    resources[CLUSTER_ID.lower()] = connector
    engine.write_state("azure", azure)
    return connector


def cluster_state(engine: Engine) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in engine.resources().values() if r["urn"].endswith("::arc-dev-rg/arc-dev-cluster")
    )
    return found


def test_a_connector_created_cluster_is_converted_imported_and_destroyed(engine: Engine) -> None:
    engine.init({**dev_config(), "createResourceGroup": False})
    connector_made(engine)
    start = len(engine.calls())
    engine.up()
    in_arm = engine.state("azure")["resources"][CLUSTER_ID.lower()]
    # One PUT, this stack's body: its key, identity, tags; the connector's kind and body gone.
    puts = [c for c in engine.calls()[start:] if c["who"] == "az" and c["argv"][:3] == ["rest", "--method", "put"]]
    assert [p["argv"][4].split("?")[0] for p in puts] == [CLUSTER_ID], puts
    assert "kind" not in in_arm and in_arm["identity"]["type"] == "SystemAssigned"
    assert in_arm["properties"]["agentPublicKeyCertificate"] not in ("", None)
    assert in_arm["tags"]["arcOnboardingStack"] == "arc-onboarding/dev"
    # Imported, never created (azure-native would refuse), and in the state under the same id.
    state = cluster_state(engine)
    assert state["id"] == CLUSTER_ID
    cluster_calls = [
        c["call"] for c in calls_since(engine, start, "Create", "Read", "Update") if c["subject"] == state["urn"]
    ]
    assert "Create" not in cluster_calls and "Read" in cluster_calls, cluster_calls
    # The agents went in and connected.
    assert len(engine.state("kubernetes")["releases"]) == 1
    # The next up records apiVersion once (the import did not read it back) and drops the conversion
    # step (nothing runs), then nothing more.
    start = len(engine.calls())
    engine.up()
    updated = [c["call"] for c in calls_since(engine, start, "Create", "Update") if c["subject"] == state["urn"]]
    assert updated == ["Update"], updated
    assert not [r for r in engine.resources() if r.endswith("-convert")]
    engine.up("--expect-no-changes")
    engine.run("destroy", "--yes", "--skip-preview")
    assert CLUSTER_ID.lower() not in engine.state("azure")["resources"]
