"""Issue 19 §1 on the real engine: removing `gateway.resourceId`, and destroying a gateway stack, never
reach the azure-native provider's Delete for the association (its type has no DELETE); the unlink
step PUTs a null gateway id instead, as `az connectedk8s update --disable-gateway` does."""

from __future__ import annotations

from typing import Any

from .conftest import Engine
from .test_engine import dev_config

GATEWAY = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg"
    "/providers/Microsoft.HybridCompute/gateways/arc-gw"
)
ASSOCIATION = "arc-dev-rg/arc-dev-gateway"


def provider_calls(engine: Engine, start: int, call: str) -> list[dict[str, Any]]:
    return [c for c in engine.calls()[start:] if c.get("call") == call]


def unlink_puts(engine: Engine, start: int) -> list[list[str]]:
    return [
        c["argv"]
        for c in engine.calls("az")[start:]
        if c.get("argv", [])[:3] == ["rest", "--method", "put"] and "HybridCompute/settings" in " ".join(c["argv"])
    ]


def test_removing_the_gateway_and_destroying_send_no_delete_to_the_association(engine: Engine) -> None:
    engine.init({**dev_config(), "arc-onboarding:gateway": {"resourceId": GATEWAY}})
    engine.up()
    assert any(c["subject"].endswith(ASSOCIATION) for c in provider_calls(engine, 0, "Create"))

    start, az_start = len(engine.calls()), len(engine.calls("az"))
    engine.run("config", "rm", "arc-onboarding:gateway")
    engine.up()
    assert not [c for c in provider_calls(engine, start, "Delete") if c["subject"].endswith(ASSOCIATION)]
    (put,) = unlink_puts(engine, az_start)
    assert '{"properties":{"gatewayProperties":{"gatewayResourceId":null}}}' in put

    engine.set_config({"arc-onboarding:gateway": {"resourceId": GATEWAY}})
    engine.up()
    start = len(engine.calls())
    engine.run("destroy", "--yes", "--skip-preview")
    assert not [c for c in provider_calls(engine, start, "Delete") if c["subject"].endswith(ASSOCIATION)]
