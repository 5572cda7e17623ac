"""PostgreSQL: the bigram index serves partial-word searches, Korean two-syllable words
included, and finds exactly what the plain substring match finds."""

from __future__ import annotations

import pytest
from django.db import connection

from register.models import RegisterEntry
from register.selectors import RegisterQuery, register_filtered, register_page
from tests.register.helpers import granted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_search_index_exists_and_a_two_syllable_search_uses_it(world):
    granted(world, title="자율주행 배송 로봇")
    granted(world, title="드론 산림 감시")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'register_entry_search_grams'"
        )
        (definition,) = cursor.fetchone()
        assert "gin" in definition and "string_to_array(search_grams" in definition
        # A tiny table: leave the planner only bitmap scans, so it shows which index serves
        # the condition (a btree could only be walked whole).
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        sql, params = register_filtered(RegisterQuery(q="로봇")).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "register_entry_search_grams" in plan, plan


@pytest.mark.parametrize("query", ["로봇", "자율주", "율", "드론 감시", "ROBOT", "bulk", "ict-20"])
def test_the_index_finds_exactly_what_a_substring_match_finds(world, query):
    for title in ("자율주행 배송 로봇 Robot", "드론 산림 감시", "Bulk 물류", "로봇 청소"):
        granted(world, title=title)
    found = {e.reference for e in register_page(RegisterQuery(q=query), size=100).entries}
    words = query.casefold().split()
    expected = {
        e.reference for e in RegisterEntry.objects.all() if all(w in e.search_text for w in words)
    }
    assert found == expected and found
