"""Benchmark: issuing decision letters.

    python -m tests.pgcluster -- python -m tests.benchmarks.bench_letters   (make bench-letters)

Issues ``LETTERS_N`` letters (default 100) one after another in this process, as a worker does:
render (WeasyPrint, PDF/A-3b + embedded JSON) → PAdES seal (pyHanko) → store → audit event
(its after-commit effects queued as tasks, as in production).
Right after every ``LETTERS_BARE_EVERY``-th letter (default 4) is issued, its HTML is rendered
by bare WeasyPrint — default options, and default options with the worker's shared font
configuration — the baselines. Each baseline sample is thus taken within a second of an issue:
on shared cores the machine's speed moves from one minute to the next, and a baseline measured
after the whole loop gave ratios from 0.81 to 1.44 for the same code. The bare renders run in
a child process forked after the warm-up (the same libraries, warm), which renders while this
one waits: bare WeasyPrint with default options keeps memory this process's figures must not
count (its resident memory, printed after the warm-up and after every 25% of the letters, says
whether issuing leaks). Prints the median ms of each and the ratios.
``LETTERS_PROFILE=1`` profiles the issuing loop (cProfile; ``LETTERS_PROFILE_SORT``,
``LETTERS_PROFILE_LINES``, ``LETTERS_PROFILE_MATCH`` choose what it prints).
Needs ``DATABASE_URL`` (PostgreSQL from ``tests.pgcluster``); creates its own schema.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.common import rss_mib


def bare_renderer(pipe: Any) -> None:
    """The child's loop: for each letter's HTML, the bare render's milliseconds with default
    options and with the shared font configuration; ends on ``None``."""
    from documents import letters

    while (html := pipe.recv()) is not None:
        timings = []
        for shared_fonts in (False, True):
            start = time.perf_counter()
            letters.bare_render(html, shared_fonts=shared_fonts)
            timings.append((time.perf_counter() - start) * 1000)
            letters.release_memory()
        pipe.send(tuple(timings))


def main() -> int:
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is not set: run through `python -m tests.pgcluster --`.")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    os.environ["SANDBOX_VAR_DIR"] = str(work)
    os.environ["PRIVATE_STORAGE_ROOT"] = str(work / "private")
    os.environ["LOG_LEVEL"] = "WARNING"
    # As production: effects after the commit (the applicant's notification email, webhook
    # deliveries) are queued as tasks for other workers, not sent inside the issue.
    os.environ["TASKS_BACKEND"] = "database"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    # As a production worker runs: DEBUG off (with DEBUG on Django keeps every SQL query).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LETTER_LOOPBACK_OK", "1")  # letters on loopback: a trial run
    os.environ.setdefault("SECRET_KEY", "bench-letters-" + os.urandom(16).hex())
    n = int(os.environ.get("LETTERS_N", "100"))
    bare_every = max(1, int(os.environ.get("LETTERS_BARE_EVERY", "4")))
    warmup = 3

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from documents import letter_data, letters
    from documents.issuing import letter_issue
    from documents.models import Letter
    from documents.services import _new_letter
    from tests.builders import build_world
    from tests.documents.helpers import approved_case

    world = build_world()
    app = approved_case(world)
    decision = app.decisions.get(kind="approval")
    with transaction.atomic():
        for _ in range(n + warmup - 1):  # the approval already made one pending letter
            _new_letter(app=app, decision=decision, kind="approval")
    pending = list(
        Letter.objects.filter(application=app).order_by("id").values_list("pk", flat=True)
    )

    profile = cProfile.Profile() if os.environ.get("LETTERS_PROFILE") else None
    for pk in pending[:warmup]:
        letter_issue(letter=Letter.objects.get(pk=pk))
    rss_marks: list[tuple[int, float]] = [(0, rss_mib())]
    # The baselines' process: forked now, warm, and rendering only while this one waits.
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    renderer = context.Process(target=bare_renderer, args=(theirs,), daemon=True)
    renderer.start()
    issue_ms: list[float] = []
    bare_ms: list[float] = []
    shared_ms: list[float] = []
    for done, pk in enumerate(pending[warmup:], start=1):  # the worker: issuing
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        letter_issue(letter=Letter.objects.get(pk=pk))
        if profile is not None:
            profile.disable()
        issue_ms.append((time.perf_counter() - start) * 1000)
        if (done - 1) % bare_every == 0:  # the same letter's HTML, bare, at once
            data = letter_data.letter_input(Letter.objects.get(pk=pk), issued_at=timezone.now())
            ours.send(letters.letter_html(data))
            bare, shared = ours.recv()
            bare_ms.append(bare)
            shared_ms.append(shared)
        if done % max(1, n // 4) == 0 or done == n:
            rss_marks.append((done, rss_mib()))
            print(f"  {done:>5} letters issued, RSS {rss_marks[-1][1]:.1f} MiB", flush=True)

    ours.send(None)
    renderer.join()
    if profile is not None:  # LETTERS_PROFILE=1: where the issuing time goes
        stats = pstats.Stats(profile)
        stats.sort_stats(os.environ.get("LETTERS_PROFILE_SORT", "cumulative"))
        restrictions: list[str | int] = [int(os.environ.get("LETTERS_PROFILE_LINES", "45"))]
        if os.environ.get("LETTERS_PROFILE_MATCH"):  # e.g. "pyhanko|signing"
            restrictions.insert(0, os.environ["LETTERS_PROFILE_MATCH"])
        stats.print_stats(*restrictions)
    issue = statistics.median(issue_ms)
    bare = statistics.median(bare_ms)
    shared = statistics.median(shared_ms)
    first_rss, last_rss = rss_marks[0][1], rss_marks[-1][1]
    print()
    print(f"letters issued:                     {len(issue_ms)} (after {warmup} warm-up)")
    print(f"median issue (render+seal+store):   {issue:8.1f} ms")
    print(f"median bare WeasyPrint, same HTML:  {bare:8.1f} ms   ({len(bare_ms)} samples)")
    print(f"median bare, shared font config:    {shared:8.1f} ms")
    print(f"ratio issue / bare render:          {issue / bare:8.2f}")
    print(f"ratio issue / bare, shared fonts:   {issue / shared:8.2f}")
    print(f"p90 issue:                          {statistics.quantiles(issue_ms, n=10)[-1]:8.1f} ms")
    print(f"RSS after warm-up:                  {first_rss:8.1f} MiB")
    print(
        f"RSS after {len(issue_ms)} letters:{' ' * max(0, 17 - len(str(len(issue_ms))))}{last_rss:8.1f} MiB"
    )
    print(f"RSS growth / warm-up:               {last_rss / first_rss:8.2f}")
    from tests.benchmarks.common import Figure, emit

    emit(
        [
            Figure(
                "letters",
                "issue (render + seal + store), median",
                issue,
                "ms",
                "bare WeasyPrint render",
                bare,
                goal="ratio <= 1.3",
            ),
            Figure("letters", "issue, median", issue, "ms", "bare render, shared fonts", shared),
            Figure(
                "letters",
                f"worker RSS after {len(issue_ms)} letters",
                last_rss,
                "MiB",
                "RSS after warm-up",
                first_rss,
            ),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
