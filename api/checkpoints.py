"""Signed checkpoints of the audit chain, and verification that starts from the last good one.

A checkpoint is the chain head (seq and hash) signed with the authority's letter-sealing key
(``documents/signing.py``) after the chain up to it verified. It is made on a schedule (the
scheduler's tick, every ``AUDIT_CHECKPOINT_INTERVAL`` seconds while the chain grows) and on
demand (an auditor through the API, or ``manage.py audit_checkpoint``), kept for good, listed in
the API and on the public page ``/audit/checkpoints/``. Whoever holds one can check later that
the history up to it was not rewritten behind the database's back, even by someone able to
rehash the whole chain and its head row.

The signed message is canonical JSON (keys sorted, no spaces, UTF-8):
``{"chain":"sandbox-audit","head_hash":…,"issuer":SITE_URL,"seq":…,"signed_at":"…Z"}``,
signed RSASSA-PKCS1-v1_5 with SHA-256 for an RSA key (ECDSA with SHA-256 for an EC key, Ed25519
for an Ed25519 key); ``openssl dgst -sha256 -verify`` checks it (docs/api.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509 import load_pem_x509_certificate
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from api.models import AuditCheckpoint, CheckpointTrigger
from applications.audit import ChainReport, audit_verify, utc_text
from applications.models import AuditEvent
from documents.signing import SigningNotConfigured, authority_key

logger = logging.getLogger(__name__)
CHAIN = "sandbox-audit"


class CheckpointRefused(RuntimeError):
    """No checkpoint was signed: the chain does not verify, or there is nothing to sign."""


def _sign(key: Any, message: bytes) -> tuple[str, bytes]:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSASSA-PKCS1-v1_5-SHA256", key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ECDSA-SHA256", key.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519", key.sign(message)
    raise SigningNotConfigured("The sealing key is neither RSA, EC nor Ed25519.")


def signature_holds(checkpoint: AuditCheckpoint) -> bool:
    """The signature verifies with the certificate it names, and that certificate is the
    authority's (the current sealing certificate, or one listed as trusted after a rotation)."""
    try:
        cert = load_pem_x509_certificate(checkpoint.certificate.encode("ascii"))
        der = cert.public_bytes(serialization.Encoding.DER)
        fingerprint = hashlib.sha256(der).hexdigest()
        if (
            fingerprint != checkpoint.certificate_sha256
            or fingerprint not in trusted_fingerprints()
        ):
            return False
        public, message = cert.public_key(), checkpoint.message.encode("utf-8")
        signature = base64.b64decode(checkpoint.signature, validate=True)
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, message)
        else:
            return False
        content = json.loads(message)
    except (InvalidSignature, ValueError, TypeError, SigningNotConfigured):
        return False
    return content == _content(checkpoint)


def trusted_fingerprints() -> set[str]:
    _, cert = authority_key()
    current = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return {current, *settings.AUDIT_CHECKPOINT_TRUSTED_CERTIFICATES}


def authority_certificate_pem() -> str:
    _, cert = authority_key()
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _content(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "chain": CHAIN,
        "head_hash": checkpoint.head_hash,
        "issuer": checkpoint.issuer,
        "seq": checkpoint.seq,
        "signed_at": utc_text(checkpoint.signed_at),
    }


def checkpoints_newest_first() -> Any:
    return AuditCheckpoint.objects.order_by("-seq")


def last_good_checkpoint() -> AuditCheckpoint | None:
    """The newest checkpoint whose signature holds."""
    for checkpoint in checkpoints_newest_first().iterator(chunk_size=20):
        if signature_holds(checkpoint):
            return checkpoint
    return None


def checkpoint_create(
    *, trigger: str = CheckpointTrigger.DEMAND, by: Any = None
) -> tuple[AuditCheckpoint, bool]:
    """Verify the chain from the last good checkpoint up to the head, then sign the head.
    Returns the checkpoint and whether it is new (the head has not moved since the last one:
    that one is returned). ``CheckpointRefused`` when the chain does not verify."""
    last = last_good_checkpoint()
    report = chain_verify(from_genesis=last is None).report
    if not report.ok:
        raise CheckpointRefused(
            f"the audit chain is broken at event #{report.first_broken_seq}: {report.problem}"
        )
    if report.head_seq == 0:
        raise CheckpointRefused("the audit chain is empty: there is nothing to sign yet")
    if last is not None and last.seq == report.head_seq:
        return last, False
    key, cert = authority_key()
    checkpoint = AuditCheckpoint(
        seq=report.head_seq,
        head_hash=report.head_hash,
        signed_at=timezone.now().replace(microsecond=0),
        issuer=settings.SITE_URL,
        trigger=trigger,
        requested_by=by,
    )
    message = json.dumps(_content(checkpoint), sort_keys=True, separators=(",", ":"))
    algorithm, signature = _sign(key, message.encode("utf-8"))
    der = cert.public_bytes(serialization.Encoding.DER)
    checkpoint.message = message
    checkpoint.algorithm = algorithm
    checkpoint.signature = base64.b64encode(signature).decode("ascii")
    checkpoint.certificate = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    checkpoint.certificate_sha256 = hashlib.sha256(der).hexdigest()
    try:
        with transaction.atomic():
            checkpoint.save(force_insert=True)
    except IntegrityError:  # signed at the same head by someone else meanwhile
        return AuditCheckpoint.objects.get(seq=checkpoint.seq), False
    return checkpoint, True


@dataclass(frozen=True)
class Verification:
    report: ChainReport
    checkpoint: AuditCheckpoint | None
    checkpoints_checked: int


def chain_verify(*, from_genesis: bool = False) -> Verification:
    """Verify the chain: from the last good checkpoint (incremental: the events after it), or
    from the genesis (every event, and every checkpoint's signature). Either way every kept
    checkpoint must still match the event it signed (one query), so a history rewritten
    behind the database's back is caught however it was rehashed."""
    checkpoints = checkpoints_newest_first()
    mismatch = (
        checkpoints.exclude(
            Exists(AuditEvent.objects.filter(seq=OuterRef("seq"), hash=OuterRef("head_hash")))
        )
        .order_by("seq")
        .first()
    )
    checked = checkpoints.count()
    if mismatch is not None:
        problem = (
            f"event #{mismatch.seq} no longer has the hash checkpoint #{mismatch.seq} signed: "
            "the trail was rewritten"
        )
        return Verification(ChainReport(False, 0, "", mismatch.seq, problem, 0, 0), None, checked)
    if from_genesis:
        for checkpoint in checkpoints.iterator(chunk_size=200):
            if not signature_holds(checkpoint):
                problem = f"checkpoint #{checkpoint.seq}: its signature does not hold"
                return Verification(
                    ChainReport(False, 0, "", checkpoint.seq, problem, 0, 0), None, checked
                )
        return Verification(audit_verify(), None, checked)
    start = last_good_checkpoint()
    anchor = (start.seq, start.head_hash) if start is not None else None
    return Verification(audit_verify(anchor=anchor), start, checked)


def checkpoint_on_schedule() -> str:
    """The scheduler's tick: a checkpoint when the last is older than
    ``AUDIT_CHECKPOINT_INTERVAL`` seconds and the chain has grown since."""
    interval = settings.AUDIT_CHECKPOINT_INTERVAL
    if interval <= 0:
        return ""
    last = checkpoints_newest_first().first()
    if last is not None and (timezone.now() - last.signed_at).total_seconds() < interval:
        return ""
    try:
        checkpoint, created = checkpoint_create(trigger=CheckpointTrigger.SCHEDULE)
    except (CheckpointRefused, SigningNotConfigured) as error:
        logger.error("audit checkpoint refused: %s", error)
        return f"audit checkpoint refused: {error}"
    if not created:
        return ""
    return f"audit checkpoint #{checkpoint.seq} signed ({checkpoint.head_hash[:12]}…)"
