"""components/scripts/preflight.sh, run for real against a local HTTPS server, through a local CONNECT proxy.

What the Job's container does, outside a cluster: the same script, the environment its settings
Secret gives (built by `settings_data`), a CA from a test authority. Needs bash, curl and getent.
"""

from __future__ import annotations

import base64
import datetime
import http.server
import os
import select
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components.preflight import SCRIPT, settings_data
from components.settings import ProxySettings

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "getent")), reason="needs bash, curl and getent"
)


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for localhost signed by it: (ca.pem, server.pem, server.key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "arc-preflight test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)  # any HTTP answer over verified TLS counts as reachable
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _ConnectProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ConnectHandler)
        self.seen: list[str] = []
        self.authorizations: list[str] = []


class _ConnectHandler(socketserver.BaseRequestHandler):
    """Enough of an HTTP proxy for curl: CONNECT host:port, then bytes both ways; 502 if unreachable."""

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        assert isinstance(self.server, _ConnectProxy)
        self.server.seen.append(f"{method} {target}")
        self.server.authorizations += [
            h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("proxy-authorization:")
        ]
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            sockets = [self.request, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for source in readable:
                    chunk = source.recv(65536)
                    if not chunk:
                        return
                    (upstream if source is self.request else self.request).sendall(chunk)


@dataclass
class Network:
    ca: Path
    https_port: int
    closed_port: int
    proxy: _ConnectProxy


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    directory = tmp_path_factory.mktemp("preflight-net")
    ca, cert, key = _certificates(directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    proxy = _ConnectProxy()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, proxy)]
    for thread in threads:
        thread.start()
    try:
        yield Network(ca, server.server_address[1], closed, proxy)
    finally:
        for s in (server, proxy):
            s.shutdown()
            s.server_close()


@dataclass
class Run:
    code: int
    stdout: str
    message: str  # the termination message


def run(
    tmp_path: Path, targets: list[str], proxy: ProxySettings, ca: Path | None, cluster_name: str = "localhost",
    bin_dir: Path | None = None, **extra: str,
) -> Run:  # fmt: skip
    data = settings_data(proxy)
    env = {k: v for k, v in data.items() if k != "proxy-ca.crt"}
    log = tmp_path / "termination-log"
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}" if bin_dir else os.environ["PATH"],
        TMPDIR=str(tmp_path),
        ARC_PREFLIGHT_TERMINATION_LOG=str(log),
        ARC_PREFLIGHT_CA_FILE=str(ca) if ca else str(tmp_path / "no-ca.pem"),
        ARC_PREFLIGHT_CLUSTER_NAME=cluster_name,
        **extra,
    )
    done = subprocess.run(
        ["bash", "-c", SCRIPT, "arc-preflight", *targets],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout, log.read_text() if log.exists() else "")


def test_all_reachable_through_the_proxy_with_the_ca(tmp_path: Path, network: Network) -> None:
    port = network.proxy.server_address[1]
    target = f"localhost:{network.https_port}"
    result = run(
        tmp_path, [target], ProxySettings(https_proxy=f"http://127.0.0.1:{port}", no_proxy=(".svc",)), network.ca
    )
    assert result.code == 0, result.stdout
    assert (
        result.message
        == f"arc-preflight: all 1 endpoints reachable; proxy: http://127.0.0.1:{port}; CA: proxy.caCertFile\n"
    )
    assert f"CONNECT {target}" in network.proxy.seen  # it went through the proxy


def test_failures_list_every_unreachable_endpoint_and_the_proxy(tmp_path: Path, network: Network) -> None:
    port = network.proxy.server_address[1]
    reachable, closed = f"localhost:{network.https_port}", f"localhost:{network.closed_port}"
    proxy = ProxySettings(https_proxy=f"http://arcuser:S3cr%23t-pw@127.0.0.1:{port}")
    result = run(tmp_path, [reachable, closed, "nosuch.invalid:443"], proxy, network.ca, cluster_name="nosuch.invalid")
    assert result.code == 1
    lines = result.message.splitlines()
    assert lines[0] == f"arc-preflight: 3 check(s) failed; proxy: http://127.0.0.1:{port}; CA: proxy.caCertFile"
    assert lines[1] == "- DNS: nosuch.invalid does not resolve: cluster DNS is not answering this pod"
    assert lines[2].startswith(f"- {closed}: (56) ") and "502" in lines[2]
    assert lines[3].startswith("- nosuch.invalid:443: (56) ")
    assert lines[4].startswith("Open these in the firewall and proxy")
    assert reachable not in result.message
    assert "S3cr" not in result.message + result.stdout and "arcuser" not in result.message + result.stdout
    assert f"ok      {reachable}" in result.stdout
    # The credentials reached the proxy apart from the URL (curl's proxy-user, from its stdin).
    assert network.proxy.authorizations[-1] == "Basic " + base64.b64encode(b"arcuser:S3cr#t-pw").decode()


def test_tls_interception_without_the_ca_fails(tmp_path: Path, network: Network) -> None:
    target = f"localhost:{network.https_port}"
    result = run(tmp_path, [target], ProxySettings(), ca=None)
    assert result.code == 1
    assert result.message.startswith("arc-preflight: 1 check(s) failed; proxy: none (direct connections)\n")
    assert f"- {target}: (60) " in result.message  # curl: SSL certificate problem


def test_direct_with_the_ca(tmp_path: Path, network: Network) -> None:
    result = run(tmp_path, [f"localhost:{network.https_port}"], ProxySettings(), network.ca)
    assert result.code == 0 and "proxy: none (direct connections); CA: proxy.caCertFile" in result.message


def test_no_proxy_sends_a_host_around_the_proxy(tmp_path: Path, network: Network) -> None:
    port = network.proxy.server_address[1]
    before = len(network.proxy.seen)
    proxy = ProxySettings(https_proxy=f"http://127.0.0.1:{port}", no_proxy=("localhost",))
    result = run(tmp_path, [f"localhost:{network.https_port}"], proxy, network.ca)
    assert result.code == 0, result.message
    assert len(network.proxy.seen) == before  # NO_PROXY is honoured, as the agents would


def test_the_message_fits_the_termination_log(tmp_path: Path, network: Network) -> None:
    many = [f"localhost:{network.closed_port}"] * 80
    result = run(tmp_path, many, ProxySettings(), network.ca)
    assert result.code == 1 and len(result.message.encode()) <= 4096
    assert result.message.endswith("... (truncated: the Pod's log has every line)\n")
    assert result.stdout.count("FAILED  ") == 80


# A curl that fails as curl does with a proxy URL it cannot parse, quoting everything it was given:
# its arguments, its proxy environment and its config from stdin (where the credentials are).
FAKE_CURL = r"""#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_CURL_ARGS"
printf "curl: (5) Unsupported proxy syntax in '%s %s %s %s'\n" "$*" "${HTTPS_PROXY:-}" "${https_proxy:-}" "$(cat)" >&2
exit 5
"""


@pytest.mark.parametrize(
    "url",
    [
        "http://arcuser:S3cr%23t-pw@proxy.corp,example:3128",
        'http://arcuser:S3cr"t\\pw@proxy.corp:3128',  # characters curl's config syntax escapes
        "http://arcuser:pw$(id)`id`@proxy.corp:3128",
    ],
)
def test_finding_1_no_credential_whatever_curl_says(tmp_path: Path, url: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(FAKE_CURL)
    (bin_dir / "curl").chmod(0o755)
    args = tmp_path / "curl-args"
    targets = ["a.example:443", "b.example:443"]
    result = run(tmp_path, targets, ProxySettings(https_proxy=url), None, bin_dir=bin_dir, FAKE_CURL_ARGS=str(args))
    assert result.code == 1
    output = result.stdout + result.message
    assert "Unsupported proxy syntax in '" in output  # curl's words are kept...
    user, _, password = url.split("://")[1].rpartition("@")[0].partition(":")
    from urllib.parse import unquote

    for secret in {
        password,
        unquote(password),
        "S3cr",
        "arcuser:",
        base64.b64encode(f"{user}:{unquote(password)}".encode()).decode(),
    }:
        assert secret not in output, secret  # ...but never a credential
    assert "[redacted]" in output  # curl did quote them (from its stdin), and they were blanked out
    assert password not in args.read_text() and unquote(password) not in args.read_text()  # never on its command line


def test_finding_1_any_urls_userinfo_is_redacted(tmp_path: Path) -> None:
    """Credentials the script was not told about (say, a proxy curl found elsewhere) go too."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(
        "#!/bin/sh\necho \"curl: (5) Unsupported proxy syntax in 'http://other:Unlisted-9@p,q:1'\" >&2\nexit 5\n"
    )
    (bin_dir / "curl").chmod(0o755)
    result = run(tmp_path, ["a.example:443"], ProxySettings(), None, bin_dir=bin_dir)
    assert result.code == 1 and "Unlisted-9" not in result.stdout + result.message
    assert "(5) Unsupported proxy syntax in 'http://[redacted]@p,q:1'" in result.message
