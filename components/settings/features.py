"""Agent features, as `az connectedk8s enable-features` sets them."""

from __future__ import annotations

from typing import Any

from .model import FeatureSettings
from .raw import _GUID, _INVALID, SECURE_PLACEHOLDER, _brace_hint, _Report


def _check_features(value: Any, private_link: Any, stored_secret: bool, report: _Report) -> FeatureSettings | None:
    """The az CLI's rules: private link excludes cluster-connect and custom locations, which need it."""
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    connect, oid = value["clusterConnect"], value["customLocationsOid"]
    lookup = value["customLocations"]
    # Either key turns custom locations on; the rules below name the one the user set.
    wants, custom_key = (
        (oid is not None or lookup is True),
        ("features.customLocationsOid" if oid is not None else "features.customLocations"),
    )
    rbac, skip = value["azureRbac"], value["azureRbacSkipList"]
    if private_link is not None:
        if connect is True:
            report.error(
                "features.clusterConnect",
                "cannot be true with privateLink.scopeResourceId: private link turns cluster-connect off",
            )
            ok = False
        if wants:
            report.error(
                custom_key,
                "custom locations cannot be used with privateLink.scopeResourceId (they need "
                "cluster-connect, which private link turns off)",
            )
            ok = False
    elif connect is False and wants:
        report.error(
            custom_key,
            "custom locations need cluster-connect: remove features.clusterConnect: false",
        )
        ok = False
    if isinstance(oid, str) and oid != SECURE_PLACEHOLDER and not _GUID.fullmatch(oid):
        report.error(
            "features.customLocationsOid",
            "must be an object id (a GUID): `az ad sp show --id bc313c14-388c-4e7d-a58e-70017303ee3b "
            "--query id -o tsv`" + _brace_hint(oid),
        )
        ok = False
    if isinstance(skip, list):
        if skip and rbac is not True:
            report.error("features.azureRbacSkipList", "only applies with features.azureRbac: true")
            ok = False
        for index, entry in enumerate(skip):
            if entry != SECURE_PLACEHOLDER and (not entry.strip() or "," in entry or any(c.isspace() for c in entry)):
                report.error(
                    f"features.azureRbacSkipList[{index}]",
                    "must be one user, email or object id: not empty, no commas or spaces",
                )
                ok = False
    if not ok:
        return None
    return FeatureSettings(
        cluster_connect=connect if connect is not None else private_link is None,
        custom_locations=wants,
        custom_locations_oid=oid,
        azure_rbac=rbac,
        azure_rbac_skip_list=tuple(skip or ()),
        secret=stored_secret,
    )
