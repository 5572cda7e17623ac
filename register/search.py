"""Search text of register entries: normalised text and its character bigrams.

Korean words are often two syllables long (로봇, 배송, 드론) and searched by a part of a word,
so a search matches any substring of an entry's text. On PostgreSQL the bigrams of the text
are indexed (GIN over ``string_to_array(search_grams, ' ')``): a term's bigrams must all be
present (the index finds those rows), then the substring itself is checked. Trigram indexes
(pg_trgm) cannot serve a two-character term and classify Hangul by the database's ctype locale;
bigrams of our own do neither. One-character terms are matched as substrings only.
"""

from __future__ import annotations

import unicodedata

MAX_TERMS = 6
MAX_TERM_LENGTH = 60


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: what entries store and queries are compared in."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _runs(text: str) -> list[str]:
    runs, current = [], []
    for ch in text:
        if ch.isalnum():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def grams(text: str) -> set[str]:
    """Bigrams of every run of letters and digits in already normalised text."""
    found: set[str] = set()
    for run in _runs(text):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def terms(query: str) -> list[str]:
    """The search terms of a query (each must occur in an entry), normalised and bounded."""
    return [t[:MAX_TERM_LENGTH] for t in normalise(query).split(" ") if t][:MAX_TERMS]
