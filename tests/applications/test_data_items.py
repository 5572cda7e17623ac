"""The test plan's data items: added to and removed from a draft only, by its company, each
with a name, unit, method and frequency; the scope page saves its fields and an item as one."""

from __future__ import annotations

import pytest

from applications import services
from applications.models import AuditEvent, DataItem
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotVisible, WrongState
from tests.builders import draft, drive

ITEM = {"name": "운행 거리", "unit": "km", "method": "주행 기록계", "frequency": "매일"}


def test_items_are_numbered_in_the_order_they_are_added(world):
    app = draft(world)
    first = services.data_item_add(application=app, by=world.applicant, **ITEM)
    second = services.data_item_add(application=app, by=world.applicant, **{**ITEM, "name": "민원"})
    assert (first.position, second.position) == (1, 2)
    assert [i.name for i in app.data_items.all()] == ["운행 거리", "민원"]


@pytest.mark.parametrize("field", ["name", "unit", "method", "frequency"])
def test_every_part_of_an_item_is_needed(world, field):
    app = draft(world)
    with pytest.raises(InvalidInput) as refused:
        services.data_item_add(application=app, by=world.applicant, **{**ITEM, field: "  "})
    assert list(refused.value.errors) == [field]
    assert not DataItem.objects.exists()


def test_long_parts_are_refused(world):
    app = draft(world)
    with pytest.raises(InvalidInput) as refused:
        services.data_item_add(application=app, by=world.applicant, **{**ITEM, "unit": "k" * 101})
    assert "unit" in refused.value.errors


def test_only_a_draft_takes_items_and_only_from_its_company(world):
    app = drive(world, S.SUBMITTED)
    with pytest.raises(WrongState):
        services.data_item_add(application=app, by=world.applicant, **ITEM)
    other = draft(world)
    with pytest.raises(NotVisible):
        services.data_item_add(application=other, by=world.other_applicant, **ITEM)
    with pytest.raises(NotVisible):  # a draft is its organisation's alone
        services.data_item_add(application=other, by=world.auditor, **ITEM)


def test_the_scope_page_saves_nothing_when_its_item_is_refused(world):
    app = draft(world)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        services.application_update_scope(
            application=app,
            by=world.applicant,
            region="부산",
            data_item={**ITEM, "unit": ""},
        )
    app.refresh_from_db()
    assert app.region == "서울 강남구" and AuditEvent.objects.count() == events
