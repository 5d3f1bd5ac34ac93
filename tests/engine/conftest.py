"""The engine tier: the program under the real Pulumi CLI (built from Go modules by build.sh),
offline, with stand-in plugins and fake `az`/`kubectl` (standins/). Skipped, with the reason, where
`go` is not on PATH; in CI, where Go is present, they run (`make engine-test`).

Each test gets its own project copy, file backend, plugin world and stack; the CLI build and the
plugin cache are shared by the session.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PASSPHRASE = "engine-tests-only"
STANDIN_PROVIDERS = {
    "azure-native": ("azure_native", "3.29.0"),
    "kubernetes": ("kubernetes", "4.34.2"),
    "tls": ("tls", "5.6.2"),
    "command": ("command", "1.2.1"),
}
BUILD_TIMEOUT = 45 * 60
RUN_TIMEOUT = 300


def standin_wrapper(path: Path, module: str, *flags: str) -> Path:
    """An executable that runs a stand-in module with this interpreter (which has grpc and pulumi)."""
    args = "".join(f" {flag}" for flag in flags)
    path.write_text(
        f'#!/bin/sh\nPYTHONPATH={HERE}${{PYTHONPATH:+:$PYTHONPATH}} exec {sys.executable} -m standins.{module}{args} "$@"\n'
    )
    path.chmod(0o755)
    return path


def build_engine() -> Path:
    """Build (or reuse) the Pulumi CLI with build.sh; the directory holding `pulumi`."""
    done = subprocess.run(
        ["bash", str(HERE / "build.sh")], check=False, capture_output=True, text=True, timeout=BUILD_TIMEOUT
    )
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"tests/engine/build.sh failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def install_tools(
    engine_bin: Path, base: Path, providers: Mapping[str, Path] | None = None, kube_bin: Path | None = None
) -> tuple[Path, Path]:
    """(PATH directory with pulumi, the language host stand-in, fake az/kubectl; PULUMI_HOME with
    the stand-in providers installed at exactly the versions the SDK packages request), under base.

    The cluster tier (tests/cluster) passes real pieces instead: `providers`, provider binaries by
    package name, installed into the plugin cache in place of their stand-ins (never on PATH, where
    the engine would prefer them); `kube_bin`, a directory whose real kubectl and helm go on PATH in
    place of the fake kubectl."""
    bin_dir, home, wrappers = base / "bin", base / "pulumi-home", base / "wrappers"
    for d in (bin_dir, home, wrappers):
        d.mkdir(parents=True)
    (bin_dir / "pulumi").symlink_to(engine_bin / "pulumi")
    shutil.copy(engine_bin / "pulumi-language-python-exec", bin_dir / "pulumi-language-python-exec")
    standin_wrapper(
        bin_dir / "pulumi-language-python", "language_host", f"-use-executor={bin_dir / 'pulumi-language-python-exec'}"
    )
    standin_wrapper(bin_dir / "az", "fake_az")
    if kube_bin is None:
        standin_wrapper(bin_dir / "kubectl", "fake_kubectl")
    else:
        for tool in ("kubectl", "helm"):
            (bin_dir / tool).symlink_to(kube_bin / tool)
    env = {**os.environ, "PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    for name, (module, version) in STANDIN_PROVIDERS.items():
        binary = (providers or {}).get(name) or standin_wrapper(wrappers / f"pulumi-resource-{name}", module)
        done = subprocess.run(
            [str(bin_dir / "pulumi"), "plugin", "install", "resource", name, version, "--file", str(binary)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pulumi plugin install {name} {version} failed:\n{done.stderr}")
    return bin_dir, home


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    if shutil.which("go") is None:
        pytest.skip("engine tests need Go on PATH to build the Pulumi CLI (tests/engine/build.sh); `go` not found")
    try:
        return build_engine()
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def tools(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return install_tools(engine_bin, tmp_path_factory.mktemp("engine-tools"))


def program_files(source: Path, dest: Path) -> None:
    """The program as committed (git ls-files), without tests, bench or docs; the project's
    virtualenv pointed at the interpreter running the tests (it has the pinned dependencies)."""
    if (source / ".git").exists():
        listed = subprocess.run(
            ["git", "-C", str(source), "ls-files", "-co", "--exclude-standard"],
            capture_output=True,
            text=True,
            check=True,
        )
        files = listed.stdout.splitlines()
    else:  # an exported tree (`git archive`)
        files = [str(p.relative_to(source)) for p in source.rglob("*") if p.is_file()]
    for rel in files:
        if rel.split("/")[0] in ("tests", "bench", "docs", ".ci", "deploy") or (
            rel.startswith("Pulumi.") and rel != "Pulumi.yaml"
        ):
            continue
        if not (source / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, dest / rel)
    project = yaml.safe_load((dest / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = sys.prefix
    (dest / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


@dataclass
class Engine:
    """One test's engine: project dir, backend, plugin world, environment."""

    project: Path
    world: Path
    env: dict[str, str]
    stack: str = "dev"
    log: list[str] = field(default_factory=list)

    def run(
        self, *args: str, check: bool = True, timeout: int = RUN_TIMEOUT, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["pulumi", *args],
            cwd=self.project,
            env={**self.env, **(env or {})},
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.log.append(f"$ pulumi {' '.join(args)} -> {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        if check and done.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
            )
        return done

    @property
    def backend(self) -> Path:
        return Path(self.env["PULUMI_BACKEND_URL"].removeprefix("file://"))

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["pulumi", *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def init(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> None:
        """A stack with this config (stack-file YAML under `arc-onboarding:`), secrets set as users do."""
        self.run("stack", "init", self.stack)
        self.set_config(config)
        for path, value in (secrets or {}).items():
            self.run("config", "set", "--secret", "--path", path, value)

    def set_config(self, config: dict[str, Any]) -> None:
        stack_file = self.project / f"Pulumi.{self.stack}.yaml"
        document = yaml.safe_load(stack_file.read_text()) or {}
        document.setdefault("config", {}).update(
            {k if ":" in k else f"arc-onboarding:{k}": v for k, v in config.items()}
        )
        stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def up(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", "--suppress-outputs", *args, check=check)

    def events(self, *args: str, check: bool = True) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
        """Run with --event-log; the engine's events in order."""
        path = self.world / f"events-{len(self.log)}.jsonl"
        # --event-log exists only with PULUMI_DEBUG_COMMANDS (pkg/cmd/pulumi/operations/*.go).
        done = self.run(*args, "--event-log", str(path), check=check, env={"PULUMI_DEBUG_COMMANDS": "true"})
        lines = path.read_text().splitlines() if path.exists() else []
        return done, [json.loads(line) for line in lines if line.strip()]

    def calls(self, who: str | None = None) -> list[dict[str, Any]]:
        path = self.world / "calls.jsonl"
        entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [e for e in entries if who is None or e["who"] == who]

    def state(self, name: str) -> dict[str, Any]:
        path = self.world / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def write_state(self, name: str, data: dict[str, Any]) -> None:
        (self.world / f"{name}.json").write_text(json.dumps(data, indent=1))

    def arm_fault(self, who: str, call: str, match: str, message: str = "injected fault", **extra: Any) -> None:
        faults = self.state("faults")
        faults.setdefault("armed", []).append({"who": who, "call": call, "match": match, "message": message, **extra})
        self.write_state("faults", faults)

    def export(self, *args: str) -> dict[str, Any]:
        return json_object(self.run("stack", "export", *args).stdout)

    def resources(self) -> dict[str, dict[str, Any]]:
        return {r["urn"]: r for r in self.export()["deployment"].get("resources", [])}


def json_object(text: str) -> dict[str, Any]:
    """A JSON document that must be an object (the CLI's `--json` output, an exported stack)."""
    value = json.loads(text)
    assert isinstance(value, dict), f"expected a JSON object, got: {text[:200]}"
    return value


def yaml_mapping(path: Path) -> dict[str, Any]:
    value = yaml.safe_load(path.read_text())
    assert isinstance(value, dict), f"{path}: expected a mapping"
    return value


def make_engine(
    tools: tuple[Path, Path],
    base: Path,
    source: Path = ROOT,
    kubeconfig: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Engine:
    """One test's engine under base; `kubeconfig` (its text) replaces the fixture's (the cluster
    tier's real clusters), `extra_env` adds to the environment."""
    bin_dir, home = tools
    project, backend, world = base / "project", base / "backend", base / "world"
    for d in (project, backend, world):
        d.mkdir(parents=True)
    program_files(source, project)
    if kubeconfig is None:
        shutil.copy(FIXTURES / "kubeconfig", base / "kubeconfig")
    else:
        (base / "kubeconfig").write_text(kubeconfig)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(base),
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "KUBECONFIG": str(base / "kubeconfig"),
        "ARC_ENGINE_WORLD": str(world),
        # The subscription and tenant the offline plan's getClientConfig mock answers, so both sides agree.
        "ARC_ENGINE_SUBSCRIPTION": "00000000-0000-0000-0000-000000000000",
        "ARC_ENGINE_TENANT": "11111111-1111-1111-1111-111111111111",
        "LANG": "C.UTF-8",
        **(extra_env or {}),
    }
    engine = Engine(project, world, env)
    engine.run("login", f"file://{backend}")
    return engine


@pytest.fixture
def engine(tools: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    made = make_engine(tools, tmp_path)
    yield made
    print_runs_if_failed(request, made)


def print_runs_if_failed(request: pytest.FixtureRequest, engine: Engine) -> None:
    """After a failed test, the engine's last runs (pytest shows a test's output when it fails)."""
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print("\n".join(entry[:1500] for entry in engine.log[-4:]))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the pulumi process alone (its plugins notice their parent is gone and exit)."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    time.sleep(0.5)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@pytest.fixture(autouse=True)
def no_stray_processes() -> Iterator[None]:
    """Stops whatever a test's runs left behind. The engine starts each plugin in a process group of
    its own, so a `pulumi` killed by a test (or by a timeout) leaves its providers running, reparented
    to init where no test could find them. As the child subreaper, pytest inherits them instead;
    after the test's own fixtures have stopped what they started, anything still below pytest is
    such a leftover: killed and reaped here."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    yield
    for pid in descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children left
        if reaped == 0:
            time.sleep(0.05)


def repair_file_backend(backend: Path) -> list[Path]:
    """docs/troubleshooting.md's step for `failed to load checkpoint: EOF` after a killed run: remove
    the file backend's empty metadata sidecars (`*.attrs`). gocloud.dev's fileblob writes a blob's
    sidecar in place (blob/fileblob/attrs.go `setAttrs`: os.Create, then encode) before it renames the
    blob into place, so a kill between the two leaves an empty sidecar, which `getAttrs` fails to
    decode with io.EOF on every later read of the blob; without a sidecar it reads defaults
    (gocloud.dev v0.46.1-0.20260810195832-b5401c07b5f1, the version pulumi/pkg v3.274.0 requires)."""
    empty = [path for path in backend.rglob("*.attrs") if path.stat().st_size == 0]
    for path in empty:
        path.unlink()
    return empty


# --- what the engine tests share: the dev stack, the stand-ins' state, the CLI's answers ----------
# The connected cluster's type today, and the generic one issue 11 moves it to (with an alias).
CLUSTER_TYPES = ("azure-native:kubernetes:ConnectedCluster", "azure-native:resources:Resource")
# Matched by logical name, which survives a change of type (every child URN of the component
# contains "ArcConnectedCluster", and "azure-native:resources:Resource" is a prefix of the group's type).
DEV_CLUSTER = "::arc-dev-rg/arc-dev-cluster"
GROUP_TYPE = "azure-native:resources:ResourceGroup"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
JOB_TYPE = "kubernetes:batch/v1:Job"
KEY_TYPE = "tls:index/privateKey:PrivateKey"
PROXY_PASSWORD = "Pr0xyPassw0rd-engine"
# What upgraded_engine swaps for the current program's (the rest of the project stays).
PROGRAM_PATHS = ("__main__.py", "components", "Pulumi.yaml", "requirements.txt")


def dev_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml_mapping(ROOT / "Pulumi.dev.yaml")["config"]
    return config


def set_proxy_as_users_do(
    engine: Engine, https_proxy: str = f"http://user:{PROXY_PASSWORD}@proxy.corp.example:3128"
) -> dict[str, Any]:
    """The README's commands (`config set --path`, `--secret`); returns the same proxy as plain YAML."""
    engine.run("config", "set", "--path", "arc-onboarding:proxy.httpProxy", "http://proxy.corp.example:3128")
    engine.run("config", "set", "--secret", "--path", "arc-onboarding:proxy.httpsProxy", https_proxy)
    no_proxy = ["10.96.0.0/12", "kubernetes.default.svc", ".svc.cluster.local", ".svc"]
    for i, entry in enumerate(no_proxy):
        engine.run("config", "set", "--path", f"arc-onboarding:proxy.noProxy[{i}]", entry)
    return {"httpProxy": "http://proxy.corp.example:3128", "httpsProxy": https_proxy, "noProxy": no_proxy}


def release_in_cluster(engine: Engine, context: str = "kind-arc-dev") -> dict[str, Any]:
    release: dict[str, Any] = engine.state("kubernetes")["releases"][f"{context}|azure-arc-release/azure-arc"]
    return release


@pytest.fixture
def proxy_change(engine: Engine) -> list[dict[str, Any]]:
    """The dev stack up behind a proxy, then a noProxy entry added as users add it and up again:
    what that second up created, updated and deleted."""
    engine.init(dev_config())
    set_proxy_as_users_do(engine)
    engine.up()
    start = len(engine.calls())
    engine.run("config", "set", "--path", "arc-onboarding:proxy.noProxy[4]", ".corp.example")
    engine.up()
    return calls_since(engine, start, "Create", "Update", "Delete")


@pytest.fixture
def self_upgraded_agents(engine: Engine) -> dict[str, Any]:
    """The dev stack up with `agents.autoUpgrade`, then its agents upgraded by themselves to 1.37.0
    (a new helm revision of the live release, out of band); the stack's config."""
    config = dev_config()
    config["arc-onboarding:agents"] = {**config["arc-onboarding:agents"], "autoUpgrade": True}
    engine.init(config)
    engine.up()
    kube = engine.state("kubernetes")
    release = kube["releases"]["kind-arc-dev|azure-arc-release/azure-arc"]
    release.update(version="1.37.0", revision=release["revision"] + 1)
    engine.write_state("kubernetes", kube)
    return config


def calls_since(engine: Engine, start: int, *names: str) -> list[dict[str, Any]]:
    return [c for c in engine.calls()[start:] if c["call"] in names]


def cluster_calls(engine: Engine, start: int, *names: str) -> list[str]:
    """The calls among `names` on the dev stack's connected cluster since call `start`, in order."""
    return [c["call"] for c in calls_since(engine, start, *names) if c["subject"].endswith(DEV_CLUSTER)]


def arm_clusters(engine: Engine) -> list[dict[str, Any]]:
    """The connected clusters the stand-in ARM holds."""
    return [
        r
        for r in engine.state("azure")["resources"].values()
        if r["type"].lower() == "microsoft.kubernetes/connectedclusters"
    ]


def cluster_in_arm(engine: Engine) -> str:
    found: str = arm_clusters(engine)[0]["id"]
    return found


def cluster_state(engine: Engine) -> dict[str, Any]:
    """The dev stack's connected cluster in the stack's state."""
    (cluster,) = [r for r in engine.resources().values() if r["urn"].endswith(DEV_CLUSTER)]
    return cluster


def resource_errors(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The CLI's "Diagnostics:" section: per resource ("type (name)"), its text, for those with an error."""
    blocks: dict[str, list[str]] = {}
    current = None
    in_diagnostics = False
    for line in done.stdout.splitlines():
        if line.startswith("Diagnostics:"):
            in_diagnostics = True
            continue
        if in_diagnostics and line and not line.startswith(" "):
            in_diagnostics = False
        if not in_diagnostics:
            continue
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            current = line.strip().rstrip(":")
            blocks[current] = []
        elif current:
            blocks[current].append(line.strip())
    return {name: "\n".join(text) for name, text in blocks.items() if any(t.startswith("error:") for t in text)}


def converged(engine: Engine) -> None:
    """Nothing left to do, and nothing duplicated, orphaned or lost in the stand-ins."""
    engine.up("--expect-no-changes")
    assert len(arm_clusters(engine)) == 1
    assert len(engine.state("kubernetes")["releases"]) == 1
    in_state = {r["id"].lower() for r in engine.resources().values() if r.get("id", "").startswith("/subscriptions/")}
    arm = engine.state("azure")["resources"].values()
    assert {r["id"].lower() for r in arm} == in_state, "ARM and the state disagree (orphan or loss)"


def upgraded_engine(tools, tmp_path: Path, commit: str, config: dict[str, Any] | None = None) -> Engine:
    """The dev stack brought up with the program of `commit`, then the current program in its place."""
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", commit], check=False).returncode != 0:
        pytest.skip(f"commit {commit[:12]} is not in this clone (shallow?)")
    old = tmp_path / "old-source"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    engine = make_engine(tools, tmp_path / "run", source=old)
    engine.init(config or dev_config())
    engine.up()
    # The same stack, now with the current program.
    stack_file = (engine.project / "Pulumi.dev.yaml").read_text()
    for path in PROGRAM_PATHS:
        target = engine.project / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    program_files(ROOT, engine.project)
    (engine.project / "Pulumi.dev.yaml").write_text(stack_file)
    return engine


def guarded_replacements(engine: Engine) -> list[tuple[str, str]]:
    """What `pulumi preview` would replace, delete or create among connected clusters, keys and groups."""
    steps = json_object(engine.run("preview", "--json").stdout)["steps"]
    guarded = (*CLUSTER_TYPES, KEY_TYPE, GROUP_TYPE)
    return [
        (s["op"], s["urn"])
        for s in steps
        if s["op"] in ("replace", "create-replacement", "delete-replaced", "delete", "create")
        and (s.get("newState") or s.get("oldState") or {}).get("type") in guarded
    ]
