"""Names, location, tags and cloud: what becomes ARM names and URNs, and where resources go."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components import regions
from components.clouds import CLOUDS, Cloud

from .raw import _INVALID, _did_you_mean, _invisible, _Report

_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")
_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")
# ARM's rule for tag names (Learn, azure-resource-manager/management/tag-resources, Limitations):
# none of these characters, at most 512 characters.
_TAG_NAME_FORBIDDEN = set("<>%&\\?/")


def component_name(resource_group: str, cluster_name: str) -> str:
    """A cluster's logical name: ARM compares both names case-insensitively, and neither may
    contain '/'. It names the component, prefixes its children and identifies the cluster."""
    return f"{resource_group}/{cluster_name}".lower()


def _check_cloud(name: Any, native_env: Any, environ: Mapping[str, str], report: _Report) -> Cloud | None:
    if name is _INVALID:
        return None
    cloud = CLOUDS.get(name)
    if cloud is None:
        report.error("cloud", f"must be one of {', '.join(CLOUDS)}{_did_you_mean(name, CLOUDS)}")
        return None
    if isinstance(native_env, str) and native_env.strip().lower() != cloud.native_environment:
        report.error(
            "cloud",
            f"is {cloud.name} but azure-native:environment is {native_env!r}; "
            f"set azure-native:environment to {cloud.native_environment!r} or change cloud",
        )
    elif native_env is None and cloud.native_environment != "public" and not environ.get("ARM_ENVIRONMENT"):
        # The provider's default is public Azure: it would send this cloud's resources there.
        report.error(
            "cloud",
            f"is {cloud.name} but neither azure-native:environment nor ARM_ENVIRONMENT is set, so the provider "
            f"would talk to public Azure; `pulumi config set azure-native:environment {cloud.native_environment}`",
        )
    return cloud


def _check_cluster_name(value: Any, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through
    if not _CLUSTER_NAME.fullmatch(value):
        report.error(
            "clusterName",
            "must be 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit" + _invisible(value),
        )
        return None
    return str(value)


def _check_group_name(value: Any, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through
    if not _GROUP_NAME.fullmatch(value) or value.endswith("."):
        report.error(
            "resourceGroup",
            "must be 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'" + _invisible(value),
        )
        return None
    return str(value)


def _check_location(value: Any, cloud: Cloud | None, secret: bool, report: _Report) -> str | None:
    if value is _INVALID or value is None:
        return None
    location = regions.normalize(value)
    if not re.fullmatch(r"[a-z0-9]+", location):
        # `uk-south`, `west_europe`: the name without its separators is usually the region.
        close = regions.suggestion(re.sub(r"[^a-z0-9]", "", location), cloud.name) if cloud and not secret else None
        report.error(
            "location",
            "must be an Azure region name such as eastus or 'East US'"
            + (f" (did you mean {close!r}?)" if close else ""),
        )
        return None
    if cloud is not None and location not in regions.REGIONS_BY_CLOUD[cloud.name]:
        hint = None if secret else regions.suggestion(location, cloud.name)  # a close match tells the secret
        report.warn(
            "location",
            f"{'the value' if secret else repr(location)} is not a {cloud.name} region known offline"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + "; ARM has the final word at `pulumi up`",
        )
    return location


def _check_tags(value: Any, secret: bool, report: _Report) -> dict[str, str] | None:
    """Tag names of a secret `tags` are never echoed (not even as a key path)."""
    if value is _INVALID:
        return None
    ok = True
    if len(value) > 50:
        report.error("tags", "ARM allows at most 50 tags on a resource")
        ok = False
    for name, tag in value.items():
        path = "tags" if secret else f"tags.{name}"
        if not name.strip() or len(name) > 512 or _TAG_NAME_FORBIDDEN & set(name):
            report.error(path, "tag names are 1-512 characters without < > % & \\ ? /")
            ok = False
        if len(tag) > 256:
            report.error(path, "tag values are at most 256 characters")
            ok = False
    return dict(value) if ok else None
