"""Saved queue filters (one's own, named, replaced by name) and bulk assignment (each case on
its own: the ones that may not be handed over are named with the reason)."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from applications import services
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from reviews.models import SavedFilter
from tests.builders import drive
from tests.reviews.helpers import signed_in

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_saved_filter_keeps_the_view_and_only_its_owner_sees_it(world):
    client = signed_in(world.officer)
    query = "tab=all&status=under_review&q=robot&page=3&format=csv"
    response = client.post(reverse("review-saved-filters"), {"name": "My review", "query": query})
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=world.officer)
    assert saved.query == "tab=all&status=under_review&q=robot"  # never the page or a download
    page = client.get(reverse("review-queue"), **EN).content.decode()
    assert f'href="?{saved.query.replace("&", "&amp;")}">My review</a>' in page
    # the same name again replaces it
    client.post(reverse("review-saved-filters"), {"name": "My review", "query": "tab=new"})
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["tab=new"]
    # someone else cannot delete it, nor sees it
    other = signed_in(world.other_officer)
    response = other.post(reverse("review-saved-filters"), {"delete": saved.pk, "query": ""})
    assert response.status_code == 404 and SavedFilter.objects.count() == 1
    assert "My review" not in other.get(reverse("review-queue"), **EN).content.decode()
    client.post(reverse("review-saved-filters"), {"delete": saved.pk, "query": ""})
    assert SavedFilter.objects.count() == 0


def test_the_queue_lists_ones_own_filters_by_name_read_as_the_orm_reads_them(world):
    """``saved_filters_of`` runs SQL kept per database with the user's id as its parameter:
    each user gets their own filters, by name, as ``SavedFilter.objects`` has them."""
    from reviews.selectors import saved_filters_of

    for user, names in ((world.officer, ["zeta", "Alpha", "가나"]), (world.other_officer, ["b"])):
        for name in names:
            SavedFilter.objects.create(user=user, name=name, query="tab=all")
    for user in (world.officer, world.other_officer, world.applicant):
        expected = list(SavedFilter.objects.filter(user=user))
        found = saved_filters_of(user=user)
        assert [(f.pk, f.name, f.query) for f in found] == [
            (f.pk, f.name, f.query) for f in expected
        ]
    assert [f.name for f in saved_filters_of(user=world.other_officer)] == ["b"]
    assert saved_filters_of(user=world.applicant) == []
    page = signed_in(world.officer).get(reverse("review-queue"), **EN).content.decode()
    shown = [page.index(f">{name}</a>") for name in ("Alpha", "zeta", "가나")]
    assert shown == sorted(shown)


def test_a_filter_needs_a_name(world):
    client = signed_in(world.officer)
    response = client.post(reverse("review-saved-filters"), {"name": "  ", "query": "tab=all"})
    assert response.status_code == 302 and SavedFilter.objects.count() == 0
    assert "Give the filter a name." in _messages(response)


def test_bulk_assign_hands_over_each_case_it_may_and_names_the_others(world):
    free = [drive(world, S.SUBMITTED), drive(world, S.SUBMITTED)]
    taken = drive(world, S.UNDER_REVIEW)
    services.application_release(application=taken, by=world.officer)
    services.application_claim(application=taken, by=world.other_officer, no_conflict_declared=True)
    client = signed_in(world.officer)
    response = client.post(
        reverse("review-bulk-assign"),
        {
            "cases": [a.pk for a in (*free, taken)],
            "officer": world.other_officer.pk,
            "query": "tab=all",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=all")
    for app in free:
        app.refresh_from_db()
        assert app.assigned_officer == world.other_officer
    assert AuditEvent.objects.filter(action="assigned").count() == 2
    said = _messages(response)
    assert any(taken.reference in m and "not assigned" in m for m in said), said


def test_bulk_assign_reaches_no_case_outside_the_users_scope(world):
    app = drive(world, S.SUBMITTED)
    client = signed_in(world.foreign_officer)
    response = client.post(
        reverse("review-bulk-assign"),
        {"cases": [app.pk], "officer": world.foreign_officer.pk, "query": ""},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.assigned_officer is None
