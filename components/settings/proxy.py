"""The cluster's network path: the outbound proxy (URLs, noProxy, CA), the routes it leaves to the
proxy, private link and the network preflight."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import re
from pathlib import Path
from typing import Any

import idna

from components import network
from components.clouds import Cloud

from .files import UnusableFile, exists, read_text
from .model import PreflightSettings, ProxySettings
from .raw import (
    _GUID,
    _INVALID,
    SECURE_PLACEHOLDER,
    _brace_hint,
    _Report,
    _split_url,
    _warn_plaintext,
)

_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
# ARM ids compare case-insensitively, so the fixed segments do too.
_PRIVATE_LINK_SCOPE_ID = re.compile(
    rf"/subscriptions/{_GUID.pattern}/resourceGroups/[-\w.()]{{1,90}}"
    r"/providers/Microsoft\.HybridCompute/privateLinkScopes/[-\w.]+",
    re.I,
)
_GATEWAY_ID = re.compile(
    rf"/subscriptions/{_GUID.pattern}/resourceGroups/[-\w.()]{{1,90}}"
    r"/providers/Microsoft\.HybridCompute/gateways/[-\w.]+",
    re.I,
)
# The CLI's `Arc` keyword in `--proxy-skip-range` (connectedk8s 1.11.2, `custom.py` ~1337,
# `_constants.py` ~254; connectedk8s.md §8): case-insensitive, expanded to the Arc private link
# suffixes of the cloud, de-duplicated.
ARC_KEYWORD = "arc"
# `--add-proxy-bypass` values (azure-cli-extensions @ 0b4bb2eb, connectedk8s `custom.py`
# `create_connectedk8s`, `_validators.py` `has_proxy_bypass_keyword`; `_containerinsightsutils.py`).
BYPASS_ARC = "Arc"
BYPASS_CONTAINER_INSIGHTS = "Microsoft.AzureMonitor.Containers"
ARC_SUFFIXES = (
    ".his.arc.azure.{suffix}",
    ".dp.kubernetesconfiguration.azure.{suffix}",
    ".guestconfiguration.azure.{suffix}",
)


def _check_proxy(
    value: Any, stored_secret: bool, project_dir: Path, today: datetime.date, report: _Report
) -> ProxySettings | None:
    if value is _INVALID:
        return None
    ok = all(v is not _INVALID for v in value.values())
    has_credentials = False
    for name in ("httpProxy", "httpsProxy"):
        url = value[name]
        if isinstance(url, str) and url != SECURE_PLACEHOLDER:
            verdict = _check_proxy_url(url, f"proxy.{name}", report)
            ok = ok and verdict is not None
            if verdict:
                has_credentials = True
                if not stored_secret:
                    _warn_plaintext(report, f"proxy.{name}", "holds credentials", "URL")
    no_proxy = value["noProxy"]
    if isinstance(no_proxy, list):
        for index, entry in enumerate(no_proxy):
            path = f"proxy.noProxy[{index}]"
            if entry != SECURE_PLACEHOLDER and not _check_no_proxy_entry(entry, path, stored_secret, report):
                ok = False
    url_set = value["httpProxy"] or value["httpsProxy"]
    if ok and isinstance(no_proxy, list) and no_proxy and not url_set:
        # The chart would turn the proxy on (isProxyEnabled) with nowhere to send traffic: a proxy URL
        # lost on the way (a secret URL not yet set in a shard) must not plan green.
        report.error(
            "proxy.noProxy",
            "is set but proxy.httpsProxy (and httpProxy) is not: the agents would be told a proxy is on "
            "with no proxy URL; set proxy.httpsProxy (a secret URL: `pulumi config set --secret --path "
            "proxy.httpsProxy`; a new shard: run its set-secrets.sh), or remove noProxy",
        )
        ok = False
    bypass = _check_bypass(value["bypass"], value, report)
    ok = ok and bypass is not None
    ca_pem = None
    ca_file = value["caCertFile"]
    if isinstance(ca_file, str) and ca_file != SECURE_PLACEHOLDER:
        ca_pem = _read_ca(ca_file, project_dir, today, stored_secret, report)
        ok = ok and ca_pem is not None
    if not ok:
        return None
    return ProxySettings(
        http_proxy=value["httpProxy"] or None,
        https_proxy=value["httpsProxy"] or None,
        no_proxy=tuple(no_proxy or ()),
        ca_cert_file=ca_file,
        ca_cert_pem=ca_pem,
        secret=stored_secret or has_credentials,
        bypass=bypass or (),
    )


def _check_bypass(value: Any, proxy: Any, report: _Report) -> tuple[str, ...] | None:
    """`proxy.bypass` as canonical names, de-duplicated; None after an error."""
    if not isinstance(value, list):
        return ()
    known = {name.lower(): name for name in (BYPASS_ARC, BYPASS_CONTAINER_INSIGHTS)}
    names: list[str] = []
    for index, entry in enumerate(value):
        path = f"proxy.bypass[{index}]"
        name = known.get(entry.strip().lower()) if isinstance(entry, str) else None
        if name is None:
            report.error(
                path, f"must be {BYPASS_ARC} or {BYPASS_CONTAINER_INSIGHTS} (the CLI's --add-proxy-bypass values)"
            )
            return None
        if name not in names:
            names.append(name)
    if BYPASS_ARC in names and not (proxy["httpsProxy"] or proxy["httpProxy"]):
        report.error("proxy.bypass", "Arc bypasses a proxy: set proxy.httpsProxy (or proxy.httpProxy) too")
        return None
    return tuple(names)


def apply_arc_bypass(proxy: ProxySettings, cloud: Cloud) -> ProxySettings:
    """With `proxy.bypass: [Arc]`, noProxy plus the cloud's Arc endpoints not already listed
    (case-insensitive, appended in order), as the CLI's `add_arc_proxy_skip_range_endpoints`."""
    if BYPASS_ARC not in proxy.bypass:
        return proxy
    entries = list(proxy.no_proxy)
    present = {entry.lower() for entry in entries}
    for endpoint in (s.format(suffix=cloud.suffix) for s in ARC_SUFFIXES):
        if endpoint.lower() not in present:
            entries.append(endpoint)
            present.add(endpoint.lower())
    return dataclasses.replace(proxy, no_proxy=tuple(entries), user_no_proxy=proxy.no_proxy)


def _check_proxy_routes(
    proxy: ProxySettings, cloud: Cloud, location: str, held: frozenset[str], report: _Report
) -> None:
    """Warnings, never errors: what noProxy leaves to the proxy, or sends around it.

    Only with a proxy URL set (noProxy alone routes nothing). Entries of a secret `proxy` are named by
    index only. The service CIDR cannot be known offline, so only its absence (no CIDR at all) shows.
    """
    if not (proxy.http_proxy or proxy.https_proxy):
        return
    if proxy.http_proxy and not proxy.https_proxy:
        report.warn(
            "proxy.httpsProxy",
            "is not set: httpProxy only carries plain HTTP, and every Azure endpoint of the agents is HTTPS, "
            "so they would bypass the proxy; set httpsProxy too",
        )
    entries = [(i, e) for i, e in enumerate(proxy.no_proxy) if e != SECURE_PLACEHOLDER]
    if len(entries) == len(proxy.no_proxy):  # a placeholder could be anything: no "lacks" warnings
        values = [e for _, e in entries]
        missing = network.missing_in_cluster_entries(values)
        if missing:
            report.warn(
                "proxy.noProxy",
                f"lacks {', '.join(missing)}: the agents' in-cluster calls would go to the proxy; Microsoft's "
                "guidance is your service CIDR, kubernetes.default.svc, .svc.cluster.local and .svc",
            )
        if not network.has_cidr(values):
            report.warn(
                "proxy.noProxy",
                "has no CIDR: add the cluster's service CIDR (it cannot be known offline; the IP of "
                "`kubectl get svc kubernetes -n default -o jsonpath='{.spec.clusterIP}'` lies in it, "
                "e.g. 10.96.0.0/12 on kind and kubeadm, 10.43.0.0/16 on k3s)",
            )
    required = network.required_endpoints(cloud.name, location, held)
    for index, entry in entries:
        hosts = [e.host for e in network.bypassed_endpoints(entry, required)]
        if hosts:
            named = "" if proxy.secret else f"{entry!r} "
            report.warn(
                f"proxy.noProxy[{index}]",
                f"{named}sends {', '.join(hosts)} around the proxy: the nodes must reach them directly",
            )


def _check_preflight(value: Any, report: _Report) -> PreflightSettings | None:
    if value is _INVALID or any(v is _INVALID for v in value.values()):
        return None
    image = value["image"]
    if image != SECURE_PLACEHOLDER:
        if not image.strip() or any(c.isspace() for c in image):
            report.error(
                "preflight.image", "must be an image reference such as registry/repository:tag, without spaces"
            )
            return None
        if "://" in image:
            report.error(
                "preflight.image", "must be an image reference such as registry/repository:tag, without a scheme"
            )
            return None
    return PreflightSettings(enabled=value["enabled"], image=image)


def _check_proxy_url(url: str, path: str, report: _Report) -> bool | None:
    """None when invalid, else whether the URL carries credentials. Never echoes the URL."""
    authority = url.partition("://")[2].partition("/")[0]
    encode = "e.g. `python3 -c 'import urllib.parse,getpass; print(urllib.parse.quote(getpass.getpass(), safe=\"\"))'`"
    if "#" in url:
        # `#` starts a fragment: the rest of the password would become the port (Go's url.Parse, which
        # the agents read the proxy with, cuts there too).
        report.error(path, f"has a '#': in a user name or password, URL-encode it as %23 ({encode})")
        return None
    if authority.count("@") > 1:
        # RFC 3986 userinfo has no '@'. Go's net/url (url.go, parseAuthority and validUserinfo) takes
        # the last '@' and accepts the others, so the agents would work; clients that split at the
        # first would not. A warning, then.
        report.warn(path, f"has an '@' in its user name or password: URL-encode it as %40 ({encode})")
    parts = _split_url(url, path, "http(s)://[user:password@]host:port", report)
    if parts is None:
        return None
    if parts.scheme not in ("http", "https"):
        report.error(path, "must start with http:// or https://")
        return None
    try:
        port = parts.port
    except ValueError:
        report.error(path, "has an invalid port (1-65535)")
        return None
    if not parts.hostname:
        report.error(path, "has no host: expected http(s)://[user:password@]host:port")
        return None
    if not _valid_proxy_host(parts.netloc.rpartition("@")[2]):
        # RFC 3986 allows `, ! ' * ( ) = + & $` in a host; curl refuses them, quoting the whole URL.
        report.error(
            path,
            "has an invalid host: expected a DNS name (letters, digits and '-' between dots), "
            "an IPv4 address or an [IPv6] address",
        )
        return None
    if port == 0:
        report.error(path, "has an invalid port (1-65535)")
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        report.error(path, "must be scheme://[user:password@]host[:port] with no path or query")
        return None
    return parts.username is not None or parts.password is not None


_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _valid_proxy_host(host_port: str) -> bool:
    """A host as curl parses it: an LDH name (a Unicode one as its IDNA form), an IPv4 address or a
    bracketed IPv6 address without a zone. `host_port` is the netloc after any userinfo."""
    if host_port.startswith("["):
        literal = host_port[1:].partition("]")[0]
        if "%" in literal:
            return False
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
        return True
    host = host_port.rpartition(":")[0] if ":" in host_port else host_port
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return False
    name = host.lower().removesuffix(".")
    return 0 < len(name) <= 253 and all(_LDH_LABEL.fullmatch(label) for label in name.split("."))


def _check_no_proxy_entry(entry: str, path: str, secret: bool, report: _Report) -> bool:
    shown = "the entry" if secret else repr(entry)  # a secret `proxy` is never quoted back
    if not entry.strip():
        report.error(path, "is empty")
        return False
    if entry != entry.strip() or "," in entry or any(c.isspace() for c in entry):
        report.error(path, "must be one host, domain, IP or CIDR: no spaces or commas")
        return False
    if entry == "*":
        return True
    if "/" in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            report.error(path, f"{shown} is not a valid CIDR")
            return False
        return True
    try:
        ipaddress.ip_address(entry.strip("[]"))
        return True
    except ValueError:
        pass
    host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if port and not (re.fullmatch(r"[0-9]{1,5}", port) and 0 < int(port) < 65536):
        report.error(path, f"{shown} has an invalid port")
        return False
    labels = host.removeprefix("*.").removeprefix(".").split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        report.error(path, f"{shown} is not a host name, .domain suffix, IP or CIDR")
        return False
    return True


def _check_private_link(value: Any, report: _Report) -> Any:
    """The private link scope's ARM id, None when private link is off, or _INVALID."""
    if value is _INVALID:
        return _INVALID
    scope = value["scopeResourceId"]
    if scope is None or scope is _INVALID or scope == SECURE_PLACEHOLDER:
        return scope
    if not _PRIVATE_LINK_SCOPE_ID.fullmatch(scope):
        report.error(
            "privateLink.scopeResourceId",
            "must be the ARM id of a private link scope: /subscriptions/<guid>/resourceGroups/<group>"
            "/providers/Microsoft.HybridCompute/privateLinkScopes/<name>" + _brace_hint(scope),
        )
        return _INVALID
    return scope


def _read_ca(file: str, project_dir: Path, today: datetime.date, secret: bool, report: _Report) -> str | None:
    """The bundle's certificates, re-serialized as PEM: nothing else in the file (comments, a pasted
    secret) reaches the chart."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    path = project_dir / file
    key = "proxy.caCertFile"
    shown = "" if secret else f"{file}: "  # a secret `proxy` is never quoted back
    if not file.strip():
        report.error(key, "must not be empty")
        return None
    if not exists(path):
        report.error(key, f"{shown}no such file (relative to the project directory)")
        return None
    if path.is_dir():
        report.error(key, f"{shown}is not a file (a directory?); give the PEM file's path")
        return None
    try:
        text = read_text(path, encoding="ascii", limit=1024 * 1024)
    except OSError as error:  # it cannot be opened (permissions), or vanished since the check above
        report.error(key, f"{shown}cannot be read ({error.strerror}); check the file and run again")
        return None
    except UnusableFile as error:
        report.error(key, f"{shown}cannot be read ({error}); give the PEM file's path")
        return None
    except UnicodeDecodeError:
        report.error(
            key,
            f"{shown}is not PEM text (binary, or not ASCII); convert a DER file with "
            "`openssl x509 -inform der -in CA.cer -out CA.pem`",
        )
        return None
    if "PRIVATE KEY" in text:
        report.error(key, f"{shown}holds a private key; give the CA certificate only")
        return None
    if not text.strip():
        report.error(key, f"{shown}is empty")
        return None
    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        report.error(key, f"{shown}is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
        return None
    for index, certificate in enumerate(certificates):
        if certificate.not_valid_after_utc.date() < today:
            named = f"number {index + 1}" if secret else repr(certificate.subject.rfc4514_string())
            report.warn(
                key,
                f"{shown}certificate {named} expired on {certificate.not_valid_after_utc.date().isoformat()}",
            )
    return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certificates)


def expand_arc_keyword(proxy: ProxySettings, cloud: Cloud) -> ProxySettings:
    """noProxy with the `Arc` keyword replaced by the cloud's Arc suffixes, as the CLI expands it."""
    if not any(entry.lower() == ARC_KEYWORD for entry in proxy.no_proxy):
        return proxy
    expanded: list[str] = []
    for entry in proxy.no_proxy:
        for item in [s.format(suffix=cloud.suffix) for s in ARC_SUFFIXES] if entry.lower() == ARC_KEYWORD else [entry]:
            if item not in expanded:
                expanded.append(item)
    return dataclasses.replace(proxy, no_proxy=tuple(expanded))


def _check_gateway(value: Any, cloud: Cloud | None, private_link: Any, report: _Report) -> Any:
    """The gateway's ARM id, None when gateway mode is off, or _INVALID."""
    if value is _INVALID:
        return _INVALID
    gateway = value["resourceId"]
    if gateway is None or gateway is _INVALID:
        return gateway
    if gateway != SECURE_PLACEHOLDER and not _GATEWAY_ID.fullmatch(gateway):
        report.error(
            "gateway.resourceId",
            "must be the ARM id of an Arc gateway: /subscriptions/<guid>/resourceGroups/<group>"
            "/providers/Microsoft.HybridCompute/gateways/<name>" + _brace_hint(gateway),
        )
        return _INVALID
    if cloud is not None and cloud.name != "AzureCloud":
        report.error("gateway.resourceId", f"the Azure Arc gateway is available in AzureCloud only, not {cloud.name}")
        return _INVALID
    if private_link is not None and private_link is not _INVALID:
        report.error(
            "gateway.resourceId",
            "cannot be combined with privateLink.scopeResourceId (Learn: the gateway does not work with private endpoints)",
        )
        return _INVALID
    return gateway


def _warn_gateway_through_tls_inspection(gateway: Any, proxy: Any, report: _Report) -> None:
    """A CA for the proxy means a TLS-inspecting proxy, through which the Arc gateway does not work
    (Learn "Simplify network configuration requirements with Azure Arc gateway"; docs/network.md)."""
    if not isinstance(gateway, str) or not isinstance(proxy, ProxySettings) or proxy.ca_cert_pem is None:
        return
    report.warn(
        "gateway.resourceId",
        "is set together with proxy.caCertFile, i.e. a TLS-inspecting proxy: the Azure Arc gateway does not "
        "work through TLS termination. Exempt the gateway's host (*.gw.arc.azure.com) from inspection in the "
        "proxy, or remove gateway.resourceId or proxy.caCertFile",
    )
