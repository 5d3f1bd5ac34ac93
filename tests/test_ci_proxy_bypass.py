"""Issue 19 §4: `proxy.bypass: [Microsoft.AzureMonitor.Containers]`, Container Insights' proxy bypass in
ConfigMap `kube-system/container-azm-ms-agentconfig`, as the CLI 1.11.4+ does it (azure-cli-extensions
@ 0b4bb2eb, connectedk8s `_containerinsightsutils.py`): components/scripts/ci_proxy_bypass.sh against a
fake kubectl holding one ConfigMap, and the program's Command in the offline plan.

The fake answers the three calls the script makes as the API server does (a merge patch carrying a
stale `metadata.resourceVersion` is a 409 Conflict; a create of an existing object a 409
AlreadyExists) and renders the script's go-template itself: an assumption about kubectl's output that
the cluster tier (tests/cluster/test_cluster.py) checks with the real kubectl and kube-apiserver.
The expected texts are the CLI's results for the same inputs, worked out from its functions
`merge_proxy_bypass_into_agent_settings` and `remove_proxy_bypass_from_agent_settings`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components import scripts
from tests.conftest import BASE_CONFIG
from tests.test_scripts import needs_sh
from tests.test_settings import settings

NAME = "container-azm-ms-agentconfig"
STAMP = "connectedk8s.arc.azure.com/proxy-bypass"
ON = 'ignore_proxy_settings = "true"'
OFF = 'ignore_proxy_settings = "false"'
BLOCK = f"[agent_settings.proxy_config]\n    {ON}"
# Container Insights' own settings, which must survive every edit.
THEIRS = "[log_collection_settings]\n   [log_collection_settings.stdout]\n      enabled = true\n"

FAKE_KUBECTL = r"""#!PYTHON
import json, os, sys
argv = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(" ".join(argv).replace("\n", "\\n") + "\n")
if "--kubeconfig" in argv:
    with open(os.environ["FAKE_LOG"] + ".kubeconfig", "a") as seen:
        seen.write(open(argv[argv.index("--kubeconfig") + 1]).read())
state_file = os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else None
def save(obj):
    json.dump(obj, open(state_file, "w"))
words = [a for i, a in enumerate(argv) if not a.startswith("-") and argv[i - 1] not in ("--context", "--kubeconfig", "--namespace", "-p", "-f", "--type")]
if os.environ.get("FAKE_UNREACHABLE"):
    print("The connection to the server 127.0.0.1:6443 was refused", file=sys.stderr); sys.exit(1)
if words[:1] == ["get"] and "--raw" in argv:
    print('{"gitVersion": "v1.37.2"}'); sys.exit(0)
if os.environ.get("FAKE_FORBIDDEN"):
    print(f'Error from server (Forbidden): configmaps "{words[-1]}" is forbidden: User "u" cannot get resource "configmaps"', file=sys.stderr); sys.exit(1)
if words[:2] == ["get", "configmap"]:
    if state is None:
        print(f'Error from server (NotFound): configmaps "{words[2]}" not found', file=sys.stderr); sys.exit(1)
    meta = state["metadata"]
    stamped = "1" if "connectedk8s.arc.azure.com/proxy-bypass" in (meta.get("annotations") or {}) else ""
    sys.stdout.write(f'{meta["resourceVersion"]}\n{stamped}\n{(state.get("data") or {}).get("agent-settings", "")}')
    sys.exit(0)
if words[:1] == ["create"]:
    if state is not None:
        print('Error from server (AlreadyExists): error when creating "x": configmaps "c" already exists', file=sys.stderr); sys.exit(1)
    obj = json.load(open(argv[argv.index("-f") + 1]))
    obj["metadata"]["resourceVersion"] = "1"
    save(obj); sys.exit(0)
if words[:2] == ["patch", "configmap"]:
    patch = json.loads(argv[argv.index("-p") + 1])
    marker = os.environ["FAKE_STATE"] + ".raced"
    if os.environ.get("FAKE_RACE") and not os.path.exists(marker):
        # Another writer got in between the script's read and this patch.
        open(marker, "w").write("1")
        state["metadata"]["resourceVersion"] = str(int(state["metadata"]["resourceVersion"]) + 1)
        save(state)
    if patch["metadata"].get("resourceVersion") != state["metadata"]["resourceVersion"]:
        print('Error from server (Conflict): Operation cannot be fulfilled on configmaps "c": the object has been modified', file=sys.stderr); sys.exit(1)
    def merge(target, change):
        for key, value in change.items():
            if value is None:
                target.pop(key, None)
            elif isinstance(value, dict):
                merge(target.setdefault(key, {}), value)
            else:
                target[key] = value
    patch["metadata"].pop("resourceVersion")
    merge(state, patch)
    state["metadata"]["resourceVersion"] = str(int(state["metadata"]["resourceVersion"]) + 1)
    save(state); sys.exit(0)
print("unexpected call: " + " ".join(argv), file=sys.stderr); sys.exit(2)
"""


def configmap(settings_text: str | None, stamped: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": NAME,
            "namespace": "kube-system",
            "resourceVersion": "7",
            "annotations": {"owner": "container-insights", **({STAMP: "azure-cli"} if stamped else {})},
        },
        "data": {"schema-version": "v1", **({"agent-settings": settings_text} if settings_text is not None else {})},
    }


class Cluster:
    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        kubectl = self.bin / "kubectl"
        kubectl.write_text(FAKE_KUBECTL.replace("PYTHON", sys.executable))
        kubectl.chmod(0o755)
        self.state = tmp_path / "configmap.json"
        self.log = tmp_path / "calls.log"
        self.tmp = tmp_path

    def holds(self, obj: dict[str, Any] | None) -> None:
        if obj is not None:
            self.state.write_text(json.dumps(obj))

    @property
    def configmap(self) -> dict[str, Any] | None:
        return json.loads(self.state.read_text()) if self.state.exists() else None

    def run(self, mode: scripts.CiBypassMode, **env: str) -> subprocess.CompletedProcess[str]:
        self.log.write_text("")
        return subprocess.run(
            [*scripts.INTERPRETER, scripts.ci_proxy_bypass_text(mode)],
            env={
                "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(self.tmp),
                "TMPDIR": str(self.tmp),
                "FAKE_LOG": str(self.log),
                "FAKE_STATE": str(self.state),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    def writes(self) -> list[str]:
        return [c for c in self.log.read_text().splitlines() if c.split(" ")[1] in ("create", "patch")]


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    return Cluster(tmp_path)


def settings_of(cluster: Cluster) -> str:
    found = cluster.configmap
    assert found is not None
    text: str = found["data"]["agent-settings"]
    return text


def stamped(cluster: Cluster) -> bool:
    found = cluster.configmap
    assert found is not None
    return STAMP in (found["metadata"].get("annotations") or {})


@needs_sh
class TestAdd:
    def test_absent_it_is_created_with_only_the_setting_and_the_clis_stamp(self, cluster: Cluster) -> None:
        run = cluster.run("add")
        assert run.returncode == 0, run.stderr
        found = cluster.configmap
        assert found is not None
        assert found["metadata"]["annotations"] == {STAMP: "azure-cli"}
        assert found["data"] == {"schema-version": "v1", "config-version": "ver1", "agent-settings": BLOCK}

    def test_other_settings_stay_and_the_section_is_appended(self, cluster: Cluster) -> None:
        cluster.holds(configmap(THEIRS))
        run = cluster.run("add")
        assert run.returncode == 0, run.stderr
        assert settings_of(cluster) == THEIRS.rstrip("\n") + "\n" + BLOCK
        assert stamped(cluster)
        found = cluster.configmap
        assert found is not None and found["metadata"]["annotations"]["owner"] == "container-insights"
        assert found["data"]["schema-version"] == "v1"

    def test_under_an_existing_section_header(self, cluster: Cluster) -> None:
        cluster.holds(configmap('[agent_settings.proxy_config]\n    other = "x"'))
        assert cluster.run("add").returncode == 0
        assert settings_of(cluster) == f'[agent_settings.proxy_config]\n    {ON}\n    other = "x"'

    def test_a_false_setting_turns_true_keeping_its_indent(self, cluster: Cluster) -> None:
        cluster.holds(configmap(f"{THEIRS}[ agent_settings.proxy_config ]\n\t{OFF}\n"))
        assert cluster.run("add").returncode == 0
        assert settings_of(cluster) == f"{THEIRS}[ agent_settings.proxy_config ]\n\t{ON}"
        assert stamped(cluster)

    def test_a_setting_already_on_is_theirs_no_write_no_stamp(self, cluster: Cluster) -> None:
        cluster.holds(configmap(f"{THEIRS}{BLOCK}\n"))
        assert cluster.run("add").returncode == 0
        assert cluster.writes() == [] and not stamped(cluster)
        # ... so that destroy leaves it on.
        assert cluster.run("remove").returncode == 0
        assert cluster.writes() == [] and settings_of(cluster) == f"{THEIRS}{BLOCK}\n"

    def test_a_commented_or_other_sections_setting_does_not_count(self, cluster: Cluster) -> None:
        text = f"[agent_settings.other]\n    {ON}\n[agent_settings.proxy_config]\n    # {ON}"
        cluster.holds(configmap(text))
        assert cluster.run("add").returncode == 0
        assert (
            settings_of(cluster)
            == f"[agent_settings.other]\n    {ON}\n[agent_settings.proxy_config]\n    {ON}\n    # {ON}"
        )

    def test_quotes_and_backslashes_survive_the_write(self, cluster: Cluster) -> None:
        text = 'path = "C:\\\\logs"\nname = "a \\"b\\""'
        cluster.holds(configmap(text))
        assert cluster.run("add").returncode == 0
        assert settings_of(cluster) == f"{text}\n{BLOCK}"

    def test_a_concurrent_write_is_read_again(self, cluster: Cluster) -> None:
        cluster.holds(configmap(THEIRS))
        run = cluster.run("add", FAKE_RACE="1")
        assert run.returncode == 0, run.stderr
        assert len(cluster.writes()) == 2 and settings_of(cluster).endswith(BLOCK)


@needs_sh
class TestRemove:
    def test_its_own_setting_goes_false_and_the_stamp_goes(self, cluster: Cluster) -> None:
        cluster.holds(configmap(f"{THEIRS}{BLOCK}", stamped=True))
        run = cluster.run("remove")
        assert run.returncode == 0, run.stderr
        assert settings_of(cluster) == f"{THEIRS}[agent_settings.proxy_config]\n    {OFF}"
        assert not stamped(cluster)
        found = cluster.configmap
        assert found is not None and found["metadata"]["annotations"] == {"owner": "container-insights"}

    def test_an_unstamped_configmap_is_left_alone(self, cluster: Cluster) -> None:
        cluster.holds(configmap(BLOCK))
        assert cluster.run("remove").returncode == 0
        assert cluster.writes() == []

    def test_absent_nothing_is_created(self, cluster: Cluster) -> None:
        assert cluster.run("remove").returncode == 0
        assert cluster.writes() == [] and cluster.configmap is None

    def test_add_then_remove_round_trip(self, cluster: Cluster) -> None:
        cluster.holds(configmap(THEIRS))
        assert cluster.run("add").returncode == 0
        assert cluster.run("remove").returncode == 0
        assert settings_of(cluster) == THEIRS.rstrip("\n") + f"\n[agent_settings.proxy_config]\n    {OFF}"
        assert not stamped(cluster)


@needs_sh
class TestFailures:
    def test_a_refusal_fails_the_step_naming_the_configmap_and_the_rights(self, cluster: Cluster) -> None:
        run = cluster.run("add", FAKE_FORBIDDEN="1")
        assert run.returncode == 1
        assert f"kube-system/{NAME}" in run.stderr and "ConfigMaps in kube-system" in run.stderr

    def test_the_kubeconfig_reaches_kubectl_and_never_lands_in_a_file(self, cluster: Cluster) -> None:
        kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: ci-secret-token-9}\n"
        run = cluster.run("add", ARC_KUBECONFIG=kubeconfig, ARC_KUBE_CONTEXT="kind-arc-dev")
        assert run.returncode == 0, run.stderr
        seen = Path(f"{cluster.log}.kubeconfig").read_text()
        # Three calls (version, read, write), each given the whole kubeconfig (the here-document ends it
        # with one more newline).
        assert seen == (kubeconfig + "\n") * 3
        assert cluster.log.read_text().count("--kubeconfig /dev/fd/3 --context kind-arc-dev ") == 3
        leftovers = [
            p for p in cluster.tmp.rglob("*") if p.is_file() and "ci-secret-token-9" in p.read_text(errors="ignore")
        ]
        assert leftovers == [Path(f"{cluster.log}.kubeconfig")]

    def test_an_unreachable_cluster_stops_the_step(self, cluster: Cluster) -> None:
        run = cluster.run("remove", FAKE_UNREACHABLE="1")
        assert run.returncode == 1 and "PULUMI_K8S_DELETE_UNREACHABLE=true" in run.stderr

    def test_a_destroy_passes_a_cluster_that_is_gone_when_told_so(self, cluster: Cluster) -> None:
        run = cluster.run("remove", FAKE_UNREACHABLE="1", PULUMI_K8S_DELETE_UNREACHABLE="True")
        assert run.returncode == 0 and "treated as gone" in run.stderr and cluster.writes() == []


def test_container_insights_is_accepted() -> None:
    proxy = settings({"proxy": {"bypass": ["microsoft.azuremonitor.containers"]}}).clusters[0].proxy
    assert proxy.bypass == ("Microsoft.AzureMonitor.Containers",)
    # Not an Arc bypass: noProxy and the release's record are untouched.
    assert proxy.no_proxy == () and proxy.user_no_proxy is None


COMMAND = "command:local:Command"


@pytest.mark.parametrize("bypass", [["Microsoft.AzureMonitor.Containers"], ["Arc"]])
def test_the_plan_has_the_step_only_with_container_insights(plan, bypass) -> None:
    result = plan({**BASE_CONFIG, "proxy": {"httpsProxy": "http://proxy.example:3128", "bypass": bypass}}, "--json")
    assert result.code == 0, result.stderr
    steps = [r for r in result.document["resources"] if r["name"].endswith("-ci-proxy-bypass")]
    if bypass == ["Arc"]:
        assert steps == []
        return
    (step,) = steps
    assert step["type"] == COMMAND
    inputs = step["inputs"]
    assert inputs["create"].startswith("ARC_CI_BYPASS=add\n") and inputs["delete"].startswith("ARC_CI_BYPASS=remove\n")
    # After the agents' release: on destroy it runs before they go.
    assert any(d.endswith("-agents") for d in step["dependencies"]), step["dependencies"]
