"""``applications.selectors.case_text_q``, the case search of the review queue and of the
API: the same cases as the plain ORM condition (reference, title or organisation name
containing the text, any case), on both databases; on PostgreSQL each arm is read from an
index (migration ``applications.0023``), not by reading every case."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from applications import selectors, services
from applications.models import Application, Organization
from applications.selectors import case_text_q
from applications.workflow import ApplicationStatus as S
from core.queries import contains_text
from tests.builders import drive

pytestmark = pytest.mark.django_db


def plain(text: str) -> Q:
    """The condition as the queue first wrote it: the oracle."""
    return (
        Q(reference__icontains=text)
        | Q(title__icontains=text)
        | Q(organization__name__icontains=text)
    )


def found(condition: Q) -> set[int]:
    return set(Application.objects.filter(condition).values_list("pk", flat=True))


def test_the_search_finds_what_the_plain_condition_finds(world, monkeypatch):
    world.organization.name = "Robo_Delivery 100% 주식회사"
    world.organization.save()
    ours = drive(world, S.SUBMITTED)
    services.application_withdraw(application=ours, by=world.applicant)
    titled = drive(world, S.UNDER_REVIEW)
    Application.objects.filter(pk=titled.pk).update(title="Autonomous 배송 robot")
    other = Application.objects.create(
        program=world.program,
        track=world.exemption,
        organization=world.other_organization,
        title="드론 점검",
        reference="ICT-2099-00077",
    )
    texts = [
        "robot",  # the title, any case
        "ROBO_",  # the organisation's name; "_" is a character, not a wildcard
        "100%",  # "%" likewise
        "10_%",  # matches nothing: both taken literally
        "ict-2099",  # a reference
        "배송",
        "주식회사",
        "no such words",
        ours.reference or "",
    ]
    for organisations in (0, selectors.SEARCH_ORGANISATIONS):  # the name joined, or its ids
        monkeypatch.setattr(selectors, "SEARCH_ORGANISATIONS", organisations)
        for text in texts:
            assert found(case_text_q(text)) == found(plain(text)), text
            assert found(case_text_q(text) & Q(status=S.UNDER_REVIEW)) == found(
                plain(text) & Q(status=S.UNDER_REVIEW)
            ), text
    assert found(case_text_q("robot")) == {titled.pk}  # "Robo_D…" in the name is not "robot"
    assert found(case_text_q("ROBO_")) == {ours.pk, titled.pk}  # both of that organisation
    assert found(case_text_q("10_%")) == set()
    assert found(case_text_q("ict-2099")) == {other.pk}
    assert found(case_text_q("드론 점검")) == {other.pk}


def plan_of(queryset: Any) -> str:
    """The plan PostgreSQL makes when it may read nothing whole (no sequential scan, no walk
    of an index with the conditions as a filter): only what an index can answer. With a few
    rows its own choice would follow their statistics."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_on_postgresql_every_arm_is_read_from_an_index(world):
    drive(world, S.SUBMITTED)
    found = Application.objects.filter(case_text_q(world.organization.name[:4])).values("pk")
    plan = plan_of(found)
    for index in ("application_reference_trgm", "application_title_trgm", "organization_id"):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan
    names = Organization.objects.filter(contains_text("name", "배송")).values("pk")
    assert "organization_name_trgm" in plan_of(names)


@pytest.mark.postgres
def test_on_postgresql_a_searchs_text_is_written_into_its_statement(world):
    """Each search is a statement of its own, planned for its text: no parameter holds the
    text, which PostgreSQL would otherwise plan once for any text after psycopg prepared the
    statement (docs/performance.md, "The search")."""
    sent: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        list(Application.objects.filter(case_text_q("50%_배송")).values_list("pk", flat=True))
    (names, params), (cases, more) = sent  # the organisations named, then the cases
    assert not any("배송" in str(param) for param in (*(params or ()), *(more or ()))), sent
    # in the text, escaped as the ORM escapes it (and its percent signs doubled for psycopg)
    literal = "E'%%50\\\\%%\\\\_배송%%'"
    assert names.count(literal) == 1 and cases.count(literal) == 2, sent  # reference, title
