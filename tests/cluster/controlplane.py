"""Real Kubernetes control planes on 127.0.0.1 for the cluster tier, from the binaries build.sh
made: one etcd, and per cluster a kube-apiserver (its own `--etcd-prefix`, so two API servers are
two clusters), kube-controller-manager, kube-scheduler and kwok as the kubelet of one fake Node.

Flags, start order and the errors they avoid: ../shared/reference/kubernetes-tier-build.md. Every
process runs in its own process group, dies with the test process (PR_SET_PDEATHSIG) and is stopped
by its group id; ports are chosen free at run time.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import functools
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

START_TIMEOUT = 180
STOP_GRACE = 10
SERVICE_RANGE = "10.0.0.0/24"
FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Pki:
    """A CA, the API servers' serving certificate (127.0.0.1, localhost), an admin client
    certificate in group system:masters, and the service-account signing key pair."""

    dir: Path

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    @classmethod
    def create(cls, directory: Path) -> Pki:
        directory.mkdir(parents=True)
        (directory / "serving.ext").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1\n"
            "extendedKeyUsage=serverAuth\n"
        )
        (directory / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=arc-onboarding-cluster-tier-ca", cwd=directory)  # fmt: skip
        for name, subject, ext in (
            ("serving", "/CN=kube-apiserver", "serving.ext"),
            ("admin", "/O=system:masters/CN=arc-onboarding-admin", "client.ext"),
        ):
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                    "-subj", subject, cwd=directory)  # fmt: skip
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", f"{name}.crt", "-days", "2", "-extfile", ext, cwd=directory)  # fmt: skip
        openssl("genrsa", "-out", "sa.key", "2048", cwd=directory)
        openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=directory)
        return cls(directory)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after the grace period."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(text[-lines:])


@dataclass
class Cluster:
    """One API server and what makes it a cluster; `server` is its https URL."""

    name: str
    server: str
    pki: Pki
    kubeconfig: Path
    processes: list[Process] = field(default_factory=list)

    def context_entry(self, context: str) -> dict[str, object]:
        return {"name": context, "context": {"cluster": self.name, "user": "admin"}}


class ControlPlanes:
    """Clusters sharing one etcd; start() brings them up, stop() ends every process started."""

    def __init__(self, bin_dir: Path, stages: Path, base: Path, names: tuple[str, ...]) -> None:
        self.bin, self.stages, self.base, self.names = bin_dir, stages, base, names
        self.processes: list[Process] = []
        self.clusters: dict[str, Cluster] = {}

    # --- processes ------------------------------------------------------------------------------
    def _spawn(self, name: str, *args: str) -> Process:
        log = self.base / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [str(self.bin / args[0]), *args[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.base,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # prctl only; no locks are taken
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """Every process started, newest first (kwok before the API server, etcd last)."""
        while self.processes:
            self.processes.pop().stop()

    def _wait(self, what: str, ready: Callable[[], bool], watch: list[Process]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for process in watch:
                if process.popen.poll() is not None:
                    raise RuntimeError(f"{process.name} exited ({process.popen.returncode}):\n{process.tail()}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what}: not ready after {START_TIMEOUT} s\n" + "\n".join(p.tail(5) for p in watch))

    # --- start ----------------------------------------------------------------------------------
    def start(self) -> ControlPlanes:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        pki = Pki.create(self.base / "pki")
        client, peer = free_port(), free_port()
        etcd = self._spawn(
            "etcd", "etcd", "--name=arc-tier", f"--data-dir={self.base / 'etcd'}", "--unsafe-no-fsync",
            f"--listen-client-urls=http://127.0.0.1:{client}", f"--advertise-client-urls=http://127.0.0.1:{client}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}", f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=arc-tier=http://127.0.0.1:{peer}", f"--listen-metrics-urls=http://127.0.0.1:{free_port()}",
            "--log-level=warn",
        )  # fmt: skip
        apiservers = {name: self._apiserver(name, pki, client) for name in self.names}
        for name, process in apiservers.items():
            cluster = self.clusters[name]
            self._wait(f"{name}: /readyz", functools.partial(self._answers, cluster, "/readyz", "ok"), [etcd, process])
        for name, cluster in self.clusters.items():
            self._controllers(cluster, pki)
            self.kubectl(name, "apply", "-f", "-", stdin=json.dumps(fake_node()))
            cluster.processes.append(self._kwok(cluster, self.stages))
        for name, cluster in self.clusters.items():
            self._wait(
                f"{name}: the default ServiceAccount and a Ready node",
                functools.partial(self._ready, name),
                [etcd, *cluster.processes],
            )

    def _apiserver(self, name: str, pki: Pki, etcd_port: int) -> Process:
        port = free_port()
        d = pki.dir
        process = self._spawn(
            f"{name}-kube-apiserver", "kube-apiserver",
            f"--etcd-servers=http://127.0.0.1:{etcd_port}", f"--etcd-prefix=/registry-{name}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={port}",
            f"--cert-dir={self.base / name / 'certs'}",
            f"--tls-cert-file={d / 'serving.crt'}", f"--tls-private-key-file={d / 'serving.key'}",
            f"--client-ca-file={pki.ca}",
            f"--service-account-key-file={d / 'sa.pub'}", f"--service-account-signing-key-file={d / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-cluster-ip-range={SERVICE_RANGE}", "--authorization-mode=Node,RBAC",
            # 127.0.0.1 is refused by the default reconciler ("cannot use public IP ... with endpoint reconciler").
            "--endpoint-reconciler-type=none",
            "--profiling=false",
        )  # fmt: skip
        kubeconfig = self.base / name / "admin.kubeconfig"
        kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        server = f"https://127.0.0.1:{port}"
        cluster = Cluster(name, server, pki, kubeconfig, [process])
        kubeconfig.write_text(yaml.safe_dump(kubeconfig_document({name: cluster}, {name: name}, name)))
        self.clusters[name] = cluster
        return process

    def _controllers(self, cluster: Cluster, pki: Pki) -> None:
        d, name, config = pki.dir, cluster.name, str(cluster.kubeconfig)
        cluster.processes.append(
            self._spawn(
                f"{name}-kube-controller-manager", "kube-controller-manager",
                f"--kubeconfig={config}", f"--authentication-kubeconfig={config}", f"--authorization-kubeconfig={config}",
                # An explicit list names controllers this build does not know ("cloud-node-lifecycle").
                "--controllers=*", "--leader-elect=false", "--use-service-account-credentials=true",
                f"--root-ca-file={pki.ca}", f"--service-account-private-key-file={d / 'sa.key'}",
                "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
            )
        )  # fmt: skip
        cluster.processes.append(
            self._spawn(
                f"{name}-kube-scheduler", "kube-scheduler",
                f"--kubeconfig={config}", f"--authentication-kubeconfig={config}", f"--authorization-kubeconfig={config}",
                "--leader-elect=false", "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
            )
        )  # fmt: skip

    def _kwok(self, cluster: Cluster, stages: Path) -> Process:
        return self._spawn(
            f"{cluster.name}-kwok", "kwok", f"--kubeconfig={cluster.kubeconfig}", f"--config={stages}",
            "--manage-all-nodes=false", f"--manage-nodes-with-annotation-selector={FAKE_NODE_ANNOTATION}=fake",
        )  # fmt: skip

    def stop_kwok(self, name: str) -> None:
        """Cluster `name` without its kubelet: Pods stay Pending."""
        cluster = self.clusters[name]
        for kwok in [p for p in cluster.processes if p.name == f"{name}-kwok"]:
            kwok.stop()
            cluster.processes.remove(kwok)
            self.processes.remove(kwok)

    def restart_kwok(self, name: str, stages: Path | None = None) -> None:
        """Cluster `name`'s kubelet again, with other stages (a Pod that fails) or the usual ones."""
        self.stop_kwok(name)
        self.clusters[name].processes.append(self._kwok(self.clusters[name], stages or self.stages))

    # --- talking to a cluster -------------------------------------------------------------------
    def _get(self, cluster: Cluster, path: str) -> str | None:
        context = ssl.create_default_context(cafile=str(cluster.pki.ca))
        context.load_cert_chain(str(cluster.pki.dir / "admin.crt"), str(cluster.pki.dir / "admin.key"))
        try:
            with urllib.request.urlopen(cluster.server + path, context=context, timeout=5) as answer:  # noqa: S310  # our https URL
                body: bytes = answer.read()
                return body.decode()
        except OSError:
            return None

    def _answers(self, cluster: Cluster, path: str, expected: str) -> bool:
        return self._get(cluster, path) == expected

    def _ready(self, name: str) -> bool:
        account = self.kubectl(name, "get", "serviceaccount", "default", "--namespace=default", check=False)
        nodes = self.kubectl(
            name, "get", "nodes", "-o", 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}', check=False
        )
        return account.returncode == 0 and nodes.stdout.strip() == "True"

    def kubectl(
        self, name: str, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """kubectl as cluster admin on cluster `name`."""
        done = subprocess.run(
            [str(self.bin / "kubectl"), f"--kubeconfig={self.clusters[name].kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} on {name}: {done.stderr}")
        return done

    def helm(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """helm as cluster admin on cluster `name` (its own cache and config under the base)."""
        home = self.base / "helm"
        done = subprocess.run(
            [str(self.bin / "helm"), f"--kubeconfig={self.clusters[name].kubeconfig}", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(home),
                "HELM_CACHE_HOME": str(home / "cache"),
                "HELM_CONFIG_HOME": str(home / "config"),
                "HELM_DATA_HOME": str(home / "data"),
                # A chart registry on 127.0.0.1 (registry.py) serves with this CA's certificate.
                "SSL_CERT_FILE": str(self.clusters[name].pki.ca),
            },
        )
        if check and done.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} on {name}: {done.stderr}")
        return done

    def kubeconfig(self, contexts: Mapping[str, str], current: str) -> str:
        """A kubeconfig whose contexts (name -> cluster name) reach these clusters as admin."""
        return yaml.safe_dump(kubeconfig_document(self.clusters, contexts, current), sort_keys=False)


def kubeconfig_document(
    clusters: Mapping[str, Cluster], contexts: Mapping[str, str], current: str
) -> dict[str, object]:
    """Credentials inline, as a kind or cloud kubeconfig carries them (the program stores the text)."""
    pki = next(iter(clusters.values())).pki.dir

    def data(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [
            {"name": c.name, "cluster": {"server": c.server, "certificate-authority-data": data(c.pki.ca)}}
            for c in clusters.values()
        ],
        "contexts": [clusters[cluster].context_entry(context) for context, cluster in contexts.items()],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate-data": data(pki / "admin.crt"),
                    "client-key-data": data(pki / "admin.key"),
                },
            }
        ],
    }


def fake_node(name: str = "kwok-node-0") -> dict[str, object]:
    """One Node kwok manages (its annotation): Linux, amd64, room for the agents and the preflight."""
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {FAKE_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "type": "kwok",
            },
        },
        "status": {"allocatable": resources, "capacity": resources},
    }


@contextlib.contextmanager
def running(bin_dir: Path, stages: Path, base: Path, names: tuple[str, ...]) -> Iterator[ControlPlanes]:
    """Control planes for a block: stopped at its end, on an exception, on SIGTERM/SIGHUP (turned
    into an exception so this runs), at interpreter exit, and, failing all that, by the kernel when
    this process dies (PR_SET_PDEATHSIG)."""
    planes = ControlPlanes(bin_dir, stages, base, names)

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGTERM, signal.SIGHUP)}
    atexit.register(planes.stop)
    try:
        yield planes.start()
    finally:
        planes.stop()
        atexit.unregister(planes.stop)
        for s, handler in previous.items():
            signal.signal(s, handler)
