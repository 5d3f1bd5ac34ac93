"""The network preflight: a Kubernetes Job that checks, from inside the cluster, what the agents need.

Declared by `ArcConnectedCluster` before the agents' Helm release, which depends on it. It depends on
nothing in Azure, so it runs while the registrations, the group and the connected cluster are created.

How a failure reaches `pulumi up` (pulumi-kubernetes' Job await, `provider/pkg/await/job.go` and the
Pod checks it aggregates): the Job is awaited until its `Complete` condition; a `Failed` condition with
reason `BackoffLimitExceeded` or `DeadlineExceeded` fails the resource, and the error lists what was
collected meanwhile, including each failed Pod's container state as `[<reason>] <termination
message>`. Neither the Job's events nor the Pod's logs are part of it. So the script writes its summary
(every unreachable endpoint and the proxy used) to the termination message, and `backoffLimit` is 1:
the first Pod's failure is collected while the second runs, so the message cannot lose the race with
the Job's `Failed` condition. `activeDeadlineSeconds` bounds a Pod that never starts (an image that
cannot be pulled); the Pulumi timeout is a little longer, so the Job's own condition is what ends it.

The Job stays after it completes (no `ttlSecondsAfterFinished`: Pulumi owns it). It is replaced, so it
runs again, when any of its inputs change (`replace_on_changes=["*"]`). A Job that failed in an earlier
run is replaced on the next `up`: pulumi-kubernetes reads an unready Job as a partial failure, so its
init errors survive the refresh and `replace_on_changes=["*"]` replaces it; the
`pulumi.com/replaceUnready` annotation asks the provider for the same. Proxy URLs, noProxy
and the CA live in a Secret; an HMAC of that Secret's data in the Pod template makes a change to them a
change to the Job without putting a guessable hash of a proxy password into the cluster.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

import pulumi
import pulumi_kubernetes as k8s

from . import scripts
from .settings import SECURE_PLACEHOLDER, ProxySettings

NAMESPACE = "azure-arc-preflight"
JOB_NAME = "arc-preflight"
SETTINGS_SECRET = "arc-preflight-settings"  # noqa: S105  # a Secret's name, not a password
CONTAINER = "preflight"
CA_KEY = "proxy-ca.crt"
CA_DIR = "/etc/arc-preflight/ca"
# One retry, so a failed Pod's message is collected before the Job fails (see the module docstring).
BACKOFF_LIMIT = 1
# Two Pods at most 25 s each per endpoint (all in parallel), the 10 s Pod backoff and an image pull.
ACTIVE_DEADLINE_SECONDS = 300
PULUMI_TIMEOUT = "6m"
DIGEST_ANNOTATION = "arc-onboarding.azure.com/settings-hmac"
LABELS = {
    "app.kubernetes.io/name": JOB_NAME,
    "app.kubernetes.io/part-of": "arc-onboarding",
    "app.kubernetes.io/managed-by": "pulumi",
}
SCRIPT = scripts.text("preflight")


def shown_proxy(url: str) -> str:
    """The proxy as the failure message names it: scheme, host and port, never the credentials."""
    if url == SECURE_PLACEHOLDER:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def without_userinfo(url: str) -> str:
    """The URL as curl gets it: whatever is before the host's last `@` dropped, parsable or not."""
    if url == SECURE_PLACEHOLDER:
        return url
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url.rpartition("@")[2]
    authority_end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    return f"{scheme}://{rest[:authority_end].rpartition('@')[2]}{rest[authority_end:]}"


def userinfo(url: str) -> str:
    """The URL's `user:password` as written (percent-encoded), empty when it has none."""
    if url == SECURE_PLACEHOLDER:
        return ""
    rest = url.partition("://")[2] or url
    authority = rest[: next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))]
    return authority.rpartition("@")[0]


def redactions(urls: Sequence[str]) -> list[str]:
    """Every form in which the proxies' credentials could be printed: as written, decoded, and as a
    Basic header; longest first, so a longer form is redacted before a part of it."""
    found: set[str] = set()
    for url in urls:
        raw = userinfo(url)
        if not raw:
            continue
        user, _, password = raw.partition(":")
        decoded = f"{unquote(user)}:{unquote(password)}"
        found.update((raw, decoded, base64.b64encode(decoded.encode()).decode()))
        if password:
            found.update((password, unquote(password)))
    return sorted(found, key=lambda text: (-len(text), text))


def settings_data(proxy: ProxySettings) -> dict[str, str]:
    """The preflight Secret's data: the agents' proxy settings as the environment curl reads.

    curl reads lower-case `http_proxy` only, and either case of the others; both are set. HTTPS
    requests use `https_proxy` alone (as the agents do), so the proxy shown is that one.
    Credentials never go in a proxy URL curl sees (curl quotes a URL it cannot parse whole in its
    error, which would reach the termination message): `ARC_PREFLIGHT_PROXY_USER` holds them
    decoded, for curl's `proxy-user` read from its standard input, and `ARC_PREFLIGHT_REDACT`
    every form the script must blank out of what it prints.
    """
    data: dict[str, str] = {}
    if proxy.https_proxy:
        data["HTTPS_PROXY"] = data["https_proxy"] = without_userinfo(proxy.https_proxy)
        data["ARC_PREFLIGHT_PROXY"] = shown_proxy(proxy.https_proxy)
        host = urlsplit(proxy.https_proxy).hostname if proxy.https_proxy != SECURE_PLACEHOLDER else None
        if host:
            data["ARC_PREFLIGHT_PROXY_HOST"] = host
        credentials = userinfo(proxy.https_proxy)
        if credentials:
            user, _, password = credentials.partition(":")
            data["ARC_PREFLIGHT_PROXY_USER"] = f"{unquote(user)}:{unquote(password)}"
    elif proxy.http_proxy:
        data["ARC_PREFLIGHT_PROXY"] = "none for HTTPS (only proxy.httpProxy is set)"
    if proxy.http_proxy:
        # Not used for the HTTPS probes; without its credentials, which nothing here needs.
        data["HTTP_PROXY"] = data["http_proxy"] = without_userinfo(proxy.http_proxy)
    hidden = redactions([url for url in (proxy.https_proxy, proxy.http_proxy) if url])
    if hidden:
        data["ARC_PREFLIGHT_REDACT"] = "\n".join(hidden)
    if proxy.no_proxy:
        data["NO_PROXY"] = data["no_proxy"] = ",".join(proxy.no_proxy)
    if proxy.ca_cert_pem:
        data[CA_KEY] = proxy.ca_cert_pem
    return data


def settings_hmac(key: str, data: dict[str, str]) -> str:
    return hmac.new(key.encode(), json.dumps(data, sort_keys=True).encode(), hashlib.sha256).hexdigest()


class Preflight:
    """The namespace, the settings Secret (when there are settings) and the Job of one cluster."""

    def __init__(
        self,
        name: str,
        *,
        image: pulumi.Input[str],
        targets: pulumi.Input[Sequence[str]],
        proxy: ProxySettings,
        digest_key: pulumi.Output[str],
        parent: pulumi.Resource,
        provider: pulumi.ProviderResource,
    ) -> None:
        child = pulumi.ResourceOptions(parent=parent, provider=provider)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-preflight-ns",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=NAMESPACE,
                # The Pod meets the `restricted` Pod Security Standard; say so to the admission check.
                labels={**LABELS, "pod-security.kubernetes.io/enforce": "restricted"},
            ),
            opts=child,
        )
        namespace = self.namespace.metadata.name

        data = settings_data(proxy)
        self.secret: k8s.core.v1.Secret | None = None
        pod_annotations: dict[str, pulumi.Input[str]] = {}
        env: list[k8s.core.v1.EnvVarArgs] = []
        volumes = [
            k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="16Mi"))
        ]
        mounts = [k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")]  # noqa: S108  # in the pod, its own emptyDir
        if data:
            self.secret = k8s.core.v1.Secret(
                f"{name}-preflight-settings",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=SETTINGS_SECRET, namespace=namespace, labels=LABELS),
                type="Opaque",
                # Kubernetes Secret data is secret in Pulumi state whatever the config said.
                string_data=pulumi.Output.secret(data),
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(delete_before_replace=True)),
            )
            secret_name = self.secret.metadata.name
            env = [
                k8s.core.v1.EnvVarArgs(
                    name=key,
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret_name, key=key)
                    ),
                )
                for key in sorted(data)
                if key != CA_KEY
            ]
            if CA_KEY in data:
                volumes.append(
                    k8s.core.v1.VolumeArgs(
                        name="proxy-ca",
                        secret=k8s.core.v1.SecretVolumeSourceArgs(
                            secret_name=secret_name,
                            items=[k8s.core.v1.KeyToPathArgs(key=CA_KEY, path=CA_KEY)],
                        ),
                    )
                )
                mounts.append(k8s.core.v1.VolumeMountArgs(name="proxy-ca", mount_path=CA_DIR, read_only=True))
            pod_annotations[DIGEST_ANNOTATION] = digest_key.apply(lambda key: settings_hmac(key, data))

        self.job = k8s.batch.v1.Job(
            f"{name}-preflight",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=JOB_NAME,
                namespace=namespace,
                labels=LABELS,
                annotations={"pulumi.com/replaceUnready": "true"},
            ),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=BACKOFF_LIMIT,
                active_deadline_seconds=ACTIVE_DEADLINE_SECONDS,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=LABELS, annotations=pod_annotations or None),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        node_selector={"kubernetes.io/os": "linux"},
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=65534,
                            run_as_group=65534,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name=CONTAINER,
                                image=image,
                                image_pull_policy="IfNotPresent",
                                command=["/bin/bash", "-c", SCRIPT, JOB_NAME],
                                args=targets,
                                env=env or None,
                                termination_message_policy="FallbackToLogsOnError",
                                resources=k8s.core.v1.ResourceRequirementsArgs(
                                    requests={"cpu": "10m", "memory": "32Mi"},
                                    limits={"memory": "128Mi"},
                                ),
                                security_context=k8s.core.v1.SecurityContextArgs(
                                    allow_privilege_escalation=False,
                                    read_only_root_filesystem=True,
                                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                                ),
                                volume_mounts=mounts,
                            )
                        ],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    # Fixed name: the old Job must go before the new one is created.
                    delete_before_replace=True,
                    # A Job's Pod template is immutable, and a change must run the checks again.
                    replace_on_changes=["*"],
                    custom_timeouts=pulumi.CustomTimeouts(create=PULUMI_TIMEOUT, update=PULUMI_TIMEOUT),
                ),
            ),
        )
