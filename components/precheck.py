"""The pre-write check: what is on the cluster before its connected cluster is written to Azure.

`az connectedk8s connect` looks at the cluster before its first write (connectedk8s custom.py,
create_connectedk8s ~639-905): a reachable API server, the right to create cluster role bindings, an
existing `azure-arc` release or `azure-clusterconfig` ConfigMap and whose it is, Arc CRDs left
behind. components/scripts/precheck.sh does the same; this module runs it and reads its answer.

It runs as the `command:local:run` invoke, not as a Command: an invoke keeps no state and runs on
every preview and every `up` (a Command runs only when its inputs change, and a trigger that changes
on each run would make every `up` show a change). The identity check must run on every `up`: the
kubernetes provider's fixed `clusterIdentifier` hides a kubeconfig re-pointed at another cluster.
The clusters' checks are asynchronous invokes, so the engine runs a fleet's at the same time. Only
the listing of connected clusters left without agents (agentless.sh, once per run, one ARM list per
group) is synchronous: a conversion changes how a connected cluster is declared.
The connected cluster, and a group the stack creates, wait for its answer; a `stop` fails the run
before either is written. It also reads the connected cluster's provisioningState: this stack's own
cluster left `Failed` by a write is written again (retry_tag), since no diff would show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_command as command

from . import arm_body, scripts
from .settings import ClusterSettings


class PreWriteCheckFailed(pulumi.RunError):
    """The cluster holds something the connected cluster must not be written over."""


@dataclass(frozen=True)
class CheckAnswer:
    """precheck.sh's findings (its stdout, one `kind: text` a line)."""

    stops: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # This stack's connected cluster exists in Azure with this agentPublicKeyCertificate.
    arm_key: str | None = None
    # ... and with this owner tag (arm_body.OWNER_TAG): the stack that wrote it.
    arm_owner: str | None = None
    # The chart version this stack's agents run on the cluster (their azure-clusterconfig ConfigMap).
    agent_version: str | None = None
    # The connected cluster's provisioningState in ARM, when it is not Succeeded (`Failed` after a
    # write whose long-running operation failed), and its retry tag (arm_body.RETRY_TAG) if any.
    arm_state: str | None = None
    arm_retry: str | None = None


def parse(stdout: str) -> CheckAnswer:
    stops: list[str] = []
    notes: list[str] = []
    arm_key = arm_owner = agent_version = arm_state = arm_retry = None
    for line in stdout.splitlines():
        kind, _, text = line.partition(": ")
        if kind == "stop":
            stops.append(text)
        elif kind == "note":
            notes.append(text)
        elif kind == "arm-key":
            arm_key = text.strip()
        elif kind == "arm-owner":
            arm_owner = text.strip() or None
        elif kind == "agent-version":
            agent_version = text.strip()
        elif kind == "arm-state":
            arm_state = text.strip() or None
        elif kind == "arm-retry":
            arm_retry = text.strip() or None
        elif line.strip():
            # Anything else is a finding too: never silently dropped.
            notes.append(line)
    return CheckAnswer(tuple(stops), tuple(notes), arm_key, arm_owner, agent_version, arm_state, arm_retry)


def stack_owner() -> str:
    """This stack, as the connected cluster's owner tag names it."""
    # Not the organization: the offline plan cannot know it, and it must show the tag the engine sends.
    return f"{pulumi.get_project()}/{pulumi.get_stack()}"


def verdict(label: str) -> Callable[[str], CheckAnswer]:
    """The apply callback: notes are logged, stops fail the run naming the cluster."""

    def judge(stdout: str) -> CheckAnswer:
        answer = parse(stdout)
        for note in answer.notes:
            pulumi.log.warn(f"{label}: {note}")
        if answer.stops:
            raise PreWriteCheckFailed(f"{label}: not written to Azure: " + "; ".join(answer.stops))
        return answer

    return judge


def same_key(arm_key: str, own_key: str) -> bool:
    """ARM returns agentPublicKeyCertificate as it was PUT (azure-native would otherwise show a
    perpetual diff on it); whitespace is ignored all the same."""
    return "".join(arm_key.split()) == "".join(own_key.split())


def key_problem(
    label: str, cluster_name: str, resource_group: str, answer: CheckAnswer, own_key: str, owner: str | None = None
) -> str | None:
    """An existing connected cluster of this stack's name is this stack's with this stack's key, or
    when it carries this stack's owner tag: then a new key is the stack's own change (the cluster is
    replaced, delete-first: `replace_on_changes` on the key)."""
    if answer.arm_key is None or same_key(answer.arm_key, own_key):
        return None
    if owner is not None and answer.arm_owner == owner:
        return None
    return (
        f"{label}: not written to Azure: connected cluster {cluster_name} in group {resource_group} already "
        "exists with another agent key: it was onboarded by `az connectedk8s connect` or another stack, not "
        "this one. To adopt it, set agents.privateKey (--secret) to its key: kubectl -n azure-arc get secret "
        "azure-arc-connect-privatekey -o jsonpath='{.data.privateKey}' | base64 -d; and import it: pulumi "
        "import (docs/lifecycle.md, adopting an onboarding). Otherwise offboard it first: az connectedk8s "
        f"delete --name {cluster_name} --resource-group {resource_group}"
    )


def gate_key(
    label: str,
    settings: ClusterSettings,
    answer: pulumi.Output[CheckAnswer],
    own_key: pulumi.Input[str],
    owner: str | None = None,
) -> pulumi.Output[str]:
    """The stack's public key, once the check has answered and found no other key in ARM: the
    connected cluster takes its key through this, so it is written only after the check."""

    def check(values: list[Any]) -> str:
        found: CheckAnswer = values[0]
        key: str = values[1]
        problem = key_problem(label, settings.cluster_name, settings.resource_group, found, key, owner)
        if problem:
            raise PreWriteCheckFailed(problem)
        return key

    return pulumi.Output.all(answer, own_key).apply(check)


def agentless_clusters(subscription: str, resource_groups: Sequence[str]) -> frozenset[str]:
    """The ARM ids (lower case) of the connected clusters in these groups that exist without agents
    (AgentNotInstalled), listed once per preview and up by agentless.sh, a synchronous invoke: whether
    a connected cluster is converted decides how it is declared (an `import` option cannot wait for
    an Output). A group that cannot be read fails the run before anything is written."""
    if not resource_groups:  # a groups stack: no cluster to convert
        return frozenset()
    result = command.local.run(
        command=scripts.text("agentless"),
        interpreter=list(scripts.INTERPRETER),
        environment=scripts.agentless_environment(
            subscription=subscription, resource_groups=resource_groups, api_version=arm_body.CLUSTER_API_VERSION
        ),
        logging=command.local.Logging.NONE,
    )
    ids: set[str] = set()
    for line in (result.stdout or "").splitlines():
        kind, _, text = line.partition(": ")
        if kind == "stop":
            raise PreWriteCheckFailed(f"not written to Azure: {text}")
        if kind == "agentless" and text.strip():
            ids.add(text.strip().lower())
    return frozenset(ids)


def pre_write_check(label: str, environment: Mapping[str, str]) -> pulumi.Output[CheckAnswer]:
    """Run precheck.sh for one cluster (on every preview and up) with its environment
    (arc_cluster.pre_write_check_environment): an asynchronous invoke, so that the checks of a
    fleet's clusters run at the same time. The connected cluster waits for the answer."""
    result = command.local.run_output(
        command=scripts.text("precheck"),
        interpreter=list(scripts.INTERPRETER),
        environment=dict(environment),
        # The answer is read here; its lines never carry the kubeconfig.
        logging=command.local.Logging.NONE,
    )
    return result.stdout.apply(lambda stdout: verdict(label)(stdout or ""))


# ARM's terminal states of a write that did not succeed (ARM's resource provider contract: a PUT
# ends Succeeded, Failed or Canceled). A PUT of the same body starts the provisioning again.
UNSUCCESSFUL_STATES = ("Failed", "Canceled")


def retry_tag(answer: CheckAnswer, owner: str) -> str | None:
    """The retry tag the connected cluster is written with (arm_body.RETRY_TAG): the count ARM holds
    plus one when this stack's own cluster (its owner tag) is left Failed or Canceled, so the tags
    differ and the engine PUTs the cluster again; otherwise the count ARM holds, unchanged (none
    until a write has failed), so nothing differs once the write succeeded."""
    if answer.arm_state in UNSUCCESSFUL_STATES and answer.arm_owner == owner:
        held = answer.arm_retry or ""
        return str(int(held) + 1 if held.isascii() and held.isdigit() and len(held) < 9 else 1)
    return answer.arm_retry


def tags_after_check(
    label: str, tags: dict[str, str], owner: str, answer: pulumi.Output[CheckAnswer]
) -> pulumi.Output[dict[str, str]]:
    """The connected cluster's tags once the check has answered: with the retry tag that makes the
    engine write a cluster ARM left Failed (said as a warning, in the preview too)."""

    def tagged(found: CheckAnswer) -> dict[str, str]:
        retry = retry_tag(found, owner)
        if retry != found.arm_retry:
            pulumi.log.warn(
                f"{label}: the connected cluster is provisioningState {found.arm_state} in Azure (a write of it "
                f"failed): it is written again, with tag {arm_body.RETRY_TAG}: {retry} (docs/troubleshooting.md)"
            )
        return arm_body.cluster_tags(tags, owner, retry)

    return answer.apply(tagged)
