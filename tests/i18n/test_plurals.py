"""A count read by people takes the singular for one: "1 case", "1 day", never "1 cases".
Templates that write a number before a plural noun do it with ``{% blocktranslate count %}``
(Korean has one form: ``Plural-Forms: nplurals=1``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# "{% blocktranslate with n=… %}{{ n }} days{% endblocktranslate %}": a bare number and a plural.
BARE_PLURAL = re.compile(
    r"\{% blocktranslate with (\w+)=[^%]*%\}\{\{ \1 \}\} [a-z]+s\{% endblocktranslate %\}"
)


def test_no_template_writes_a_number_before_a_plural_without_a_count() -> None:
    templates = list(ROOT.glob("*/templates/**/*.html"))
    assert len(templates) > 50
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for match in BARE_PLURAL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_the_check_finds_what_it_looks_for() -> None:
    assert BARE_PLURAL.search(
        "{% blocktranslate with days=r.days %}{{ days }} days{% endblocktranslate %}"
    )
    assert not BARE_PLURAL.search(
        "{% blocktranslate count days=r.days %}{{ days }} day{% plural %}{{ days }} days"
        "{% endblocktranslate %}"
    )
