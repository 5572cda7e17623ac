"""Fields and widgets written in Python (``core/rendering.py``) give the same HTML as the
templates they replaced: every field of every form of the project, empty, filled in (with text
that needs escaping) and with errors, in Korean and English, rendered both ways."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from core.forms import AccessibleForm
from core.rendering import WidgetRenderer, field_html

REFERENCE = (Path(__file__).parent / "reference_field.html").read_text()
FORM_MODULES = (
    "accounts.forms",
    "committees.forms",
    "core.forms",
    "documents.forms",
    "notifications.forms",
    "portal.forms",
    "register.forms",
    "reviews.forms",
    "sanctions.forms",
    "supervision.forms",
)
TRICKY = 'Tom & "Jerry" <script>alert(1)</script>'


def _form_classes() -> list[Any]:
    found: list[Any] = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                found.append(cls)
    return [cls for cls in found if getattr(cls, "base_fields", None)]


def _value(field: forms.Field) -> Any:
    """A value a person might send for the field."""
    choices = list(getattr(field, "choices", []) or [])
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return [str(key) for key, _ in choices[:2] if key != ""]
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        keys = [str(key) for key, _ in choices if key != ""]
        return keys[0] if keys else ""
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.DateField):
        return dt.date(2026, 3, 1).isoformat()
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "12"
    if isinstance(field, forms.FileField):
        return None
    return TRICKY


def _fields(cls: Any) -> dict[str, forms.Field]:
    """The form's declared fields, less the choices its constructor fills in from the data."""
    return {
        name: field
        for name, field in cls.base_fields.items()
        if not (isinstance(field, forms.ModelChoiceField) and field.queryset is None)
    }


def _forms(cls: Any, renderer: Any) -> list[forms.BaseForm]:
    """Three forms with the fields of ``cls``: empty, filled in, and sent empty (errors)."""
    form_class: Any = type(cls.__name__, (AccessibleForm,), _fields(cls))
    filled = {name: _value(field) for name, field in form_class.base_fields.items()}
    filled = {name: value for name, value in filled.items() if value is not None}
    built = [
        form_class(renderer=renderer),
        form_class(data=filled, renderer=renderer),
        form_class(data={}, renderer=renderer),
    ]
    for form in built:
        # every other field optional now but needed to submit (portal.forms.mark_required_later)
        for index, field in enumerate(form.fields.values()):
            if index % 2:
                field.required_later = True  # type: ignore[attr-defined]
    for form in built[1:]:
        form.is_valid()
    return built


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_field_of_every_form_renders_as_the_template_did(world, language):
    reference = engines["django"].from_string(REFERENCE)
    classes = _form_classes()
    assert len(classes) >= 40, [cls.__name__ for cls in classes]
    kinds: set[str] = set()
    compared = 0
    with translation.override(language):
        for cls in classes:
            old_forms = _forms(cls, DjangoTemplates())
            new_forms = _forms(cls, WidgetRenderer())
            for old_form, new_form in zip(old_forms, new_forms, strict=True):
                for name in old_form.fields:
                    old = reference.render({"field": old_form[name]})
                    new = field_html(new_form[name])
                    assert new == old, f"{cls.__name__}.{name}"
                    kinds.add(old_form[name].widget_type)
                    compared += 1
    assert compared > 500
    # the kinds the Python renderer writes itself, and some it hands to the templates
    assert {"text", "textarea", "checkbox", "radioselect", "checkboxselectmultiple"} <= kinds
    assert {"date", "number", "select", "email"} & kinds


def test_a_field_with_errors_links_its_message_and_hint_for_screen_readers():
    class Form(AccessibleForm):
        name = forms.CharField(help_text="As on the register")

    html = field_html(Form(data={}, renderer=WidgetRenderer())["name"])
    assert 'aria-describedby="id_name-hint id_name-error"' in html
    assert 'aria-invalid="true"' in html
    assert '<p class="error-message" id="id_name-error">' in html
    assert '<p class="hint" id="id_name-hint">As on the register</p>' in html


def test_text_that_needs_escaping_is_escaped_in_values_labels_and_errors():
    class Form(AccessibleForm):
        note = forms.CharField(label=TRICKY, widget=forms.Textarea)
        title = forms.CharField(max_length=3)

    form = Form(data={"note": TRICKY, "title": TRICKY}, renderer=WidgetRenderer())
    form.is_valid()
    for name in ("note", "title"):
        html = field_html(form[name])
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


class _Selects(AccessibleForm):
    """Selects of every shape: groups, a value that needs escaping, several chosen, numbers."""

    plain = forms.ChoiceField(choices=[("", "Any"), ("a", TRICKY), ("b&c", "B")], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Group <1>", [("x", "X"), ("y", "Y & Z")]), ("z", "Loose")]
    )
    several = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    typed = forms.TypedChoiceField(choices=[("", "Any"), (1, "1"), (20, "20")], coerce=int)
    answer = forms.NullBooleanField(required=False)
    year = forms.TypedChoiceField(choices=[(y, y) for y in (2025, 12026)], coerce=int)
    day = forms.ChoiceField(choices=[("d", dt.date(2026, 3, 1)), ("n", 1234.5)], required=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"plain": "b&c", "grouped": "y", "several": ["1", "3"], "typed": "20", "answer": "true"},
        {"plain": "nonsense", "grouped": "Group <1>", "several": ["9"], "typed": "x"},
    ],
)
@pytest.mark.parametrize("language", ["ko", "en"])
def test_selects_and_their_options_render_as_the_templates_did(data, language):
    reference = engines["django"].from_string(REFERENCE)
    data = None if data is None else {**data}
    with translation.override(language):
        old_form = _Selects(data=data, renderer=DjangoTemplates())
        new_form = _Selects(data=data, renderer=WidgetRenderer())
        if data is not None:
            old_form.is_valid()
            new_form.is_valid()
        for name in old_form.fields:
            old = reference.render({"field": old_form[name]})
            assert field_html(new_form[name]) == old, name
            assert str(new_form[name]) == str(old_form[name]), name


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_review_queues_filter_form_renders_as_the_templates_did(language):
    from reviews.forms import QueueFilterForm

    choices = {
        "programs": [(1, "FIN"), (2, TRICKY)],
        "tracks": [(3, "금융 / 신속확인"), (4, f"{TRICKY} / 실증")],
        "officers": [("7", "김 담당"), ("8", TRICKY)],
    }
    sent = {"q": TRICKY, "program": "2", "track": "4", "assignee": "none", "sort": "reference"}
    with translation.override(language):
        for data in (None, sent, {"program": "x", "assignee": "99"}):
            old_form = QueueFilterForm(data, renderer=DjangoTemplates(), **choices)
            new_form = QueueFilterForm(data, renderer=WidgetRenderer(), **choices)
            old_form.is_valid() if data else None
            new_form.is_valid() if data else None
            for name in old_form.fields:
                assert str(new_form[name]) == str(old_form[name]), name


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "<b>\"Tom\" & 'Jerry'</b>",
        "한국어 <i>",
        SafeString("<b>already escaped</b>"),
        gettext_lazy("Any status"),
        7,
        None,
        dt.date(2026, 12, 4),
    ],
)
def test_escaped_writes_what_conditional_escape_writes(value):
    from django.utils.html import conditional_escape

    from core.rendering import escaped

    for language in ("ko", "en"):
        with translation.override(language):
            assert escaped(value) == conditional_escape(value)
