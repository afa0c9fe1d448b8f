"""Querysets compiled to SQL once per process, then run with new parameter values.

Only the beacon's counter backends (``rankings.backends``) still use this module, and they
are being rewritten without it: it reaches into Django's compiler and psycopg's cursor
internals (``tests/test_private_api_scan.py`` fails on it), so it goes with that rewrite.
The article page reads through the plain ORM (``articles.selectors.article_for_page``).

Building and compiling a queryset costs Python time on every call: on the
article page it was a fifth of an uncached render, more than running the
query. For a hot query whose *shape* never changes (one article by id, the
"published" subquery of a beacon), ``CompiledQuery`` compiles the queryset
once per database vendor and afterwards only swaps the parameters.

It never freezes the wrong thing: the queryset is built and compiled twice,
from two different sets of marker values, and the compiled form is used only
if the SQL text is identical and every parameter that differs is exactly one
of the markers (adapted for the database, as the ORM adapts it). Anything
else, such as a definition of "published" that one day computes
``now - timedelta(...)``, makes it fall back to building the queryset on
every call, so the result is always what the ORM would have run.

On PostgreSQL a compiled statement is also *prepared* on the server, once per
connection (``prepared_cursor``; ``PREPARED_STATEMENTS`` setting), so it is
not parsed and planned again on every call, and a read does not pay Django's
per-request ``SELECT 1`` health check: an open connection is trusted, and a
read that finds it dead runs again on a new one (``run_on_live_connection``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.models import Model, QuerySet

try:
    import psycopg
except ImportError:  # psycopg2, or no PostgreSQL driver at all: no prepared statements
    psycopg = None

logger = logging.getLogger(__name__)

_CONSTANT = object()

# Marker values for ``CompiledQuery``: ids and times no real row or request has, two of each.
MARKER_IDS = (918273645546372, 819283746557463)
MARKER_TIMES = (datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), datetime(2002, 3, 4, 5, 6, 7, 890123, tzinfo=UTC))


class _Compiled:
    """The compiled SQL of one vendor: text, where each marker's value goes, and the model's columns."""

    def __init__(self, sql: str, slots: list[tuple[Any, Any]], model: type[Model], columns: list[str] | None):
        self.sql, self.slots, self.model, self.columns = sql, slots, model, columns


class CompiledQuery:
    """``build(**values)``'s SQL compiled once, its parameters filled in per call.

    ``markers`` are two different sets of example values for ``build``'s
    keyword arguments; every value must be an int, a str or an aware datetime.
    """

    def __init__(self, build: Callable[..., QuerySet], *, markers: tuple[dict, dict]):
        first, second = markers
        if first.keys() != second.keys() or any(first[name] == second[name] for name in first):
            raise ValueError("CompiledQuery needs two sets of markers, every value different")
        self.build = build
        self.markers = markers
        self._by_vendor: dict[str, _Compiled | None] = {}

    def _compile(self, using: str) -> _Compiled | None:
        connection = connections[using]
        compiled = []
        for values in self.markers:
            compiler = self.build(**values).query.get_compiler(using)
            sql, params = compiler.as_sql()
            compiled.append((compiler, sql, list(params)))
        (compiler, sql, params_a), (_, sql_b, params_b) = compiled
        if sql != sql_b or len(params_a) != len(params_b):
            return None
        first = self.markers[0]
        adapted = [{name: _adapt(connection, value) for name, value in marker.items()} for marker in self.markers]
        slots: list[tuple[Any, Any]] = []
        for value_a, value_b in zip(params_a, params_b, strict=True):
            if value_a == value_b:
                slots.append((_CONSTANT, value_a))
                continue
            names = [name for name in first if adapted[0][name] == value_a and adapted[1][name] == value_b]
            if len(names) != 1:
                return None
            slots.append((names[0], None))
        if {name for name, _ in slots} - {_CONSTANT} != set(first):
            return None  # a marker that never reached the SQL: the values do not decide the query
        return _Compiled(sql, slots, compiler.query.model, _model_columns(compiler))

    def _compiled(self, using: str) -> _Compiled | None:
        vendor = connections[using].vendor
        if vendor not in self._by_vendor:
            self._by_vendor[vendor] = self._compile(using)
        return self._by_vendor[vendor]

    def sql_with_params(self, *, using: str = "default", **values) -> tuple[str, list]:
        """The SQL and parameters of ``build(**values)``, as the ORM would compile them for ``using``."""
        compiled = self._compiled(using)
        if compiled is None:
            sql, params = self.build(**values).query.get_compiler(using).as_sql()
            return sql, list(params)
        connection = connections[using]
        params = [value if name is _CONSTANT else _adapt(connection, values[name]) for name, value in compiled.slots]
        return compiled.sql, params

    def first(self, *, using: str = "default", **values) -> Model | None:
        """The first instance ``build(**values)`` selects, None if none; for querysets of whole model rows.

        Runs the compiled SQL (prepared on PostgreSQL, ``prepared_cursor``) and
        builds the instance as the ORM does (``Model.from_db`` with the
        backend's converters), without building or compiling a queryset.
        """
        compiled = self._compiled(using)
        if compiled is None or compiled.columns is None:
            return next(iter(self.build(**values).using(using)), None)
        sql, params = self.sql_with_params(using=using, **values)
        connection = connections[using]

        def fetch():
            with prepared_cursor(connection) as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()

        row = run_on_live_connection(connection, fetch)
        if row is None:
            return None
        converters = _converters(connection, compiled.model, compiled.columns)
        if converters:
            row = list(row)
            for index, convert in converters:
                row[index] = convert(row[index])
        return compiled.model.from_db(using, compiled.columns, row)


def _adapt(connection, value):
    # The ORM adapts datetimes for the database (SQLite: naive UTC text); ints and strs go as they are.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _model_columns(compiler) -> list[str] | None:
    """The model field names of the compiled SELECT, in order; None unless it selects one model's own columns."""
    klass_info = compiler.klass_info
    if not klass_info or klass_info.get("related_klass_infos") or compiler.annotation_col_map:
        return None
    select_fields = klass_info["select_fields"]
    if len(select_fields) != len(compiler.select) or select_fields != list(range(len(select_fields))):
        return None
    return [column.target.attname for column, _sql, _alias in compiler.select]


def _converters(connection, model, columns: list[str]) -> list[tuple[int, Callable]]:
    """The backend's and the fields' converters for each column, as the ORM applies them when reading rows."""
    cache = connection.__dict__.setdefault("_newsroom_compiled_converters", {})
    key = (model, tuple(columns))
    found = cache.get(key)
    if found is None:
        found = []
        for index, name in enumerate(columns):
            field = model._meta.get_field(name)
            expression = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            for function in functions:
                found.append((index, _bind(function, expression, connection)))
        cache[key] = found
    return found


def _bind(function, expression, connection) -> Callable:
    return lambda value: function(value, expression, connection)


# --- Prepared statements and health checks (PostgreSQL) ---------------------------------------

if psycopg is not None:

    class _PreparingCursor(psycopg.Cursor):
        """A server-binding psycopg cursor that prepares its statement on the server (once per connection).

        Django's own cursors bind parameters on the client, so PostgreSQL parses
        and plans a statement again on every call: most of a small statement's
        server time. Prepared, later calls only bind and execute.
        """

        def execute(self, query, params=None, *, prepare=None, binary=None):
            super().execute(query, params, prepare=True, binary=binary)
            # A prepared execution records no query text, and Django's query log
            # (``last_executed_query``) reads it from here.
            self._query = _QueryText(self.connection, query, params)
            return self

    class _QueryText:
        """A statement with its parameters inlined, composed only when read (by Django's query log)."""

        def __init__(self, conn, sql: str, params):
            self._conn, self._sql, self._params = conn, sql, params

        @property
        def query(self) -> bytes:
            return psycopg.ClientCursor(self._conn).mogrify(self._sql, self._params).encode()


# psycopg prepares nothing while a connection's ``prepare_threshold`` is None (Django's
# default, for connection poolers). This threshold is never reached by counting, so
# only cursors asking for it (``prepare=True``) prepare anything.
_PREPARE_ONLY_WHEN_ASKED = sys.maxsize


def prepared_statements_enabled(db) -> bool:
    """Whether ``db`` prepares compiled statements: PostgreSQL on psycopg 3 with ``PREPARED_STATEMENTS`` on."""
    return psycopg is not None and db.vendor == "postgresql" and getattr(settings, "PREPARED_STATEMENTS", True)


def prepared_cursor(db):
    """A Django cursor of ``db`` (logged, errors wrapped like any other), preparing its statements if enabled.

    Only for statements whose text is always the same (compiled ones): each
    distinct text is a prepared statement kept by the connection. Elsewhere
    (SQLite, psycopg2, the setting off) it is ``db.cursor()``.
    """
    if not prepared_statements_enabled(db):
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if not isinstance(raw, psycopg.Connection):
        return db.cursor()
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _PREPARE_ONLY_WHEN_ASKED
    with db.wrap_database_errors:
        db.validate_thread_sharing()
        cursor = _PreparingCursor(raw)
        return db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)


def connection_dead(db) -> bool:
    """True when ``db``'s connection is gone (closed, or broken by the failure just raised)."""
    raw = db.connection
    return raw is None or bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))


def run_on_live_connection(db, run: Callable[[], Any]):
    """``run()`` without Django's per-request health check, run again once if the connection was dead.

    With ``CONN_HEALTH_CHECKS`` Django checks a reused connection with a round
    trip (``SELECT 1``) before its first statement in each request: as much
    time as a small statement itself. Instead, an open connection is trusted,
    and when it turns out to be dead (the server restarted, a proxy dropped it)
    it is closed and ``run`` is called again on a new one. So ``run`` must be
    safe to run twice: a read, or a write whose second run is harmless. Inside
    a transaction nothing is retried and Django's own check applies.
    """
    if db.in_atomic_block or db.vendor != "postgresql":
        return run()
    reused = db.connection is not None
    if reused:
        db.health_check_done = True
    try:
        return run()
    except (OperationalError, InterfaceError):
        if not (reused and connection_dead(db)):
            raise
        logger.warning("The database connection was dead; running the statement again on a new one")
        db.close()
        return run()
