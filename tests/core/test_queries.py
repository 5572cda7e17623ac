"""``core.queries.pk_among`` holds the rows ``pk__in`` holds, alone, as one arm of an OR and
negated, on both databases (on PostgreSQL it is written ``id = ANY(ARRAY(…))``)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from applications.models import Application
from core.queries import pk_among
from tests.builders import draft

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
