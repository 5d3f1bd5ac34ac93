"""Azure clouds as the az CLI, the agents' chart and azure-native each name them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    name: str  # the az CLI's cloud name, our `cloud` config value
    helm_environment: str  # chart value `global.azureEnvironment`
    native_environment: str  # `azure-native:environment`
    suffix: str  # DNS suffix of the Arc data-plane hosts (`*.azure.<suffix>`)
    arm_endpoint: str
    # The token audience of ARM (az CLI `cloud.endpoints.active_directory_resource_id`, azure-cli
    # core `cloud.py`): the connectedk8s CLI asks the config data plane with it (`_utils.py`
    # `get_helm_values`), and so does helm_settings.sh (`az rest --resource`).
    aad_resource: str


CLOUDS: dict[str, Cloud] = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            "AzureCloud",
            "AZUREPUBLICCLOUD",
            "public",
            "com",
            "https://management.azure.com",
            "https://management.core.windows.net/",
        ),
        Cloud(
            "AzureUSGovernment",
            "AZUREUSGOVERNMENTCLOUD",
            "usgovernment",
            "us",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/",
        ),
        Cloud(
            "AzureChinaCloud",
            "AZURECHINACLOUD",
            "china",
            "cn",
            "https://management.chinacloudapi.cn",
            "https://management.core.chinacloudapi.cn/",
        ),
    )
}


def config_data_plane(cloud: Cloud, location: str) -> str:
    """The agents' config data plane for a region (the az CLI builds it the same way)."""
    return f"https://{location}.dp.kubernetesconfiguration.azure.{cloud.suffix}"


def clouds_table() -> str:
    """docs/configuration.md's cloud table, generated so the endpoints cannot drift from `CLOUDS`."""
    rows = [
        "| `cloud` | `azure-native:environment` | `global.azureEnvironment` | ARM endpoint | agents' data plane (`dataPlaneEndpoint`) |",
        "|---|---|---|---|---|",
    ]
    for cloud in CLOUDS.values():
        rows.append(
            f"| `{cloud.name}` | `{cloud.native_environment}` | `{cloud.helm_environment}` | {cloud.arm_endpoint} "
            f"| `{config_data_plane(cloud, '<region>')}` |"
        )
    return "\n".join(rows)
