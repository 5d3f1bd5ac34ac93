"""The cluster tier: the program under the real Pulumi CLI with the REAL kubernetes provider, real
kubectl and helm, against real API servers on 127.0.0.1 (controlplane.py), all built from Go
modules by build.sh; the Azure side stays on the engine tier's stand-ins and fake `az`
(tests/engine/standins). Skipped, with the reason, where `go` is not on PATH; CI runs it
(`make cluster-test`).

Per test: two fresh clusters ("a" and "b", one etcd), its own project copy, backend and Azure world.
Per session: the builds and the plugin cache (the built provider installed as the SDK's 4.34.2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.conftest import (
    BUILD_TIMEOUT,
    Engine,
    build_engine,
    install_tools,
    make_engine,
    no_stray_processes,
    print_runs_if_failed,
    pytest_runtest_makereport,
)

from .controlplane import ControlPlanes, running
from .forward import Forwarder

HERE = Path(__file__).resolve().parent
# The test's chart (tests/fixtures/charts): copied into each project, since `agents.chart` is a path
# relative to the project directory, as an air-gapped user commits the chart they pulled.
CHART = HERE.parents[0] / "fixtures" / "charts" / "azure-arc-k8sagents"
PROJECT_CHART = "charts/azure-arc-k8sagents"
# The dev stack's context reaches cluster a (through a forwarder a test can re-point), the other
# kubeconfig context and the second fleet cluster reach b.
CONTEXTS = {"kind-arc-dev": "a", "kind-other": "b", "store-a": "a", "store-b": "b"}

# The engine tier's hook (failing tests print the last runs) and its leftover-process reaper.
__all__ = ["no_stray_processes", "pytest_runtest_makereport"]


def build_cluster() -> Path:
    """Build (or reuse) the cluster tier's binaries with build.sh; the directory holding them."""
    done = subprocess.run(
        ["bash", str(HERE / "build.sh")], check=False, capture_output=True, text=True, timeout=2 * BUILD_TIMEOUT
    )
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"tests/cluster/build.sh failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def cluster_bin() -> Path:
    if shutil.which("go") is None:
        pytest.skip("cluster tests need Go on PATH to build the control plane (tests/cluster/build.sh); `go` not found")
    try:
        return build_cluster()
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def tools(cluster_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    try:
        engine_bin = build_engine()
    except RuntimeError as error:
        pytest.fail(str(error))
    return install_tools(
        engine_bin,
        tmp_path_factory.mktemp("cluster-tools"),
        providers={"kubernetes": cluster_bin / "pulumi-resource-kubernetes"},
        kube_bin=cluster_bin,
    )


@pytest.fixture
def planes(cluster_bin: Path, tmp_path: Path) -> Iterator[ControlPlanes]:
    with running(cluster_bin, cluster_bin.parent / "kwok-stages.yaml", tmp_path / "clusters", ("a", "b")) as started:
        yield started


@pytest.fixture
def forwarder(planes: ControlPlanes) -> Iterator[Forwarder]:
    """Cluster a's API server behind a port the dev context uses."""
    port = int(planes.clusters["a"].server.rsplit(":", 1)[1])
    forward = Forwarder(port)
    yield forward
    forward.close()


@pytest.fixture
def engine(
    tools: tuple[Path, Path],
    planes: ControlPlanes,
    forwarder: Forwarder,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Engine]:
    kubeconfig = planes.kubeconfig(CONTEXTS, "kind-arc-dev")
    kubeconfig = kubeconfig.replace(planes.clusters["a"].server, f"https://127.0.0.1:{forwarder.port}", 1)
    made = make_engine(
        tools,
        tmp_path / "engine",
        kubeconfig=kubeconfig,
        extra_env={
            # The registry of the self-upgrade test serves with the control planes' certificate.
            "SSL_CERT_FILE": str(planes.clusters["a"].pki.ca),
            # The stand-in ARM reports a connected cluster Connected once a real cluster's agents name it.
            "ARC_ENGINE_KUBECONFIGS": os.pathsep.join(str(c.kubeconfig) for c in planes.clusters.values()),
        },
    )
    shutil.copytree(CHART, made.project / PROJECT_CHART)
    yield made
    print_runs_if_failed(request, made)
