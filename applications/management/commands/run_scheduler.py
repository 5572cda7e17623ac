"""Run the deadline sweep every few minutes until stopped (``make run`` starts it); each tick
then runs the jobs other apps registered (``deadlines.register_tick_job``: the documents app
issues letters whose task was lost, older than ``LETTER_STUCK_AFTER`` seconds).

Each tick takes the one-sweep-at-a-time lock (``deadlines.sweep_lock``): with two schedulers, or a
scheduler and a cron job, only one sweeps at a time and the others wait for the next tick. SIGTERM
or Ctrl-C stops it between two items; an item in flight is rolled back and redone next time.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from applications import deadlines


class Stopped(Exception):
    """Raised between two items when the scheduler was asked to stop."""


class Command(BaseCommand):
    help = (
        "Run the deadline sweep every SANDBOX_SWEEP_INTERVAL seconds (default 300) until "
        "stopped; only one sweep runs at a time across all schedulers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between sweeps (default: SANDBOX_SWEEP_INTERVAL, 300).",
        )
        parser.add_argument(
            "--iterations",
            type=int,
            default=0,
            help="Stop after this many ticks (default 0: run until stopped).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval is None:
            interval = float(settings.SWEEP_INTERVAL)
        stop = threading.Event()
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():

            def request_stop(signum: int, frame: FrameType | None) -> None:
                stop.set()

            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, request_stop)
        self.stdout.write(f"Deadline scheduler: a sweep every {interval:g} s (Ctrl-C stops).")
        ticks = 0
        try:
            while not stop.is_set():
                self.tick(stop)
                ticks += 1
                if options["iterations"] and ticks >= options["iterations"]:
                    break
                stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Deadline scheduler stopped.")

    def run_jobs(self, stamp: str) -> None:
        for job in deadlines.TICK_JOBS:
            line = job.run()
            if line:
                self.stdout.write(f"{stamp} {line}")

    def tick(self, stop: threading.Event) -> None:
        def check(done: int, total: int) -> None:
            if stop.is_set():
                raise Stopped

        stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC")
        try:
            with deadlines.sweep_lock() as acquired:
                if not acquired:
                    self.stdout.write(f"{stamp} another deadline sweep is running; skipped.")
                    return
                result = deadlines.sweep(progress=check)
            line = ", ".join(f"{name} {count}" for name, count in sorted(result.done.items()))
            self.stdout.write(
                f"{stamp} sweep: {result.total} action(s){': ' + line if line else ''}, "
                f"{len(result.failed)} failed, {result.seconds:.2f} s"
            )
            for name, pk, error in result.failed:
                self.stderr.write(f"{stamp} FAILED {name} #{pk}: {error}")
            self.run_jobs(stamp)
        except Stopped:
            self.stdout.write(
                f"{stamp} stopping in the middle of a sweep; the rest runs next time."
            )
        except Exception as error:  # the database may be restarting: try again next tick
            self.stderr.write(f"{stamp} sweep failed: {type(error).__name__}: {error}")
        finally:
            if not connection.in_atomic_block:  # a fresh connection each tick
                connection.close()
