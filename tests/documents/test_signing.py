"""The sealing key: the authority's PKCS#12 from settings, or a demo key made once."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.test import override_settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter

from documents import signing


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def authority_p12(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Ministry seal")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "authority.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    return path


def test_a_configured_pkcs12_seals_letters(authority_p12):
    with override_settings(
        LETTER_SIGNING_PKCS12=str(authority_p12), LETTER_SIGNING_PASSPHRASE="s3cret"
    ):
        sealed = signing.seal(_blank_pdf(), reason="test")
        cert = signing.signing_certificate()
    assert cert.subject.native["common_name"] == "Test Ministry seal"
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[cert]))
    assert status.intact and status.valid and status.trusted


def test_a_wrong_passphrase_or_missing_file_fails_loudly(authority_p12, tmp_path):
    with (
        override_settings(
            LETTER_SIGNING_PKCS12=str(authority_p12), LETTER_SIGNING_PASSPHRASE="nope"
        ),
        pytest.raises(signing.SigningNotConfigured, match="passphrase"),
    ):
        signing.seal(_blank_pdf(), reason="test")
    with (
        override_settings(LETTER_SIGNING_PKCS12=str(tmp_path / "missing.p12")),
        pytest.raises(signing.SigningNotConfigured),
    ):
        signing.seal(_blank_pdf(), reason="test")


def test_the_demo_key_is_made_once_and_kept(settings, tmp_path):
    settings.LETTER_DEMO_KEY_DIR = tmp_path / "keys"
    settings.LETTER_SIGNING_PKCS12 = ""
    first = signing.ensure_demo_key().read_bytes()
    assert signing.ensure_demo_key().read_bytes() == first
    assert (
        (tmp_path / "keys" / signing.DEMO_CERT).read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    )
    assert oct((tmp_path / "keys" / signing.DEMO_P12).stat().st_mode)[-3:] == "600"
    cert = signing.signing_certificate()
    assert cert.subject.native["common_name"] == "Sandbox demo letter seal"


def _validates(sealed: bytes) -> bool:
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    cert = signing.signing_certificate()
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[cert]))
    return bool(status.intact and status.valid and status.trusted)


@pytest.mark.parametrize("passphrase", [None, b"s3cret"])
def test_the_key_is_parsed_once_and_the_signature_room_sized_once(
    monkeypatch, authority_p12, tmp_path, passphrase
):
    """Sealing many letters parses the private key once (not twice per seal) and sizes the
    signature's room by a trial signature once; every seal still validates."""
    parsed: list[bytes] = []
    real = serialization.load_der_private_key

    def counting(data: bytes, *args: object, **kwargs: object) -> object:
        parsed.append(data)
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(serialization, "load_der_private_key", counting)
    if passphrase is None:  # the demo key: RSA
        configured = {"LETTER_DEMO_KEY_DIR": tmp_path / "keys", "LETTER_SIGNING_PKCS12": ""}
    else:  # the authority's own: ECDSA
        configured = {
            "LETTER_SIGNING_PKCS12": str(authority_p12),
            "LETTER_SIGNING_PASSPHRASE": passphrase.decode(),
        }
    with override_settings(**configured):
        sealed = [signing.seal(_blank_pdf(), reason=f"letter {n}") for n in range(4)]
        assert len(parsed) == 1
        assert signing.signer().bytes_reserved is not None
        assert all(_validates(one) for one in sealed)
    # The same room each time: the first seal's estimate, reused.
    assert len({len(one) for one in sealed}) == 1
