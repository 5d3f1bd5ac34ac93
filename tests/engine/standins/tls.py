"""STAND-IN for the `tls` provider 5.6.2 (`pulumi-resource-tls`), PrivateKey only.

Why a stand-in: pulumi-tls's provider module has a `replace` pointing at its nested `./shim`
module, which the module proxy's zip leaves out, so it does not build from the proxy.

Rules of terraform-provider-tls internal/provider/resource_private_key.go (which pulumi-tls
bridges): every argument (algorithm, rsa_bits, ecdsa_curve) has the RequiresReplace plan modifier;
an RSA key's private_key_pem is PKCS#1 ("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey) and
public_key_pem is PKIX ("PUBLIC KEY", x509.MarshalPKIXPublicKey, common_key.go); the id is the
SHA-1 hex of the public key PEM (hashForState). rsa_bits defaults to 2048.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import provider
from .provider import Diff, Kind, ProviderError, top_level_diff


class PrivateKey(Kind):
    token = "tls:index/privateKey:PrivateKey"

    def diff(self, old_inputs, olds, news) -> Diff:
        return top_level_diff(old_inputs, news, force_new=("algorithm", "rsaBits", "ecdsaCurve"))

    def create(self, name, inputs):
        if inputs.get("algorithm") != "RSA":
            raise ProviderError("stand-in tls: only RSA keys are modelled")
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(inputs.get("rsaBits", 2048)))
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()
        pkcs8 = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        openssh = (
            key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
            + "\n"
        )
        outputs = {
            "algorithm": "RSA",
            "rsaBits": int(inputs.get("rsaBits", 2048)),
            "ecdsaCurve": "P224",
            "privateKeyPem": pem,
            "privateKeyPemPkcs8": pkcs8,
            "publicKeyPem": public,
            "publicKeyOpenssh": openssh,
            "publicKeyFingerprintSha256": "SHA256:" + hashlib.sha256(public.encode()).hexdigest(),
        }
        return hashlib.sha1(public.encode()).hexdigest(), outputs  # noqa: S324  # an id, not a signature


if __name__ == "__main__":
    provider.main(provider.Plugin("tls", "5.6.2", {PrivateKey.token: PrivateKey()}))
