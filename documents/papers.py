"""Papers that are not decision letters: a template and its data rendered with the letters'
machinery (WeasyPrint through the static-only fetcher, the same fonts, PDF/A-3b with a JSON
record attached) and sealed with the authority's key. Pure: nothing here touches the database;
``documents.services.paper_issue`` stores the result.

An app above ``documents`` (``committees``: agenda papers, minutes) brings its own template and
data; ``documents`` knows nothing of what the paper is about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PaperSpec:
    """What to render: a template under an app's ``templates/`` and its context, and the
    machine-readable record embedded in the PDF."""

    reference: str  # unique, e.g. "ICT-C1-M3-agenda"
    kind: str  # what the asking app calls it, e.g. "committee_agenda"
    title: str
    language: str
    template: str
    context: dict[str, Any]
    record: dict[str, Any] = field(default_factory=dict)
    location: str = ""  # where it is sealed (the authority), printed in the signature

    @property
    def record_json(self) -> bytes:
        return json.dumps(self.record, ensure_ascii=False, sort_keys=True, indent=2).encode()


def paper_render(spec: PaperSpec) -> bytes:
    """The sealed PDF for ``spec``. Takes a second or more: callers run it before the
    transaction that stores it, so no lock is held while WeasyPrint works."""
    # Imported here, not at the top (as in ``issuing``): WeasyPrint and pyHanko take a second
    # to load, and web processes that never render should start without them.
    from documents import letters, signing

    try:
        pdf = letters.render_paper(
            spec.template,
            spec.context,
            record_json=spec.record_json,
            record_name=f"{spec.kind}.json",
        )
    finally:
        letters.release_memory()
    return signing.seal(pdf, reason=f"{spec.reference} {spec.title}", location=spec.location)


def paper_render_unsealed(spec: PaperSpec) -> bytes:
    """The PDF for ``spec`` without a seal: for papers made afresh on every download from
    recorded facts (an applicant's receipt), which are no act of the authority and whose bytes
    change with the date they are printed. Pure."""
    from documents import letters  # WeasyPrint loads only where papers are rendered (above)

    try:
        return letters.render_paper(
            spec.template,
            spec.context,
            record_json=spec.record_json,
            record_name=f"{spec.kind}.json",
        )
    finally:
        letters.release_memory()
