"""Every write to a case, one module per stage over one transition kernel (``kernel.py``).

    drafts        create and edit a draft, its regulations, data items and co-applicants;
                  the organisation's company profile
    intake        submit, supplement requests and answers, lapse, accept, withdraw
    assignment    claim, assign, release, conflicts of interest
    consultation  opinion requests to related ministries, answers, lapse
    review        fast-confirmation answers (and deemed ones), the recommendation
    decisions     approve, reject, remand, reconsideration
    term          insurance, activation, extension and law amendment, suspension, resumption,
                  revocation, regularization, expiry

Callers import the services from here: ``from applications import services``.
"""

from __future__ import annotations

from applications.services.assignment import (
    application_assign,
    application_claim,
    application_release,
    applications_assign_many,
    conflict_declare,
)
from applications.services.consultation import (
    consultation_answer,
    consultation_lapse,
    consultation_request,
    consultations_lapse,
)
from applications.services.decisions import (
    application_approve,
    application_reject,
    application_remand,
    application_request_reconsideration,
)
from applications.services.drafts import (
    application_create_draft,
    application_create_follow_up,
    application_update_company,
    application_update_draft,
    application_update_scope,
    co_applicant_add,
    co_applicant_remove,
    data_item_add,
    data_item_remove,
    organization_profile_update,
    regulation_add,
    regulation_remove,
)
from applications.services.intake import (
    application_accept,
    application_answer_supplement,
    application_lapse,
    application_request_supplement,
    application_submit,
    application_withdraw,
    applications_lapse,
)
from applications.services.kernel import (
    application_row_lock,
    event_record,
)
from applications.services.review import (
    application_answer_confirmation,
    application_decide_similarity,
    application_deem_confirmed,
    application_recommend,
    applications_deem_confirmed,
)
from applications.services.term import (
    application_activate,
    application_convert,
    application_end_continuation,
    application_expire,
    application_mark_suspension_ended,
    application_regularize,
    application_resume,
    application_revoke,
    application_suspend,
    applications_end_continuation,
    applications_expire,
    extension_request_decide,
    extension_request_file,
    insurance_proof_add,
    law_amendment_request_decide,
    law_amendment_request_file,
)

__all__ = [
    "application_accept",
    "application_activate",
    "application_answer_confirmation",
    "application_answer_supplement",
    "application_approve",
    "application_assign",
    "application_claim",
    "application_convert",
    "application_create_draft",
    "application_create_follow_up",
    "application_decide_similarity",
    "application_deem_confirmed",
    "application_end_continuation",
    "application_expire",
    "application_lapse",
    "application_mark_suspension_ended",
    "application_recommend",
    "application_regularize",
    "application_reject",
    "application_release",
    "application_remand",
    "application_request_reconsideration",
    "application_request_supplement",
    "application_resume",
    "application_revoke",
    "application_row_lock",
    "application_submit",
    "application_suspend",
    "application_update_company",
    "application_update_draft",
    "application_update_scope",
    "application_withdraw",
    "applications_assign_many",
    "applications_deem_confirmed",
    "applications_end_continuation",
    "applications_expire",
    "applications_lapse",
    "co_applicant_add",
    "co_applicant_remove",
    "conflict_declare",
    "consultation_answer",
    "consultation_lapse",
    "consultation_request",
    "consultations_lapse",
    "data_item_add",
    "data_item_remove",
    "event_record",
    "extension_request_decide",
    "extension_request_file",
    "insurance_proof_add",
    "law_amendment_request_decide",
    "law_amendment_request_file",
    "organization_profile_update",
    "regulation_add",
    "regulation_remove",
]
