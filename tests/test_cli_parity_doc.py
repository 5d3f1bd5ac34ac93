"""docs/cli-parity.md (issue 19 §6): every row names the CLI reading and file it follows, and the
statements a review found false stay out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

PAGE = ROOT / "docs" / "cli-parity.md"
# A reading (N: the newest source read, R: release/v1.11.3) followed by a file of the extension.
CITATION = re.compile(r"\b[NR] `[\w./]+\.(?:py|rst)`")


def table_rows(text: str) -> list[str]:
    return [
        line
        for line in text.splitlines()
        if line.startswith("| ") and not re.match(r"\|\s*(flag|CLI|capability)\b", line)
    ]


def test_every_row_names_the_cli_reading_and_file() -> None:
    rows = table_rows(PAGE.read_text())
    assert rows, "no table rows found"
    assert [row[:80] for row in rows if not CITATION.search(row)] == []


@pytest.mark.parametrize(
    "false_statement",
    [
        # The keyword's code is public (`_containerinsightsutils.py`) and it is a bypass value.
        "its code is not public",
        # 2025-02-19-preview of Microsoft.HybridCompute is public (and has no DELETE for settings).
        "no public swagger",
        # The ARM force delete is `delete_cc_resource`, not that line.
        "~4950",
        # The CLI's data plane derives workload identity values; it is not "nothing set".
        "so none is set here",
    ],
)
def test_the_false_statements_are_gone(false_statement: str) -> None:
    assert false_statement not in PAGE.read_text()


def test_the_gateway_order_is_the_clis() -> None:
    text = PAGE.read_text()
    assert "PUT the connected cluster without `gateway`, PUT the association" in text


def test_the_plan_says_where_the_agents_values_come_from(plan) -> None:
    from tests.conftest import BASE_CONFIG

    text = plan(BASE_CONFIG).stdout
    assert (
        "agents' values for arc-test-rg/arc-test: from the Arc data plane at `up` (arc-test-rg/arc-test-helm-settings: "
        "healthCheck, then GetHelmSettings" in text
    )
    assert text.count("key: Secret azure-arc/azure-arc-connect-privatekey") == 1
    older = plan({**BASE_CONFIG, "agents": {"chartVersion": "1.34.2"}}).stdout
    assert "key: global.onboardingPrivateKey" in older
    assert "Helm values and the data plane" in PAGE.read_text()
