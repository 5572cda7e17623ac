"""One deadline sweep: deemed confirmations, supplement and consultation lapses, expiries, agenda
flags and expiry reminders (see ``applications/deadlines.py``). Idempotent; safe under cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from applications import deadlines


class ProgressBar:
    """A one-line bar redrawn in place, only when the output is a terminal."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream, self.width, self.drawn = stream, width, False
        self.last_percent = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self.last_percent and done != total:
            return  # redraw at most once per percent: a 100k-item sweep stays cheap to watch
        self.last_percent = percent
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("")


class Command(BaseCommand):
    help = (
        "Run the deadline sweep once: act on every deadline that has passed (each item in its "
        "own transaction, or set-based chunks of one rule in a large sweep; running it twice "
        "does nothing more)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be done; change nothing."
        )
        parser.add_argument(
            "--rule",
            action="append",
            choices=sorted(deadlines.RULE_BY_NAME),
            help="Only this rule (repeatable). Default: every rule.",
        )
        parser.add_argument(
            "--no-lock",
            action="store_true",
            help=(
                "Do not take the one-sweep-at-a-time lock (row locks still prevent any double "
                "action; for tests and diagnostics)."
            ),
        )

        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            "--set-based",
            dest="set_based",
            action="store_const",
            const=True,
            help="Work the rules that have a batch action set-based even for a small sweep.",
        )
        how.add_argument(
            "--one-by-one",
            dest="set_based",
            action="store_const",
            const=False,
            help="Work every item on its own even in a large sweep (the per-item path).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rules = [deadlines.RULE_BY_NAME[name] for name in options["rule"] or []] or list(
            deadlines.RULES
        )
        now = timezone.now()
        if options["dry_run"]:
            self._dry_run(rules, now)
            return
        if options["no_lock"]:
            self._sweep(rules, options["set_based"])
            return
        with deadlines.sweep_lock() as acquired:
            if not acquired:
                self.stdout.write("Another deadline sweep is running; nothing done.")
                return
            self._sweep(rules, options["set_based"])

    def _dry_run(self, rules: list[deadlines.Rule], now: Any) -> None:
        items = deadlines.plan(now=now, rules=rules)
        for item in items:
            self.stdout.write(f"would act: {item.label} {item.why}")
        self.stdout.write(f"Dry run: {len(items)} item(s) due; nothing changed.")

    def _sweep(self, rules: list[deadlines.Rule], set_based: bool | None = None) -> None:
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        bar = ProgressBar(self.stdout) if tty else None
        result = deadlines.sweep(rules=rules, progress=bar, set_based=set_based)
        if bar is not None:
            bar.close()
        for rule in rules:
            done, skipped = result.done[rule.name], result.skipped[rule.name]
            if done or skipped:
                line = f"  {rule.name:<24} {done:>6} done"
                if skipped:
                    line += f", {skipped} skipped (done or in progress elsewhere)"
                self.stdout.write(line)
        for name, pk, error in result.failed:
            self.stderr.write(f"  FAILED {name} #{pk}: {error}")
        rate = result.total / result.seconds if result.seconds > 0 else 0.0
        self.stdout.write(
            f"Deadline sweep: {result.total} action(s), {sum(result.skipped.values())} "
            f"skipped, {len(result.failed)} failed in {result.seconds:.2f} s "
            f"({rate:.0f} items/s)."
        )
        if result.failed:
            raise CommandError(f"{len(result.failed)} item(s) failed; see above.")
