"""Hardening round three (issue 20), the security findings and the tracebacks: each test reproduces
what the red team found, run against the real code paths (the sharder's generated script under
/bin/sh, the loaders, the CLIs as processes)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.test_precheck import run_script  # noqa: F401  # the fixture: precheck.sh with a fake cluster and ARM
from tests.test_scripts import sh  # noqa: F401  # the fixture that runs a script as the Commands do
from tests.test_shard import CIPHERTEXT, fleet_project, shard

# A `pulumi` that records what it is asked, one argument a line, then the value piped to it.
FAKE_PULUMI = r"""#!/bin/sh
{ for argument in "$@"; do printf 'arg:%s\n' "$argument"; done; printf 'stdin:%s\n' "$(cat)"; } >>"$FAKE_LOG"
"""


def run_set_secrets(project: Path, tmp_path: Path, values: dict[str, str]) -> list[str]:
    """Run the generated set-secrets.sh as an operator would, in the project directory, with a fake
    `pulumi`; return what `pulumi` was called with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    log = tmp_path / "pulumi.log"
    log.write_text("")
    done = subprocess.run(
        ["/bin/sh", "shards/set-secrets.sh"],
        cwd=project,
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PULUMI_ORG": "example-org",
            "FAKE_LOG": str(log),
            "HOME": str(tmp_path),
            **values,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


# --- 1. command injection in the generated set-secrets.sh -------------------------------------------


def parse_property_path(path: str) -> list[str | int]:
    """A port of Pulumi's ParsePropertyPath (pulumi/pulumi sdk/go/common/resource/properties_path.go,
    commit 02327a04), which `pulumi config set --path` applies to the key after its namespace."""
    elements: list[str | int] = []
    while path:
        if path[0] == ".":
            path = path[1:]
        elif path[0] == "[":
            if len(path) > 1 and path[1] == '"':
                key, i = "", 2
                while True:
                    if i >= len(path):
                        raise ValueError("missing closing quote in property name")
                    if path[i] == '"':
                        i += 1
                        break
                    if path[i] == "\\" and i + 1 < len(path) and path[i + 1] == '"':
                        key, i = key + '"', i + 2
                    else:
                        key, i = key + path[i], i + 1
                if i >= len(path) or path[i] != "]":
                    raise ValueError("missing closing bracket in property access")
                element: str | int = key
                path = path[i:]
            else:
                end = path.index("]")
                element = "*" if path[1:end] == "*" else int(path[1:end])
                path = path[end:]
            elements.append(element)
            path = path[1:]
        else:
            i = 0
            while i < len(path) and path[i] not in ".[":
                i += 1
            elements.append(path[:i])
            path = path[i:]
    return elements


HOSTILE_TAGS = {
    "x';touch PWNED-1;'": "pwned-1",
    "$(touch PWNED-2)": "pwned-2",
    'a"b`touch PWNED-3`.c': "pwned-3",
}


def test_r3_finding_01_tag_names_in_set_secrets_sh_run_no_code(tmp_path: Path, monkeypatch) -> None:
    """A pull request adds tags whose names are shell code, with `secure:` values: running the
    generated script must set each secret at its own key, and run nothing else."""
    extra = {"arc-onboarding:tags": {name: {"secure": CIPHERTEXT} for name in HOSTILE_TAGS}}
    project = fleet_project(tmp_path, 2, extra=extra)
    assert shard(project, monkeypatch, "--size", "2") == 0
    script = (project / "shards" / "set-secrets.sh").read_text()
    values = {
        "ARC_SECRET_TAGS_X_TOUCH_PWNED_1": "one",
        "ARC_SECRET_TAGS_TOUCH_PWNED_2": "two",
        "ARC_SECRET_TAGS_A_B_TOUCH_PWNED_3_C": "three",
    }
    assert all(f"${name}" in script for name in values), script
    calls = run_set_secrets(project, tmp_path, values)
    assert not list(project.glob("PWNED*")), "the script ran code from a tag name"
    paths = [calls[i + 1][len("arg:") :] for i, line in enumerate(calls) if line == "arg:--path"]
    # Pulumi's property-path form: bracketed, `"` escaped (properties_path.go, ParsePropertyPath).
    assert (
        paths
        == [
            """arc-onboarding:tags["x';touch PWNED-1;'"]""",
            """arc-onboarding:tags["$(touch PWNED-2)"]""",
            """arc-onboarding:tags["a\\"b`touch PWNED-3`.c"]""",
        ]
        * 2
    )  # groups stack and the one shard
    # (The script first inits the two new stacks, issue 20 finding 16: those calls read no stdin.)
    assert calls.count("arg:init") == 2
    assert [line for line in calls if line.startswith("stdin:") and line != "stdin:"] == [
        "stdin:one",
        "stdin:two",
        "stdin:three",
    ] * 2
    # ...and each is the tag's own key for Pulumi.
    for path, name in zip(paths, list(HOSTILE_TAGS) * 2, strict=True):
        assert parse_property_path(path.split(":", 1)[1]) == ["tags", name]


def test_r3_finding_01_control_characters_in_a_key_path_are_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    extra = {"arc-onboarding:tags": {"cost\ncenter": {"secure": CIPHERTEXT}}}
    project = fleet_project(tmp_path, 2, extra=extra)
    assert shard(project, monkeypatch, "--size", "2") == 2
    err = capsys.readouterr().err
    assert "control character" in err and "cost\ncenter" not in err
    assert not (project / "shards" / "set-secrets.sh").exists()


def test_r3_finding_01_keys_that_would_share_a_variable_are_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    extra = {"arc-onboarding:tags": {"cost-center": {"secure": CIPHERTEXT}, "cost_center": {"secure": CIPHERTEXT}}}
    project = fleet_project(tmp_path, 2, extra=extra)
    assert shard(project, monkeypatch, "--size", "2") == 2
    assert "would all be read from $ARC_SECRET_TAGS_COST_CENTER" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["a/b", "a<b", "a%b", "a&b", "a\\b", "a?b", "a>b"])
def test_r3_finding_01_tag_names_arm_refuses_stop_the_sharder(tmp_path: Path, monkeypatch, capsys, name) -> None:
    """ARM's rule for tag names (Learn, azure-resource-manager/management/tag-resources, Limitations:
    none of < > % & \\ ? /, at most 512 characters) is checked before any file is written."""
    extra = {"arc-onboarding:tags": {name: {"secure": CIPHERTEXT}}}
    project = fleet_project(tmp_path, 2, extra=extra)
    assert shard(project, monkeypatch, "--size", "2") == 2
    assert "tag names are 1-512 characters without < > % & \\ ? /" in capsys.readouterr().err
    assert not (project / "shards").exists()


# --- 3. YAML tags that fail to convert -----------------------------------------------------------

BAD_TAGS = ["!!float", "!!int", "!!bool", "!!timestamp", "!!set"]
TAGGED_SECRET = "hunter2-tagged-9f1"


@pytest.mark.parametrize("tag", BAD_TAGS)
def test_r3_finding_03_a_tag_that_fails_to_convert_quotes_no_value_in_a_stack_file(plan, tag: str) -> None:
    from tests.conftest import BASE_STACK_YAML

    raw = BASE_STACK_YAML + f"  arc-onboarding:proxy:\n    httpsProxy: {tag} http://u:{TAGGED_SECRET}@proxy:3128\n"
    run = plan(None, raw=raw)
    assert run.code == 2, run.stderr
    assert TAGGED_SECRET not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "arc-onboarding:proxy" in run.stderr and "cannot convert" in run.stderr


@pytest.mark.parametrize("tag", BAD_TAGS)
def test_r3_finding_03_a_tag_that_fails_to_convert_quotes_no_value_in_a_kubeconfig(plan, tmp_path, tag) -> None:
    kubeconfig = tmp_path / "tagged-kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://c:6443'}}]\n"
        f"users:\n- name: u\n  user:\n    token: {tag} {TAGGED_SECRET}\n"
    )
    from tests.conftest import BASE_CONFIG

    run = plan({**BASE_CONFIG, "kubeconfig": str(kubeconfig), "kubeContext": "c"})
    assert run.code == 2, run.stderr
    assert TAGGED_SECRET not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "arc-onboarding:kubeconfig" in run.stderr


# --- 5. secret policy names and did-you-mean hints --------------------------------------------------


def load_problems(config: dict[str, Any], secret: list[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of `load` on `config` with `secret` keys set as secrets."""
    from components.settings import ConfigError, load
    from tests.conftest import KUBECONFIG, engine_config

    try:
        settings = load(engine_config(config), secret, ROOT, {"KUBECONFIG": str(KUBECONFIG)})
    except ConfigError as error:
        return list(error.problems), []
    return [], list(settings.warnings)


def test_r3_finding_05_a_secret_policy_quotes_no_definition_or_parameter_name() -> None:
    from tests.conftest import BASE_CONFIG

    policy = {
        "enabled": True,
        "assignments": [
            {"name": "a1", "definition": "Kubernetes clusters should not allow privileged containerz-hidden"},
            {
                "name": "a2",
                "definition": "Kubernetes cluster containers should only use allowed images",
                "parameters": {"allowedContainerImagesRegexHidden": "x", "effect": "Denyy"},
                "enforcement": "Enforcedd",
            },
        ],
    }
    config = {**BASE_CONFIG, "policy": policy}
    plain, _ = load_problems(config, [])
    assert any("containerz-hidden" in p for p in plain) and any("RegexHidden" in p for p in plain)
    errors, _ = load_problems(config, ["arc-onboarding:policy"])
    assert len(errors) == len(plain) and errors
    text = "\n".join(errors)
    for hidden in (
        "containerz-hidden",
        "RegexHidden",
        "Denyy",
        "Enforcedd",
        "did you mean",
        "allowedContainerImagesRegex",
    ):
        assert hidden not in text, (hidden, text)


def test_r3_finding_05_a_secret_location_gets_no_did_you_mean() -> None:
    from tests.conftest import BASE_CONFIG

    _, plain = load_problems({**BASE_CONFIG, "location": "westeuropz"}, [])
    assert any("did you mean 'westeurope'" in w for w in plain), plain
    _, warnings = load_problems({**BASE_CONFIG, "location": "westeuropz"}, ["arc-onboarding:location"])
    assert warnings and not any("westeurope" in w for w in warnings), warnings


def test_r3_finding_05_a_secret_kube_context_gets_no_did_you_mean() -> None:
    from tests.conftest import BASE_CONFIG

    plain, _ = load_problems({**BASE_CONFIG, "kubeContext": "kind-arc-dvv"}, [])
    assert any("did you mean `kind-arc-dev`" in p for p in plain), plain
    errors, _ = load_problems({**BASE_CONFIG, "kubeContext": "kind-arc-dvv"}, ["arc-onboarding:kubeContext"])
    assert errors and not any("kind-arc-d" in p for p in errors), errors


# --- 8. CSV inventories: a repeated header, an oversized cell ----------------------------------------


def inventory_problems(tmp_path: Path, text: str) -> list[str]:
    from components.settings import ConfigError, load
    from tests.conftest import KUBECONFIG, engine_config

    (tmp_path / "stores.csv").write_text(text)
    config = engine_config({"location": "westeurope", "resourceGroup": "rg", "inventory": str(tmp_path / "stores.csv")})
    with pytest.raises(ConfigError) as raised:
        load(config, [], ROOT, {"KUBECONFIG": str(KUBECONFIG)})
    return list(raised.value.problems)


def test_r3_finding_08_a_repeated_csv_header_is_an_error(tmp_path: Path) -> None:
    problems = inventory_problems(tmp_path, "clusterName,kubeContext,clusterName\nstore-1,kind-arc-dev,store-2\n")
    assert any("the header names clusterName more than once" in p for p in problems), problems


def test_r3_finding_08_an_oversized_csv_cell_is_a_clear_error(tmp_path: Path) -> None:
    cell = "x" * 131_073
    problems = inventory_problems(tmp_path, f"clusterName,kubeContext\nstore-1,{cell}\n")
    (problem,) = problems
    assert problem.startswith("arc-onboarding:inventory: ") and "line 2" in problem and cell not in problem


def test_r3_finding_08_an_oversized_csv_cell_stops_the_plan_without_a_traceback(plan, tmp_path: Path) -> None:
    (tmp_path / "stores.csv").write_text("clusterName,kubeContext\nstore-1," + "y" * 200_000 + "\n")
    run = plan({"location": "westeurope", "resourceGroup": "rg", "inventory": str(tmp_path / "stores.csv")})
    assert run.code == 2 and "Traceback" not in run.stderr and "arc-onboarding:inventory" in run.stderr


# --- 9. components.migrate: no state left in $TMPDIR, URNs escaped; 17. no pulumi CLI ---------------

MIGRATE_FIXTURE = ROOT / "tests" / "fixtures" / "state-typed-cluster.json"


def migrate_process(tmp_path: Path, pulumi: str | None, state: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The migrate command line and its environment: TMPDIR private to the test, and a fake `pulumi`
    (`pulumi` is its script; None: no pulumi on PATH at all)."""
    (tmp_path / "state.json").write_text(json.dumps(state))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "tmp").mkdir()
    if pulumi is not None:
        (bin_dir / "pulumi").write_text(pulumi)
        (bin_dir / "pulumi").chmod(0o755)
    # PATH: the fake alone (and no other pulumi), plus what sh needs.
    path = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    env = {"PATH": path, "TMPDIR": str(tmp_path / "tmp"), "HOME": str(tmp_path), "T": str(tmp_path)}
    return [sys.executable, "-m", "components.migrate", "--stack", "dev"], env


HANGING_IMPORT = r"""#!/bin/sh
case "$1 $2" in
  "stack export") cat "$T/state.json" ;;
  "stack import") echo $$ >"$T/importing"; exec sleep 30 ;;
esac
"""


def test_r3_finding_09_sigterm_during_the_import_leaves_no_state_in_tmpdir(tmp_path: Path) -> None:
    args, env = migrate_process(tmp_path, HANGING_IMPORT, json.loads(MIGRATE_FIXTURE.read_text()))
    started = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        marker = tmp_path / "importing"
        while not (marker.exists() and marker.read_text().endswith("\n")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the import never started"
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=15)
    finally:
        started.kill()
        started.communicate()
        with contextlib.suppress(OSError, ValueError):  # the fake import's sleep, orphaned by the kill
            os.kill(int((tmp_path / "importing").read_text()), signal.SIGKILL)
    assert list((tmp_path / "tmp").iterdir()) == [], "the exported state was left in $TMPDIR"


def test_r3_finding_09_urns_are_printed_escaped(tmp_path: Path) -> None:
    state = json.loads(MIGRATE_FIXTURE.read_text())
    for resource in state["deployment"]["resources"]:
        resource["urn"] = str(resource["urn"]) + "\x1b]0;owned\x07\x1b[2J"
    fake = '#!/bin/sh\ncase "$1 $2" in\n  "stack export") cat "$T/state.json" ;;\n  "stack import") cat >/dev/null ;;\nesac\n'
    args, env = migrate_process(tmp_path, fake, state)
    done = subprocess.run([*args, "--dry-run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    assert "\\x1b]0;owned\\x07\\x1b[2J: inputs + resourceName" in done.stdout


def test_r3_finding_17_migrate_without_the_pulumi_cli_says_so(tmp_path: Path) -> None:
    args, env = migrate_process(tmp_path, None, {})
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "the pulumi CLI is not on PATH" in done.stderr


# --- 17. tracebacks: `| head`, a bare `python -m` outside the venv ---------------------------------


def test_r3_finding_17_shard_into_a_closed_pipe_prints_no_traceback(tmp_path: Path) -> None:
    """`python -m components.shard ... | head`: the reader is gone before the report is written."""
    project = fleet_project(tmp_path, 3)
    started = subprocess.Popen(
        [sys.executable, "-m", "components.shard", "--stack", "fleet", "--out", "shards", "--size", "2"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert started.stdout is not None
    started.stdout.close()  # as `head -n 0` does: nothing will ever read the report
    _, err = started.communicate(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert started.returncode == 1
    assert (project / "shards" / "set-secrets.sh").exists() is False and (project / "shards" / "shards.yml").exists()


@pytest.mark.parametrize("module", ["components.plan", "components.shard"])
def test_r3_finding_17_a_bare_python_says_how_to_run_it(module: str) -> None:
    """A Python without the project's dependencies (`-S`: no site-packages, as a bare system python3)."""
    done = subprocess.run(
        [sys.executable, "-S", "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"`venv/bin/python -m {module} ...`" in done.stderr and "make venv/.installed" in done.stderr


# --- 19. requirements.txt: the lock's runtime packages, with hashes ----------------------------------


def requirements_txt() -> dict[str, tuple[str, set[str]]]:
    """requirements.txt as {name: (version, sha256 hashes)}."""
    from tests.test_supply_chain import normalize

    text = (ROOT / "requirements.txt").read_text()
    out: dict[str, tuple[str, set[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2] if text.startswith("#") else text):
        first, *rest = entry.replace("\\\n", " ").split()
        name, version = first.split("==")
        out[normalize(name)] = (version, {h.split("=", 1)[1] for h in rest if h.startswith("--hash=sha256:")})
    return out


def test_r3_finding_19_requirements_txt_is_the_locks_runtime_closure_with_every_hash() -> None:
    from tests.test_supply_chain import lock, normalize

    packages = {normalize(p["name"]): p for p in lock()["package"]}
    wanted: set[str] = set()
    todo = [normalize(d["name"]) for d in packages["arc-onboarding"]["dependencies"]]
    while todo:  # the runtime dependencies and theirs, no dev group
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += [normalize(d["name"]) for d in packages[name].get("dependencies", [])]
    exported = requirements_txt()
    assert set(exported) == wanted
    for name, (version, hashes) in exported.items():
        package = packages[name]
        artifacts = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert version == package["version"], name
        assert hashes == {a["hash"] for a in artifacts} and hashes, name


def test_r3_finding_19_make_test_checks_requirements_txt_against_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    (check,) = re.findall(r"^lock-check:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert "export --quiet --frozen --no-dev --format requirements-txt" in makefile
    assert "| diff -u requirements.txt -" in check


# --- 2 and 4. the scripts' temporary files: a private directory; no kubeconfig left after SIGKILL ----

KUBECONFIG_WRITERS = ["cleanup", "precheck", "delete_guard"]


def writer_values(script: str) -> dict[str, str]:
    from components import scripts
    from tests.test_scripts import SUBSCRIPTION

    if script == "cleanup":
        return scripts.cleanup_environment(crd_suffix="com", namespaces=("azure-arc",))
    if script == "precheck":
        return scripts.precheck_environment(
            subscription=SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test", crd_suffix="com",
            agent_namespace="azure-arc", release_name="azure-arc", replace_stale=False, dry_run=False,
        )  # fmt: skip
    return {
        str(k): str(v)
        for k, v in scripts.delete_guard_environment(
            subscription=SUBSCRIPTION, resource_group="arc-test-rg", cluster_name="arc-test",
            agent_namespace="azure-arc", release_name="azure-arc", release_namespace="azure-arc-release",
            managed_extensions=(), force_delete=False,
        ).items()
    }  # fmt: skip


@pytest.mark.parametrize("script", KUBECONFIG_WRITERS)
def test_r3_finding_04_sigkill_leaves_no_kubeconfig_in_tmpdir(sh, tmp_path: Path, script: str) -> None:  # noqa: F811
    """Go's exec.CommandContext ends a cancelled command with SIGKILL, which no trap sees."""
    from components import scripts
    from tests.test_scripts import TestCleanupRuns

    left, code = TestCleanupRuns().signalled(
        sh, tmp_path, scripts.text(script), writer_values(script), signal.SIGKILL, hang="30"
    )
    assert code == -signal.SIGKILL
    assert left == [], f"the kubeconfig's credentials were left in $TMPDIR: {left}"


@pytest.mark.parametrize("script", ["verify", "group_guard", *KUBECONFIG_WRITERS])
def test_r3_finding_02_scripts_write_no_file_loose_in_tmpdir(script: str) -> None:
    """Every temporary file of a script is in its own `mktemp -d` directory (0700), which it removes."""
    from components import scripts

    text = scripts.text(script)
    assert re.findall(r"\$\(mktemp[^)]*\)", text) == ["$(mktemp -d)"], script


@pytest.mark.parametrize("script", KUBECONFIG_WRITERS)
def test_r3_finding_02_a_running_script_keeps_its_files_in_a_private_directory(
    sh,  # noqa: F811
    tmp_path: Path,
    script: str,
) -> None:
    from components import scripts
    from tests.test_scripts import TestCleanupRuns

    def only_a_private_directory() -> None:
        made = [p for p in tmp_path.iterdir() if p.name.startswith("tmp.")]
        assert [p.is_dir() and p.stat().st_mode & 0o777 for p in made] == [0o700], made

    # The cleanup ends at once on a signal; the others once their kubectl call returns.
    hang = "30" if script == "cleanup" else "2"
    left, _ = TestCleanupRuns().signalled(
        sh, tmp_path, scripts.text(script), writer_values(script), signal.SIGTERM, hang, only_a_private_directory
    )
    assert left == [] and not [p for p in tmp_path.iterdir() if p.name.startswith("tmp.")]


# --- 6. precheck.sh: copy-paste commands quoted, the cluster's text without control characters -------

HOSTILE_CONTEXT = "ctx 'a'; touch PWNED-CTX #"
RECORDER = '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done >>"$RECORD"\n'


def run_printed_command(tmp_path: Path, command: str) -> list[str]:
    """Run a command the precheck printed, as a user pasting it would, with kubectl, helm and az that
    only record their arguments; the arguments, one a line."""
    bin_dir = tmp_path / "paste-bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("kubectl", "helm", "az"):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    record = tmp_path / "pasted.log"
    record.write_text("")
    subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=tmp_path,
        env={"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "RECORD": str(record)},
        check=True,
        timeout=30,
    )
    return record.read_text().splitlines()


def test_r3_finding_06_the_stale_cleanup_command_quotes_the_context(run_script, tmp_path: Path) -> None:  # noqa: F811
    from components import precheck
    from tests.test_precheck import THEIRS, check_env

    env = {**check_env(), "ARC_KUBE_CONTEXT": HOSTILE_CONTEXT}
    run = run_script("precheck", env, FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=THEIRS,
                     FAKE_CRDS="connectedclusters.arc.azure.com")  # fmt: skip
    (stop,) = precheck.parse(run.stdout).stops
    command = stop.split("Remove it with the stack's kubeconfig: ", 1)[1].split("; or set agents.replaceStale", 1)[0]
    arguments = run_printed_command(tmp_path, command)
    assert not list(tmp_path.glob("PWNED*")), f"the printed command ran code from the context: {command}"
    assert arguments.count(HOSTILE_CONTEXT) == 3, arguments  # helm, and both kubectl calls
    assert arguments[:5] == ["delete", "azure-arc", "--namespace", "azure-arc-release", "--no-hooks"]


def test_r3_finding_06_the_configmaps_values_are_quoted_and_cannot_forge_a_line(
    run_script,  # noqa: F811
    tmp_path: Path,
) -> None:
    from components import precheck
    from tests.test_precheck import SUB, check_env

    # A cluster (or whoever may write its ConfigMap) names the connected cluster it claims to be.
    identity = f"{SUB}/rg'$(touch PWNED-CM)'/name\narm-key: FORGED\x1b[2J"
    run = run_script("precheck", check_env(), FAKE_RELEASE_NS="azure-arc-release", FAKE_IDENTITY=identity,
                     FAKE_AZ_ERROR="ARM is not answering")  # fmt: skip
    found = precheck.parse(run.stdout)
    assert found.arm_key is None, "a line of the ConfigMap's text was read as the check's answer"
    assert not any(c in run.stdout for c in "\x1b")
    (stop,) = found.stops
    command = "az connectedk8s delete" + stop.split("offboard it first: az connectedk8s delete", 1)[1]
    arguments = run_printed_command(tmp_path, command)
    assert not list(tmp_path.glob("PWNED*"))
    assert arguments[arguments.index("--resource-group") + 1] == "rg'$(touch PWNED-CM)'"


# --- 2. minify_kubeconfig: file references absolute against the file they came from ------------------


def kubeconfig_with_references(context: str, user_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "contexts": [{"name": context, "context": {"cluster": f"{context}-c", "user": f"{context}-u"}}],
        "clusters": [
            {"name": f"{context}-c", "cluster": {"server": "https://c:6443", "certificate-authority": "pki/ca.crt"}}
        ],
        "users": [
            {
                "name": f"{context}-u",
                "user": {
                    "client-certificate": "./pki/client.crt",
                    "client-key": "../keys/client.key",
                    "tokenFile": "token",
                    "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "bin/get-token"},
                    **(user_extra or {}),
                },
            }
        ],
    }


def minified_target(config: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    from components.settings import load
    from tests.conftest import engine_config

    settings = load(engine_config(config), [], ROOT, environ)
    content = settings.clusters[0].kube.content
    assert content is not None
    document: dict[str, Any] = yaml.safe_load(content)
    return document


def test_r3_finding_02_relative_references_become_absolute_against_the_kubeconfigs_directory(tmp_path: Path) -> None:
    from tests.conftest import BASE_CONFIG

    home = tmp_path / "clusters" / "edge"
    home.mkdir(parents=True)
    (home / "config").write_text(yaml.safe_dump(kubeconfig_with_references("edge")))
    config = {**BASE_CONFIG, "kubeconfig": str(home / "config"), "kubeContext": "edge"}
    document = minified_target(config, {})
    assert document["clusters"][0]["cluster"]["certificate-authority"] == f"{home}/pki/ca.crt"
    user = document["users"][0]["user"]
    assert user["client-certificate"] == f"{home}/pki/client.crt"
    assert user["client-key"] == f"{tmp_path}/clusters/keys/client.key"
    assert user["tokenFile"] == f"{home}/token"
    assert user["exec"]["command"] == f"{home}/bin/get-token"


def test_r3_finding_02_bare_commands_and_absolute_paths_stay_as_written(tmp_path: Path) -> None:
    from tests.conftest import BASE_CONFIG

    kubeconfig = kubeconfig_with_references("edge", {"exec": {"command": "kubelogin"}, "tokenFile": "/run/token"})
    (tmp_path / "config").write_text(yaml.safe_dump(kubeconfig))
    config = {**BASE_CONFIG, "kubeconfig": str(tmp_path / "config"), "kubeContext": "edge"}
    user = minified_target(config, {})["users"][0]["user"]
    assert user["exec"]["command"] == "kubelogin" and user["tokenFile"] == "/run/token"


def test_r3_finding_02_merged_files_resolve_each_entry_against_its_own_file(tmp_path: Path) -> None:
    """$KUBECONFIG's list: the context from one file, its cluster and user from another."""
    from tests.conftest import BASE_CONFIG

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    whole = kubeconfig_with_references("edge")
    (first / "config").write_text(yaml.safe_dump({**whole, "clusters": [], "users": []}))
    (second / "config").write_text(yaml.safe_dump({**whole, "contexts": []}))
    environ = {"KUBECONFIG": f"{first / 'config'}{os.pathsep}{second / 'config'}"}
    document = minified_target({**BASE_CONFIG, "kubeContext": "edge"}, environ)
    assert document["clusters"][0]["cluster"]["certificate-authority"] == f"{second}/pki/ca.crt"
    assert document["users"][0]["user"]["tokenFile"] == f"{second}/token"


# --- 7. the operator's `az login` keeps the client secret off argv -----------------------------------


@pytest.mark.parametrize("variant", ["stack.yaml", "stack-in-cluster.yaml"])
def test_r3_finding_07_az_login_reads_the_client_secret_from_a_file(variant: str) -> None:
    """argv is world-readable (/proc/PID/cmdline); az expands an argument `@PATH` to the file's
    content (Azure/azure-cli src/azure-cli-core/azure/cli/core/commands/__init__.py,
    _expand_file_prefixed_files, commit 0070732c), so `--password @FILE` puts only the path there."""
    documents = [d for d in yaml.safe_load_all((ROOT / "deploy" / "operator" / variant).read_text()) if d]
    (stack,) = [d for d in documents if d["kind"] == "Stack"]
    pod = stack["spec"]["workspaceTemplate"]["spec"]["podTemplate"]["spec"]
    (login,) = [c for c in pod["initContainers"] if c["name"] == "az-login"]
    script = " ".join(login.get("command", []) + login.get("args", []))
    assert "ARM_CLIENT_SECRET" not in script and "clientSecret" not in script
    assert "ARM_CLIENT_SECRET" not in {e["name"] for e in login.get("env", [])}, "not needed in its environment"
    found = re.search(r"--password @(\S+)", script)
    assert found, script
    path = Path(found.group(1))
    mounts = {Path(m["mountPath"]): m for m in login["volumeMounts"]}
    mount = mounts[path.parent]
    assert mount.get("readOnly") is True
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    refs = stack["spec"]["envRefs"]["ARM_CLIENT_SECRET"]["secret"]
    assert volume["secret"]["secretName"] == refs["name"]
    assert volume["secret"]["items"] == [{"key": refs["key"], "path": path.name}]
    assert volume["secret"]["defaultMode"] == 0o400
    # ...and it is mounted nowhere else: the workspace container reads ARM_CLIENT_SECRET from envRefs.
    assert all(m["name"] != mount["name"] for c in pod["containers"] for m in c.get("volumeMounts", []))


def test_r3_finding_01_stack_and_out_dir_that_would_enter_the_workflows_commands_are_refused(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from components.shard.cli import main as shard_main

    project = fleet_project(tmp_path, 2)
    monkeypatch.chdir(project)
    hostile_stack = "fleet$(touch PWNED)"
    (project / f"Pulumi.{hostile_stack}.yaml").write_text((project / "Pulumi.fleet.yaml").read_text())
    assert shard_main(["--stack", hostile_stack, "--out", "shards", "--size", "2"]) == 2
    assert "--stack: a Pulumi stack name has 1-100 letters" in capsys.readouterr().err
    assert shard_main(["--stack", "fleet", "--out", "out $(touch PWNED)", "--size", "2"]) == 2
    assert "--out: the generated workflow's commands name it" in capsys.readouterr().err
    assert not (project / "shards").exists() and not (project / "out $(touch PWNED)").exists()


def test_r3_finding_06_the_delete_guard_shows_the_clusters_text_without_control_characters(
    run_script,  # noqa: F811
) -> None:
    from tests.test_precheck import KUBECONFIG_TEXT, SUB

    values = {**writer_values("delete_guard"), "ARC_KUBECONFIG": KUBECONFIG_TEXT, "ARC_KUBE_CONTEXT": "kind-arc-dev"}
    run = run_script("delete_guard", values, FAKE_RELEASE_NS="azure-arc-release",
                     FAKE_IDENTITY=f"{SUB}/rg/other\x1b]0;owned\x07\nforged line")  # fmt: skip
    assert run.code == 1 and "carries the agents of connected cluster" in run.stderr, run.stderr
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr and "other]0;ownedforged line" in run.stderr


@given(st.text(min_size=1, max_size=40))
@example('a"b')
@example("a\\b")
@example("a\\")
@example('a\\"')
@example("x.y[0]")
def test_r3_finding_01_every_key_path_names_its_key_for_pulumi(name: str) -> None:
    """Whatever a map key holds, Pulumi reads the path back to it; but control characters and a
    trailing backslash (which Pulumi's grammar cannot write), refused."""
    from components.shard.assign import ShardError
    from components.shard.stackfiles import strip_secure

    try:
        _, (path,) = strip_secure({name: {"deeper": {"secure": CIPHERTEXT}}}, "arc-onboarding:tags")
    except ShardError:
        assert name.endswith("\\") or re.search(r"[\x00-\x1f\x7f-\x9f]", name), name
        return
    assert parse_property_path(path.split(":", 1)[1]) == ["tags", name, "deeper"]
