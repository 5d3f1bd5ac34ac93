"""In CI a skipped test fails the run, except tests/e2e; locally a skip stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SKIPPING = "import pytest\n\n\ndef test_needs_a_file():\n    pytest.skip('tests/fixtures/x is not present')\n"
MODULE_SKIP = "import pytest\n\npytest.skip('no tool', allow_module_level=True)\n"


def run(tmp_path: Path, ci: str | None, *paths: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(ROOT)}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.ci_no_skips", "-p", "no:cacheprovider", *paths],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tests" / "e2e").mkdir(parents=True)
    (tmp_path / "tests" / "test_unit.py").write_text(SKIPPING)
    (tmp_path / "tests" / "test_module.py").write_text(MODULE_SKIP)
    (tmp_path / "tests" / "e2e" / "test_e2e.py").write_text(SKIPPING)
    return tmp_path


def test_a_skip_fails_in_ci_and_names_its_reason(project: Path) -> None:
    result = run(project, "true", "tests/test_unit.py")
    assert result.returncode == 1, result.stdout
    assert "skipped in CI, where only tests/e2e may skip: tests/fixtures/x is not present" in result.stdout


def test_a_module_level_skip_fails_in_ci(project: Path) -> None:
    result = run(project, "true", "tests/test_module.py")
    assert result.returncode != 0, result.stdout
    assert "skipped in CI, where only tests/e2e may skip: no tool" in result.stdout


def test_the_e2e_test_may_skip_in_ci(project: Path) -> None:
    result = run(project, "true", "tests/e2e")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_outside_ci_a_skip_stays_a_skip(project: Path) -> None:
    result = run(project, None, "tests")
    assert result.returncode == 0, result.stdout
    assert "3 skipped" in result.stdout
