"""Prerequisites of the end-to-end test. Without them it is skipped, and the reason is printed at
the end of the run (also without -rs). Only cheap checks run before the first missing one is known:
no process is started when a tool is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest

TOOLS = {
    "pulumi": "the Pulumi CLI",
    "kind": "kind",
    "az": "the Azure CLI",
    "kubectl": "kubectl",
    # Pulumi.yaml's `toolchain: uv`: the language host runs `uv sync` for the program.
    "uv": "uv",
}

_skipped: list[str] = []


@dataclass(frozen=True)
class E2E:
    subscription: str
    location: str
    kind_cluster: str

    @property
    def kube_context(self) -> str:
        return f"kind-{self.kind_cluster}"


def _settings() -> E2E:
    return E2E(
        subscription=os.environ.get("ARC_E2E_SUBSCRIPTION_ID", ""),
        location=os.environ.get("ARC_E2E_LOCATION") or "eastus",
        kind_cluster=os.environ.get("ARC_E2E_KIND_CLUSTER") or "arc-e2e",
    )


def missing_prerequisites(settings: E2E) -> list[str]:
    missing = [f"{what} (`{tool}`) is not on PATH" for tool, what in TOOLS.items() if shutil.which(tool) is None]
    if not settings.subscription:
        missing.append("ARC_E2E_SUBSCRIPTION_ID is not set")
    if missing:
        return missing
    account = subprocess.run(
        ["az", "account", "show", "--subscription", settings.subscription, "--output", "none"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if account.returncode != 0:
        last = (account.stderr.strip().splitlines() or ["no output"])[-1]
        missing.append(
            f"no Azure credentials: `az account show --subscription {settings.subscription}` failed ({last})"
        )
    clusters = subprocess.run(["kind", "get", "clusters"], capture_output=True, text=True, timeout=60)
    if settings.kind_cluster not in clusters.stdout.split():
        missing.append(
            f"no kind cluster {settings.kind_cluster!r} (`kind create cluster --name {settings.kind_cluster}`)"
        )
    return missing


@pytest.fixture(scope="session")
def e2e() -> E2E:
    settings = _settings()
    missing = missing_prerequisites(settings)
    if missing:
        reason = "; ".join(missing)
        _skipped.append(reason)
        pytest.skip(f"end-to-end test skipped: {reason}")
    return settings


def pytest_terminal_summary(terminalreporter) -> None:
    for reason in _skipped:
        terminalreporter.write_line(f"tests/e2e skipped: {reason}")
