"""The connected cluster's own ARM properties: OIDC issuer, workload identity, Azure Hybrid Benefit
and distribution version, with the CLI's rules (connectedk8s `custom.py`, connectedk8s.md §1.1)."""

from __future__ import annotations

from typing import Any

from .model import OidcIssuerSettings
from .raw import _INVALID, SECURE_PLACEHOLDER, _Report, _split_url

# The swagger's AzureHybridBenefit enum (2026-05-01), the CLI's `--azure-hybrid-benefit` values.
AZURE_HYBRID_BENEFIT = ("True", "False", "NotApplicable")
# The CLI's Public_Cloud_Distribution_List (`_constants.py`): their own issuer must be given.
SELF_HOSTED_ISSUER_DISTRIBUTIONS = ("aks", "eks", "gke")


def _check_oidc(oidc: Any, workload: Any, distribution: str | None, report: _Report) -> OidcIssuerSettings | None:
    if oidc is _INVALID or workload is _INVALID:
        return None
    if any(v is _INVALID for v in (*oidc.values(), *workload.values())):
        return None
    enabled, url, wi = oidc["enabled"], oidc["selfHostedIssuerUrl"], workload["enabled"]
    ok = True
    if wi and not enabled:
        report.error(
            "workloadIdentity.enabled",
            "needs the OIDC issuer: set oidcIssuer.enabled: true as well (as --enable-workload-identity "
            "needs --enable-oidc-issuer)",
        )
        ok = False
    if url is not None and url != SECURE_PLACEHOLDER:
        if not enabled:
            report.error("oidcIssuer.selfHostedIssuerUrl", "only applies with oidcIssuer.enabled: true")
            ok = False
        elif not _is_https_url(url, report):
            ok = False
    if enabled and url is None and distribution in SELF_HOSTED_ISSUER_DISTRIBUTIONS:
        report.error(
            "oidcIssuer.selfHostedIssuerUrl",
            f"is required with distribution {distribution}: Azure does not host the issuer of a public "
            "cloud's managed cluster (the CLI requires --self-hosted-issuer there too)",
        )
        ok = False
    if not ok:
        return None
    return OidcIssuerSettings(enabled=enabled, self_hosted_issuer_url=url, workload_identity=wi)


def _is_https_url(url: str, report: _Report) -> bool:
    key = "oidcIssuer.selfHostedIssuerUrl"
    parts = _split_url(url, key, "https://host/path", report)
    if parts is None:
        return False
    if parts.scheme != "https" or not parts.hostname:
        report.error(key, "must be an https:// URL of the issuer")
        return False
    return True


def _check_hybrid_benefit(value: Any, report: _Report) -> Any:
    if value is None or value is _INVALID or value == SECURE_PLACEHOLDER:
        return value
    if value not in AZURE_HYBRID_BENEFIT:
        report.error("azureHybridBenefit", f"must be one of {', '.join(AZURE_HYBRID_BENEFIT)} (as the CLI spells them)")
        return _INVALID
    return value


def _check_distribution_version(value: Any, report: _Report) -> Any:
    if isinstance(value, str) and value != SECURE_PLACEHOLDER and (not value.strip() or "\n" in value):
        report.error("distributionVersion", "must be a non-empty version string on one line")
        return _INVALID
    return value
