"""The demo reads like real cases (issue 16a): every sample case tells its own story (no copied
text about delivery robots on a parking case), with its regulation in three parts and its KPIs
with targets, under a title without a status tag; every track explains itself."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from applications.models import Application, Consultation, Track
from demo.cases import STORIES

pytestmark = pytest.mark.django_db


def test_each_sample_case_has_its_own_coherent_story_and_a_plain_title(capsys):
    call_command("seed_demo")
    cases = list(
        Application.objects.filter(organization__registration_number="220-81-12341")
        .prefetch_related("regulations", "data_items")
        .order_by("pk")
    )
    assert len(cases) >= 20
    for app in cases:
        assert not re.match(r"^\s*\[", app.title), app.title  # no status tag
        story = STORIES[app.title]
        assert app.service_description == story.service
        assert app.problem_solved == story.problem and app.existing_offers == story.offers
        (regulation,) = app.regulations.all()
        assert (regulation.statute, regulation.requirement, regulation.exemption_requested) == (
            story.regulation.statute,
            story.regulation.requirement,
            story.regulation.exemption,
        )
    descriptions = [app.service_description for app in cases]
    assert len(set(descriptions)) == len({app.title for app in cases})
    # the delivery-robot text once copied onto every case is gone, parking included
    assert not any("자율주행 배송 로봇이 보도를 이용하여" in a.service_description for a in cases)
    parking = next(a for a in cases if a.title == "스마트 주차 공유 플랫폼")
    assert "주차" in parking.service_description and "로봇" not in parking.service_description
    with_kpis = [a for a in cases if a.data_items.exists()]
    assert with_kpis and all(item.target for a in with_kpis for item in a.data_items.all())
    # what the ministries wrote about each case speaks of that case: the consultation question,
    # the recommendation's and the approval's conditions
    decided = [a for a in cases if a.title in STORIES and a.decisions.filter(kind="approval")]
    assert len(decided) >= 4
    for app in decided:
        story = STORIES[app.title]
        approval = app.decisions.get(kind="approval")
        told = " ".join((story.service, story.technology, story.safety, story.scale))
        if "km" not in told:  # no speed limit on a case whose story has no speed in it
            assert "시속" not in " ".join(approval.conditions), app.title
        for item in Consultation.objects.filter(application=app):
            assert story.regulation.statute in item.question, app.title
    assert len({tuple(a.decisions.get(kind="approval").conditions) for a in decided}) == len(
        decided
    )


def test_every_demo_track_explains_itself_in_both_languages(capsys):
    call_command("seed_demo")
    for track in Track.objects.all():
        assert track.help and track.help_en, track
    fast = Track.objects.filter(similar_review_days=15).values_list("program__code", flat=True)
    assert set(fast) == {"ICT", "ICP"}
