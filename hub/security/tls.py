"""The hub's TLS certificate: one the school supplies, or one the hub makes for itself.

No public CA is needed: a board pins the certificate's SHA-256 fingerprint
when it enrolls (or takes it from its boot config), so a LAN impostor with any
other certificate, even one a public CA signed, is refused. IT staff compare
the fingerprint the hub prints with the one the board shows.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

from protocol.tlspin import der_fingerprint

VALID_YEARS = 20  # boards pin this very certificate: it must outlive them


class CertificateError(Exception):
    """The certificate or key given cannot be used; the message says why."""


def ensure_certificate(data_dir: Path, names: list[str]) -> tuple[Path, Path]:
    """``(cert, key)`` in ``data_dir/tls``, made on first use (EC P-256, self-signed, for ``names``)."""
    folder = Path(data_dir) / "tls"
    cert_path, key_path = folder / "hub.crt", folder / "hub.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"classboard hub {socket.gethostname()}"[:64])])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * VALID_YEARS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def default_names(host: str) -> list[str]:
    """What boards may call the hub by: the bind address (unless a wildcard), this machine's names, loopback."""
    names = [socket.gethostname(), socket.getfqdn(), "localhost", "127.0.0.1", "::1"]
    if host not in ("", "0.0.0.0", "::"):  # nosec B104: a comparison (is it a wildcard?), not a bind
        names.insert(0, host)
    return names


def first_certificate(cert_path: Path) -> str:
    """The leaf (first) certificate of a PEM file, as PEM: the one a board pins."""
    text = Path(cert_path).read_text(encoding="ascii", errors="replace")
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        raise CertificateError(f"{cert_path}: no PEM certificate in it")
    return text[start:stop + len(end)] + "\n"


def fingerprint(cert_pem: str) -> str:
    """SHA-256 of the certificate (DER), as IT staff read it: ``AB:CD:…`` (urllib3's pin format too)."""
    return der_fingerprint(ssl.PEM_cert_to_DER_cert(cert_pem))


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """TLS 1.2+ with the given certificate; a clear error if the pair does not fit."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_path), str(key_path))
    except (OSError, ssl.SSLError) as exc:
        raise CertificateError(f"cannot use {cert_path} with {key_path}: {exc}") from None
    return context
