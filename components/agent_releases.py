"""The Arc agents' stable releases this project knows, newest first, and their support window (pure).

Source: Microsoft Learn "What's new with Azure Arc-enabled Kubernetes"
(https://learn.microsoft.com/azure/azure-arc/kubernetes/release-notes, MicrosoftDocs/azure-management-docs
`articles/azure-arc/kubernetes/release-notes.md` at commit 0a8bdd85, ms.date 08/10/2026), as summarised
in `../shared/reference/agent-versions.md` §1. Support policy ("N-2": every patch of the three newest
minors): Learn "Upgrade Azure Arc-enabled Kubernetes agents" (agent-upgrade.md, agent-versions.md §2).

To update: when the release notes list a new version, add it at the top of RELEASES (version, month),
set schema.DEFAULT_CHART_VERSION to it once `helm show chart oci://mcr.microsoft.com/azurearck8s/batch1/
stable/v2/azure-arc-k8sagents --version X` answers, and run the tests (docs/cli-parity.md, "Agent versions").
"""

from __future__ import annotations

# (version, month of the release notes), newest first. The agent version is the chart version.
RELEASES: tuple[tuple[str, str], ...] = (
    ("1.36.1", "2026-07"),
    ("1.35.3", "2026-06"),
    ("1.34.2", "2026-05"),
    ("1.33.0", "2026-03"),
    ("1.32.7", "2026-02"),
    ("1.31.2", "2025-11"),
    ("1.31.0", "2025-10"),
    ("1.30.1", "2025-09"),
    ("1.29.3", "2025-08"),
    ("1.28.0", "2025-07"),
)
# N-2: the newest minor and the two before it.
SUPPORTED_MINORS = 3


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def newest() -> str:
    return RELEASES[0][0]


def supported_minors() -> list[tuple[int, int]]:
    """The minors of the support window, newest first (distinct minors of RELEASES)."""
    minors: list[tuple[int, int]] = []
    for version, _ in RELEASES:
        if _minor(version) not in minors:
            minors.append(_minor(version))
    return minors[:SUPPORTED_MINORS]


def outside_support(version: tuple[int, int, int]) -> bool:
    """Whether a chart version is older than the oldest supported minor (newer ones are fine)."""
    return version[:2] < min(supported_minors())


# From this stable version on, the CLI puts the agents' private key in the Secret
# `azure-arc/azure-arc-connect-privatekey` itself, before the install, and leaves
# `global.onboardingPrivateKey` out of the release values: those charts render that Secret only when
# the value is set (azure-cli-extensions @ 0b4bb2eb, connectedk8s `custom.py` `create_connectedk8s`;
# `_utils.py` `should_use_secret_injection_flow`, `_constants.py` `Min_Agent_Version_For_Secret_Injection`;
# agent-versions.md §3). Older charts always render it, from the value.
KEY_SECRET_SINCE = (1, 35, 3)


def key_in_secret(chart_version: str) -> bool:
    """Whether the agents' key goes in a Secret of its own (True) or in the release values (False).
    As the CLI: a version it cannot read keeps the key in the values; a `-dev` build never does."""
    core, _, suffix = chart_version.partition("-")
    if suffix == "dev":
        return True
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return False
    major, minor, patch = (int(p) for p in parts)
    return (major, minor, patch) >= KEY_SECRET_SINCE
