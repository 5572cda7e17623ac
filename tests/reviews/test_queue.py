"""The queue: scoped by ministry and role (another ministry's cases only when consulted),
tabs, filters, search, sort by deadline, pagination, highlighting, and a fixed number of
queries whatever the size."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from applications import services
from applications.models import Application, Ministry
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from reviews.forms import ConsultationRequestForm, QueueFilterForm
from reviews.selectors import SORTS
from tests.builders import World, draft, drive
from tests.factories import MinistryFactory, ProgramFactory, TrackFactory, make_user
from tests.i18n.test_pages import visible_text
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return [row["app"].reference for row in response.context["rows"]]


def submitted(world: World, title: str = "자율주행 배송 로봇") -> Application:
    app = draft(world, title=title)
    services.application_submit(application=app, by=world.applicant)
    app.refresh_from_db()
    return app


def foreign_case(world: World) -> Application:
    """A case in a programme led by the other ministry (MOLIT)."""
    program = ProgramFactory.create(code="CITY", lead_ministry=world.other_ministry)
    track = TrackFactory.create(program=program)
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=program,
        track=track,
        title="스마트시티 셔틀",
        summary="s",
        service_description="s",
        technology_description="t",
        requested_term_days=365,
        region="세종",
        scale="셔틀 2대",
        max_users=100,
        safety_plan="p",
        user_protection="u",
        insurance_plan="i",
        declaration_truthful=True,
        declaration_consent=True,
    )
    services.regulation_add(
        application=app, by=world.applicant, statute="도로교통법", article="제1조", reason="r"
    )
    services.application_submit(application=app, by=world.applicant)
    app.refresh_from_db()
    return app


def test_a_ministry_sees_its_own_cases_and_others_only_when_consulted(world: World) -> None:
    ours = submitted(world)
    consulted = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=consulted, by=world.officer, ministries=[world.other_ministry], question="?"
    )
    consulted.refresh_from_db()
    theirs = foreign_case(world)
    draft(world, title="아직 초안")  # drafts are never in the queue

    lead = refs(signed_in(world.officer).get("/review/?tab=all"))
    assert len(lead) == 2 and set(lead) == {ours.reference, consulted.reference}

    other = refs(signed_in(world.foreign_officer).get("/review/?tab=all"))
    assert len(other) == 2 and set(other) == {theirs.reference, consulted.reference}

    consultee = signed_in(world.consultee)
    assert refs(consultee.get("/review/?tab=consultations")) == [consulted.reference]
    assert ours.reference not in refs(consultee.get("/review/?tab=all"))
    assert consultee.get(f"/review/{ours.pk}/").status_code == 404

    everything = refs(signed_in(world.auditor).get("/review/?tab=all"))
    assert len(everything) == 3
    assert set(everything) == {ours.reference, consulted.reference, theirs.reference}

    # Search never widens the scope.
    assert refs(signed_in(world.foreign_decider).get(f"/review/?tab=all&q={ours.reference}")) == []


def test_the_consulted_ministry_sees_its_opinions_soonest_due_first_with_their_days_left(
    world: World,
) -> None:
    """On *Consultations to answer* the deadline is the consulted ministry's own: when its
    opinion is due, not the lead ministry's statutory clock. The case that came in first was
    consulted on last, so the two orders differ."""
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now - dt.timedelta(days=20), tick=False):
        came_first = drive(world, S.UNDER_REVIEW)
    with time_machine.travel(now - dt.timedelta(days=10), tick=False):
        came_later = drive(world, S.UNDER_REVIEW)
        services.consultation_request(
            application=came_later,
            by=world.officer,
            ministries=[world.other_ministry],
            question="?",
        )
    with time_machine.travel(now - dt.timedelta(days=2), tick=False):
        services.consultation_request(
            application=came_first,
            by=world.officer,
            ministries=[world.other_ministry],
            question="?",
        )
    came_first.refresh_from_db()
    came_later.refresh_from_db()
    assert came_first.due_at and came_later.due_at
    assert came_first.due_at < came_later.due_at  # the statutory clock's order
    days = world.program.tracks.get(pk=came_first.track_id).consultation_days

    consultee = signed_in(world.consultee)
    for language, header in (("en", "Days left to give the opinion"), ("ko", "의견 회신 기한까지")):
        with translation.override(language), time_machine.travel(now, tick=False):
            response = consultee.get("/review/?tab=consultations", HTTP_ACCEPT_LANGUAGE=language)
        assert refs(response) == [came_later.reference, came_first.reference]
        assert [row["days"] for row in response.context["rows"]] == [days - 10, days - 2]
        assert header in visible_text(response.content.decode())
    descending = consultee.get("/review/?tab=consultations&sort=-deadline")
    assert refs(descending) == [came_first.reference, came_later.reference]
    with time_machine.travel(now, tick=False):
        csv = consultee.get("/review/?tab=consultations&format=csv").content.decode("utf-8-sig")
    assert "Days left to give the opinion" in csv.splitlines()[0]
    assert [line.split(",")[6] for line in csv.splitlines()[1:]] == [str(days - 10), str(days - 2)]
    # The lead ministry's officer still reads the statutory clock on the same cases.
    mine = signed_in(world.officer).get("/review/?tab=all")
    assert refs(mine)[:2] == [came_first.reference, came_later.reference]


def test_tabs_hold_what_their_names_say(world: World) -> None:
    new = submitted(world)
    mine = drive(world, S.UNDER_REVIEW)
    deliberating = drive(world, S.DELIBERATION)
    active = drive(world, S.ACTIVE)
    officer = signed_in(world.officer)
    assert refs(officer.get("/review/?tab=new")) == [new.reference]
    assert set(refs(officer.get("/review/?tab=mine"))) == {
        mine.reference,
        deliberating.reference,
        active.reference,
    }
    assert refs(officer.get("/review/?tab=decision")) == [deliberating.reference]
    assert refs(officer.get("/review/?tab=active")) == [active.reference]
    # The active waiver's insurance proof awaits the officer's review (supervision).
    assert refs(officer.get("/review/?tab=supervision")) == [active.reference]
    counts = {t["slug"]: t["count"] for t in officer.get("/review/").context["tabs"]}
    assert counts == {
        "new": 1,
        "mine": 3,
        "consultations": 0,
        "decision": 1,
        "active": 1,
        "supervision": 1,
        "all": 4,
    }
    # Each role starts on its own tab.
    assert signed_in(world.decider).get("/review/").context["tab"] == "decision"
    assert signed_in(world.consultee).get("/review/").context["tab"] == "consultations"


def test_filters_search_and_sort(world: World) -> None:
    first = submitted(world, title="드론 배송")
    second = submitted(world, title="원격 진료")
    reviewing = drive(world, S.UNDER_REVIEW)
    confirmation = drive(world, S.UNDER_REVIEW, track="confirmation")
    client = signed_in(world.officer)
    assert refs(client.get("/review/?tab=all&q=드론")) == [first.reference]
    assert refs(client.get(f"/review/?tab=all&q={second.reference}")) == [second.reference]
    assert set(refs(client.get("/review/?tab=all&q=모빌리티"))) == {
        first.reference,
        second.reference,
        reviewing.reference,
        confirmation.reference,
    }
    assert set(refs(client.get("/review/?tab=all&status=under_review"))) == {
        reviewing.reference,
        confirmation.reference,
    }
    track = world.confirmation.pk
    assert refs(client.get(f"/review/?tab=all&track={track}")) == [confirmation.reference]
    assert set(refs(client.get("/review/?tab=all&assignee=none"))) == {
        first.reference,
        second.reference,
    }
    assert set(refs(client.get(f"/review/?tab=all&assignee={world.officer.pk}"))) == {
        reviewing.reference,
        confirmation.reference,
    }
    # Deadline order: the confirmation track's 30-day clock comes before the 90-day agenda.
    by_deadline = refs(client.get("/review/?tab=all"))
    assert by_deadline[0] == confirmation.reference
    due = [Application.objects.get(reference=r).due_at for r in by_deadline]
    assert due == sorted(due)
    assert refs(client.get("/review/?tab=all&sort=-deadline")) == list(reversed(by_deadline))
    bad = client.get("/review/?tab=all&sort=nonsense&track=abc")
    assert bad.status_code == 200
    assert bad.context["form"].errors


def test_overdue_and_soon_due_cases_are_highlighted_and_filterable(world: World) -> None:
    world.confirmation.review_days = 10
    world.confirmation.save()
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now - dt.timedelta(days=12, hours=-1)):
        late = drive(world, S.SUBMITTED, track="confirmation")  # due 2 days ago
    with time_machine.travel(now - dt.timedelta(days=5, hours=-1)):
        soon = drive(world, S.SUBMITTED, track="confirmation")  # due in 5 days
    calm = drive(world, S.SUBMITTED)  # 90-day agenda
    client = signed_in(world.officer)
    response = client.get("/review/?tab=all")
    rows = {row["app"].reference: row for row in response.context["rows"]}
    assert rows[late.reference]["urgency"] == "overdue"
    assert rows[soon.reference]["urgency"] == "soon"
    assert rows[calm.reference]["urgency"] == ""
    html = response.content.decode()
    assert "2 days overdue" in html
    assert "5 days left" in html
    assert "row-overdue" in html and "row-soon" in html
    assert refs(client.get("/review/?tab=all&overdue=on")) == [late.reference]


def test_the_queue_paginates(world: World) -> None:
    for i in range(27):
        submitted(world, title=f"사례 {i}")
    client = signed_in(world.officer)
    first = client.get("/review/?tab=new")
    assert len(first.context["rows"]) == 25
    cursor = first.context["page"].next_cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = client.get(f"/review/?tab=new&cursor={cursor}")
    assert len(second.context["rows"]) == 2
    assert not set(refs(first)) & set(refs(second))
    assert not second.context["page"].next_cursor
    back = client.get(f"/review/?tab=new&cursor={second.context['page'].previous_cursor}")
    assert refs(back) == refs(first)


@pytest.mark.parametrize("tab", ["new", "mine", "consultations", "decision", "active", "all"])
def test_the_queue_runs_a_fixed_number_of_queries_whatever_its_size(
    world: World, tab: str, django_assert_max_num_queries
) -> None:
    def load(client: Client) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/review/?tab={tab}").status_code == 200
        return len(ctx.captured_queries)

    def populate(times: int) -> None:
        for _i in range(times):
            for status in (S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION, S.ACTIVE):
                app = drive(world, status)
                if status == S.UNDER_REVIEW:
                    services.consultation_request(
                        application=app,
                        by=world.officer,
                        ministries=[world.other_ministry],
                        question="?",
                    )

    populate(1)  # every tab shows at least one row
    client = signed_in(world.consultee if tab == "consultations" else world.officer)
    first = load(client)
    small = load(client)
    assert first == small  # the first page on a connection sends no extra statement
    populate(3)
    MinistryFactory.create(code="EXTRA")
    make_user(Role.CASE_OFFICER, ministry=world.lead, username="third_officer")
    with django_assert_max_num_queries(small):
        assert client.get(f"/review/?tab={tab}").status_code == 200
    # session; user (with staff profile, ministry, roles, organisations and second-factor
    # devices: accounts/backends.py); the officers with their workload; the programmes with
    # their tracks and time zones (the decision tab's condition and the counts read their dates
    # from it); the saved filters; the header's unread notifications; the page's rows; the tab
    # counts (one statement)
    assert small == 8, small


@pytest.mark.postgres
@pytest.mark.parametrize("tab", ["new", "mine", "all"])
def test_the_queue_reads_in_four_round_trips(world: World, tab: str) -> None:
    """After the session and the user, the page's reads go out in two batches (psycopg's
    pipeline mode, ``core.prepared.read_together``): those that need nothing else, then the
    rows and the counts, which need the programmes' dates. The header's count is one of
    them, not asked again when the page is drawn."""
    from unittest import mock

    import psycopg
    from django.db import connection

    from tests.core.test_prepared import pipelined_statements

    drive(world, S.SUBMITTED)
    client = signed_in(world.officer)
    assert client.get(f"/review/?tab={tab}").status_code == 200
    ran, record = pipelined_statements()
    pipeline = psycopg.Connection.pipeline
    with (
        mock.patch.object(
            psycopg.Connection, "pipeline", autospec=True, side_effect=pipeline
        ) as batches,
        connection.execute_wrapper(record),
    ):
        assert client.get(f"/review/?tab={tab}").status_code == 200
    alone = [sql for sql, in_pipeline in ran if not in_pipeline]
    assert len(alone) == 2 and "django_session" in alone[0] and "auth_user" in alone[1]
    assert batches.call_count == 2 and len(ran) == 8
    assert sum("notifications_notification" in sql for sql, _ in ran) == 1


@pytest.mark.parametrize("tab", ["new", "decision", "all"])
def test_the_queue_renders_no_template_per_row_field_or_option(world: World, tab: str) -> None:
    for status in (S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION, S.ACTIVE):
        drive(world, status)
    response = signed_in(world.officer).get(f"/review/?tab={tab}")
    assert response.context["rows"]
    names = [str(template.name) for template in response.templates]
    # the page, its two base templates, the staff navigation and the filter form's fields
    page = ["reviews/queue.html", "base_review.html", "base.html", "_staff_nav.html"]
    assert sorted(names) == sorted([*page, "core/_fields.html"]), names


def test_the_deadlines_page_groups_deadlines_by_date(world: World) -> None:
    submitted_case = submitted(world)
    supplement = drive(world, S.SUPPLEMENT_REQUESTED)
    consulted = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=consulted, by=world.officer, ministries=[world.other_ministry], question="?"
    )
    active = drive(world, S.ACTIVE)
    theirs = foreign_case(world)
    client = signed_in(world.officer)
    response = client.get("/review/deadlines/?days=90")
    assert response.status_code == 200
    kinds = {
        (item.kind, item.application.reference)
        for day in response.context["calendar"]
        for item in day.items
    }
    assert ("statutory", submitted_case.reference) in kinds
    assert ("supplement", supplement.reference) in kinds
    assert ("consultation", consulted.reference) in kinds
    # the consulted ministry by its name, never its code
    opinion = next(
        str(item.label)
        for day in response.context["calendar"]
        for item in day.items
        if item.kind == "consultation"
    )
    ministry = world.other_ministry
    assert ministry.display_name in opinion and ministry.code not in opinion, opinion
    assert ministry.display_name in visible_text(response.content.decode())
    assert all(ref != theirs.reference for _kind, ref in kinds)  # out of scope
    assert all(ref != active.reference for _kind, ref in kinds)  # ends in two years
    dates = [day.date for day in response.context["calendar"]]
    assert dates == sorted(dates)
    ends = signed_in(world.decider).get("/review/deadlines/?days=7")
    assert all(item.kind != "term_end" for day in ends.context["calendar"] for item in day.items)
    assert active.term_end is not None
    with time_machine.travel(
        dt.datetime.combine(active.term_end, dt.time(0), dt.UTC) - dt.timedelta(days=3)
    ):
        near = signed_in(world.auditor).get("/review/deadlines/?days=7")
        assert ("term_end", active.reference) in {
            (item.kind, item.application.reference)
            for day in near.context["calendar"]
            for item in day.items
        }


def test_the_deadlines_page_dates_each_item_in_its_programmes_time_zone(world: World) -> None:
    """A deadline at 16:00 UTC is the next day in Seoul: the item sits under that day."""
    case = submitted(world)
    due = dt.datetime(2030, 1, 6, 16, 0, tzinfo=dt.UTC)  # 7 January, 01:00 in Seoul
    Application.objects.filter(pk=case.pk).update(due_at=due)  # the deadline, not the status
    with time_machine.travel(due - dt.timedelta(days=2)):
        calendar = signed_in(world.officer).get("/review/deadlines/?days=7").context["calendar"]
    assert [(day.date, item.kind) for day in calendar for item in day.items] == [
        (dt.date(2030, 1, 7), "statutory")
    ]


def test_the_deadlines_page_reads_as_many_queries_for_more_deadlines(world: World) -> None:
    """Every item's case and organisation come with it: no query per item."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            assert client.get("/review/deadlines/?days=90").status_code == 200
        return len(run)

    def one_of_each() -> None:
        submitted(world)
        drive(world, S.SUPPLEMENT_REQUESTED)
        services.consultation_request(
            application=drive(world, S.UNDER_REVIEW),
            by=world.officer,
            ministries=[world.other_ministry],
            question="?",
        )

    one_of_each()
    before = queries()
    for _round in range(3):
        one_of_each()
    assert queries() == before


def test_the_programme_filter_names_programmes_never_by_their_code(world: World) -> None:
    import re

    world.program.name, world.program.name_en = "정보통신 규제샌드박스", "ICT regulatory sandbox"
    world.program.save()
    client = signed_in(world.officer)
    for language, name in (("ko", "정보통신 규제샌드박스"), ("en", "ICT regulatory sandbox")):
        page = client.get("/review/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        select = re.search(r'<select name="program".*?</select>', page, re.S)
        assert select, "the queue has a programme filter"
        options = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
        assert name in options
        assert world.program.code not in options


def test_the_consultation_form_names_ministries_in_the_page_language(world: World) -> None:
    ministry = world.other_ministry
    for language, name in (("ko", ministry.name), ("en", ministry.name_en)):
        with translation.override(language):
            form = ConsultationRequestForm(ministries=Ministry.objects.filter(pk=ministry.pk))
            field: Any = form.fields["ministries"]
            labels = [str(label) for _value, label in field.choices]
        assert labels == [name], (language, labels)
        assert ministry.code not in labels[0]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_filter_form_offers_checks_and_cleans_each_forms_own_choices(language: str) -> None:
    """The filter form's choices are functions, called when read: each form offers, accepts
    and cleans exactly the programmes, tracks and officers it was built with (two forms built
    one after the other do not share them), and refuses a value it did not offer."""
    offers: list[dict[str, Any]] = [
        {"programs": [(1, "금융")], "tracks": [(3, "신속확인")], "officers": [("7", "김 담당")]},
        {"programs": [(2, "ICT")], "tracks": [(4, "실증")], "officers": [("8", "Lee <Min>")]},
    ]
    with translation.override(language):
        forms = [QueueFilterForm({"tab": "new"}, **offer) for offer in offers]
        for form, offer, other in zip(forms, offers, reversed(offers), strict=True):
            html = str(form["program"]) + str(form["track"]) + str(form["assignee"])
            (program, _p), (track, _t), (officer, name) = (
                offer["programs"][0],
                offer["tracks"][0],
                offer["officers"][0],
            )
            assert f'value="{program}"' in html and f'value="{track}"' in html
            assert f'value="{officer}">{escape(name)}</option>' in html
            assert f'value="{other["officers"][0][0]}"' not in html
            accepted = QueueFilterForm(
                {"program": str(program), "track": str(track), "assignee": officer}, **offer
            )
            assert accepted.is_valid(), accepted.errors
            assert accepted.cleaned_data["program"] == program  # coerced to a number
            assert accepted.cleaned_data["track"] == track
            assert accepted.cleaned_data["assignee"] == officer
            refused = QueueFilterForm(
                {
                    "program": str(other["programs"][0][0]),
                    "track": str(other["tracks"][0][0]),
                    "assignee": other["officers"][0][0],
                    "status": "draft",  # never offered: the queue holds no drafts
                    "sort": "nothing",
                },
                **offer,
            )
            assert not refused.is_valid()
            assert set(refused.errors) == {"program", "track", "assignee", "status", "sort"}
        statuses = str(forms[0]["status"])
        assert 'value="submitted"' in statuses and 'value="draft"' not in statuses
        assert all(f'value="{key}"' in str(forms[0]["sort"]) for key in SORTS)
        assert QueueFilterForm({"status": "submitted", "sort": "reference"}, **offers[0]).is_valid()


def test_a_request_that_asks_no_filter_is_what_the_form_would_make_of_it() -> None:
    """The page builds the filter form only when a filter is asked or the form's fields are
    written: for a request that gives no filter a value, ``asks_nothing`` holds exactly when
    the form cleans every field to empty, and ``rendering_key_of`` is the key the built form
    gives (``rendering_key``), for every kind of request."""
    from django.http import QueryDict

    programs, tracks, officers = [(2, "ICT")], [(4, "ICT / 실증")], [("8", "Lee <Min>")]
    offered = (programs, tracks, officers)
    asks = [
        None,
        QueryDict(""),
        QueryDict("tab=mine"),
        QueryDict("tab=mine&cursor=abc&q=&status=&overdue="),
        QueryDict("status=submitted&status="),  # a widget reads the last value
        QueryDict("q=robot"),
        QueryDict("status=&status=submitted"),
        QueryDict("overdue=off"),  # a check box's "off" is ticked
        QueryDict("program=2&sort=reference"),
        QueryDict("assignee=none"),
        QueryDict("program=nothing"),
        {"track": "4"},
    ]
    nothing = 0
    for data in asks:
        form = QueueFilterForm(data, programs=programs, tracks=tracks, officers=officers)
        assert QueueFilterForm.rendering_key_of(data, offered) == form.rendering_key(), data
        filters = form.cleaned_data if form.is_valid() else {}  # as the page reads them
        if QueueFilterForm.asks_nothing(data or {}):
            nothing += 1
            assert (form.is_valid() or not form.is_bound) and not any(filters.values()), data
        else:
            assert any(filters.values()) or form.errors, data
    assert nothing == 5


def test_a_page_that_asks_no_filter_builds_the_form_only_to_write_its_fields(
    world: World,
) -> None:
    """The filter form's fields are kept once written (``{% cache %}``): a page that asks no
    filter builds the form to write them the first time and not again; a page that asks one
    builds it to read the filter, and shows the cases it lets through."""
    from django.core.cache import cache

    cache.clear()
    submitted(world)
    client = signed_in(world.officer)
    built: list[QueueFilterForm] = []
    real_init = QueueFilterForm.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        real_init(self, *args, **kwargs)

    with mock.patch.object(QueueFilterForm, "__init__", counted):
        first, second = client.get("/review/?tab=all"), client.get("/review/?tab=all")
        assert len(built) == 1 and refs(first) == refs(second) != []
        assert first.content.count(b'name="status"') == second.content.count(b'name="status"') == 1
        refused = client.get("/review/?tab=all&status=approved")
        assert len(built) == 2 and refs(refused) == []


def test_the_tables_caption_counts_one_case_and_many_in_each_language(world: World) -> None:
    """ "1 case", not "1 cases"; Korean has one form ("1건")."""
    client = signed_in(world.officer)

    def caption(language: str) -> str:
        client.cookies["django_language"] = language
        page = client.get("/review/?tab=new").content.decode()
        start = page.index('<caption id="queue-caption">') + len('<caption id="queue-caption">')
        return page[start : page.index("</caption>", start)]

    submitted(world)
    assert caption("en") == "1 case" and caption("ko") == "1건"
    submitted(world, title="드론 배송")
    assert caption("en") == "2 cases" and caption("ko") == "2건"
