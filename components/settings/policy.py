"""Azure Policy: the `policy` object, checked by components/policy.py through this package's report."""

from __future__ import annotations

from typing import Any

from components.clouds import Cloud
from components.policy import check_policy

from .raw import _INVALID, SECURE_PLACEHOLDER, _Report


def _check_policy(value: Any, stored_secret: bool, cloud: Cloud | None, report: _Report) -> Any:
    """PolicySettings (DISABLED when `policy` is unset), or _INVALID after an error."""
    settings = check_policy(
        value,
        report.error,
        report.warn,
        cloud=cloud.name if cloud else None,
        # Type errors were reported while reading the raw values.
        reported=lambda v: v is _INVALID,
        opaque=lambda v: isinstance(v, str) and v == SECURE_PLACEHOLDER,
        secret=stored_secret,
    )
    if settings is None:
        return _INVALID
    if stored_secret and settings.assignments:
        # As clusterName: a name in a URN cannot be encrypted. Every other value stays secret.
        report.warn(
            "policy",
            "is secret, but assignment names become part of resource names (URNs), which Pulumi cannot "
            "encrypt: they are stored and shown in plain text; every other policy value stays secret",
        )
    return settings
