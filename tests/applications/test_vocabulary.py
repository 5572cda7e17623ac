"""One audit vocabulary: every action any app records has wording for staff, a decision about
the applicant's timeline (a sentence, or none for internal work) and, where the applicant is
emailed, a subject and lead — in Korean too. Services record actions by name from the
vocabulary, never as bare strings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications import vocabulary
from applications.models import Application

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "applications",
    "documents",
    "accounts",
    "supervision",
    "committees",
    "register",
    "portal",
    "reviews",
    "api",
]


def hangul(text: object) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in str(text))


def test_every_action_of_every_registered_app_is_worded() -> None:
    enums = vocabulary.registered_enums()
    assert {e.__name__ for e in enums} >= {
        "AuditAction",
        "DocumentAction",
        "AccountAction",
        "CommitteeAction",
    }
    for enum in enums:
        for action in enum.values:
            words = vocabulary.wording(action)
            assert words is not None, action
            assert str(words.staff).strip(), action
            assert words.applicant is None or str(words.applicant).strip(), action


def test_every_transition_of_the_state_machine_is_an_action() -> None:
    transitions = {
        t.name for t in Application._meta.get_field("status").get_all_transitions(Application)
    }
    assert transitions  # the model has them
    assert {t for t in transitions if vocabulary.wording(t) is None} == set()


def test_the_wording_reads_in_korean() -> None:
    with translation.override("ko"):
        for action, words in vocabulary.registered().items():
            assert hangul(words.staff), action
            if words.applicant is not None:
                assert hangul(words.applicant), action
            if words.notice is not None:
                assert hangul(words.notice.subject) and hangul(words.notice.lead), action


def test_emails_go_only_for_actions_with_a_notice() -> None:
    emailed = set(vocabulary.emailed_actions())
    assert "submit" in emailed and "approve" in emailed
    assert "draft_updated" not in emailed and "document_uploaded" not in emailed


def test_an_app_cannot_register_an_action_without_wording() -> None:
    class Unworded(models.TextChoices):
        SAID = "vocabulary_test_said"
        UNSAID = "vocabulary_test_unsaid"

    with pytest.raises(ImproperlyConfigured, match="vocabulary_test_unsaid"):
        vocabulary.register(Unworded, {Unworded.SAID: vocabulary.Wording(_("Said"), None)})
    assert vocabulary.wording("vocabulary_test_said") is None


def _action_arguments(tree: ast.AST) -> list[ast.expr]:
    """The action argument of every ``event_record(...)`` / ``audit_record(...)`` call."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name not in {"event_record", "audit_record"}:
            continue
        found += [k.value for k in node.keywords if k.arg == "action"]
        if name == "event_record" and len(node.args) >= 4:
            found.append(node.args[3])
    return found


def test_services_name_actions_from_the_vocabulary_not_as_bare_strings() -> None:
    literal = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for argument in _action_arguments(ast.parse(path.read_text())):
                if isinstance(argument, ast.Constant):
                    literal.append(f"{path.relative_to(ROOT)}:{argument.lineno} {argument.value!r}")
    assert literal == []
