"""Issue 19 §4: `proxy.bypass` as the CLI's `--add-proxy-bypass` (azure-cli-extensions @ 0b4bb2eb,
connectedk8s `custom.py` `create_connectedk8s`, `add_arc_proxy_skip_range_endpoints`; the ownership
record of its unit tests `build_arc_proxy_bypass_settings` / `get_arc_proxy_bypass_user_range`)."""

from __future__ import annotations

import base64
import json

import pytest

from components.agent_values import arc_bypass_record
from tests.conftest import BASE_CONFIG
from tests.test_settings import problems, settings

PROXY = "http://proxy.example:3128"
ARC = (".his.arc.azure.com", ".dp.kubernetesconfiguration.azure.com", ".guestconfiguration.azure.com")
RELEASE = "kubernetes:helm.sh/v3:Release"


def proxy_of(**proxy: object):
    return settings({"proxy": {"httpsProxy": PROXY, **proxy}}).clusters[0].proxy


class TestSettings:
    def test_arc_adds_the_endpoints_after_the_users_entries_and_remembers_them(self) -> None:
        proxy = proxy_of(noProxy=["10.0.0.0/8", ".svc"], bypass=["arc"])
        assert proxy.bypass == ("Arc",)
        assert proxy.no_proxy == ("10.0.0.0/8", ".svc", *ARC)
        assert proxy.user_no_proxy == ("10.0.0.0/8", ".svc")

    def test_endpoints_already_listed_are_not_repeated(self) -> None:
        proxy = proxy_of(noProxy=[".HIS.arc.azure.com"], bypass=["Arc", "ARC"])
        assert proxy.no_proxy == (".HIS.arc.azure.com", *ARC[1:]) and proxy.bypass == ("Arc",)

    def test_no_bypass_no_record(self) -> None:
        proxy = proxy_of(noProxy=[".svc"])
        assert proxy.bypass == () and proxy.user_no_proxy is None and arc_bypass_record(proxy) is None

    def test_an_unknown_value_names_the_key_and_the_values(self) -> None:
        (problem,) = problems({"proxy": {"httpsProxy": PROXY, "bypass": ["Arc", "Flux"]}})
        assert problem.startswith("arc-onboarding:proxy.bypass[1]: must be Arc or Microsoft.AzureMonitor.Containers")

    def test_arc_without_a_proxy_is_an_error(self) -> None:
        (problem,) = problems({"proxy": {"bypass": ["Arc"]}})
        assert problem.startswith("arc-onboarding:proxy.bypass: ") and "proxy.httpsProxy" in problem


def test_the_record_is_the_clis_shape() -> None:
    proxy = proxy_of(noProxy=["10.0.0.0/8"], bypass=["Arc"])
    record = arc_bypass_record(proxy)
    assert record is not None and "," not in record
    assert json.loads(base64.b64decode(record, validate=True)) == {
        "userNoProxy": "10.0.0.0/8",
        "noProxy": ",".join(("10.0.0.0/8", *ARC)),
    }


@pytest.mark.parametrize("bypass", [["Arc"], None])
def test_the_release_carries_the_record_only_with_the_arc_bypass(plan, bypass) -> None:
    proxy = {"httpsProxy": PROXY, "noProxy": [".svc"], **({"bypass": bypass} if bypass else {})}
    result = plan({**BASE_CONFIG, "proxy": proxy}, "--json")
    assert result.code == 0, result.stderr
    values = result.resource(RELEASE)["inputs"]["values"]
    if bypass:
        assert values["global"]["noProxy"] == ",".join((".svc", *ARC))
        record = json.loads(base64.b64decode(values["connectedk8sCli"]["arcProxyBypass"]))
        assert record["userNoProxy"] == ".svc"
    else:
        assert values["global"]["noProxy"] == ".svc" and "connectedk8sCli" not in values
