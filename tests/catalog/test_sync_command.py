"""``manage.py centra_sync``: the summary line, the progress bar, --products, --status,
--async, and a clear failure."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Product, SyncRun
from catalog.sync_tables import COUNT_LABELS
from centra_sandbox import DEFAULT_SHARED_SECRET, Sandbox
from tests.catalog import upstream

pytestmark = pytest.mark.django_db


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("centra_sync", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def _created_details(expected: dict[str, int]) -> str:
    return ", ".join(f"{label} +{expected[name]}" for name, label in COUNT_LABELS.items())


def test_full_sync_prints_one_summary_line(centra_sandbox: Sandbox) -> None:
    expected = upstream.counts(centra_sandbox.store)
    calls = upstream.reference_calls(centra_sandbox.store) + upstream.product_pages(
        centra_sandbox.store, 200
    )
    stderr = io.StringIO()

    output = _run(stderr=stderr)

    run = SyncRun.objects.get()
    assert re.fullmatch(
        re.escape(f"Full sync #{run.pk} succeeded in ")
        + r"\d+\.\d s"
        + re.escape(
            f", {calls} calls: {sum(expected.values())} created, 0 updated, 0 deleted "
            f"({_created_details(expected)})\n"
        ),
        output,
    ), output
    assert run.trigger == SyncRun.Trigger.COMMAND
    # Not a terminal: no progress bar.
    assert stderr.getvalue() == ""


def test_a_second_run_summary_says_nothing_changed(centra_sandbox: Sandbox) -> None:
    _run()

    output = _run()

    assert re.fullmatch(
        r"Full sync #\d+ succeeded in \d+\.\d s, 18 calls: 0 created, 0 updated, 0 deleted\n",
        output,
    ), output


def test_a_terminal_gets_a_progress_bar(centra_sandbox: Sandbox) -> None:
    terminal = _Terminal()

    _run("--page-size", "20", stderr=terminal)

    bar = terminal.getvalue()
    assert "market 1 en" in bar
    assert "market 3 sv" in bar
    # The bar ends at the products read over every market x language.
    total = sum(upstream.products_per_market(centra_sandbox.store).values()) * 3
    assert f"{total}/{total}" in bar


def test_products_option_runs_a_partial_sync(centra_sandbox: Sandbox) -> None:
    _run()

    output = _run("--products", "101", "102")

    run = SyncRun.objects.filter(kind=SyncRun.Kind.PARTIAL).get()
    assert run.product_ids == [101, 102]
    assert re.fullmatch(
        rf"Partial sync #{run.pk} succeeded in \d+\.\d s, 9 calls: "
        r"0 created, 0 updated, 0 deleted\n",
        output,
    ), output


def test_products_option_reports_ids_centra_does_not_know(centra_sandbox: Sandbox) -> None:
    _run()
    errors = io.StringIO()

    output = _run("--products", "101", "99999", "99998", stderr=errors)

    run = SyncRun.objects.filter(kind=SyncRun.Kind.PARTIAL).get()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.notes == "not in Centra (in no market): 99998, 99999"
    assert output.endswith("; not in Centra (in no market): 99998, 99999\n"), output
    assert errors.getvalue() == (
        "Centra does not know product 99998, 99999 (in none of its markets).\n"
    )
    # The known product was read as usual.
    assert Product.objects.filter(pk=101).exists()


def test_products_option_says_nothing_more_when_centra_knows_every_id(
    centra_sandbox: Sandbox,
) -> None:
    _run()
    errors = io.StringIO()

    _run("--products", "101", "102", stderr=errors)

    assert errors.getvalue() == ""
    assert SyncRun.objects.filter(kind=SyncRun.Kind.PARTIAL).get().notes == ""


def test_a_product_gone_from_centra_is_reported_and_removed(centra_sandbox: Sandbox) -> None:
    _run()
    centra_sandbox.store.db.execute("DELETE FROM product_markets WHERE product_id = 101")
    errors = io.StringIO()

    _run("--products", "101", stderr=errors)

    assert "Centra does not know product 101" in errors.getvalue()
    assert not Product.objects.filter(pk=101).exists()


def test_status_lists_the_last_runs(centra_sandbox: Sandbox) -> None:
    assert _run("--status") == "No sync has run yet.\n"
    _run()
    _run("--products", "101")
    centra_sandbox.faults.errors.append(
        {"route": "*", "status": 400, "retry_after": None, "remaining": 1}
    )
    with pytest.raises(CommandError):
        _run()
    full, partial, failed = SyncRun.objects.order_by("pk")
    created = sum(upstream.counts(centra_sandbox.store).values())

    lines = _run("--status", "--limit", "5").splitlines()

    header = ["#", "kind", "trigger", "status", "started", "duration", "calls"]
    totals = ["created", "updated", "deleted", "note"]
    note = failed.error[:59] + "…"
    assert [line.split() for line in lines] == [
        [*header, *totals],
        _row(failed, "1", "0", "0", "0", *note.split()),
        _row(partial, "9", "0", "0", "0"),
        _row(full, "18", str(created), "0", "0"),
    ]
    assert len(_run("--status", "--limit", "1").splitlines()) == 2


def _row(run: SyncRun, *rest: str) -> list[str]:
    started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
    took = f"{run.duration:.1f} s"
    return [str(run.pk), run.kind, run.trigger, run.status, *started.split(), *took.split(), *rest]


def test_a_failed_run_exits_non_zero_with_its_error(centra_sandbox: Sandbox) -> None:
    centra_sandbox.faults.errors.append(
        {"route": "POST products", "status": 500, "retry_after": None, "remaining": None}
    )
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("centra_sync", stdout=out, stderr=io.StringIO())

    run = SyncRun.objects.get()
    error = (
        "market 1, language en, page 1: CentraUnavailable: "
        "Centra answered 500 to POST products: fault: injected"
    )
    assert run.error == error
    assert str(raised.value) == f"full sync #{run.pk} failed: {error}"
    assert out.getvalue().startswith(f"Full sync #{run.pk} failed in ")
    assert out.getvalue().endswith(f"; error: {error}\n")
    assert DEFAULT_SHARED_SECRET not in out.getvalue() + str(raised.value)


def test_async_runs_in_process_without_a_broker(centra_sandbox: Sandbox) -> None:
    output = _run("--async")

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert output.startswith(f"Full sync #{run.pk} succeeded in ")


def test_products_and_status_do_not_mix() -> None:
    with pytest.raises(CommandError, match="not allowed with argument"):
        _run("--status", "--products", "101")
