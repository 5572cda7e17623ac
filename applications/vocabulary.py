"""The audit vocabulary: every action the chain records, and how each one reads.

Each app names its actions in a ``TextChoices`` of its own and registers them with their wording
(``register``, from ``AppConfig.ready``): what staff read on the timeline, what the applicant
reads on theirs (or ``None``: an internal working event the applicant does not see), and the
email the applicant's organisation gets (or none). Services record actions by these names only;
the timelines, the emails and the API read the wording from here, so a new action cannot be
recorded without saying how it reads (``tests/applications/test_vocabulary.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Notice:
    """An email to the applicant's organisation: subject line and first paragraph."""

    subject: Promise
    lead: Promise


@dataclass(frozen=True)
class Wording:
    """``applicant_details`` False: the applicant reads that it happened, never what was said
    (internal deliberation: opinions, the officer's recommendation, the committee's remand)."""

    staff: Promise
    applicant: Promise | None
    notice: Notice | None = None
    applicant_details: bool = True


_REGISTERED: dict[str, Wording] = {}
_ENUMS: list[type[models.TextChoices]] = []


def register(actions: type[models.TextChoices], wording: Mapping[str, Wording]) -> None:
    """Add an app's actions with their wording; every action must be worded, once."""
    missing = sorted(set(actions.values) - set(wording))
    unknown = sorted(set(wording) - set(actions.values))
    if missing or unknown:
        raise ImproperlyConfigured(
            f"{actions.__name__}: no wording for {missing}; wording for unknown {unknown}."
        )
    for action, words in wording.items():
        if _REGISTERED.get(action, words) is not words:
            raise ImproperlyConfigured(f"The audit action {action!r} is registered twice.")
        _REGISTERED[action] = words
    if actions not in _ENUMS:
        _ENUMS.append(actions)


def wording(action: str) -> Wording | None:
    """How ``action`` reads, or None for a name nobody registered."""
    return _REGISTERED.get(action)


def registered() -> Mapping[str, Wording]:
    """Every registered action and its wording."""
    return dict(_REGISTERED)


def registered_enums() -> list[type[models.TextChoices]]:
    return list(_ENUMS)


def applicant_actions() -> list[str]:
    """The actions the applicant reads about (a sentence on the timeline)."""
    return [action for action, words in _REGISTERED.items() if words.applicant is not None]


def applicant_reads_details(action: str) -> bool:
    """Whether the applicant may read what an event records (reasons, opinions), not only that
    it happened: never for internal events or for internal deliberation."""
    words = _REGISTERED.get(action)
    return words is not None and words.applicant is not None and words.applicant_details


def applicant_detailed_actions() -> list[str]:
    """The actions whose whole record the applicant may read (the API shows them these)."""
    return [action for action in _REGISTERED if applicant_reads_details(action)]


def emailed_actions() -> list[str]:
    """The actions the applicant's organisation is emailed about."""
    return [action for action, words in _REGISTERED.items() if words.notice is not None]


class AuditAction(models.TextChoices):
    """The case kernel's actions: a transition's name is its action."""

    DRAFT_CREATED = "draft_created"
    DRAFT_UPDATED = "draft_updated"
    REGULATION_ADDED = "regulation_added"
    REGULATION_REMOVED = "regulation_removed"
    DATA_ITEM_ADDED = "data_item_added"
    DATA_ITEM_REMOVED = "data_item_removed"
    COMPANY_PROFILE_UPDATED = "company_profile_updated"
    CO_APPLICANT_ADDED = "co_applicant_added"
    CO_APPLICANT_REMOVED = "co_applicant_removed"
    SIMILARITY_CONFIRMED = "similarity_confirmed"
    SIMILARITY_DENIED = "similarity_denied"
    FOLLOW_UP_STARTED = "follow_up_started"
    SUBMIT = "submit"
    REQUEST_SUPPLEMENT = "request_supplement"
    ANSWER_SUPPLEMENT = "answer_supplement"
    LAPSE = "lapse"
    ACCEPT = "accept"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    RELEASED = "released"
    CONFLICT_DECLARED = "conflict_declared"
    CONSULTATION_REQUESTED = "consultation_requested"
    CONSULTATION_ANSWERED = "consultation_answered"
    CONSULTATION_LAPSED = "consultation_lapsed"
    ANSWER_CONFIRMATION = "answer_confirmation"
    DEEM_CONFIRMED = "deem_confirmed"
    RECOMMEND = "recommend"
    APPROVE = "approve"
    REJECT = "reject"
    REMAND = "remand"
    REQUEST_RECONSIDERATION = "request_reconsideration"
    INSURANCE_PROOF_ADDED = "insurance_proof_added"
    ACTIVATE = "activate"
    EXTENSION_REQUESTED = "extension_requested"
    EXTEND = "extend"
    EXTENSION_DENIED = "extension_denied"
    LAW_AMENDMENT_REQUESTED = "law_amendment_requested"
    REQUEST_LAW_AMENDMENT = "request_law_amendment"
    LAW_AMENDMENT_REJECTED = "law_amendment_rejected"
    SUSPEND = "suspend"
    RESUME = "resume"
    REVOKE = "revoke"
    REGULARIZE = "regularize"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    EXPIRY_REMINDER = "expiry_reminder"
    AGENDA_DEADLINE_PASSED = "agenda_deadline_passed"
    AUDIT_CHAIN_MIGRATED = "audit_chain_migrated"
    RESUME_CONTINUING = "resume_continuing"
    SUSPENSION_ENDS = "suspension_ends"
    CONVERT = "convert"
    END_CONTINUATION = "end_continuation"
    CONTINUATION_CAP_REMINDER = "continuation_cap_reminder"


KERNEL_WORDING: dict[str, Wording] = {
    AuditAction.DRAFT_CREATED: Wording(
        _("Draft started"),
        _("You started the application."),
    ),
    AuditAction.DRAFT_UPDATED: Wording(
        _("Draft saved"),
        None,
    ),
    AuditAction.REGULATION_ADDED: Wording(
        _("Regulation added"),
        None,
    ),
    AuditAction.REGULATION_REMOVED: Wording(
        _("Regulation removed"),
        None,
    ),
    AuditAction.DATA_ITEM_ADDED: Wording(
        _("Test plan data item added"),
        None,
    ),
    AuditAction.DATA_ITEM_REMOVED: Wording(
        _("Test plan data item removed"),
        None,
    ),
    AuditAction.COMPANY_PROFILE_UPDATED: Wording(
        _("Company profile updated"),
        None,
    ),
    AuditAction.CO_APPLICANT_ADDED: Wording(
        _("Co-applicant added"),
        None,
    ),
    AuditAction.CO_APPLICANT_REMOVED: Wording(
        _("Co-applicant removed"),
        None,
    ),
    AuditAction.SIMILARITY_CONFIRMED: Wording(
        _("Similarity to an approved case confirmed (fast review)"),
        _(
            "The ministry confirmed that your service is substantially the same as the approved "
            "case you named: the shorter review deadline applies."
        ),
        Notice(
            _("Fast review confirmed for %(reference)s"),
            _(
                "The ministry confirmed that your service is substantially the same as the "
                "approved waiver you named, so your application is reviewed on the shorter "
                "deadline below."
            ),
        ),
    ),
    AuditAction.FOLLOW_UP_STARTED: Wording(
        _("Started from a fast confirmation that a regulation applies"),
        _("You started this application from your fast-confirmation case."),
    ),
    AuditAction.SIMILARITY_DENIED: Wording(
        _("Similarity to an approved case denied"),
        _(
            "The ministry found your service is not substantially the same as the approved case "
            "you named: the normal review deadline applies."
        ),
        Notice(
            _("No fast review for %(reference)s"),
            _(
                "The ministry found your service is not substantially the same as the approved "
                "waiver you named, for the reason below. Your application is reviewed on the "
                "normal deadline below."
            ),
        ),
    ),
    AuditAction.SUBMIT: Wording(
        _("Submitted"),
        _("The application was submitted and given its reference number."),
        Notice(
            _("We have received your application %(reference)s"),
            _(
                "Thank you. Your application has been submitted and given the reference number below."
            ),
        ),
    ),
    AuditAction.REQUEST_SUPPLEMENT: Wording(
        _("Supplement requested"),
        _("The ministry asked for more information."),
        Notice(
            _("Action needed: supplement your application %(reference)s"),
            _(
                "The ministry needs more information before it can continue. The review clock is "
                "paused until you answer."
            ),
        ),
    ),
    AuditAction.ANSWER_SUPPLEMENT: Wording(
        _("Supplement answered"),
        _("You answered the supplement request."),
        Notice(
            _("We have received your supplement for %(reference)s"),
            _("Your answer to the supplement request has been received; the review continues."),
        ),
    ),
    # A lapsed supplement request returns the application (반려): the applicant did not
    # withdraw it, so no sentence about the lapse may say so.
    AuditAction.LAPSE: Wording(
        _("Returned: no supplement by the deadline"),
        _(
            "The application was returned without a review: no answer to the supplement request "
            "arrived by the deadline."
        ),
        Notice(
            _("Your application %(reference)s was returned"),
            _(
                "No answer to the supplement request arrived by the deadline, so the application "
                "was returned without a review. You may apply again with the missing information."
            ),
        ),
    ),
    AuditAction.ACCEPT: Wording(
        _("Accepted as complete"),
        _("The ministry confirmed the application is complete and started the review."),
        Notice(
            _("Your application %(reference)s is under review"),
            _("The ministry has checked that your application is complete and started its review."),
        ),
    ),
    AuditAction.CLAIMED: Wording(
        _("Claimed"),
        None,
    ),
    AuditAction.ASSIGNED: Wording(
        _("Assigned"),
        None,
    ),
    AuditAction.RELEASED: Wording(
        _("Released"),
        None,
    ),
    AuditAction.CONFLICT_DECLARED: Wording(
        _("Conflict of interest declared"),
        None,
    ),
    AuditAction.CONSULTATION_REQUESTED: Wording(
        _("Opinions requested"),
        _("The ministry asked related ministries for their opinion."),
        applicant_details=False,
    ),
    AuditAction.CONSULTATION_ANSWERED: Wording(
        _("Opinion given"),
        _("A related ministry gave its opinion."),
        applicant_details=False,
    ),
    AuditAction.CONSULTATION_LAPSED: Wording(
        _("Opinion lapsed: no opinion (deemed)"),
        _("A related ministry gave no opinion in time (deemed no opinion)."),
        applicant_details=False,
    ),
    AuditAction.ANSWER_CONFIRMATION: Wording(
        _("Confirmation answered"),
        _("The ministry answered your confirmation request."),
        Notice(
            _("Answer to your confirmation request %(reference)s"),
            _("The ministry has answered whether a regulation applies to your service."),
        ),
    ),
    AuditAction.DEEM_CONFIRMED: Wording(
        _("Deemed confirmed"),
        _("No answer in time: it is deemed that no regulation applies."),
        Notice(
            _("Your confirmation request %(reference)s: deemed answer"),
            _(
                "The ministry did not answer within the legal deadline, so it is deemed that no "
                "regulation or permit applies to your service."
            ),
        ),
    ),
    AuditAction.RECOMMEND: Wording(
        _("Recommended to the committee"),
        _("The case was put to the committee."),
        applicant_details=False,
    ),
    AuditAction.APPROVE: Wording(
        _("Approved"),
        _("The committee approved the application."),
        Notice(
            _("Decision on %(reference)s: approved"),
            _(
                "The committee approved your application. The letter sets out the term and the "
                "conditions."
            ),
        ),
    ),
    AuditAction.REJECT: Wording(
        _("Rejected"),
        _("The committee rejected the application."),
        Notice(
            _("Decision on %(reference)s: rejected"),
            _(
                "The committee rejected your application. The letter gives the reasons and explains "
                "how to ask for reconsideration."
            ),
        ),
    ),
    AuditAction.REMAND: Wording(
        _("Sent back for review"),
        _("The committee sent the case back for further review."),
        applicant_details=False,
    ),
    AuditAction.REQUEST_RECONSIDERATION: Wording(
        _("Reconsideration requested"),
        _("You asked for reconsideration."),
        Notice(
            _("We have received your request for reconsideration of %(reference)s"),
            _("Your request for reconsideration has been put to the committee."),
        ),
    ),
    AuditAction.INSURANCE_PROOF_ADDED: Wording(
        _("Insurance proof added"),
        _("Insurance proof was added."),
    ),
    AuditAction.ACTIVATE: Wording(
        _("Activated"),
        _("The waiver became active."),
        Notice(
            _("Your waiver %(reference)s is now active"),
            _(
                "The term of your waiver has started. Keep to the conditions in the decision letter."
            ),
        ),
    ),
    AuditAction.EXTENSION_REQUESTED: Wording(
        _("Extension requested"),
        _("You asked for an extension."),
    ),
    AuditAction.EXTEND: Wording(
        _("Extension granted"),
        _("The extension was granted."),
        Notice(
            _("Your waiver %(reference)s was extended"),
            _("Your request for an extension was granted; the new end date is below."),
        ),
    ),
    AuditAction.EXTENSION_DENIED: Wording(
        _("Extension refused"),
        _("The extension was refused."),
        Notice(
            _("Your extension request for %(reference)s was refused"),
            _("Your request for an extension was refused. The reason is below."),
        ),
    ),
    AuditAction.LAW_AMENDMENT_REQUESTED: Wording(
        _("Law amendment requested"),
        _("You asked for a law amendment."),
    ),
    AuditAction.REQUEST_LAW_AMENDMENT: Wording(
        _("Law-amendment request accepted"),
        _("The law-amendment request was accepted; the waiver continues."),
        Notice(
            _("Your law-amendment request for %(reference)s was accepted"),
            _("Your waiver continues until the law has been amended."),
        ),
    ),
    AuditAction.LAW_AMENDMENT_REJECTED: Wording(
        _("Law-amendment request refused"),
        _("The law-amendment request was not accepted."),
        Notice(
            _("Your law-amendment request for %(reference)s was not accepted"),
            _("Your request for a law amendment was not accepted. The reason is below."),
        ),
    ),
    AuditAction.SUSPEND: Wording(
        _("Suspended"),
        _("The waiver was suspended."),
        Notice(
            _("Your waiver %(reference)s is suspended"),
            _("Your waiver has been suspended. You must stop the service until it is resumed."),
        ),
    ),
    AuditAction.RESUME: Wording(
        _("Suspension lifted"),
        _("The suspension was lifted."),
        Notice(
            _("Your waiver %(reference)s is resumed"),
            _("The suspension has been lifted; you may continue under the same conditions."),
        ),
    ),
    AuditAction.REVOKE: Wording(
        _("Revoked"),
        _("The waiver was revoked."),
        Notice(
            _("Your waiver %(reference)s was revoked"),
            _("Your waiver has been revoked. The letter gives the grounds and your rights."),
        ),
    ),
    AuditAction.REGULARIZE: Wording(
        _("Regularized"),
        _("The amended law came into force."),
        Notice(
            _("The law for %(reference)s has been amended"),
            _("The amended law is in force: your service can now run under the normal rules."),
        ),
    ),
    AuditAction.EXPIRE: Wording(
        _("Expired"),
        _("The waiver expired."),
        Notice(
            _("Your waiver %(reference)s has expired"),
            _("The term of your waiver has ended. You must stop the service."),
        ),
    ),
    AuditAction.WITHDRAW: Wording(
        _("Withdrawn"),
        _("The application was withdrawn."),
        Notice(
            _("Your application %(reference)s was withdrawn"),
            _("Your application has been withdrawn as you asked."),
        ),
    ),
    AuditAction.EXPIRY_REMINDER: Wording(
        _("Expiry reminder sent"),
        _("We reminded you that the term of the waiver ends soon."),
        Notice(
            _("Reminder: your waiver %(reference)s ends in %(days)s days"),
            _(
                "The term of your waiver ends soon. If the test needs more time, request an "
                "extension before the end date; a law amendment must be requested earlier, by the "
                "date shown on your case page."
            ),
        ),
    ),
    AuditAction.AGENDA_DEADLINE_PASSED: Wording(
        _("Agenda deadline passed"),
        _("The deadline for putting the case to the committee passed; the ministry is overdue."),
    ),
    AuditAction.RESUME_CONTINUING: Wording(
        _("Suspension lifted; continuation resumed"),
        _("The suspension was lifted; the waiver continues pending the law amendment."),
        Notice(
            _("Your waiver %(reference)s is resumed"),
            _(
                "The suspension has been lifted; the waiver continues pending the law amendment, "
                "under the same conditions."
            ),
        ),
    ),
    AuditAction.SUSPENSION_ENDS: Wording(
        _("Suspension period ended without a cure"),
        _(
            "The suspension period ended without the suspension being lifted; the ministry will "
            "decide what follows."
        ),
    ),
    AuditAction.CONVERT: Wording(
        _("Converted into a temporary permit"),
        _("The exemption was converted into a temporary permit."),
        Notice(
            _("Your waiver %(reference)s was converted into a temporary permit"),
            _("Your demonstration exemption has been converted into a temporary permit."),
        ),
    ),
    AuditAction.END_CONTINUATION: Wording(
        _("Continuation ended at its cap"),
        _("The continuation pending the law amendment reached its legal limit and ended."),
        Notice(
            _("The continuation of your waiver %(reference)s has ended"),
            _(
                "The law was not amended within the legal limit of the continuation: the waiver "
                "has ended and you must stop the service."
            ),
        ),
    ),
    AuditAction.CONTINUATION_CAP_REMINDER: Wording(
        _("Continuation cap reminder sent"),
        _("We reminded you that the continuation of the waiver reaches its legal limit soon."),
        Notice(
            _("Reminder: the continuation of %(reference)s ends in %(days)s days"),
            _(
                "The continuation of your waiver pending the law amendment reaches its legal "
                "limit soon. Unless the amended law is in force by then, the waiver ends."
            ),
        ),
    ),
    AuditAction.AUDIT_CHAIN_MIGRATED: Wording(
        _("Audit chain moved to the exportable hash rule"),
        None,
    ),
}


# The expiry reminder's first paragraph for a waiver with no extension left (the track's
# maximum used, or none allowed): asking for one would be refused (``notifications``).
EXPIRY_REMINDER_NO_EXTENSION_LEFT = _(
    "The term of your waiver ends soon, and it has no extension left. If the service can "
    "continue only once the law changes, request a law amendment by the date shown on your case "
    "page; otherwise the service must stop at the end date."
)
