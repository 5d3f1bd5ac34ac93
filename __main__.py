"""arc-onboarding: connect Kubernetes clusters to Azure Arc (see README.md)."""

from pathlib import Path

import pulumi

from components.onboarding import deploy, load_settings

settings = load_settings(Path(__file__).resolve().parent)
clusters = deploy(settings)
pulumi.export("clusters", {name: cluster.outputs() for name, cluster in clusters.items()})
