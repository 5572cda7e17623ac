"""What a render leaves behind: WeasyPrint's boxes form reference cycles. A render runs with the
cyclic collector paused, so that ``release_memory`` frees them all by collecting the youngest
generation only instead of walking the whole process heap (docs/performance.md, letters)."""

from __future__ import annotations

import gc
import threading

import pytest
from django.utils import timezone
from weasyprint.formatting_structure.boxes import Box

from documents import letter_data, letters
from documents.models import Letter
from tests.documents.helpers import approved_case


def _boxes(generation: int | None = None) -> int:
    # type(), not isinstance(): the heap holds weak proxies whose referent is gone, and
    # isinstance() would ask them for their __class__ (ReferenceError).
    return sum(1 for thing in gc.get_objects(generation) if issubclass(type(thing), Box))


@pytest.mark.django_db
def test_a_young_collection_after_a_render_frees_all_its_boxes(world):
    letter = Letter.objects.get(application=approved_case(world))
    data = letter_data.letter_input(letter, issued_at=timezone.now())
    html = letters.letter_html(data)
    gc.collect()
    before = _boxes()
    pdf = letters.html_to_pdf(html, data=data)
    assert pdf.startswith(b"%PDF")
    assert gc.isenabled()
    assert _boxes(generation=2) == before  # none of the render's boxes reached the old generation
    letters.release_memory()
    assert _boxes() == before  # and a young collection freed them all


def test_the_collector_resumes_after_a_failed_render_and_after_overlapping_ones():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), letters.collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the render failed")
    assert gc.isenabled()

    inside = threading.Event()
    leave = threading.Event()

    def other_render() -> None:
        with letters.collector_paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_render)
    with letters.collector_paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread still renders
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_a_process_that_turned_the_collector_off_keeps_it_off():
    gc.disable()
    try:
        with letters.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
