"""The accessible form base and field helpers every app's forms use.

Forms parse and bound every field (length, format, range); the rules about cases stay in the
services, whose ``InvalidInput`` errors are put back onto the form with ``put_errors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

SHORT = 200
LONG = 5000


class AccessibleForm(forms.Form):
    """Links every input to its hint and error message (``aria-describedby``) and marks invalid
    inputs, so screen readers announce the message next to the field."""

    required_css_class = "field-required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe()

    def full_clean(self) -> None:
        super().full_clean()
        self._describe()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._describe()

    def _describe(self) -> None:
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-hint")
            if name in errors:
                ids.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)

    def put_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Errors from a service: on their field when the form has it, else at the top."""
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def text(max_length: int = SHORT, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=required, **kwargs)


def long_text(max_length: int = LONG, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": 5}),
        **kwargs,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        validators=[
            MinValueValidator(dt.date(2000, 1, 1)),
            MaxValueValidator(dt.date(2100, 12, 31)),
        ],
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, max_files: int = 10, accept: str = "", **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else {}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > self.max_files:
            raise ValidationError(
                _("Upload at most %(max)s files at a time."), params={"max": self.max_files}
            )
        if not items and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class VersionForm(AccessibleForm):
    """A form that carries the case version it was opened at (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def plain_int(text: str | None, *, max_digits: int = 18) -> int | None:
    """The whole number a client sent as plain ASCII digits (no sign, at most ``max_digits``,
    so it fits a database integer), or None. ``str.isdigit`` alone lets "²" and "٣" through to
    ``int()``, and 30 digits through to the database: both were server errors."""
    value = (text or "").strip()
    if not value or len(value) > max_digits or not value.isascii() or not value.isdigit():
        return None
    return int(value)


class NumberedChoicesMixin:
    """For model choice fields whose rows are named by number: a posted value that is not a
    plain number the database can hold is an invalid choice (400 next to the field), never a
    query (Django sends the list of a multiple choice to the database as it came)."""

    error_messages: dict[str, Any]

    def clean(self, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if item in (None, "") or isinstance(item, int):
                continue
            if plain_int(str(item)) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(item)[:40]},
                )
        return super().clean(value)  # type: ignore[misc]
