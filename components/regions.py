"""Region names known offline, for warnings only.

No list is authoritative offline: ARM answers `az provider show -n Microsoft.Kubernetes --query
"resourceTypes[?resourceType=='connectedClusters'].locations"` per subscription. An unknown name
is therefore a warning with a suggestion, never an error.
"""

from __future__ import annotations

import difflib
import re

PUBLIC_REGIONS = frozenset(
    [
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "chilecentral",
        "denmarkeast",
        "eastasia",
        "eastus",
        "eastus2",
        "eastus2euap",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southeastasia",
        "southindia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
    ]
)
US_GOVERNMENT_REGIONS = frozenset(["usgovarizona", "usgovtexas", "usgovvirginia"])
CHINA_REGIONS = frozenset(["chinaeast", "chinaeast2", "chinaeast3", "chinanorth", "chinanorth2", "chinanorth3"])

REGIONS_BY_CLOUD: dict[str, frozenset[str]] = {
    "AzureCloud": PUBLIC_REGIONS,
    "AzureUSGovernment": US_GOVERNMENT_REGIONS,
    "AzureChinaCloud": CHINA_REGIONS,
}


def normalize(location: str) -> str:
    """`East US` -> `eastus`: how ARM and the az CLI compare locations."""
    return "".join(location.split()).lower()


def suggestion(location: str, cloud: str) -> str | None:
    """The closest known region of the cloud, or None when nothing is close. A region with its words
    swapped (`europe-west`, `europewest`: `westeurope`) first: by spelling, `ukwest` is closer."""
    folded = re.sub(r"[^a-z0-9]", "", location.lower())
    swapped = [r for r in sorted(REGIONS_BY_CLOUD[cloud]) if len(r) == len(folded) and folded in r + r]
    if swapped:
        return swapped[0]
    close = difflib.get_close_matches(location, sorted(REGIONS_BY_CLOUD[cloud]), n=1, cutoff=0.6)
    return close[0] if close else None
