"""The offline plan's mock provider, asked directly (no program run)."""

from __future__ import annotations

from pulumi.runtime import MockResourceArgs

from components.plan.engine import PLACEHOLDER_SUBSCRIPTION, PlanMocks

GROUP = "azure-native:resources:ResourceGroup"


def test_a_group_without_a_name_or_an_id_is_named_by_its_logical_name() -> None:
    rid, outputs = PlanMocks().new_resource(MockResourceArgs(GROUP, "edge-rg", {}, "", None))
    assert outputs["name"] == "edge-rg"
    assert rid == f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/edge-rg"


def test_a_group_read_by_id_is_named_by_the_id() -> None:
    rid = f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/existing-rg"
    assert PlanMocks().new_resource(MockResourceArgs(GROUP, "g", {}, "", rid)) == (
        rid,
        {"name": "existing-rg", "id": rid},
    )
