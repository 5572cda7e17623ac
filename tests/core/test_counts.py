"""Counts as pages show them (``core.counts``): grouped in the reader's locale as Django's
``number_format`` groups them, the cap and "+" past it."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import formats, translation

from core.counts import capped_text, grouped

VALUES = (0, 1, 7, 99, 100, 101, 999, 1000, 1001, 12_345, 999_999, 1_000_000, -5, -1234)


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("separator", [True, False])
def test_grouped_writes_what_number_format_writes(language, separator):
    with override_settings(USE_THOUSAND_SEPARATOR=separator), translation.override(language):
        for value in VALUES:
            assert grouped(value) == formats.number_format(value, force_grouping=True)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_count_past_its_cap_is_the_cap_and_a_plus(language):
    with translation.override(language):
        assert capped_text(100, 100) == "100"
        assert capped_text(101, 100) == "100+"
        assert capped_text(5000, 1000) == "1,000+"
        assert capped_text(1234, 5000) == "1,234"
