"""The bad input corpus: every file in tests/bad_configs/ through the offline plan.

Each file says what it expects in its header comments:
    # expect-error: KEY          a problem naming this full key (the set of keys must match exactly)
    # expect-warning: KEY        a warning naming this key (the plan still succeeds)
    # expect-text: TEXT          TEXT appears on stderr
    # expect-input-error: TEXT   the file itself is unusable: one `error:` line containing TEXT
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import KUBECONFIG, ROOT

CORPUS = ROOT / "tests" / "bad_configs"
FILES = sorted(CORPUS.glob("*.yaml"))
PREFIX = "arc-onboarding:"


@dataclass
class Expectation:
    errors: set[str] = field(default_factory=set)
    warnings: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    input_error: str | None = None


def expectation(path: Path) -> Expectation:
    expected = Expectation()
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if not line.startswith("# expect-"):
            continue
        kind, _, value = line[len("# expect-") :].partition(": ")
        if kind == "error":
            expected.errors.add(value)
        elif kind == "warning":
            expected.warnings.add(value)
        elif kind == "text":
            expected.texts.append(value)
        elif kind == "input-error":
            expected.input_error = value
        else:
            raise AssertionError(f"{path.name}: unknown expectation {line!r}")
    return expected


def key_of(problem: str) -> str:
    """`arc-onboarding:proxy.noProxy[0]: is empty` -> `proxy.noProxy[0]`."""
    assert problem.startswith(PREFIX), problem
    return problem[len(PREFIX) :].split(": ", 1)[0]


def check(expected: Expectation, code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr
    for text in expected.texts:
        assert text in stderr
    lines = stderr.splitlines()
    if expected.input_error:
        assert (code, stdout) == (2, "")
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected.input_error in lines[0]
    elif expected.errors:
        assert (code, stdout) == (2, "")
        assert lines and all(line.startswith(PREFIX) for line in lines)
        assert {key_of(line) for line in lines} == expected.errors
    else:
        assert code == 0, stderr
        assert all(line.startswith(f"warning: {PREFIX}") for line in lines)
        assert {key_of(line.removeprefix("warning: ")) for line in lines} == expected.warnings


def test_corpus_is_large_and_every_file_states_its_expectation() -> None:
    assert len(FILES) >= 40
    for path in FILES:
        expected = expectation(path)
        outcomes = [bool(expected.errors), bool(expected.warnings), expected.input_error is not None]
        assert outcomes.count(True) == 1, f"{path.name}: expect exactly one kind of outcome"
    warnings_only = [p for p in FILES if expectation(p).warnings]
    assert len(warnings_only) >= 3


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_config(plan, path: Path) -> None:
    result = plan(None, "--config-file", str(path), "--json")
    check(expectation(path), result.code, result.stdout, result.stderr)
    if result.code == 0:
        warnings = result.document["warnings"]
        assert {key_of(w) for w in warnings} == expectation(path).warnings


def test_plaintext_credentials_are_still_secret(plan) -> None:
    result = plan(None, "--config-file", str(CORPUS / "warn-plaintext-credentials.yaml"), "--json")
    values = result.resource("kubernetes:helm.sh/v3:Release")["inputs"]["values"]["global"]
    assert values["httpsProxy"] == "[secret]" and values["isProxyEnabled"] is True
    assert "Hunter2-pw" not in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["many-problems", "file-not-yaml", "warn-unknown-region"])
def test_in_a_real_process_no_traceback_reaches_the_terminal(name: str, tmp_path: Path) -> None:
    path = CORPUS / f"{name}.yaml"
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(KUBECONFIG)}
    done = subprocess.run(
        [sys.executable, "-m", "components.plan", "--config-file", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    check(expectation(path), done.returncode, done.stdout if done.returncode else "", done.stderr)
    if done.returncode == 0:
        assert done.stdout.startswith("Offline plan of arc-onboarding")
