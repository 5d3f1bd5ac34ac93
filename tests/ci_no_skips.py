"""A pytest plugin: with CI=true, a skipped test fails the run, except the end-to-end test.

Locally a test may skip for a missing tool (bash, curl, actionlint); in CI that would hide a check
the project relies on, so the skip is reported as a failure naming its reason. tests/e2e needs a
cluster and a subscription, which CI's offline job does not have, so its skip stays a skip.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pluggy import Result


def _in_e2e(path: Path) -> bool:
    return any(parent.name == "e2e" and parent.parent.name == "tests" for parent in path.parents)


def _fail_skip(report: pytest.TestReport | pytest.CollectReport, path: Path) -> None:
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail") or _in_e2e(path):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where only tests/e2e may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    _fail_skip(outcome.get_result(), item.path)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Result[pytest.CollectReport], None]:
    outcome = yield
    _fail_skip(outcome.get_result(), collector.path)
