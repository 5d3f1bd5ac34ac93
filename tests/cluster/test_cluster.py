"""Scenarios of issue 18 on real clusters: the program under the real engine with the real
kubernetes provider, real helm and kubectl (its scripts), on the dev stack and on a fleet of two
clusters; the Azure side on the engine tier's stand-ins. Each asserts what the cluster holds
afterwards, read with the real kubectl and helm (controlplane.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from tests.engine.conftest import ROOT, Engine, descendants, dev_config, kill_group, repair_file_backend
from tests.engine.test_engine import add_foreign_resource

from .conftest import CHART, PROJECT_CHART
from .controlplane import ControlPlanes
from .forward import Forwarder
from .registry import Registry, bumped

SUB = "00000000-0000-0000-0000-000000000000"  # the stand-in's subscription (ARC_ENGINE_SUBSCRIPTION)
PIN = "1.36.1"  # the chart fixture's version, the default pin
RELEASE, RELEASE_NS, AGENT_NS = "azure-arc", "azure-arc-release", "azure-arc"
PREFLIGHT_NS, PREFLIGHT_JOB, PREFLIGHT_SECRET = "azure-arc-preflight", "arc-preflight", "arc-preflight-settings"
ARC_CRDS = 7  # the chart's crds/ (components/scripts ARC_CRDS)
PROXY = "http://proxy.corp.example:3128"
LOCAL_AGENTS = {"chart": PROJECT_CHART, "chartVersion": PIN, "autoUpgrade": False}


def dev(**agents: Any) -> dict[str, Any]:
    """The dev stack (Pulumi.dev.yaml: context kind-arc-dev, cluster a) with the local chart."""
    return {**dev_config(), "arc-onboarding:agents": {**LOCAL_AGENTS, **agents}}


def fleet() -> dict[str, Any]:
    """Two clusters of one stack (store-a on a, store-b on b), behind a proxy."""
    return {
        "arc-onboarding:location": "westeurope",
        "arc-onboarding:resourceGroup": "arc-fleet-rg",
        "arc-onboarding:agents": LOCAL_AGENTS,
        "arc-onboarding:proxy": {"httpsProxy": PROXY, "noProxy": ["10.0.0.0/24", ".svc"]},
        "arc-onboarding:clusters": [
            {"clusterName": "store-a", "kubeContext": "store-a"},
            {"clusterName": "store-b", "kubeContext": "store-b"},
        ],
    }


def other(engine: Engine) -> None:
    """A second stack onboarding cluster b (context kind-other) as arc-other; dev selected after."""
    engine.stack = "other"
    engine.init({**dev(), "arc-onboarding:clusterName": "arc-other", "arc-onboarding:resourceGroup": "arc-other-rg",
                 "arc-onboarding:kubeContext": "kind-other"})  # fmt: skip
    engine.up()
    engine.stack = "dev"
    engine.run("stack", "select", "dev")


# --- what a cluster holds, read with the real kubectl and helm --------------------------------------
def releases(planes: ControlPlanes, cluster: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(
        planes.helm(cluster, "list", "--all-namespaces", "--all", "-o", "json").stdout
    )
    return [r for r in listed if r["name"] == RELEASE]


def release(planes: ControlPlanes, cluster: str) -> dict[str, Any]:
    (found,) = releases(planes, cluster)
    assert found["namespace"] == RELEASE_NS and found["status"] == "deployed", found
    return found


def get(planes: ControlPlanes, cluster: str, *what: str) -> dict[str, Any] | None:
    done = planes.kubectl(cluster, "get", *what, "-o", "json", check=False)
    if done.returncode != 0:
        assert "NotFound" in done.stderr, done.stderr
        return None
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def cluster_config(planes: ControlPlanes, cluster: str) -> dict[str, str]:
    found = get(planes, cluster, "configmap", "azure-clusterconfig", "-n", AGENT_NS)
    return found["data"] if found else {}


def identity(planes: ControlPlanes, cluster: str) -> str:
    data = cluster_config(planes, cluster)
    return "/".join(data.get(k, "") for k in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZURE_RESOURCE_NAME"))


def arc_crds(planes: ControlPlanes, cluster: str) -> list[str]:
    names = planes.kubectl(cluster, "get", "crd", "-o", "name").stdout.split()
    return [n for n in names if n.endswith(("clusterconfig.azure.com", "arc.azure.com"))]


def namespaces(planes: ControlPlanes, cluster: str) -> set[str]:
    return set(planes.kubectl(cluster, "get", "ns", "-o", "jsonpath={.items[*].metadata.name}").stdout.split())


def job(planes: ControlPlanes, cluster: str) -> dict[str, Any]:
    found = get(planes, cluster, "job", PREFLIGHT_JOB, "-n", PREFLIGHT_NS)
    assert found is not None, f"no preflight Job on {cluster}"
    return found


def onboarded(planes: ControlPlanes, cluster: str, group: str, name: str, version: str = PIN) -> dict[str, Any]:
    """The cluster carries one onboarding: the preflight Job completed, the agents' release
    deployed at `version`, their identity, the Arc CRDs. The release."""
    assert job(planes, cluster)["status"].get("succeeded") == 1
    found = release(planes, cluster)
    assert found["chart"] == f"azure-arc-k8sagents-{version}"
    assert identity(planes, cluster) == f"{SUB}/{group}/{name}"
    assert len(arc_crds(planes, cluster)) == ARC_CRDS
    return found


def untouched(planes: ControlPlanes, cluster: str) -> None:
    assert releases(planes, cluster) == [] and AGENT_NS not in namespaces(planes, cluster)


def connected_clusters(engine: Engine) -> list[str]:
    """The connected clusters in the stand-in's ARM."""
    return [
        r["name"]
        for r in engine.state("azure").get("resources", {}).values()
        if r["type"].lower() == "microsoft.kubernetes/connectedclusters"
    ]


def output(done: Any) -> str:
    return str(done.stdout) + str(done.stderr)


# 1 ---------------------------------------------------------------------------------------------
def test_up_from_scratch_on_the_dev_stack_then_no_changes(engine: Engine, planes: ControlPlanes) -> None:
    engine.init(dev())
    engine.up()
    onboarded(planes, "a", "arc-dev-rg", "arc-dev")
    assert PREFLIGHT_NS in namespaces(planes, "a")
    untouched(planes, "b")
    engine.up("--expect-no-changes")


def test_up_from_scratch_on_a_fleet_of_two_clusters_then_no_changes(engine: Engine, planes: ControlPlanes) -> None:
    engine.stack = "fleet"
    engine.init(fleet())
    engine.up()
    for cluster, name in (("a", "store-a"), ("b", "store-b")):
        onboarded(planes, cluster, "arc-fleet-rg", name)
        secret = get(planes, cluster, "secret", PREFLIGHT_SECRET, "-n", PREFLIGHT_NS)
        assert secret is not None and "HTTPS_PROXY" in secret["data"]
        assert cluster_config(planes, cluster)["HTTPS_PROXY"] == PROXY
    engine.up("--expect-no-changes")


# 2 ---------------------------------------------------------------------------------------------
def test_a_proxy_change_replaces_the_preflight_and_upgrades_the_release(engine: Engine, planes: ControlPlanes) -> None:
    engine.init(dev())
    engine.up()
    before_job, before = job(planes, "a")["metadata"]["uid"], release(planes, "a")
    assert get(planes, "a", "secret", PREFLIGHT_SECRET, "-n", PREFLIGHT_NS) is None
    engine.set_config({"proxy": {"httpsProxy": PROXY}})
    engine.up()
    after = onboarded(planes, "a", "arc-dev-rg", "arc-dev")
    assert int(after["revision"]) == int(before["revision"]) + 1, "the release was not upgraded in place"
    assert job(planes, "a")["metadata"]["uid"] != before_job, "the preflight Job was not replaced (run again)"
    assert get(planes, "a", "secret", PREFLIGHT_SECRET, "-n", PREFLIGHT_NS) is not None
    assert cluster_config(planes, "a")["HTTPS_PROXY"] == PROXY
    engine.up("--expect-no-changes")


# 3 ---------------------------------------------------------------------------------------------
def test_self_upgraded_agents_are_never_rolled_back(engine: Engine, planes: ControlPlanes, tmp_path: Path) -> None:
    """agents.autoUpgrade from a mirror registry: the agents move to a newer chart out of band (as
    their self-upgrade does); a values change later upgrades them at that version, never back to the
    pin (docs/lifecycle.md). Fails with `ignoreChanges: [version]` (the provider's refresh keeps the
    stored inputs, so the ignored version is the first pin)."""
    pki = planes.clusters["a"].pki.dir
    helm = planes.bin / "helm"
    with Registry(pki / "serving.crt", pki / "serving.key") as registry:
        reference = registry.push_chart(helm, CHART, "arc", tmp_path / "pushed")
        registry.push_chart(helm, bumped(CHART, "1.37.0", tmp_path / "bumped"), "arc", tmp_path / "pushed")
        engine.init(dev(chart=reference, autoUpgrade=True))
        engine.up()
        onboarded(planes, "a", "arc-dev-rg", "arc-dev", PIN)
        planes.helm("a", "upgrade", RELEASE, reference, "--version", "1.37.0", "-n", RELEASE_NS, "--reuse-values")
        assert cluster_config(planes, "a")["AZURE_ARC_AGENT_VERSION"] == "1.37.0"
        upgraded = release(planes, "a")
        pulled = len(registry.pulls)

        engine.set_config({"proxy": {"httpsProxy": PROXY}})
        engine.up()
        after = onboarded(planes, "a", "arc-dev-rg", "arc-dev", "1.37.0")
        assert int(after["revision"]) == int(upgraded["revision"]) + 1, "the proxy change was not applied"
        assert cluster_config(planes, "a")["HTTPS_PROXY"] == PROXY
        assert not any(p.endswith(f":{PIN}") for p in registry.pulls[pulled:]), registry.pulls[pulled:]
        engine.up("--expect-no-changes")


# 4 ---------------------------------------------------------------------------------------------
def test_a_stale_onboarding_is_refused_then_replaced_with_replace_stale(engine: Engine, planes: ControlPlanes) -> None:
    """What a portal delete leaves: agents of a connected cluster gone from Azure."""
    planes.helm("a", "install", RELEASE, str(CHART), "-n", RELEASE_NS, "--create-namespace",
                "--set", f"global.subscriptionId={SUB},global.resourceGroupName=portal-rg,global.resourceName=deleted-in-portal")  # fmt: skip
    engine.init(dev())
    done = engine.up(check=False)
    assert done.returncode != 0
    text = output(done)
    assert "holds a stale Azure Arc onboarding" in text and "deleted-in-portal" in text, text[-3000:]
    assert f"helm delete {RELEASE} --namespace {RELEASE_NS} --no-hooks" in text and "agents.replaceStale" in text
    assert connected_clusters(engine) == [], "the connected cluster was written before the check refused"
    assert identity(planes, "a") == f"{SUB}/portal-rg/deleted-in-portal", "the refused up changed the cluster"

    engine.set_config({"agents": {**LOCAL_AGENTS, "replaceStale": True}})
    engine.up()
    found = onboarded(planes, "a", "arc-dev-rg", "arc-dev")
    assert int(found["revision"]) == 1, "the stale release was upgraded instead of replaced"
    binding = get(planes, "a", "clusterrolebinding", "azure-arc-operator")
    assert binding is not None, "the new install did not adopt the stale release's cluster-scoped objects"
    engine.up("--expect-no-changes")


# 5 ---------------------------------------------------------------------------------------------
def test_a_kubeconfig_re_pointed_at_the_other_cluster_is_refused_by_up_and_destroy(
    engine: Engine, planes: ControlPlanes, forwarder: Forwarder
) -> None:
    engine.init(dev())
    engine.up()
    other(engine)
    theirs = release(planes, "b")
    assert identity(planes, "b") == f"{SUB}/arc-other-rg/arc-other"
    # The dev context's address now reaches b (a moved DNS name or load balancer).
    forwarder.target_port = int(planes.clusters["b"].server.rsplit(":", 1)[1])

    done = engine.up(check=False)
    assert done.returncode != 0
    assert "onboarded to Azure Arc as another connected cluster: connected cluster arc-other" in output(done)
    done = engine.run("destroy", "--yes", "--skip-preview", check=False)
    assert done.returncode != 0
    assert "carries the agents of connected cluster" in output(done) and "nothing was uninstalled" in output(done)

    assert release(planes, "b") == theirs, "the other cluster's agents were touched"
    assert identity(planes, "b") == f"{SUB}/arc-other-rg/arc-other"
    onboarded(planes, "a", "arc-dev-rg", "arc-dev")  # and dev's agents are where they were
    assert sorted(connected_clusters(engine)) == ["arc-dev", "arc-other"]


# 6 ---------------------------------------------------------------------------------------------
def test_destroy_leaves_no_arc_objects_and_the_other_cluster_untouched(engine: Engine, planes: ControlPlanes) -> None:
    planes.helm("b", "install", RELEASE, str(CHART), "-n", RELEASE_NS, "--create-namespace",
                "--set", f"global.subscriptionId={SUB},global.resourceGroupName=arc-other-rg,global.resourceName=arc-other")  # fmt: skip
    theirs, their_crds = release(planes, "b"), arc_crds(planes, "b")
    engine.init(dev())
    engine.up()
    onboarded(planes, "a", "arc-dev-rg", "arc-dev")
    group, foreign = add_foreign_resource(engine)

    done = engine.run("destroy", "--yes", "--skip-preview", check=False)
    assert done.returncode != 0 and "Microsoft.Storage/storageAccounts/teamdata01" in output(done)

    assert releases(planes, "a") == []
    assert not {AGENT_NS, RELEASE_NS, PREFLIGHT_NS} & namespaces(planes, "a")
    assert cluster_config(planes, "a") == {}
    assert arc_crds(planes, "a") == []
    assert get(planes, "a", "clusterrolebinding", "azure-arc-operator") is None
    assert connected_clusters(engine) == []
    azure = engine.state("azure")["resources"]
    assert group["id"].lower() in azure and foreign.lower() in azure, "the group holding a foreign resource went"

    assert release(planes, "b") == theirs and arc_crds(planes, "b") == their_crds
    assert identity(planes, "b") == f"{SUB}/arc-other-rg/arc-other"


# 7 ---------------------------------------------------------------------------------------------
BLOCKED = "eastus.dp.kubernetesconfiguration.azure.com:443"


def blocked_summary(tmp_path: Path) -> str:
    """What the preflight script writes to its termination message when an endpoint is unreachable:
    the script itself, run here where that name does not resolve."""
    log = tmp_path / "termination-log"
    subprocess.run(
        ["bash", str(ROOT / "components" / "scripts" / "preflight.sh"), BLOCKED],
        # localhost stands for the cluster's DNS name, which resolves in a Pod.
        env={"PATH": os.environ["PATH"], "ARC_PREFLIGHT_TERMINATION_LOG": str(log), "ARC_PREFLIGHT_CA_FILE": "/none",
             "ARC_PREFLIGHT_CLUSTER_NAME": "localhost"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    summary = log.read_text().strip()
    assert BLOCKED in summary, summary
    return summary


def failing_preflight_stages(base: Path, summary: str, dest: Path) -> Path:
    """kwok's stages plus one that fails every preflight Pod with that message (weighted over
    pod-complete, which matches the same Pods), as the kubelet reports a container that exited 1."""
    stage = {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": "arc-preflight-fails"},
        "spec": {
            "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
            "selector": {
                "matchExpressions": [
                    {"key": ".metadata.namespace", "operator": "In", "values": [PREFLIGHT_NS]},
                    {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
                    {"key": ".status.phase", "operator": "In", "values": ["Running"]},
                ]
            },
            "weight": 10000,
            "next": {
                # As the kubelet reports a Pod whose container exited 1: Ready and ContainersReady
                # False with reason PodFailed (kubernetes pkg/kubelet/status/generate.go), the
                # container terminated with reason Error and the termination message.
                "statusTemplate": (
                    "{{ $now := Now }}\nconditions:\n"
                    "- {type: Ready, status: 'False', reason: PodFailed, lastTransitionTime: {{ $now | Quote }}}\n"
                    "- {type: ContainersReady, status: 'False', reason: PodFailed, lastTransitionTime: {{ $now | Quote }}}\n"
                    "containerStatuses:\n{{ range .spec.containers }}\n"
                    "- image: {{ .image | Quote }}\n  name: {{ .name | Quote }}\n  ready: false\n"
                    "  restartCount: 0\n  started: false\n  state:\n    terminated:\n      exitCode: 1\n"
                    "      reason: Error\n      startedAt: {{ $now | Quote }}\n      finishedAt: {{ $now | Quote }}\n"
                    f"      message: {json.dumps(summary)}\n{{{{ end }}}}\nphase: Failed\n"
                )
            },
        },
    }
    dest.write_text(base.read_text() + "\n---\n" + yaml.safe_dump(stage))
    return dest


def test_a_failing_preflight_names_the_job_and_the_endpoint_then_converges(
    engine: Engine, planes: ControlPlanes, tmp_path: Path
) -> None:
    summary = blocked_summary(tmp_path)
    planes.restart_kwok("a", failing_preflight_stages(planes.stages, summary, tmp_path / "failing.yaml"))
    engine.init(dev())
    done = engine.up(check=False)
    assert done.returncode != 0
    text = output(done)
    assert f"kubernetes:batch/v1:Job ({'arc-dev-rg/arc-dev-preflight'})" in text, text[-3000:]
    assert BLOCKED in text and "check(s) failed" in text, text[-3000:]
    assert releases(planes, "a") == [], "the agents were installed after a failed preflight"

    planes.restart_kwok("a")  # the firewall fixed: nothing in the stack changes
    engine.up()
    onboarded(planes, "a", "arc-dev-rg", "arc-dev")
    engine.up("--expect-no-changes")


# 8 ---------------------------------------------------------------------------------------------
def release_statuses(planes: ControlPlanes, cluster: str) -> list[str]:
    """The status label of each revision Helm stored of the agents' release."""
    return planes.kubectl(cluster, "get", "secrets", "-n", RELEASE_NS, "-l", f"owner=helm,name={RELEASE}",
                          "-o", "jsonpath={.items[*].metadata.labels.status}", check=False).stdout.split()  # fmt: skip


def up_until_helm_installs(engine: Engine, planes: ControlPlanes) -> subprocess.Popen[str]:
    """`pulumi up` of the dev stack started and running once Helm has begun the agents' install,
    which waits (cluster a without its kubelet: the agents' Pods stay Pending)."""
    planes.stop_kwok("a")
    engine.init({**dev(), "arc-onboarding:preflight": {"enabled": False}})
    process = engine.start("up", "--yes", "--skip-preview")
    deadline = time.monotonic() + 300
    while "pending-install" not in release_statuses(planes, "a") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "pending-install" in release_statuses(planes, "a"), "the agents' install never started"
    return process


def test_sigkill_during_the_helm_install_then_the_next_run_converges(engine: Engine, planes: ControlPlanes) -> None:
    """`pulumi up` and its plugins killed (a cancelled CI job kills them all) while Helm
    waits for the agents (no kubelet: their Pods stay Pending): the release stays pending-install,
    which Helm refuses to install again; recovered as docs/troubleshooting.md says, one release in
    the end. Fails without the pre-write check forgetting the interrupted install."""
    process = up_until_helm_installs(engine, planes)
    for pid in [*descendants(process.pid), process.pid]:  # the plugins run in process groups of their own
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)
    planes.restart_kwok("a")
    assert release_statuses(planes, "a") == ["pending-install"]
    repair_file_backend(engine.backend)  # a kill mid-write can leave an empty sidecar (troubleshooting.md)
    engine.run("cancel", "--yes")
    engine.run("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
    done = engine.up()
    assert "interrupted install of this stack's agents" in output(done)
    onboarded_without_preflight = release(planes, "a")
    assert release_statuses(planes, "a").count("deployed") == 1, release_statuses(planes, "a")
    assert onboarded_without_preflight["chart"] == f"azure-arc-k8sagents-{PIN}"
    engine.up("--expect-no-changes")


def test_pulumi_killed_alone_during_the_helm_install_then_the_release_is_imported(
    engine: Engine, planes: ControlPlanes
) -> None:
    """Only `pulumi` killed (a plugin runs in a process group of its own): the kubernetes provider
    finishes the install, the state does not know the release and the next `up` cannot install it
    again; imported under the program's name, parent and provider as docs/troubleshooting.md says,
    the next `up` converges with the one release."""
    process = up_until_helm_installs(engine, planes)
    kill_group(process)
    planes.restart_kwok("a")  # the agents' Pods get ready: the provider's install completes
    deadline = time.monotonic() + 300
    while release_statuses(planes, "a") != ["deployed"] and time.monotonic() < deadline:
        time.sleep(1)
    assert release_statuses(planes, "a") == ["deployed"], "the provider did not finish the install"
    repair_file_backend(engine.backend)
    engine.run("cancel", "--yes")
    engine.run("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
    refused = engine.up(check=False)
    assert refused.returncode != 0 and "cannot re-use a name that is still in use" in output(refused), output(refused)

    resources = engine.export()["deployment"]["resources"]
    (component,) = [r for r in resources if r["type"] == "arc-onboarding:index:ArcConnectedCluster"]
    (provider,) = [r for r in resources if r["type"] == "pulumi:providers:kubernetes" and r.get("parent") == component["urn"]]  # fmt: skip
    engine.run("import", "kubernetes:helm.sh/v3:Release", "arc-dev-rg/arc-dev-agents", f"{RELEASE_NS}/{RELEASE}",
               "--parent", f"parent={component['urn']}", "--provider", f"{provider['urn']}::{provider['id']}",
               "--generate-code=false", "--yes")  # fmt: skip
    engine.up()
    assert release_statuses(planes, "a").count("deployed") == 1, release_statuses(planes, "a")
    assert release(planes, "a")["chart"] == f"azure-arc-k8sagents-{PIN}"
    assert identity(planes, "a") == f"{SUB}/arc-dev-rg/arc-dev"
    engine.up("--expect-no-changes")


def test_the_engine_runs_the_built_provider_from_the_plugin_cache(tools: tuple[Path, Path]) -> None:
    """The kubernetes plugin is the built provider (hundreds of MB, not the stand-in's wrapper),
    installed as the SDK's 4.34.2, and nothing of it is on PATH."""
    bin_dir, home = tools
    done = subprocess.run([str(bin_dir / "pulumi"), "plugin", "ls", "--json"], env={**os.environ, "PULUMI_HOME": str(home)},
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    (kubernetes,) = [p for p in json.loads(done.stdout) if p["name"] == "kubernetes"]
    assert kubernetes["version"] == "4.34.2"
    assert kubernetes["size"] > 100 * 1024 * 1024, kubernetes
    assert not (bin_dir / "pulumi-resource-kubernetes").exists()


# Issue 19 §4 -------------------------------------------------------------------------------------
CI_CONFIGMAP, CI_STAMP = "container-azm-ms-agentconfig", "connectedk8s.arc.azure.com/proxy-bypass"
# Container Insights' own settings, which every edit keeps.
CI_THEIRS = "[log_collection_settings]\n   [log_collection_settings.stdout]\n      enabled = true"
CI_SECTION = "[agent_settings.proxy_config]\n    ignore_proxy_settings = "


def ci_configmap(planes: ControlPlanes) -> dict[str, Any]:
    found = get(planes, "a", "configmap", CI_CONFIGMAP, "-n", "kube-system")
    assert found is not None, "the Container Insights ConfigMap is gone"
    return found


def test_container_insights_bypass_is_set_then_undone_on_removal_and_on_destroy(
    engine: Engine, planes: ControlPlanes
) -> None:
    """`proxy.bypass: [Microsoft.AzureMonitor.Containers]` on a real API server with the real kubectl:
    the setting goes into Container Insights' ConfigMap next to its own, stamped with the CLI's
    annotation; removing the entry, then destroy, set it to "false" and drop the stamp, and the
    ConfigMap stays (azure-cli-extensions @ 0b4bb2eb, `_containerinsightsutils.py`)."""
    planes.kubectl("a", "create", "configmap", CI_CONFIGMAP, "-n", "kube-system",
                   f"--from-literal=agent-settings={CI_THEIRS}", "--from-literal=schema-version=v1")  # fmt: skip
    bypass = {"arc-onboarding:proxy": {"bypass": ["Microsoft.AzureMonitor.Containers"]}}
    engine.init({**dev(), **bypass})
    engine.up()
    found = ci_configmap(planes)
    assert found["data"]["agent-settings"] == f'{CI_THEIRS}\n{CI_SECTION}"true"'
    assert found["metadata"]["annotations"][CI_STAMP] == "azure-cli" and found["data"]["schema-version"] == "v1"
    engine.up("--expect-no-changes")

    engine.set_config({"arc-onboarding:proxy": {"bypass": []}})
    engine.up()
    found = ci_configmap(planes)
    assert found["data"]["agent-settings"] == f'{CI_THEIRS}\n{CI_SECTION}"false"'
    assert CI_STAMP not in (found["metadata"].get("annotations") or {})

    engine.set_config(bypass)
    engine.up()
    assert ci_configmap(planes)["data"]["agent-settings"] == f'{CI_THEIRS}\n{CI_SECTION}"true"'
    engine.run("destroy", "--yes", "--skip-preview")
    found = ci_configmap(planes)
    assert found["data"]["agent-settings"] == f'{CI_THEIRS}\n{CI_SECTION}"false"'
    assert CI_STAMP not in (found["metadata"].get("annotations") or {})
    assert releases(planes, "a") == []
