"""Shared helpers: hermetic kube environment, stack files and in-process plan runs."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings

# Property tests stay fast and free of timing: modest example counts, no deadline. CI replays a
# fixed sequence (derandomize) so a run is reproducible; locally each run explores new examples, and
# ARC_HYPOTHESIS_EXAMPLES=2000 (and ARC_HYPOTHESIS_EXPLORE in test_properties.py) explore more.
settings.register_profile(
    "arc",
    max_examples=int(os.environ.get("ARC_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CI") == "true",
)
settings.load_profile("arc")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
KUBECONFIG = FIXTURES / "kubeconfig"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# With CI=true a skipped test fails the run (tests/e2e excepted): see tests/ci_no_skips.py.
from tests.ci_no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402, F401

# The fixture kubeconfig's credentials: no output may ever contain them.
FIXTURE_CREDENTIALS = ("fixture-token-5f2c9a1e7b", "Rml4dHVyZUNsaWVudEtleURhdGE5OTk=", "fixture-token-edge-77d1")

BASE_CONFIG: dict[str, Any] = {
    "clusterName": "arc-test",
    "resourceGroup": "arc-test-rg",
    "location": "eastus",
    "kubeContext": "kind-arc-dev",
}

# BASE_CONFIG as stack-file text, to append nested or `secure:` keys to.
BASE_STACK_YAML = "config:\n" + "".join(f"  arc-onboarding:{k}: {v}\n" for k, v in BASE_CONFIG.items())


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping flattened to dotted keys."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def chart_value_types() -> dict[str, str]:
    """The value keys the program sets, each with the JSON type of its default in the agents' chart.

    Facts read from the chart's values.yaml, written down by this project (tests/fixtures/README.md).
    """
    keys: dict[str, str] = json.loads((FIXTURES / "chart-value-keys.json").read_text())["keys"]
    return keys


def json_type(value: Any) -> str:
    """The JSON Schema type name of a Python value from YAML or a values dict."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names[type(value)]


@pytest.fixture
def kube_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """HOME and KUBECONFIG pointed at fixtures, whatever the machine has."""
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    shutil.copy(KUBECONFIG, home / ".kube" / "config")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))
    monkeypatch.chdir(ROOT)
    return home


def engine_config(values: dict[str, Any], namespace: str = "arc-onboarding") -> dict[str, str]:
    """Config as the engine hands it to the program: strings, objects JSON-encoded."""
    out = {}
    for key, value in values.items():
        full = key if ":" in key else f"{namespace}:{key}"
        if isinstance(value, bool):
            out[full] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            out[full] = json.dumps(value)
        else:
            out[full] = str(value)
    return out


def write_stack(tmp_path: Path, config: dict[str, Any], name: str = "test", raw: str | None = None) -> Path:
    path = tmp_path / f"Pulumi.{name}.yaml"
    if raw is not None:
        path.write_text(raw)
    else:
        doc = {"config": {(k if ":" in k else f"arc-onboarding:{k}"): v for k, v in config.items()}}
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@dataclass
class PlanResult:
    code: int
    stdout: str
    stderr: str

    @property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.stdout)
        return document

    def resource(self, type_: str, name_suffix: str = "") -> dict[str, Any]:
        found = [r for r in self.document["resources"] if r["type"] == type_ and r["name"].endswith(name_suffix)]
        assert len(found) == 1, f"expected one {type_} *{name_suffix}, found {len(found)}"
        resource: dict[str, Any] = found[0]
        return resource


@pytest.fixture
def plan(kube_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `python -m components.plan` in-process on a config dict (or raw stack text)."""
    from components.plan.cli import main

    def run(config: dict[str, Any] | None = None, *args: str, raw: str | None = None) -> PlanResult:
        argv = list(args)
        if config is not None or raw is not None:
            argv += ["--config-file", str(write_stack(tmp_path, config or {}, raw=raw))]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        return PlanResult(code, captured.out, captured.err)

    return run
