"""Every form's error summary names the field each message belongs to and links to it
(``core/_error_summary.html``, included by the portal, account and staff forms)."""

from __future__ import annotations

import re

from django import forms as django_forms
from django.template.loader import render_to_string
from django.urls import reverse

from core.forms import AccessibleForm, VersionForm


def summary_items(page: str) -> list[str]:
    block = page.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return [
        re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


class Sample(VersionForm):
    name = django_forms.CharField(label="Service name")
    kind = django_forms.ChoiceField(
        label="Kind", choices=[("a", "A"), ("b", "B")], widget=django_forms.RadioSelect
    )
    note = django_forms.CharField(label="Note", required=False)
    agree = django_forms.BooleanField(
        label="I agree to the terms.",
        error_messages={"required": "Agree to the terms to go on."},
    )


def test_each_message_is_named_after_its_field_and_links_to_it():
    form = Sample(data={"version": "x"})
    form.add_error(None, "The case changed.")
    items = summary_items(render_to_string("core/_error_summary.html", {"form": form}))
    assert items[0] == "The case changed."
    assert '<a href="#id_name">Service name: This field is required.</a>' in items
    assert '<a href="#id_kind_0">Kind: This field is required.</a>' in items
    # a hidden field has nothing to link to: the message stands on its own
    assert "Enter a whole number." in items
    # a box to tick: its message already says what to tick
    assert '<a href="#id_agree">Agree to the terms to go on.</a>' in items
    assert not any("Note" in item for item in items)


def test_a_valid_form_shows_no_summary():
    form = AccessibleForm(data={})
    assert form.is_valid()
    assert render_to_string("core/_error_summary.html", {"form": form}).strip() == ""


def test_the_empty_sign_up_names_every_missing_field(client, db):
    page = client.post(reverse("signup"), {}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    items = summary_items(page)
    for field_id, label in (
        ("id_full_name", "Your full name"),
        ("id_email", "Email address"),
        ("id_password1", "Password"),
        ("id_organization_name", "Organisation name"),
    ):
        assert any(item.startswith(f'<a href="#{field_id}">{label}: ') for item in items), field_id
    assert len(items) == len(set(items)), "every line names its own field"


def test_the_korean_sign_up_summary_names_the_fields_in_korean(client, db):
    client.cookies["django_language"] = "ko"
    page = client.post(reverse("signup"), {}, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    items = summary_items(page)
    assert any(item.startswith('<a href="#id_email">') and "이메일" in item for item in items)
    assert len(items) == len(set(items))
