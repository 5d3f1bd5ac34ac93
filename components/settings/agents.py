"""The agents' chart, version and timeout, and an adopted onboarding's key pair."""

from __future__ import annotations

import base64
import io
import re
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from components import agent_releases
from components.keys import KeyFormatError, pkcs1_public_key_der, public_key_of_private_pem
from components.schema import NAMESPACE

from .files import exists, load_yaml, read_bytes, read_text
from .model import AgentSettings
from .raw import _INVALID, SECURE_PLACEHOLDER, _Report, _warn_plaintext

# The az CLI refuses older stable agents on the /v2/ chart path.
MIN_CHART_VERSION = (1, 14, 0)
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def _check_agent_key(value: Mapping[str, Any], stored_secret: bool, report: _Report) -> tuple[bool, str | None]:
    """An adopted key: (valid, its public half as base64 PKCS#1). Never echoes either key."""
    private, public = value["privateKey"], value["publicKeyCertificate"]
    derived = None
    if isinstance(private, str) and private != SECURE_PLACEHOLDER:
        if not stored_secret:
            _warn_plaintext(
                report, "agents.privateKey", "is stored",
                "\"$(kubectl -n azure-arc get secret azure-arc-connect-privatekey "
                "-o jsonpath='{.data.privateKey}' | base64 -d)\"",
            )  # fmt: skip
        try:
            derived = public_key_of_private_pem(private)
        except KeyFormatError as error:
            report.error(
                "agents.privateKey",
                f"must be the unencrypted PKCS#1 PEM (-----BEGIN RSA PRIVATE KEY-----) of the cluster's "
                f"azure-arc-connect-privatekey secret: {error}",
            )
            return False, None
    if not isinstance(public, str) or public == SECURE_PLACEHOLDER:
        return True, derived
    if private is None:
        report.error(
            "agents.publicKeyCertificate",
            "is only a check of agents.privateKey: set both (adopting an onboarding) or neither",
        )
        return False, None
    try:
        given = pkcs1_public_key_der(public)
    except KeyFormatError as error:
        report.error(
            "agents.publicKeyCertificate",
            f"must be the base64 PKCS#1 public key `az connectedk8s show` prints ({error})",
        )
        return False, None
    if derived is not None and base64.b64decode(derived) != given:
        report.error(
            "agents.publicKeyCertificate",
            "does not match agents.privateKey: the key is not the one this connected cluster was "
            "onboarded with (check both come from the same cluster)",
        )
        return False, None
    return True, derived or base64.b64encode(given).decode("ascii")


_ONE_LINE_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----((?:[A-Za-z0-9+/=]|\s|\\n)+)-----END \1-----")


def rewrap_one_line_pem(text: str) -> str | None:
    """A PEM block pasted on one line (line breaks lost, or written as `\\n`) with its line breaks
    back, or None when that is ambiguous: headers (an encrypted key), or anything but base64."""
    match = _ONE_LINE_PEM.fullmatch(text.strip())
    if match is None:
        return None
    body = "".join(match[2].replace("\\n", " ").split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {match[1]}-----", *lines, f"-----END {match[1]}-----", ""])


def parse_version(version: str) -> tuple[int, int, int] | None:
    match = _SEMVER.fullmatch(version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _check_agents(value: Any, stored_secret: bool, project_dir: Path, report: _Report) -> AgentSettings | None:
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    private = value["privateKey"]
    if isinstance(private, str) and "-----BEGIN" in private and "\n" not in private.strip():
        private = rewrap_one_line_pem(private)
        if private is None:
            report.error(
                "agents.privateKey",
                "is on one line (as CI variables often store it) and cannot be re-wrapped unambiguously; store "
                f"the PEM with its line breaks: `pulumi config set --secret --path '{NAMESPACE}:agents.privateKey' "
                "< key.pem`",
            )
            return None
        value = {**value, "privateKey": private}
    key_ok, public_key = _check_agent_key(value, stored_secret, report)
    ok = ok and key_ok
    version = value["chartVersion"]
    if isinstance(version, str):
        parsed = parse_version(version)
        if parsed is None:
            report.error("agents.chartVersion", "must be a semantic version such as 1.36.1")
            ok = False
        elif parsed < MIN_CHART_VERSION:
            report.error(
                "agents.chartVersion", "must be 1.14.0 or newer (older agents are not served on the v2 chart path)"
            )
            ok = False
        elif agent_releases.outside_support(parsed):
            oldest = ".".join(map(str, min(agent_releases.supported_minors())))
            report.warn(
                "agents.chartVersion",
                f"{version} is older than the agents' support window (N-2: {oldest}.x and newer; the newest "
                f"release this project knows is {agent_releases.newest()}); Microsoft support asks for an upgrade first",
            )
    chart = value["chart"]
    if isinstance(chart, str) and not _check_chart(chart, project_dir, report):
        ok = False
    elif isinstance(chart, str) and not chart.startswith("oci://"):
        ok = _check_local_chart(chart, project_dir, value, report) and ok
    timeout = value["timeoutSeconds"]
    if isinstance(timeout, int) and timeout <= 0:
        report.error("agents.timeoutSeconds", "must be a positive number of seconds")
        ok = False
    if not ok:
        return None
    return AgentSettings(
        chart=chart,
        chart_version=version,
        auto_upgrade=value["autoUpgrade"],
        timeout_seconds=timeout,
        private_key_pem=value["privateKey"],
        public_key=public_key,
        replace_stale=value["replaceStale"],
        force_delete=value["forceDelete"],
    )


def _check_chart(chart: str, project_dir: Path, report: _Report) -> bool:
    try:
        parts = urlsplit(chart)
    except ValueError:  # e.g. an unclosed "[" in the host
        report.error("agents.chart", "is not a valid oci:// reference or local chart path")
        return False
    scheme = parts.scheme
    if chart.startswith("oci://"):
        if not parts.netloc or not parts.path.strip("/"):
            report.error("agents.chart", "an oci:// reference needs a registry and a repository")
            return False
        return True
    if scheme and len(scheme) > 1:  # a one-letter "scheme" is a Windows drive
        report.error(
            "agents.chart",
            f"scheme {scheme}:// is not supported; use an oci:// reference or a local chart path",
        )
        return False
    if not chart.strip():
        report.error("agents.chart", "must not be empty")
        return False
    if not exists(project_dir / chart):
        report.error("agents.chart", "local chart path does not exist (relative to the project directory)")
        return False
    return True


def local_chart_version(path: Path) -> str:
    """The version in a local chart's Chart.yaml: a chart directory, or a packaged chart (`helm
    package`, `helm pull`: a .tgz whose top folder holds Chart.yaml). OSError, ValueError or
    tarfile.TarError say why it is not one."""
    if path.is_dir():
        text = read_text(path / "Chart.yaml")
    else:
        with tarfile.open(fileobj=io.BytesIO(read_bytes(path)), mode="r:gz") as archive:
            member = next((m for m in archive.getmembers() if m.isfile() and m.name.count("/") == 1
                           and m.name.endswith("/Chart.yaml")), None)  # fmt: skip
            extracted = archive.extractfile(member) if member is not None else None
            if extracted is None:
                raise ValueError("no Chart.yaml in its top folder")
            text = extracted.read().decode("utf-8")
    metadata = load_yaml(text)
    version = metadata.get("version") if isinstance(metadata, dict) else None
    if not isinstance(version, str):
        raise ValueError("its Chart.yaml has no version")
    return version


def _check_local_chart(chart: str, project_dir: Path, value: Mapping[str, Any], report: _Report) -> bool:
    """A local chart (air-gapped sites) installs the version it holds: Helm ignores `--version` for a
    path, and the kubernetes provider takes the chart's own version as the release's (pulumi-kubernetes
    provider/v4 pkg/provider/helm_release.go, helmReleaseProvider.Check: `new.Version =
    chart.Metadata.Version`, commit f47bc2d6f199). So the pin must be that version, and agents that
    upgrade themselves cannot use one: the next values change would install the folder's version."""
    try:
        version = local_chart_version(project_dir / chart)
    except (OSError, ValueError, tarfile.TarError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        report.error(
            "agents.chart",
            f"is not a Helm chart ({reason}): give a chart directory (with Chart.yaml) or a packaged chart "
            "(.tgz, from `helm pull`), relative to the project directory",
        )
        return False
    ok = True
    pin = value["chartVersion"]
    if isinstance(pin, str) and pin != version:
        report.error(
            "agents.chartVersion",
            f"is {pin} but the local chart agents.chart holds version {version}, which is what Helm installs "
            f"from a path: set agents.chartVersion to {version}, or point agents.chart at the {pin} chart",
        )
        ok = False
    if value["autoUpgrade"] is True:
        report.error(
            "agents.autoUpgrade",
            "must be false with a local chart (agents.chart is a path, which holds one version): a later "
            "`pulumi up` would roll self-upgraded agents back to it. Mirror the chart to an OCI registry "
            "(oci://) instead, or keep the agents pinned",
        )
        ok = False
    return ok
