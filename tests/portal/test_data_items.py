"""The test plan's data items on the scope page: added and removed like regulations, and a
half-typed item is never dropped silently when the person saves and continues."""

from __future__ import annotations

from django.urls import reverse

from applications import services
from applications.models import AuditEvent, DataItem
from tests.builders import draft
from tests.factories import pass_second_factor

SCOPE = {"requested_term_days": "365", "region": "Seoul", "scale": "20 robots", "max_users": "500"}
ITEM = {
    "item-name": "Distance driven",
    "item-unit": "km",
    "item-method": "Odometer of each robot",
    "item-frequency": "daily",
}


def scope_url(app):
    return reverse("application-step", args=[app.pk, "scope"])


def post(client, app, data):
    app.refresh_from_db()
    return client.post(scope_url(app), {**SCOPE, "version": app.version, **data})


def test_an_item_is_added_and_removed_on_the_scope_page(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    added = post(client, app, {**ITEM, "add_item": ""})
    assert added.url == scope_url(app)
    item = DataItem.objects.get(application=app)
    assert (item.name, item.unit, item.method, item.frequency) == (
        "Distance driven",
        "km",
        "Odometer of each robot",
        "daily",
    )
    page = client.get(scope_url(app)).content.decode()
    assert "Distance driven" in page and f'name="remove_item" value="{item.pk}"' in page
    removed = post(client, app, {"remove_item": str(item.pk)})
    assert removed.url == scope_url(app)
    assert not DataItem.objects.exists()
    assert list(
        AuditEvent.objects.filter(application=app, action__startswith="data_item").values_list(
            "action", flat=True
        )
    ) == ["data_item_added", "data_item_removed"]


def test_save_and_continue_with_a_typed_item_adds_it_rather_than_dropping_it(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = post(client, app, {**ITEM, "save": ""})
    assert response.url == reverse("application-step", args=[app.pk, "safety"])
    assert DataItem.objects.get(application=app).name == "Distance driven"


def test_a_half_typed_item_stops_save_and_continue_and_saves_nothing(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    before = app.version
    response = post(client, app, {"item-name": "Near misses", "save": "", "region": "Busan"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the unit, e.g. km or number of users." in page
    assert 'value="Near misses"' in page and 'value="Busan"' in page  # the input is kept
    app.refresh_from_db()
    assert app.version == before and app.region == "서울 강남구"  # nothing saved
    assert not DataItem.objects.exists()


def test_pressing_add_with_nothing_typed_just_saves(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = post(client, app, {"add_item": "", "region": "Busan"})
    assert response.url == scope_url(app)
    app.refresh_from_db()
    assert app.region == "Busan" and not DataItem.objects.exists()


def test_another_organisation_cannot_remove_an_item(client, world):
    app = draft(world)
    item_owner = world.applicant
    client.force_login(item_owner)
    post(client, app, {**ITEM, "add_item": ""})
    client.force_login(world.other_applicant)
    assert post(client, app, {"remove_item": str(DataItem.objects.get().pk)}).status_code == 404
    assert DataItem.objects.exists()


def test_items_show_on_check_your_answers_and_the_staff_case_page(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    post(client, app, {**ITEM, "add_item": ""})
    check = client.get(reverse("application-check", args=[app.pk])).content.decode()
    assert "Distance driven" in check and "Odometer of each robot" in check
    services.application_submit(application=app, by=world.applicant)
    pass_second_factor(client, world.officer)
    page = client.get(reverse("review-case", args=[app.pk])).content.decode()
    assert "Test plan data items" in page and "Distance driven" in page
