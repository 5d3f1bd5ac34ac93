"""A read-only OCI registry on 127.0.0.1 (HTTPS, the control planes' CA) serving Helm charts, as an
air-gapped site's mirror (their ACR) serves the agents' chart to `agents.chart: oci://...`.

The client side is real: the kubernetes provider's Helm and the `helm` CLI pull through oras-go.
What is served follows the OCI distribution spec (opencontainers/distribution-spec v1.1.0,
spec.md: `GET /v2/`, `GET|HEAD /v2/<name>/manifests/<reference>`, `GET /v2/<name>/blobs/<digest>`,
`GET /v2/<name>/tags/list`) and Helm's chart artifact (helm/helm v3 pkg/registry/constants.go:
config `application/vnd.cncf.helm.config.v1+json`, layer
`application/vnd.cncf.helm.chart.content.v1.tar+gzip`; the config is the chart's metadata as JSON,
pkg/registry/client.go Push). Charts are packaged by the real `helm package`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """Repositories of Helm charts; `reference(repository)` is the oci:// URL a release takes."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.blobs: dict[str, bytes] = {}
        self.tags: dict[str, dict[str, str]] = {}  # repository -> tag -> manifest digest
        self.pulls: list[str] = []  # "repository:tag-or-digest" of every manifest GET, in order
        handler = type("Handler", (_Handler,), {"registry": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Registry:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reference(self, repository: str) -> str:
        return f"oci://{self.host}/{repository}"

    def push_chart(self, helm: Path, chart_dir: Path, repository: str, work: Path) -> str:
        """Package the chart with the real helm and serve it under `repository/<chart name>` at its
        version; the chart's oci:// reference (without the version)."""
        work.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(helm), "package", str(chart_dir), "--destination", str(work)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"HOME": str(work), "HELM_CACHE_HOME": str(work / "cache"), "HELM_CONFIG_HOME": str(work / "config")},
        )
        if done.returncode != 0:
            raise RuntimeError(f"helm package {chart_dir}: {done.stderr}")
        package = Path(done.stdout.strip().rsplit(": ", 1)[-1])
        metadata = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
        layer = package.read_bytes()
        config = json.dumps(metadata, separators=(",", ":")).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {"mediaType": HELM_CONFIG, "digest": digest(config), "size": len(config)},
                "layers": [{"mediaType": HELM_LAYER, "digest": digest(layer), "size": len(layer)}],
                "annotations": {
                    "org.opencontainers.image.title": metadata["name"],
                    "org.opencontainers.image.version": metadata["version"],
                },
            },
            separators=(",", ":"),
        ).encode()
        for blob in (config, layer, manifest):
            self.blobs[digest(blob)] = blob
        name = f"{repository}/{metadata['name']}"
        # OCI tags cannot hold "+": Helm writes it as "_" (pkg/registry/client.go).
        self.tags.setdefault(name, {})[str(metadata["version"]).replace("+", "_")] = digest(manifest)
        return self.reference(name)


class _Handler(BaseHTTPRequestHandler):
    registry: Registry
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `pulls` instead."""

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str) -> None:
        body = json.dumps({"errors": [{"code": code, "message": code.lower().replace("_", " ")}]}).encode()
        self._send(status, body, "application/json")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/v2", "/v2/"):
            self._send(200, b"{}", "application/json")
            return
        match = re.fullmatch(r"/v2/(.+)/(manifests|blobs|tags)/(.+)", path)
        if match is None:
            self._error(404, "NAME_UNKNOWN")
            return
        name, kind, reference = match.groups()
        tags = self.registry.tags.get(name)
        if tags is None:
            self._error(404, "NAME_UNKNOWN")
            return
        if kind == "tags" and reference == "list":
            self._send(200, json.dumps({"name": name, "tags": sorted(tags)}).encode(), "application/json")
            return
        if kind == "manifests":
            self.registry.pulls.append(f"{name}:{reference}")
            found = tags.get(reference, reference)
            manifest = self.registry.blobs.get(found)
            if manifest is None:
                self._error(404, "MANIFEST_UNKNOWN")
                return
            self._send(200, manifest, MANIFEST, {"Docker-Content-Digest": found})
            return
        blob = self.registry.blobs.get(reference)
        if blob is None:
            self._error(404, "BLOB_UNKNOWN")
            return
        self._send(200, blob, "application/octet-stream", {"Docker-Content-Digest": reference})


def bumped(chart_dir: Path, version: str, dest: Path) -> Path:
    """A copy of the chart at another version (what a self-upgrade installs)."""
    copy = Path(shutil.copytree(chart_dir, dest / chart_dir.name))
    metadata = yaml.safe_load((copy / "Chart.yaml").read_text())
    metadata.update(version=version, appVersion=version)
    (copy / "Chart.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False))
    return copy
