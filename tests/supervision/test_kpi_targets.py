"""The KPIs the test plan promised reach supervision: the report form asks a value for each data
item and shows the target the plan set; the filing the officer reviews shows value and target."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import DataItem
from tests.factories import pass_second_factor
from tests.supervision.helpers import T0, active, at, file_report, first_report, supervised

pytestmark = pytest.mark.django_db

WHEN = T0 + dt.timedelta(days=100)
ITEMS = [
    ("운행 거리", "km", "주행 기록계", "매일"),
    ("보행자 근접 정지", "회", "관제 로그", "매일"),
]


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        app = active(world, items=ITEMS)
    DataItem.objects.filter(application=app, name="보행자 근접 정지").update(
        target="1,000km당 1회 이하"
    )
    return app


def test_the_report_form_lists_each_kpi_with_the_target_the_plan_promised(world, case):
    client = Client()
    client.force_login(world.applicant)
    with at(WHEN):
        page = client.get(
            reverse("supervision-report", args=[case.pk, first_report(case).pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    for item in case.data_items.all():
        assert f'name="value_{item.pk}"' in page
    assert "Target in your test plan: 1,000km당 1회 이하." in page


def test_the_officer_sees_value_and_target_in_the_filing(world, case):
    report = first_report(case)
    with at(WHEN):
        file_report(world, report)
    officer = Client()
    pass_second_factor(officer, world.officer)
    page = officer.get(
        reverse("supervision-report-review", args=[case.pk, report.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "보행자 근접 정지" in page
    assert "target: 1,000km당 1회 이하" in page
