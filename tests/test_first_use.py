"""Issue 20, round three, "what a new user hits": one regression test (or more) per finding,
named after it (`test_r3_finding_NN_*`)."""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest

from components.settings import ConfigError, StackSettings, load
from tests.conftest import BASE_CONFIG, KUBECONFIG, ROOT, engine_config

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}


def settings(overrides: dict[str, Any], secret: tuple[str, ...] = ()) -> StackSettings:
    base = {k: v for k, v in BASE_CONFIG.items() if not ("clusters" in overrides and k == "clusterName")}
    return load(
        engine_config({**base, **overrides}),
        [f"arc-onboarding:{k}" for k in secret],
        ROOT,
        ENV,
        today=datetime.date(2026, 11, 25),
    )


def problems(overrides: dict[str, Any], secret: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(overrides, secret)
    return raised.value.problems


# --- finding 10: a proxy without its URL ----------------------------------------------------------


def test_r3_finding_10_no_proxy_without_a_proxy_url_is_an_error() -> None:
    found = problems({"proxy": {"noProxy": [".svc", "10.43.0.0/16"]}})
    assert len(found) == 1 and found[0].startswith("arc-onboarding:proxy.noProxy: is set but proxy.httpsProxy")
    assert "set-secrets.sh" in found[0]
    # In a fleet item, the item is named.
    fleet = {"clusters": [{"clusterName": "a"}, {"clusterName": "b", "proxy": {"noProxy": [".svc"]}}]}
    assert [p.split(": ")[0] for p in problems(fleet)] == ["arc-onboarding:clusters[1].proxy.noProxy"]
    # With a URL, or a CA alone, it stays valid.
    settings({"proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}})
    settings({"proxy": {"httpProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}})
