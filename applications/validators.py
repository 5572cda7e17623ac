"""Validators for identifiers applicants type in."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def brn_check_digit(first_nine: str) -> int:
    """Check digit of a Korean business registration number (사업자등록번호)."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS, strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def normalize_brn(value: str) -> str:
    """``1234567891`` or ``123-45-67891`` → ``123-45-67891``; raises ``ValidationError``."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError(
            _("Enter the 10-digit business registration number, e.g. 123-45-67891."),
            code="format",
        )
    if brn_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            _("This business registration number is not valid: check the digits."),
            code="checksum",
        )
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
