"""A certificate authority made for one test, and the server and client certificates it signs."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAME = "temporal.test"


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    server: KeyPair
    client: KeyPair
    # Signed by another authority: a certificate the front must refuse.
    stranger: KeyPair


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    usage: x509.ObjectIdentifier | None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        names = [x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(
    folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> KeyPair:
    pair = KeyPair(folder / f"{name}.crt", folder / f"{name}.key")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pair


def _signed(
    folder: Path,
    name: str,
    authority: tuple[x509.Name, ec.EllipticCurvePrivateKey],
    usage: x509.ObjectIdentifier,
) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    return _write(folder, name, _certificate(name, key, authority, usage), key)


def make_pki(folder: Path) -> Pki:
    """A CA, a server certificate for SERVER_NAME and 127.0.0.1, a client certificate, and a
    client certificate of a stranger CA, as PEM files in the folder."""
    ca_key, other_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate("Test CA", ca_key, None, None)
    _write(folder, "ca", ca, ca_key)
    authority, stranger = (ca.subject, ca_key), (_name("Stranger CA"), other_key)
    return Pki(
        ca_cert=folder / "ca.crt",
        server=_signed(folder, "server", authority, ExtendedKeyUsageOID.SERVER_AUTH),
        client=_signed(folder, "client", authority, ExtendedKeyUsageOID.CLIENT_AUTH),
        stranger=_signed(folder, "stranger", stranger, ExtendedKeyUsageOID.CLIENT_AUTH),
    )
