"""Insurance proof and its certificate are one action: a certificate that is refused (or cannot
be stored) leaves no insurance record, no file and no audit event behind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import AuditEvent, InsuranceProof
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
from documents.models import Document
from documents.services import insurance_proof_add_with_certificate
from tests.builders import World, drive
from tests.portal import samples

pytestmark = pytest.mark.django_db


def proof(app) -> dict[str, object]:
    return {
        "insurer": "Hanil",
        "policy_number": "P-9",
        "coverage_start": app.term_start.isoformat(),
        "coverage_end": app.term_end.isoformat(),
        "insured_amount": "100000000",
    }


def test_a_refused_certificate_saves_no_insurance_record(client, world: World) -> None:
    app = drive(world, S.APPROVED)
    events = AuditEvent.objects.count()
    assert not InsuranceProof.objects.exists()
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-insurance", args=[app.pk]),
        {**proof(app), "certificate": SimpleUploadedFile("certificate.pdf", samples.HTML)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a file type we accept" in page
    assert 'value="P-9"' in page  # the person's input is kept for another try
    assert not InsuranceProof.objects.exists()
    assert not Document.objects.filter(application=app).exists()
    assert AuditEvent.objects.count() == events


def test_the_service_is_all_or_nothing_too(world: World) -> None:
    app = drive(world, S.ACTIVE)
    events, proofs = AuditEvent.objects.count(), InsuranceProof.objects.count()
    with pytest.raises(InvalidInput) as refused:
        insurance_proof_add_with_certificate(
            application=app,
            by=world.applicant,
            insurer="Hanil",
            policy_number="P-9",
            coverage_start=app.term_start,
            coverage_end=app.term_end,
            insured_amount=100_000_000,
            certificate=("policy.pdf", [samples.ELF]),
        )
    assert "file" in refused.value.errors
    assert InsuranceProof.objects.count() == proofs
    assert not InsuranceProof.objects.filter(policy_number="P-9").exists()
    assert AuditEvent.objects.count() == events


def test_a_good_certificate_is_stored_with_the_record(world: World) -> None:
    app = drive(world, S.ACTIVE)
    record = insurance_proof_add_with_certificate(
        application=app,
        by=world.applicant,
        insurer="Hanil",
        policy_number="P-9",
        coverage_start=app.term_start,
        coverage_end=app.term_end,
        insured_amount=100_000_000,
        certificate=("policy.pdf", [samples.PDF]),
    )
    assert InsuranceProof.objects.get(policy_number="P-9") == record
    assert Document.objects.get(application=app).doc_type == "insurance"
    actions = list(AuditEvent.objects.filter(application=app).values_list("action", flat=True))
    assert actions[-2:] == ["insurance_proof_added", "document_uploaded"]
