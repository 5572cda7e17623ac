"""Insurance, structured: insurer, policy, cover per person / per accident / aggregate, period
and certificate; the track's minimums; the officer accepts or returns it; activation and
extension check the cover (a returned policy does not count)."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import services
from applications.models import AuditEvent, InsuranceProof
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from documents.models import Document
from supervision import services as supervision
from supervision.models import FilingStatus, InsurancePolicy
from tests.portal import samples
from tests.supervision.helpers import END, START, T0, active, approved, at, policy, supervised

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return approved(world)


def test_a_policy_is_filed_with_its_cover_and_certificate(world, case):
    with at(T0):
        proof = policy(world, case, certificate=("policy.pdf", [samples.PDF]))
    assert (proof.coverage_per_person, proof.coverage_per_accident, proof.insured_amount) == (
        100_000_000,
        300_000_000,
        1_000_000_000,
    )
    record = InsurancePolicy.objects.get(proof=proof)
    assert record.status == FilingStatus.SUBMITTED
    assert record.certificate is not None and record.certificate.doc_type == "insurance"
    event = AuditEvent.objects.get(application=case, action="insurance_proof_added")
    assert event.payload["coverage_per_person"] == 100_000_000
    assert event.payload["insured_amount"] == 1_000_000_000


@pytest.mark.parametrize(
    ("cover", "field"),
    [
        ({"coverage_per_person": 50_000_000}, "coverage_per_person"),
        ({"coverage_per_person": None}, "coverage_per_person"),
        ({"insured_amount": 200_000_000, "coverage_per_accident": 100_000_000}, "insured_amount"),
        ({"coverage_per_person": 400_000_000}, "coverage_per_person"),
        ({"coverage_per_accident": 2_000_000_000}, "coverage_per_accident"),
        ({"start": END, "end": START}, "coverage_end"),
        (
            {"start": START - dt.timedelta(days=400), "end": START - dt.timedelta(days=1)},
            "coverage_end",
        ),
        (
            {"start": END + dt.timedelta(days=1), "end": END + dt.timedelta(days=300)},
            "coverage_start",
        ),
    ],
)
def test_a_policy_below_the_minimum_or_out_of_order_is_refused_and_nothing_saved(
    world, case, cover, field
):
    events = AuditEvent.objects.count()
    with at(T0), pytest.raises(InvalidInput) as refused:
        policy(world, case, certificate=("policy.pdf", [samples.PDF]), **cover)
    assert field in refused.value.errors
    assert not InsuranceProof.objects.exists()
    assert not Document.objects.filter(doc_type="insurance").exists()
    assert AuditEvent.objects.count() == events


def test_a_policy_ending_before_the_term_may_be_filed_but_does_not_activate(world, case):
    with at(T0):
        policy(world, case, end=START + dt.timedelta(days=365))
        with pytest.raises(InvalidInput) as refused:
            services.application_activate(application=case, by=world.officer)
    assert "insurance" in refused.value.errors


def test_a_returned_policy_does_not_count_for_activation(world, case):
    with at(T0):
        proof = policy(world, case)
        supervision.insurance_policy_review(
            proof=proof, by=world.officer, accept=False, reasons="증권 사본이 흐립니다."
        )
        with pytest.raises(InvalidInput) as refused:
            services.application_activate(application=case, by=world.officer)
        case.refresh_from_db()
        assert case.status == S.APPROVED
        policy(world, case, number="P-2")
        services.application_activate(application=case, by=world.officer)
    assert "returned" in " ".join(refused.value.errors["insurance"])
    case.refresh_from_db()
    assert case.status == S.ACTIVE
    returned = AuditEvent.objects.get(application=case, action="insurance_returned")
    assert returned.payload["reasons"] == "증권 사본이 흐립니다."


def test_activation_checks_the_minimum_cover_of_a_proof_filed_without_it(world, case):
    """A proof filed through the kernel alone (no per-person cover) does not meet a track that
    sets one."""
    with at(T0):
        services.insurance_proof_add(
            application=case,
            by=world.applicant,
            insurer="X",
            policy_number="K-1",
            coverage_start=START,
            coverage_end=END,
            insured_amount=1_000_000_000,
        )
        with pytest.raises(InvalidInput) as refused:
            services.application_activate(application=case, by=world.officer)
    assert "100,000,000" in refused.value.errors["insurance"][0]


def test_an_extension_needs_a_policy_in_force_today(world):
    supervised(world)
    with at(T0):
        app = active(world)
        request = services.extension_request_file(
            application=app, by=world.applicant, new_end=dt.date(2029, 3, 1), reason="더 필요"
        )
        supervision.insurance_policy_review(
            proof=app.insurance_proofs.get(), by=world.officer, accept=False, reasons="무효"
        )
        with pytest.raises(InvalidInput) as refused:
            services.extension_request_decide(
                extension_request=request, by=world.decider, grant=True, reason="타당"
            )
        app.refresh_from_db()
        assert app.term_end == END
        policy(world, app, number="P-2")
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="타당"
        )
    assert "insurance" in refused.value.errors
    app.refresh_from_db()
    assert app.term_end == dt.date(2029, 3, 1)


def test_the_officer_accepts_once(world, case):
    with at(T0):
        proof = policy(world, case)
        supervision.insurance_policy_review(proof=proof, by=world.officer, accept=True)
        with pytest.raises(WrongState):
            supervision.insurance_policy_review(proof=proof, by=world.officer, accept=True)
        second = policy(world, case, number="P-2")
        with pytest.raises(InvalidInput):  # returning needs reasons
            supervision.insurance_policy_review(proof=second, by=world.officer, accept=False)
    assert InsurancePolicy.objects.get(proof=proof).status == FilingStatus.ACCEPTED


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("applicant", NotPermitted),
        ("decider", NotPermitted),
        ("auditor", NotPermitted),
        ("foreign_officer", NotVisible),
        ("other_applicant", NotVisible),
    ],
)
def test_only_the_lead_ministrys_officers_review_policies(world, case, persona, error):
    with at(T0):
        proof = policy(world, case)
        with pytest.raises(error):
            supervision.insurance_policy_review(proof=proof, by=world.persona(persona), accept=True)
    assert InsurancePolicy.objects.get(proof=proof).status == FilingStatus.SUBMITTED


def test_a_replayed_policy_form_files_nothing_twice(world, case):
    with at(T0):
        policy(world, case, expected_count=0)
        with pytest.raises(StaleVersion):
            policy(world, case, expected_count=0)
    assert InsuranceProof.objects.count() == 1


def test_no_policy_is_filed_on_another_organisations_case(world, case):
    with at(T0), pytest.raises(NotVisible):
        supervision.insurance_policy_file(
            application=case,
            by=world.other_applicant,
            insurer="X",
            policy_number="P",
            coverage_start=START,
            coverage_end=END,
            insured_amount=1_000_000_000,
        )
    assert not InsuranceProof.objects.exists()
