"""The case kernel's models, one module per part (Django loads them all from here):

    programmes  ministries, programmes, tracks (configuration as data)
    parties     organisations, their members, ministry staff
    case        the application: protected status, transitions, statutory clock
    review      regulations concerned, supplement requests, consultations, recommendations
    plan        the structured test plan: data items (KPIs) the applicant will report on;
                co-applicants (partners running the service jointly)
    decisions   decisions, extension and law-amendment requests, insurance proof
    audit       the audit chain's events and head
    tally       the number of cases by programme, status and officer, kept by the database

Models hold fields, constraints and the django-fsm transitions (which only change fields); the
rules live in ``workflow.py`` and ``permissions.py``, every write in ``services/``.
"""

from applications.models.audit import AuditChainHead, AuditEvent, AuditEventQuerySet
from applications.models.case import (
    CLOCKED,
    STATUS_IS_PROTECTED,
    Application,
    ApplicationQuerySet,
    ReferenceCounter,
)
from applications.models.decisions import (
    Decision,
    DecisionKind,
    ExtensionRequest,
    InsuranceProof,
    LawAmendmentRequest,
    RequestStatus,
    TermRequest,
)
from applications.models.parties import CompanySize, Membership, Organization, StaffProfile
from applications.models.plan import CoApplicant, DataItem
from applications.models.programmes import (
    DisclosureClass,
    Language,
    Ministry,
    Program,
    Track,
    in_active_language,
)
from applications.models.review import (
    Consultation,
    ConsultationStatus,
    Opinion,
    Recommendation,
    RegulationConcerned,
    RegulationGround,
    SupplementRequest,
)
from applications.models.tally import CaseTally

__all__ = [
    "CLOCKED",
    "STATUS_IS_PROTECTED",
    "Application",
    "ApplicationQuerySet",
    "AuditChainHead",
    "AuditEvent",
    "AuditEventQuerySet",
    "CaseTally",
    "CoApplicant",
    "CompanySize",
    "Consultation",
    "ConsultationStatus",
    "DataItem",
    "Decision",
    "DecisionKind",
    "DisclosureClass",
    "ExtensionRequest",
    "InsuranceProof",
    "Language",
    "LawAmendmentRequest",
    "Membership",
    "Ministry",
    "Opinion",
    "Organization",
    "Program",
    "Recommendation",
    "ReferenceCounter",
    "RegulationConcerned",
    "RegulationGround",
    "RequestStatus",
    "StaffProfile",
    "SupplementRequest",
    "TermRequest",
    "Track",
    "in_active_language",
]
