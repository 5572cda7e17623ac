"""``core.queries.pk_among`` holds the rows ``pk__in`` holds, alone, as one arm of an OR and
negated, on both databases (on PostgreSQL it is written ``id = ANY(ARRAY(…))``);
``equals_written_in`` holds what ``exact`` holds, its value in the SQL's text on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from applications.models import Application
from applications.visibility import scope_of
from applications.workflow import ApplicationStatus as S
from core.queries import equals_written_in, pk_among
from tests.builders import draft, drive

pytestmark = pytest.mark.django_db


def test_pk_among_holds_what_pk_in_holds(world):
    cases = [draft(world, title=f"서비스 {index}") for index in range(5)]
    among = Application.objects.filter(pk__in=[cases[1].pk, cases[3].pk]).values("pk")
    none = Application.objects.filter(pk=-1).values("pk")

    def pks(condition: Q) -> set[int]:
        return set(Application.objects.filter(condition).values_list("pk", flat=True))

    for ids in (among, none):
        fast, plain = pk_among(ids, model=Application), Q(pk__in=ids)
        titled = Q(title=cases[0].title)
        assert pks(fast) == pks(plain)
        assert pks(fast | titled) == pks(plain | titled)
        assert pks(~fast) == pks(~plain)
    assert pks(pk_among(among, model=Application)) == {cases[1].pk, cases[3].pk}
    assert pks(pk_among(none, model=Application) | Q(title=cases[0].title)) == {cases[0].pk}


def test_equals_written_in_holds_what_exact_holds_with_its_value_in_the_text(world):
    drive(world, S.SUBMITTED)
    draft(world, title="it's 100%")
    cases = Application.objects.all()

    def sent(queryset):
        return queryset.query.get_compiler(using="default").as_sql()

    for field, value in (
        ("status", S.DRAFT),
        ("title", "it's 100%"),
        ("program__lead_ministry_id", world.lead.pk),
        ("program__lead_ministry_id", world.other_ministry.pk),
    ):
        written, plain = equals_written_in(field, value), Q(**{field: value})
        for condition, exact in ((written, plain), (~written, ~plain)):
            assert set(cases.filter(condition)) == set(cases.filter(exact)), (field, value)
        sql, params = sent(cases.filter(written))
        if connection.vendor == "postgresql":
            assert params == () and "%s" not in sql, (field, sql)
        else:  # SQLite plans every statement anew: the value stays a parameter
            assert params == (value,)


def test_a_ministrys_scope_is_written_into_the_sql_on_postgresql(world):
    """The scope's ministry and the draft status are the same on every run for everyone of
    the scope: on PostgreSQL they are in the statement's text, so that PostgreSQL plans it for
    them once instead of planning it for them on every run (issue 18)."""
    drive(world, S.SUBMITTED)
    officer = scope_of(world.officer)
    cases = Application.objects.filter(officer.q())
    sql, params = cases.query.get_compiler(using="default").as_sql()
    if connection.vendor == "postgresql":
        assert params == () and f"= {world.lead.pk}" in sql and "'draft'" in sql
        for part in officer.parts():
            part_sql, part_params = (
                Application.objects.filter(part).query.get_compiler(using="default").as_sql()
            )
            assert part_params == (), part_sql
    else:
        assert S.DRAFT in params and world.lead.pk in params
    assert [case.pk for case in cases] == [
        case.pk for case in Application.objects.all() if officer.contains(case)
    ]
