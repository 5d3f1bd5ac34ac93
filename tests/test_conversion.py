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


def test_the_finding_is_read() -> None:
    assert precheck.parse("agentless: AgentNotInstalled\nnote: x\n").agentless is True
    assert precheck.parse("arm-key: K\n").agentless is False


CLUSTER_TYPE = "azure-native:resources:Resource"
COMMAND = "command:local:Command"


@pytest.fixture
def agentless_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-write check answers as for a cluster the multicloud connector created."""
    from pulumi.runtime import MockCallArgs

    from components.plan.engine import _LOCAL_RUN, PlanMocks

    call = PlanMocks.call

    def answered(self: PlanMocks, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == _LOCAL_RUN:
            return {"stdout": "agentless: AgentNotInstalled\n", "stderr": ""}, []
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
