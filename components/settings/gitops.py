"""GitOps: the Flux configuration's repository, branch, path, interval and HTTPS credentials."""

from __future__ import annotations

import re
from typing import Any

from components.schema import NAMESPACE

from .model import GitOpsSettings
from .raw import _INVALID, SECURE_PLACEHOLDER, _Report, _split_url, _warn_plaintext

# `git check-ref-format --branch`, compactly: no control characters, spaces or ~^:?*[\, no `..`,
# `@{` or `//`, not starting with `-`, `.` or `/`, not ending with `/`, `.` or `.lock`.
_GIT_BRANCH = re.compile(r"(?!.*(?:\.\.|@\{|//|\.lock$|[./]$))(?![-./])[^\x00-\x20\x7f~^:?*\[\\]+")


def _check_gitops(value: Any, stored_secret: bool, report: _Report) -> Any:
    """GitOpsSettings, None when `gitops` is unset, or _INVALID. Never echoes a value."""
    if value is None or value is _INVALID:
        return value
    ok = all(v is not _INVALID for v in value.values())
    url, user, password = value["url"], value["httpsUser"], value["httpsPassword"]
    scheme = None
    if url is None:
        report.item_error(
            "gitops.url",
            f"is required with gitops: `pulumi config set --path '{NAMESPACE}:{report.item}gitops.url' URL`",
        )
        ok = False
    elif isinstance(url, str) and url != SECURE_PLACEHOLDER:
        scheme = _check_git_url(url, report)
        ok = ok and scheme is not None
    branch = value["branch"]
    if isinstance(branch, str) and branch != SECURE_PLACEHOLDER and not _GIT_BRANCH.fullmatch(branch):
        report.error("gitops.branch", "is not a valid Git branch name")
        ok = False
    path = value["path"]
    if isinstance(path, str) and path != SECURE_PLACEHOLDER:
        if not path.strip():
            report.error("gitops.path", "must not be empty (`./` is the repository root)")
            ok = False
        elif ".." in path.replace("\\", "/").split("/"):
            report.error("gitops.path", "must stay inside the repository (no `..`)")
            ok = False
    interval = value["syncIntervalSeconds"]
    if isinstance(interval, int) and interval <= 0:
        report.error("gitops.syncIntervalSeconds", "must be a positive number of seconds")
        ok = False
    if isinstance(user, str) and not user.strip():
        report.error("gitops.httpsUser", "must not be empty")
        ok = False
    if user is not None and password is None:
        report.error("gitops.httpsUser", "needs gitops.httpsPassword (set it with --secret)")
        ok = False
    if password is not None:
        if user is None:
            report.error("gitops.httpsPassword", "needs gitops.httpsUser")
            ok = False
        if scheme is not None and scheme != "https":
            report.error("gitops.httpsPassword", f"is only sent to an https:// url, not {scheme}://")
            ok = False
        if isinstance(password, str) and not password:
            report.error("gitops.httpsPassword", "must not be empty")
            ok = False
        if not stored_secret and password != SECURE_PLACEHOLDER:
            _warn_plaintext(report, "gitops.httpsPassword", "is stored", "VALUE")
    if not ok:
        return _INVALID
    return GitOpsSettings(
        url=url,
        branch=branch,
        path=path,
        sync_interval_seconds=interval,
        https_user=user,
        https_password=password,
    )


def _check_git_url(url: str, report: _Report) -> str | None:
    """The URL's scheme, or None when invalid. Never echoes the URL: it may hold a token."""
    key = "gitops.url"
    parts = _split_url(url, key, "https://host/path or ssh://git@host/path", report)
    if parts is None:
        return None
    if parts.scheme not in ("https", "ssh", "http"):
        if re.fullmatch(r"[\w.-]+@[\w.-]+:.+", url):
            report.error(key, "scp-style addresses are not accepted by Flux; write ssh://git@host/path")
        else:
            report.error(key, "must start with https:// or ssh://")
        return None
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        report.error(key, "has an invalid port (1-65535)")
        return None
    if not parts.hostname:
        report.error(key, f"has no host: expected {parts.scheme}://host/path")
        return None
    if parts.password is not None or (parts.username is not None and parts.scheme != "ssh"):
        report.error(key, "must not carry credentials; set gitops.httpsUser and gitops.httpsPassword (--secret)")
        return None
    if parts.scheme == "http":
        report.warn(key, "http:// is unencrypted: the cluster applies whatever the network returns; prefer https://")
    return parts.scheme
