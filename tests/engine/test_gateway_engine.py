"""Issue 19 §1 on the real engine: removing `gateway.resourceId`, and destroying a gateway stack, never
reach the azure-native provider's Delete for the association (its type has no DELETE); the unlink
step PUTs a null gateway id instead, as `az connectedk8s update --disable-gateway` does."""

from __future__ import annotations

from typing import Any

from .conftest import Engine, dev_config

GATEWAY = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg"
    "/providers/Microsoft.HybridCompute/gateways/arc-gw"
)


def setting_deletes(engine: Engine, start: int) -> list[Any]:
    """DELETEs of the setting: through azure-native, or `az rest --method delete`."""
    native = [c for c in engine.calls("azure-native")[start:] if c.get("call") == "Delete" and "settings" in str(c)]
    rest = [
        c for c in engine.calls("az")[start:]
        if c.get("argv", [])[:3] == ["rest", "--method", "delete"] and "HybridCompute/settings" in " ".join(c["argv"])
    ]  # fmt: skip
    return native + rest


def unlink_puts(engine: Engine, start: int) -> list[list[str]]:
    return [
        c["argv"]
        for c in engine.calls("az")[start:]
        if c.get("argv", [])[:3] == ["rest", "--method", "put"] and "HybridCompute/settings" in " ".join(c["argv"])
    ]


def setting(engine: Engine) -> dict[str, Any] | None:
    found = [
        r
        for k, r in engine.state("azure").get("resources", {}).items()
        if k.endswith("/microsoft.hybridcompute/settings/default")
    ]
    return found[0] if found else None


def test_removing_the_gateway_and_destroying_send_no_delete_to_the_association(engine: Engine) -> None:
    engine.init({**dev_config(), "arc-onboarding:gateway": {"resourceId": GATEWAY}})
    engine.up()
    association = setting(engine)
    assert association is not None and association["properties"]["gatewayProperties"]["gatewayResourceId"] == GATEWAY

    az_start = len(engine.calls("az"))
    engine.run("config", "rm", "arc-onboarding:gateway")
    engine.up()
    assert setting_deletes(engine, 0) == []
    (put,) = unlink_puts(engine, az_start)
    assert '{"properties":{"gatewayProperties":{"gatewayResourceId":null}}}' in put
    cleared = setting(engine)
    assert cleared is not None and cleared["properties"]["gatewayProperties"]["gatewayResourceId"] is None

    # The setting stays in ARM (no DELETE exists): adding the gateway again PUTs over it.
    engine.set_config({"arc-onboarding:gateway": {"resourceId": GATEWAY}})
    engine.up()
    again = setting(engine)
    assert again is not None and again["properties"]["gatewayProperties"]["gatewayResourceId"] == GATEWAY
    az_start = len(engine.calls("az"))
    engine.run("destroy", "--yes", "--skip-preview")
    assert setting_deletes(engine, 0) == []
    assert len(unlink_puts(engine, az_start)) == 1, "the destroy did not clear the association first"
