"""Bulk upserts that know what they changed.

For one model and one page of rows: read the existing rows in one query, compare, then write the
new and changed rows with ``INSERT ... ON CONFLICT DO UPDATE`` (a statement per few hundred
rows). So a page costs a few queries per model whatever its size, and the counts of created and
updated rows are exact. Two workers writing the same rows converge: the conflict clause turns
the insert of a row another worker created first into an update.

What a run did not see is removed only when it succeeds; ``last_seen_run`` says which rows those
are, kept one of three ways (``Spec.bookkeeping``), so that a run over an unchanged catalog
writes as little as it can:

- ``SEEN``: unchanged rows are marked with the run's id in one ``UPDATE``; the run removes rows
  its id did not reach (market links, relations, reference data: narrow rows, or few).
- ``DOOMED``: unchanged rows are left alone; rows of the products being read that the answer no
  longer lists are marked ``DOOMED`` (0), and the run removes those (items, prices,
  categories). A doomed row that comes back is marked with the run again.
- ``NONE``: unchanged rows are left alone and nothing is removed here (products go when no
  market sells them, texts with their product or language).

The insert is the statement ``bulk_create(update_conflicts=True)`` generates (Django's own
dialect helper writes its conflict clause), built here from plain rows: the ORM's per-value
compilation cost about 100 µs a row, which made our work, not Centra, the slow part of a sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict

Row = dict[str, Any]
Key = tuple[Any, ...]

COUNT_KINDS = ("created", "updated", "deleted")
SEEN, DOOMED_ROWS, NONE = "seen", "doomed", "none"
# ``last_seen_run`` of a row to remove when the run succeeds (runs have ids from 1).
DOOMED = 0
# Values per IN list: under SQLite's default limit of 999 parameters.
_IN_LIST = 900


class Spec:
    """How one model is upserted.

    ``key``: the attnames that identify a row (the primary key or a unique constraint).
    ``fields``: the attnames compared and written. ``owner``: the attname naming the product a
    row belongs to, for change notices (None for reference data). ``also_write``: columns set on
    every write but never compared, with the function giving their value (``auto_now``).
    ``bookkeeping``: ``SEEN``, ``DOOMED_ROWS`` or ``NONE`` (see the module docstring).
    """

    def __init__(
        self,
        model: type[models.Model],
        key: tuple[str, ...],
        fields: tuple[str, ...],
        owner: str | None = "product_id",
        also_write: dict[str, Callable[[], Any]] | None = None,
        bookkeeping: str = SEEN,
    ) -> None:
        self.model = model
        self.key = key
        self.fields = fields
        self.owner = owner
        self.also_write = also_write or {}
        self.bookkeeping = bookkeeping
        opts = model._meta
        self.name = str(opts.model_name)
        self.read = tuple(dict.fromkeys(("pk", "last_seen_run", *key, *fields)))
        self.written = tuple(dict.fromkeys((*key, *fields, *self.also_write, "last_seen_run")))
        self.columns = [_concrete(model, a).column for a in self.written]
        self.key_columns = [_concrete(model, a).column for a in key]
        self.update_columns = [c for c in self.columns if c not in self.key_columns]
        # Values the database driver cannot take as they are (JSON, datetimes, decimals) go
        # through the field, as the ORM would send them.
        self.prepared = [
            (index, field)
            for index, attname in enumerate(self.written)
            if isinstance(
                field := opts.get_field(attname),
                models.JSONField | models.DateTimeField | models.DecimalField,
            )
        ]
        # Text longer than its column would make PostgreSQL refuse the whole page.
        self.limits = {
            a: f.max_length
            for a in fields
            if isinstance(f := opts.get_field(a), models.CharField) and f.max_length
        }

    @property
    def objects(self) -> models.QuerySet[Any]:
        """Every row of the model (as ``model.objects.all()``)."""
        return self.model._default_manager.all()


def _concrete(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(attname)
    assert isinstance(field, models.Field), f"{model.__name__}.{attname} is not a column"
    return field


class Counts:
    """Rows created, updated and deleted per model, as stored on ``SyncRun.counts``."""

    def __init__(self, names: Iterable[str]) -> None:
        self.data: dict[str, dict[str, int]] = {n: dict.fromkeys(COUNT_KINDS, 0) for n in names}

    def add(self, name: str, kind: str, number: int) -> None:
        if number:
            self.data.setdefault(name, dict.fromkeys(COUNT_KINDS, 0))[kind] += number

    def total(self, kind: str) -> int:
        return sum(entry[kind] for entry in self.data.values())

    def changed(self, names: Iterable[str]) -> set[str]:
        return {n for n in names if any(self.data.get(n, {}).values())}

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: dict(entry) for name, entry in self.data.items()}


def existing_rows(spec: Spec, scope: models.QuerySet) -> dict[Key, Row]:
    """The rows ``scope`` selects, by key, with what :func:`upsert` compares."""
    return {tuple(row[a] for a in spec.key): row for row in scope.values(*spec.read)}


def upsert(
    spec: Spec, rows: Iterable[Row], existing: dict[Key, Row], mark: int, counts: Counts
) -> set[int]:
    """Write ``rows`` (``existing`` must hold every current row they may collide with, and for
    ``DOOMED_ROWS`` every current row of the products they belong to) for run ``mark``. A row
    already written by this run or a later one is left alone: it was written from an answer at
    least as fresh. Returns the owners of created or changed rows.
    """
    incoming: dict[Key, Row] = {}
    for row in rows:
        for attname, limit in spec.limits.items():
            value = row.get(attname)
            if isinstance(value, str) and len(value) > limit:
                row[attname] = value[:limit]
        # The last of duplicates wins: one statement must not touch a row twice.
        incoming[tuple(row[a] for a in spec.key)] = row

    write: list[Row] = []
    touch: list[Any] = []
    changed: set[int] = set()
    created = updated = 0
    for key, row in incoming.items():
        old = existing.get(key)
        if old is not None and old["last_seen_run"] >= mark:
            continue
        if old is None:
            created += 1
        elif any(old[a] != row[a] for a in spec.fields):
            updated += 1
        else:
            if spec.bookkeeping == SEEN or old["last_seen_run"] == DOOMED:
                touch.append(old["pk"])
            continue
        write.append(row)
        if spec.owner is not None:
            changed.add(row[spec.owner])

    if write:
        _insert_or_update(spec, write, mark)
    if touch:
        _set_mark(spec, touch, mark)
    if spec.bookkeeping == DOOMED_ROWS:
        gone = [
            old["pk"]
            for key, old in existing.items()
            if key not in incoming and DOOMED < old["last_seen_run"] < mark
        ]
        if gone:
            _set_mark(spec, gone, DOOMED)
    counts.add(spec.name, "created", created)
    counts.add(spec.name, "updated", updated)
    return changed


def _insert_or_update(spec: Spec, rows: list[Row], mark: int) -> None:
    extra = {attname: make() for attname, make in spec.also_write.items()}
    extra["last_seen_run"] = mark
    values = []
    for row in rows:
        merged = row | extra
        line = [merged[a] for a in spec.written]
        for index, field in spec.prepared:
            line[index] = field.get_db_prep_save(line[index], connection)
        values.append(line)
    quote = connection.ops.quote_name
    # Only identifiers from the model's own metadata go into the text; values are parameters.
    table = quote(spec.model._meta.db_table)
    columns = ", ".join(quote(column) for column in spec.columns)
    tail = " " + connection.ops.on_conflict_suffix_sql(
        spec.columns, OnConflict.UPDATE, spec.update_columns, spec.key_columns
    )
    if connection.vendor == "postgresql":
        # One array per column: a short statement whatever the row count, which the driver
        # and the server parse once instead of a placeholder per value.
        arrays = ", ".join(
            f"%b::{_concrete(spec.model, a).db_type(connection)}[]" for a in spec.written
        )
        sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}){tail}"  # noqa: S608
        _execute_bound(sql, [list(column) for column in zip(*values, strict=True)])
        return
    with connection.cursor() as cursor:
        placeholders = "(" + ", ".join(["%s"] * len(spec.columns)) + ")"
        size = max(1, min(1000, connection.ops.bulk_batch_size(spec.columns, values)))
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            listed = ", ".join([placeholders] * len(batch))
            sql = f"INSERT INTO {table} ({columns}) VALUES {listed}{tail}"  # noqa: S608
            cursor.execute(sql, [value for line in batch for value in line])


def _execute_bound(sql: str, params: list[Any]) -> None:
    """Run one statement on PostgreSQL with its parameters sent apart from the text, in
    binary where it says ``%b`` (Django's own cursor renders every value into the text,
    escaping each array element), in the same transaction. Django's wrapper around the cursor
    keeps error translation, query logging and execute wrappers."""
    from psycopg import Cursor  # PostgreSQL only

    connection.ensure_connection()
    raw: Any = Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)


def _set_mark(spec: Spec, pks: list[Any], mark: int) -> None:
    # Plain SQL: the ORM prepares every value of a long IN list one by one.
    quote = connection.ops.quote_name
    opts = spec.model._meta
    head = f"UPDATE {quote(opts.db_table)} SET {quote('last_seen_run')} = %s "  # noqa: S608
    where = f"WHERE {quote(opts.pk.column)}"
    if connection.vendor == "postgresql":
        _execute_bound(f"{head}{where} = ANY(%b)", [mark, pks])
        return
    with connection.cursor() as cursor:
        for start in range(0, len(pks), _IN_LIST):
            chunk = pks[start : start + _IN_LIST]
            cursor.execute(f"{head}{where} IN ({', '.join(['%s'] * len(chunk))})", [mark, *chunk])


def delete(queryset: models.QuerySet, counts: Counts) -> int:
    """Delete and count per model, cascades included."""
    total, per_label = queryset.delete()
    for label, number in per_label.items():
        counts.add(label.rsplit(".", 1)[-1].lower(), "deleted", number)
    return total
