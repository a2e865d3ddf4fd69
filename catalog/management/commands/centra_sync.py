"""``manage.py centra_sync``: copy Centra's catalog into the local database.

centra_sync                         full sync (progress bar on a terminal, summary line)
centra_sync --products 101 102      partial sync of those products
centra_sync --status [--limit N]    the last runs, as a table
centra_sync --async ...             enqueue the Celery task instead of running here
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from catalog import sync
from catalog.models import SyncRun
from catalog.sync import COUNT_LABELS, SyncProgress
from catalog.tasks import full_sync_task, sync_products_task

TRIGGER = SyncRun.Trigger.COMMAND.value
NOTE_WIDTH = 60


class Command(BaseCommand):
    help = "Copy Centra's catalog into the local database (full or partial), or show past runs."

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--products",
            nargs="+",
            type=int,
            metavar="ID",
            help="Sync only these products, in every market and language.",
        )
        what.add_argument("--status", action="store_true", help="Show the last runs and exit.")
        parser.add_argument(
            "--limit", type=int, default=10, help="How many runs --status shows (default 10)."
        )
        parser.add_argument(
            "--page-size",
            type=int,
            default=None,
            help="Products per call in a full sync (default: CATALOG_SYNC_PAGE_SIZE).",
        )
        parser.add_argument(
            "--async",
            action="store_true",
            dest="run_async",
            help="Enqueue the Celery task instead of syncing in this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self.stdout.write(status_table(sync.last_runs(options["limit"])))
            return
        products = options["products"]
        with _quiet_logs(options["verbosity"]):
            if options["run_async"]:
                self._enqueue(products)
                return
            if products:
                run = sync.sync_products(products, trigger=TRIGGER)
            else:
                with _ProgressBar(self.stderr) as bar:
                    run = sync.full_sync(
                        trigger=TRIGGER, page_size=options["page_size"], progress=bar
                    )
        self._report(run)

    def _enqueue(self, products: list[int] | None) -> None:
        if products:
            result = sync_products_task.delay(products, trigger=TRIGGER)
        else:
            result = full_sync_task.delay(trigger=TRIGGER)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(f"Enqueued as Celery task {result.id}.")
            return
        # Without a broker Celery runs the task right here.
        self._report(SyncRun.objects.get(pk=result.get()["run"]))

    def _report(self, run: SyncRun) -> None:
        self.stdout.write(summary_line(run))
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(f"{run.kind} sync #{run.pk} failed: {run.error}")
        if unknown := sync.unknown_products(run):
            # Centra answers a filter by ids with the products it has: the rest are unknown to
            # it (or in none of its markets), often a mistyped id.
            ids = ", ".join(str(pid) for pid in unknown)
            self.stderr.write(
                self.style.WARNING(f"Centra does not know product {ids} (in none of its markets).")
            )


# -- output ---------------------------------------------------------------------------------------


def summary_line(run: SyncRun) -> str:
    """One line: outcome, duration, calls, totals, then the non-zero counts per model."""
    head = f"{run.kind.capitalize()} sync #{run.pk} {run.status}"
    if run.status == SyncRun.Status.SKIPPED:
        return f"{head}: {run.notes}"
    totals = {kind: sum(c.get(kind, 0) for c in run.counts.values()) for kind in _KINDS}
    line = f"{head} in {run.duration or 0:.1f} s, {run.calls} calls: " + ", ".join(
        f"{n} {kind}" for kind, n in totals.items()
    )
    details = []
    for name, label in COUNT_LABELS.items():
        entry = run.counts.get(name, {})
        signed = [f"{sign}{entry[k]}" for k, sign in _SIGNS.items() if entry.get(k)]
        if signed:
            details.append(f"{label} {' '.join(signed)}")
    if details:
        line += f" ({', '.join(details)})"
    if run.notes:
        line += f"; {run.notes}"
    if run.error:
        line += f"; error: {run.error}"
    return line


_KINDS = ("created", "updated", "deleted")
_SIGNS = {"created": "+", "updated": "~", "deleted": "-"}


def status_table(runs: list[SyncRun]) -> str:
    if not runs:
        return "No sync has run yet."
    header = ("#", "kind", "trigger", "status", "started", "duration", "calls", *_KINDS, "note")
    rows: list[tuple[str, ...]] = [header]
    for run in runs:
        totals = [str(sum(c.get(kind, 0) for c in run.counts.values())) for kind in _KINDS]
        note = (run.error or run.notes).replace("\n", " ")
        if len(note) > NOTE_WIDTH:
            note = note[: NOTE_WIDTH - 1] + "…"
        rows.append(
            (
                str(run.pk),
                run.kind,
                run.trigger,
                run.status,
                timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                f"{run.duration:.1f} s" if run.duration is not None else "-",
                str(run.calls),
                *totals,
                note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


class _ProgressBar:
    """A tqdm bar over products read, on a terminal only. The total is an estimate: each pass
    (market x language) tells its size when its first page arrives."""

    def __init__(self, stream: Any) -> None:
        # The raw stream: Django's OutputWrapper adds a newline to every write, which would
        # break the bar's carriage returns.
        raw = getattr(stream, "_out", stream)
        # A redraw per page (pages are never that close together), the last one included.
        self.bar = tqdm(
            total=0,
            unit=" products",
            file=raw,
            disable=not raw.isatty(),
            leave=False,
            mininterval=0,
            miniters=1,
        )
        self.pass_totals: dict[int, int] = {}
        self.fetched: dict[int, int] = {}

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def __call__(self, event: SyncProgress) -> None:
        self.pass_totals[event.pass_number] = event.total
        unknown = event.passes - len(self.pass_totals)
        self.bar.total = sum(self.pass_totals.values()) + unknown * event.total
        self.bar.set_description(f"market {event.market} {event.language}", refresh=False)
        self.bar.update(event.fetched - self.fetched.get(event.pass_number, 0))
        self.fetched[event.pass_number] = event.fetched


@contextmanager
def _quiet_logs(verbosity: int) -> Iterator[None]:
    """A log line per Centra call, and the sync's own line repeating the summary, drown the
    bar and the summary; -v 2 shows them. Warnings (retries, failures) still show."""
    loggers = [logging.getLogger(name) for name in ("centra.client", "catalog.sync")]
    previous = [logger.level for logger in loggers]
    if verbosity < 2:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, previous, strict=True):
            logger.setLevel(level)
