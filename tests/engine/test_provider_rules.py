"""The program under the real engine where the providers' own rules decide (issue 17): what a
refresh writes into the connected cluster's inputs once its agents connected, a change of the agent
key, a proxy change's effect on the preflight Secret and Job, a long-running PUT that fails after
ARM accepted it (and the next up writing the cluster again), and the self-upgraded agents' version on a values change. The stand-ins' rules
and their sources: standins/azure_native.py, standins/kubernetes.py."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import (
    DEV_CLUSTER,
    JOB_TYPE,
    RELEASE_TYPE,
    Engine,
    arm_clusters,
    calls_since,
    cluster_calls,
    cluster_in_arm,
    cluster_state,
    converged,
    dev_config,
    guarded_replacements,
    release_in_cluster,
    resource_errors,
    set_proxy_as_users_do,
    upgraded_engine,
)

SECRET_TYPE = "kubernetes:core/v1:Secret"


def test_second_up_after_the_agents_connected_changes_nothing(engine: Engine) -> None:
    """Between the two runs ARM moved the cluster from Connecting to Connected, with the agents'
    version and a new heartbeat time; azure-native's refresh writes those read-only fields into the
    inputs, and the cluster must still not be PUT again."""
    engine.init(dev_config())
    engine.up()
    assert cluster_state(engine)["outputs"]["properties"]["connectivityStatus"] == "Connecting"
    start = len(engine.calls())
    engine.up("--expect-no-changes")
    refreshed = cluster_state(engine)
    properties = refreshed["outputs"]["properties"]
    assert properties["connectivityStatus"] == "Connected" and properties["agentVersion"] == "1.36.1"
    # The refresh carried them into the stored inputs, as azure-native's Read does for the generic resource.
    assert refreshed["inputs"]["properties"]["connectivityStatus"] == "Connected"
    heartbeat = properties["lastConnectivityTime"]
    time.sleep(1.1)
    engine.up("--expect-no-changes")
    assert cluster_state(engine)["outputs"]["properties"]["lastConnectivityTime"] != heartbeat
    changed = calls_since(engine, start, "Create", "Update", "Delete")
    assert not changed, f"the cluster or anything else was written again: {changed}"


def test_a_new_agent_key_replaces_the_connected_cluster_delete_first(engine: Engine) -> None:
    """Adopting a different key (agents.privateKey) on a deployed stack: the key is the onboarding's
    identity, so the connected cluster is deleted and created again with it, never PUT in place."""
    engine.init(dev_config())
    engine.up()
    old_key = arm_clusters(engine)[0]["properties"]["agentPublicKeyCertificate"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    # `--`: the PEM starts with dashes.
    engine.run("config", "set", "--secret", "--path", "arc-onboarding:agents.privateKey", "--", pem)
    start = len(engine.calls())
    engine.up()
    cluster = cluster_calls(engine, start, "Create", "Update", "Delete")
    assert cluster == ["Delete", "Create"], f"expected a delete-first replacement, saw {cluster}"
    (arm,) = arm_clusters(engine)
    assert arm["properties"]["agentPublicKeyCertificate"] != old_key
    converged(engine)


def test_a_proxy_change_replaces_the_preflight_secret_and_job_and_upgrades_the_release(
    engine: Engine, proxy_change: list[dict[str, Any]]
) -> None:
    """pulumi-kubernetes replaces a Secret whose data changes (forceNew `data`/`stringData`) and a
    Job whose Pod template changes, both delete-first (named); the release is upgraded in place."""
    secret = [c["call"] for c in proxy_change if SECRET_TYPE in c["subject"]]
    job = [c["call"] for c in proxy_change if JOB_TYPE in c["subject"]]
    release = [c["call"] for c in proxy_change if RELEASE_TYPE in c["subject"]]
    assert secret == ["Delete", "Create"], f"the settings Secret: {proxy_change}"
    assert job == ["Delete", "Create"], f"the preflight Job: {proxy_change}"
    assert release == ["Update"], proxy_change
    deleted = [c["subject"] for c in proxy_change if c["call"] == "Delete"]
    assert deleted.index(next(s for s in deleted if JOB_TYPE in s)) < deleted.index(
        next(s for s in deleted if SECRET_TYPE in s)
    ), "the Job that mounts the Secret goes first"
    assert not [c for c in proxy_change if c["subject"].endswith(DEV_CLUSTER)], proxy_change
    converged(engine)


def test_a_failed_long_running_put_leaves_the_cluster_and_the_next_up_writes_it_again(engine: Engine) -> None:
    """ARM accepted the PUT and its long-running operation failed: azure-native reports a partial
    failure with the resource read back, so the state holds the cluster ARM holds. The next up's
    refresh reads it without error, which drops its init error, so no diff would PUT it again and
    ARM would keep `provisioningState: Failed` for good: the pre-write check reads the state, the
    program sends the retry tag's next count, and the engine PUTs the cluster once; then nothing."""
    engine.init(dev_config())
    engine.arm_fault(
        "azure-native",
        "lro-fails",
        "connectedClusters/arc-dev",
        message='Code="InternalServerError" (async operation failed)',
    )
    done = engine.up(check=False)
    assert done.returncode != 0
    errors = resource_errors(done)
    failed = [name for name in errors if not name.startswith("pulumi:pulumi:Stack")]
    assert len(failed) == 1 and "arc-dev-cluster" in failed[0], errors
    (arm,) = arm_clusters(engine)
    assert cluster_state(engine)["id"].lower() == arm["id"].lower(), "the created cluster is not in the state"
    assert arm["properties"]["provisioningState"] == "Failed" and "arcOnboardingRetry" not in arm["tags"]
    start = len(engine.calls())
    healed = engine.up()
    assert "provisioningState Failed in Azure" in healed.stdout + healed.stderr, "the repair is not said"
    cluster = cluster_calls(engine, start, "Create", "Update", "Delete")
    assert cluster == ["Update"], f"expected one PUT of the failed cluster, saw {cluster}"
    (arm,) = arm_clusters(engine)
    assert arm["properties"]["provisioningState"] == "Succeeded"
    assert arm["tags"]["arcOnboardingRetry"] == "1", arm["tags"]
    # Healed: the count stays as ARM holds it, so nothing is written again.
    converged(engine)


def test_a_values_change_after_a_self_upgrade_keeps_the_running_version(
    engine: Engine, self_upgraded_agents: dict[str, Any]
) -> None:
    set_proxy_as_users_do(engine)
    engine.up()
    assert release_in_cluster(engine)["version"] == "1.37.0", "the proxy change rolled the agents back to the pin"


# The newest commit of main before the owner tag and the read-only ignores (issue 17).
BEFORE_OWNER_TAG_COMMIT = "9ccd5f2f129a47b25f3189a71507ce480e36dbcb"


def test_upgrade_from_before_the_owner_tag_updates_the_cluster_in_place(tools, tmp_path) -> None:
    """A stack of the program before the owner tag: the first up with this one updates the cluster
    (its tags gain the owner), replaces nothing, and the next up changes nothing; a key change then
    passes the pre-write check."""
    engine = upgraded_engine(tools, tmp_path, BEFORE_OWNER_TAG_COMMIT)
    cluster_id = cluster_in_arm(engine)
    assert not guarded_replacements(engine)
    start = len(engine.calls())
    engine.up()
    cluster = cluster_calls(engine, start, "Create", "Update", "Delete")
    assert cluster == ["Update"], cluster
    (arm,) = arm_clusters(engine)
    assert arm["id"] == cluster_id and arm["tags"]["arcOnboardingStack"] == "arc-onboarding/dev", arm["tags"]
    engine.up("--expect-no-changes")


# The newest commit of main before the retry tag: the connected cluster's tags became an output of
# the pre-write check there.
BEFORE_RETRY_TAG_COMMIT = "6a259678c2f3af359c0e413cecd41c4da5a259c4"


def test_upgrade_from_before_the_retry_tag_changes_nothing(tools, tmp_path) -> None:
    """A healthy stack of the program before the retry tag: its first up with this one writes
    nothing to Azure (no tag is sent until a write has failed). What else that up changes comes
    from the other changes since that commit (issue 19 §2's data-plane step and the release's values:
    tests/engine/test_data_plane_engine.py); a second up changes nothing."""
    engine = upgraded_engine(tools, tmp_path, BEFORE_RETRY_TAG_COMMIT)
    start = len(engine.calls())
    engine.up()
    assert not [c for c in calls_since(engine, start, "Create", "Update", "Delete") if c["who"] == "azure-native"]
    assert "arcOnboardingRetry" not in arm_clusters(engine)[0]["tags"]
    engine.up("--expect-no-changes")
