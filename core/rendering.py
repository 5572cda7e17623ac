"""Form fields and their widgets rendered in Python: the same HTML as the templates, at a
fraction of the cost (docs/performance.md, "what every request pays").

A form page renders each field through ``core/_field.html`` and each widget through Django's
form renderer, i.e. three to five template renders a field; on the applicant's form pages that
was about half of a request's CPU. Two pieces, both byte-for-byte equal to what they replace
(``tests/core/test_rendering.py`` renders every field of every form both ways):

- ``field_html``: the body of ``core/_field.html`` (label, hint, error message, the widget, the
  fieldset of radio buttons and check boxes, ``aria-describedby`` set by ``AccessibleForm``);
  ``core/_field.html`` and ``core/_fields.html`` call it through ``{% field_html %}``.
- ``WidgetRenderer`` (``FORM_RENDERER``): ``<input>`` of every type, ``<textarea>``, the
  radio and check box options without a wrapping label and ``<select>`` with its options and
  groups (a template render per option otherwise: the review queue's filter form lists every
  programme, track and officer) are written directly; every other template (file inputs,
  whole forms) goes to Django's template renderer unchanged.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
OPTION_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)
TEXTAREA_TEMPLATE = f"{WIDGETS}textarea.html"
SELECT_TEMPLATE = f"{WIDGETS}select.html"
SELECT_OPTION_TEMPLATE = f"{WIDGETS}select_option.html"


def escaped(value: Any) -> str:
    """``conditional_escape(value)``, plain text the quick way: Django's ``escape`` is wrapped by
    ``keep_lazy``, which looks through its arguments for lazy text on every call, and a page of
    the review queue escapes some 500 values (its rows, the filter's options)."""
    if type(value) is str:  # not SafeString (already escaped) nor lazy text
        return html.escape(value)
    return conditional_escape(value)


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: ``True`` is a bare name, ``False`` is left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {escaped(name)}")
        else:
            parts.append(f' {escaped(name)}="{_s(value)}"')
    return "".join(parts)


def _s(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless already safe."""
    text = value if isinstance(value, str) else f"{value}"
    return escaped(text)


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html``."""
    value = widget["value"]
    shown = f' value="{_s(value)}"' if value is not None else ""
    return (
        f'<input type="{escaped(widget["type"])}" '
        f'name="{escaped(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = widget["value"]
    text = escaped(value) if value else ""
    return (
        f'<textarea name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'
    )


def _shown(value: Any) -> str:
    """``{{ value }}``: text escaped; numbers, dates and times localised as a template would."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return escaped(value)


def _select(widget: dict[str, Any]) -> str | None:
    """``django/forms/widgets/select.html`` with its ``select_option.html`` options (each
    included option keeps its template's line end); ``None`` when an option has a template of
    its own, which then goes to the templates."""
    parts = [f'<select name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class WidgetRenderer(DjangoTemplates):
    """Django's template form renderer, with the simplest widgets written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict):
            if template_name in INPUT_TEMPLATES:
                return _input(widget)
            if template_name == TEXTAREA_TEMPLATE:
                return _textarea(widget)
            if template_name in OPTION_TEMPLATES and not widget.get("wrap_label"):
                return _input(widget)
            if template_name == SELECT_TEMPLATE:
                html = _select(widget)
                if html is not None:
                    return html
        return super().render(template_name, context, request)


def _hint(field: BoundField, auto_id: str) -> str:
    if not field.help_text:
        return ""
    return f'<p class="hint" id="{auto_id}-hint">{escaped(field.help_text)}</p>'


def _error(field: BoundField, auto_id: str) -> str:
    errors = field.errors
    if not errors:
        return ""
    label = escaped(gettext("Error:"))
    text = " ".join(escaped(str(error)) for error in errors)
    return (
        f'<p class="error-message" id="{auto_id}-error">'
        f'<span class="visually-hidden">{label}</span> {text}</p>'
    )


def field_html(field: BoundField) -> SafeString:
    """What ``core/_field.html`` shows for one field (see the module docstring)."""
    kind = field.widget_type
    auto_id = escaped(field.auto_id)
    label = escaped(field.label)
    hint, error = _hint(field, auto_id), _error(field, auto_id)
    if kind == "checkbox":
        body = (
            f"\n  {hint}\n  {error}\n"
            f'  <div class="choice">{field} '
            f'<label for="{escaped(field.id_for_label)}">{label}</label></div>\n'
        )
    elif kind in ("radioselect", "checkboxselectmultiple"):
        choices = "".join(
            f'<div class="choice">{choice.tag()} '
            f'<label for="{escaped(choice.id_for_label)}">'
            f"{escaped(choice.choice_label)}</label></div>"
            for choice in field
        )
        body = (
            f'\n  <fieldset class="fieldset">\n    <legend>{label}</legend>\n'
            f"    {hint}\n    {error}\n    {choices}\n  </fieldset>\n"
        )
    else:
        optional = ""
        if not field.field.required and not getattr(field.field, "required_later", False):
            word = escaped(gettext("optional"))
            optional = f' <span class="optional">({word})</span>'
        body = (
            f'\n  <label for="{escaped(field.id_for_label)}">{label}{optional}</label>'
            f"\n  {hint}\n  {error}\n  {field}\n"
        )
    css = "field field-error" if field.errors else "field"
    return mark_safe(f'\n<div class="{css}">\n{body}\n</div>\n')  # every part escaped above
