"""Issue 19 §5: a connected cluster the multicloud connector created in ARM (connectivityStatus
AgentNotInstalled) is converted as the CLI converts it (azure-cli-extensions @ 0b4bb2eb, connectedk8s
`custom.py` `connected_cluster_exists`, `create_connectedk8s`): components/scripts/convert.sh against a
fake az, the pre-write check's finding, and the program's two steps in the offline plan.

The fake az answers as the engine tier's (tests/engine/standins/fake_az.py): `resource show --ids ID
--query properties.X --output tsv` prints the value; `rest --method put` stores the body."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pulumi_command
import pytest

from components import precheck, scripts
from tests.conftest import BASE_CONFIG
from tests.test_scripts import needs_sh

CLUSTER = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-test-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
BODY = {"location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": {"agentPublicKeyCertificate": "K"}}

# FAKE_STATUS: connectivityStatus before the PUT; FAKE_PROVISIONING: provisioningState after it.
FAKE_AZ = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
case "$1 $2" in
  "resource show")
    case "$6" in
      properties.connectivityStatus) echo "${FAKE_STATUS:-AgentNotInstalled}" ;;
      properties.provisioningState) echo "${FAKE_PROVISIONING:-Succeeded}" ;;
    esac
    exit 0 ;;
  "rest --method")
    shift 5
    [ "$1" = --body ] && printf '%s' "$2" >"$FAKE_BODY"
    exit 0 ;;
esac
exit 2
"""


def convert(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    az, log = tmp_path / "bin" / "az", tmp_path / "calls.log"
    az.parent.mkdir(exist_ok=True)
    az.write_text(FAKE_AZ)
    az.chmod(0o755)
    log.write_text("")
    run = subprocess.run(
        [*scripts.INTERPRETER, scripts.text("convert")],
        env={
            **scripts.convert_environment(
                cluster_id=CLUSTER, api_version="2026-05-01", body=json.dumps(BODY), timeout_seconds=3
            ),
            "PATH": f"{az.parent}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAKE_BODY": str(tmp_path / "body.json"),
            "ARC_POLL_INTERVAL_SECONDS": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return run, log.read_text().splitlines()


@needs_sh
class TestConvertScript:
    def test_puts_the_stacks_body_over_the_connectors_and_waits_for_the_lro(self, tmp_path: Path) -> None:
        run, calls = convert(tmp_path)
        assert run.returncode == 0, run.stderr
        puts = [c for c in calls if c.startswith("rest --method put")]
        assert puts == [
            f"rest --method put --url {CLUSTER}?api-version=2026-05-01 --body {json.dumps(BODY)} --output none"
        ]
        assert json.loads((tmp_path / "body.json").read_text()) == BODY
        assert calls[-1].endswith("--query properties.provisioningState --output tsv")

    def test_a_cluster_taken_over_since_the_check_is_left_alone(self, tmp_path: Path) -> None:
        run, calls = convert(tmp_path, FAKE_STATUS="Connected")
        assert run.returncode == 1 and "no longer AgentNotInstalled" in run.stderr
        assert not [c for c in calls if c.startswith("rest")]

    def test_a_failed_put_fails_the_step(self, tmp_path: Path) -> None:
        run, _ = convert(tmp_path, FAKE_PROVISIONING="Failed")
        assert run.returncode == 1 and "ended Failed" in run.stderr

    def test_a_put_that_never_ends_times_out(self, tmp_path: Path) -> None:
        run, _ = convert(tmp_path, FAKE_PROVISIONING="Updating")
        assert run.returncode == 1 and "still Updating after 3s" in run.stderr

    def test_an_id_that_is_no_connected_cluster_is_refused(self, tmp_path: Path) -> None:
        run, calls = convert(tmp_path, ARC_CLUSTER_ID="/subscriptions/x/resourceGroups/g/providers/Other/things/n")
        assert run.returncode == 2 and calls == []


CLUSTER_TYPE = "azure-native:resources:Resource"
COMMAND = "command:local:Command"


@pytest.fixture
def agentless_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing (agentless.sh) finds the dev cluster as the multicloud connector created it."""
    from pulumi.runtime import MockCallArgs

    from components.plan.engine import _LOCAL_RUN, PLACEHOLDER_SUBSCRIPTION, PlanMocks

    call = PlanMocks.call

    def answered(self: PlanMocks, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == _LOCAL_RUN and args.args["command"] == scripts.text("agentless"):
            # ARM spells a group's segment as it likes: the program compares ids in lower case.
            found = f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourcegroups/ARC-TEST-RG/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
            return {"stdout": f"agentless: {found}\n", "stderr": ""}, []
        return call(self, args)

    monkeypatch.setattr(PlanMocks, "call", answered)


def test_the_plan_converts_then_imports(plan, agentless_check) -> None:
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0, result.stderr
    step = result.resource(COMMAND, "-convert")
    cluster = result.resource(CLUSTER_TYPE, "-cluster")
    assert step["inputs"]["create"] == scripts.text("convert") and "delete" not in step["inputs"]
    environment = step["inputs"]["environment"]
    body = json.loads(environment["ARC_CLUSTER_BODY"])
    # The PUT carries exactly what the connected cluster declares, so the import then matches.
    assert body == {k: cluster["inputs"][k] for k in ("location", "identity", "properties", "tags")}
    assert environment["ARC_CLUSTER_ID"].endswith(
        "/resourceGroups/arc-test-rg/providers/Microsoft.Kubernetes/connectedClusters/arc-test"
    )
    assert cluster["options"]["import"] == environment["ARC_CLUSTER_ID"]
    assert "apiVersion" in cluster["options"]["ignoreChanges"]
    assert step["urn"] in cluster["dependencies"]


def test_no_conversion_no_import(plan) -> None:
    result = plan(BASE_CONFIG, "--json")
    assert result.code == 0, result.stderr
    cluster = result.resource(CLUSTER_TYPE, "-cluster")
    assert "import" not in cluster["options"] and "apiVersion" not in cluster["options"]["ignoreChanges"]
    assert not [r for r in result.document["resources"] if r["name"].endswith("-convert")]


def test_the_plans_text_shows_the_import(plan, agentless_check) -> None:
    text = plan(BASE_CONFIG).stdout
    (row,) = [line for line in text.splitlines() if "arc-test-rg/arc-test-cluster " in line]
    assert row.split()[0] == "=" and row.split()[-1] == "import", row
    assert "= 1 to import" in text


@pytest.fixture
def arm_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The engine tier's stand-in ARM (tests/engine/standins/arm.py), and its fake az on a PATH."""
    from tests.engine.conftest import standin_wrapper

    world = tmp_path / "world"
    world.mkdir()
    monkeypatch.setenv("ARC_ENGINE_WORLD", str(world))
    (tmp_path / "bin").mkdir()
    standin_wrapper(tmp_path / "bin" / "az", "fake_az")
    return tmp_path


SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"


def listing(arm_world: Path, *groups: str) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """agentless.sh over these groups: its run, and the argv of each az call it made."""
    from tests.engine.standins import world

    run = subprocess.run(
        [*scripts.INTERPRETER, scripts.text("agentless")],
        env={
            **os.environ,
            **scripts.agentless_environment(
                subscription=SUBSCRIPTION, resource_groups=groups, api_version="2026-05-01"
            ),
            "PATH": f"{arm_world / 'bin'}{os.pathsep}{os.environ['PATH']}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = world.world() / "calls.jsonl"
    calls = [json.loads(line)["argv"] for line in log.read_text().splitlines()] if log.exists() else []
    return run, calls


def put_group_with(group: str, agentless: list[str], onboarded: list[str]) -> None:
    from tests.engine.standins import arm

    arm.put({"id": arm.group_id(SUBSCRIPTION, group), "name": group, "type": "Microsoft.Resources/resourceGroups"})
    for name in agentless:
        arm.put(arm.agentless_cluster(SUBSCRIPTION, group, name, "eastus"))
    for name in onboarded:
        cluster = arm.agentless_cluster(SUBSCRIPTION, group, name, "eastus")
        arm.put({**cluster, "properties": {**cluster["properties"], "agentPublicKeyCertificate": "K"}})


@needs_sh
class TestAgentlessListing:
    """agentless.sh, the one synchronous read of the program's run, against the engine tier's fake az:
    ARM's list in pages, az's `--query` evaluated with jmespath and printed as knack prints tsv."""

    def test_lists_only_agent_not_installed_clusters_across_pages(self, arm_world: Path) -> None:
        put_group_with("Store-RG", agentless=["a-1", "a-2", "a-3"], onboarded=["b-1", "b-2"])
        run, calls = listing(arm_world, "Store-RG")
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines() == [
            f"agentless: /subscriptions/{SUBSCRIPTION}/resourceGroups/Store-RG/providers/Microsoft.Kubernetes/connectedClusters/{name}"
            for name in ("a-1", "a-2", "a-3")
        ]
        # Five clusters in pages of two: three GETs, each after the first at the previous page's nextLink.
        urls = [call[call.index("--url") + 1] for call in calls]
        assert len(urls) == 3 and urls[0].startswith("/subscriptions/") and "$skipToken=4" in urls[2]

    def test_a_group_not_created_yet_holds_none_and_each_group_is_listed_once(self, arm_world: Path) -> None:
        put_group_with("store-rg", agentless=["a-1"], onboarded=[])
        run, calls = listing(arm_world, "new-rg", "store-rg", "STORE-RG")
        assert run.returncode == 0, run.stderr
        assert [line.rsplit("/", 1)[-1] for line in run.stdout.splitlines()] == ["a-1"]
        assert len(calls) == 2

    def test_a_group_that_cannot_be_read_stops_the_run(self, arm_world: Path) -> None:
        from tests.engine.standins import world

        put_group_with("store-rg", agentless=["a-1"], onboarded=[])
        with world.locked("faults") as faults:
            message = 'Forbidden({"error":{"code":"AuthorizationFailed"}})'
            faults["armed"] = [{"who": "az", "call": "exec", "match": "connectedClusters", "message": message}]
        run, _ = listing(arm_world, "store-rg")
        assert run.returncode == 0, run.stderr
        (line,) = run.stdout.splitlines()
        assert (
            line.startswith("stop: cannot list the connected clusters of group store-rg")
            and "AuthorizationFailed" in line
        )

    def test_a_subscription_not_registered_for_the_namespace_lists_none(self, arm_world: Path) -> None:
        from tests.engine.standins import world

        put_group_with("store-rg", agentless=["a-1"], onboarded=[])
        with world.locked("faults") as faults:
            message = (
                'Conflict({"error":{"code":"MissingSubscriptionRegistration","message":"The subscription is not '
                "registered to use namespace 'Microsoft.Kubernetes'.\"}})"
            )
            faults["armed"] = [{"who": "az", "call": "exec", "match": "connectedClusters", "message": message}]
        run, _ = listing(arm_world, "store-rg")
        assert (run.returncode, run.stdout) == (0, ""), run.stderr

    def test_the_program_reads_the_ids_and_a_stop(self, monkeypatch: pytest.MonkeyPatch) -> None:
        answers = iter(
            [
                f"agentless: {CLUSTER.upper()}\nagentless: {CLUSTER}\n",
                "stop: cannot list the connected clusters of group g\n",
            ]
        )

        class Result:
            stdout = next(answers)

        monkeypatch.setattr(pulumi_command.local, "run", lambda **_: Result())
        assert precheck.agentless_clusters("s", ["g"]) == {CLUSTER.lower()}
        Result.stdout = next(answers)
        with pytest.raises(precheck.PreWriteCheckFailed, match="not written to Azure: cannot list"):
            precheck.agentless_clusters("s", ["g"])
