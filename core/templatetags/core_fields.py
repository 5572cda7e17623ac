"""``{% field_html field %}``: one form field as ``core/_field.html`` shows it (label, hint,
error message and widget), written in Python (``core.rendering.field_html``)."""

from __future__ import annotations

from django import template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from core.rendering import field_html as render_field

register = template.Library()


@register.simple_tag(name="field_html")
def field_html(field: BoundField) -> SafeString:
    return render_field(field)
