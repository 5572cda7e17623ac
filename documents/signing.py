"""Sealing letters: a PAdES signature (pyHanko) with the authority's key and certificate.

Production points ``LETTER_SIGNING_PKCS12`` (and ``LETTER_SIGNING_PASSPHRASE``) at the
authority's PKCS#12 file. When it is unset, a self-signed demo key and certificate are made once
under ``LETTER_DEMO_KEY_DIR`` (``var/letter-signing/``), so ``make run`` works out of the box;
such letters validate only for someone who trusts that demo certificate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

DEMO_P12 = "demo-seal.p12"
DEMO_CERT = "demo-seal.pem"
FIELD_NAME = "AuthoritySeal"

_lock = threading.Lock()
_cached: tuple[tuple[str, float], signers.SimpleSigner] | None = None


class LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` with its private key parsed once.

    ``SimpleSigner.sign_raw`` parses the DER private key on every signature — for RSA that
    includes checking the key, about 45 ms — and a seal signs twice (once to size the
    signature's placeholder, once for real). This signer keeps the parsed key from when it was
    loaded, and the placeholder's size from its first seal; the signature it makes is the same (RSA PKCS#1 v1.5 and PSS, ECDSA; any other
    mechanism goes through pyHanko's own code)."""

    bytes_reserved: int | None = None  # see ``_reserved_size``

    def __init__(self, loaded: signers.SimpleSigner) -> None:
        super().__init__(
            signing_cert=loaded.signing_cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
            signature_mechanism=loaded.signature_mechanism,
        )
        self.private_key = serialization.load_der_private_key(
            loaded.signing_key.dump(), password=None
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        key = self.private_key
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


class SigningNotConfigured(RuntimeError):
    """The configured PKCS#12 file cannot be read."""


def _demo_files() -> tuple[Path, Path]:
    folder = Path(settings.LETTER_DEMO_KEY_DIR)
    return folder / DEMO_P12, folder / DEMO_CERT


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless another process got there first (atomic rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o600)
        os.link(temp, path)  # fails if the file exists: the first writer wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def ensure_demo_key() -> Path:
    """The demo PKCS#12 file (made on first use): RSA-2048, self-signed, valid ten years."""
    p12_path, cert_path = _demo_files()
    if p12_path.is_file() and cert_path.is_file():
        return p12_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Regulatory Sandbox (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Sandbox demo letter seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    blob = pkcs12.serialize_key_and_certificates(
        b"demo-seal", key, cert, None, serialization.NoEncryption()
    )
    _write_once(p12_path, blob)
    if p12_path.read_bytes() == blob:
        _write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    else:  # another process made the key first: publish its certificate
        _, other_cert, _ = pkcs12.load_key_and_certificates(p12_path.read_bytes(), None)
        assert other_cert is not None
        _write_once(cert_path, other_cert.public_bytes(serialization.Encoding.PEM))
    return p12_path


def _key_file() -> tuple[Path, bytes | None]:
    configured = settings.LETTER_SIGNING_PKCS12
    if configured:
        passphrase = settings.LETTER_SIGNING_PASSPHRASE
        return Path(configured), passphrase.encode() if passphrase else None
    return ensure_demo_key(), None


def signer() -> signers.SimpleSigner:
    """The authority's signer, loaded once per process (reloaded if the file changes)."""
    global _cached
    path, passphrase = _key_file()
    try:
        stamp = (str(path), path.stat().st_mtime)
    except OSError as error:
        raise SigningNotConfigured(f"Cannot read the letter-signing key {path}.") from error
    with _lock:
        if _cached is None or _cached[0] != stamp:
            try:
                loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
            except ValueError as error:
                raise SigningNotConfigured(
                    f"Cannot open the letter-signing key {path} (wrong passphrase?)."
                ) from error
            if loaded is None:
                raise SigningNotConfigured(f"Cannot load the letter-signing key {path}.")
            _cached = (stamp, LoadedKeySigner(loaded))
        return _cached[1]


_raw_cached: tuple[tuple[str, float], tuple[Any, x509.Certificate]] | None = None


def authority_key() -> tuple[Any, x509.Certificate]:
    """The same key and certificate as ``signer()``, as ``cryptography`` objects, for what is
    signed that is not a PDF (the audit chain's checkpoints)."""
    global _raw_cached
    path, passphrase = _key_file()
    try:
        stamp = (str(path), path.stat().st_mtime)
        blob = path.read_bytes()
    except OSError as error:
        raise SigningNotConfigured(f"Cannot read the letter-signing key {path}.") from error
    with _lock:
        if _raw_cached is None or _raw_cached[0] != stamp:
            try:
                key, cert, _ = pkcs12.load_key_and_certificates(blob, passphrase)
            except ValueError as error:
                raise SigningNotConfigured(
                    f"Cannot open the letter-signing key {path} (wrong passphrase?)."
                ) from error
            if key is None or cert is None:
                raise SigningNotConfigured(f"No key and certificate in {path}.")
            _raw_cached = (stamp, (key, cert))
        return _raw_cached[1]


def signing_certificate() -> asn1_x509.Certificate:
    """The certificate letters are sealed with (what a verifier has to trust)."""
    cert = signer().signing_cert
    assert cert is not None
    return cert


def seal(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """Add an invisible PAdES B-B signature (SHA-256) as an incremental update."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _seal(pdf, reason=reason, location=location)
    # pyHanko runs its own event loop; inside a running one (an async worker, Playwright's
    # sync API) it gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_seal, pdf, reason=reason, location=location).result()


def _seal(pdf: bytes, *, reason: str, location: str) -> bytes:
    active = signer()
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    output = BytesIO()
    reserved = getattr(active, "bytes_reserved", None)
    signers.PdfSigner(metadata, signer=active).sign_pdf(
        writer, output=output, bytes_reserved=reserved
    )
    sealed = output.getvalue()
    if reserved is None and isinstance(active, LoadedKeySigner):
        active.bytes_reserved = _reserved_size(sealed)
    return sealed


def _reserved_size(sealed: bytes) -> int | None:
    """The room pyHanko reserved for the signature in ``sealed`` (hex digits), which its size
    estimate — a whole trial signature — finds the same for every letter sealed by one signer
    (no timestamp, no revocation data): later seals reuse it."""
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    contents = signature.sig_object.get("/Contents")
    return 2 * len(contents) if isinstance(contents, bytes) else None
