"""The range of dates the newsroom accepts, and reading and showing any stored date without raising.

**The range** (``DATETIME_MIN`` .. ``DATETIME_MAX``, both inclusive): from 1900-01-01 00:00
to 2199-12-31 23:59:59.999999 newsroom time (Asia/Tokyo, +09:00 all through it). An archive
older than 1900 or a schedule past 2199 is a typo. Every value in it is held, in every time
zone, by Python's ``datetime`` (years 1..9999), SQLite, PostgreSQL and psycopg, so nothing
in the range can overflow a conversion, a cache lifetime or a ``date_trunc``.

Every date an editor or an import gives is checked against it: ``BoundedDateTimeField``
(the model fields' validator, hence the admin forms), ``datetime_range_validate`` (the
importer, services and plain forms). Dates written past all of that (``QuerySet.update()``,
raw SQL) are still read back inside the range: ``BoundedDateTimeField`` clamps what the
database returns, and on PostgreSQL ``psycopg_loaders_clamp`` turns instants Python cannot
hold at all (year 10000, BC) into the nearest bound instead of an error. ``datetime_in_tokyo``
shows any datetime without raising.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models

NEWSROOM_TZ = ZoneInfo("Asia/Tokyo")

# The one definition of the accepted range; everything below derives from it.
YEAR_FIRST, YEAR_LAST = 1900, 2199
DATETIME_MIN = datetime(YEAR_FIRST, 1, 1, tzinfo=NEWSROOM_TZ).astimezone(UTC)
DATETIME_MAX = datetime(YEAR_LAST + 1, 1, 1, tzinfo=NEWSROOM_TZ).astimezone(UTC) - timedelta(microseconds=1)

RANGE_MESSAGE = f"Enter a date from {YEAR_FIRST}-01-01 to {YEAR_LAST}-12-31 (Tokyo time)."


def datetime_in_range(value: datetime) -> bool:
    """Is the aware ``value`` inside the accepted range? (Comparing never converts, so never overflows.)"""
    return DATETIME_MIN <= value <= DATETIME_MAX


def datetime_range_validate(value) -> None:
    """Raise ``ValidationError`` (code ``date_out_of_range``) unless ``value`` is None or inside the range."""
    if value is None or not isinstance(value, datetime):
        return
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time here is newsroom time (the forms' and importer's rule).
        value = value.replace(tzinfo=NEWSROOM_TZ)
    if not datetime_in_range(value):
        raise ValidationError(RANGE_MESSAGE, code="date_out_of_range")


def datetime_clamp(value):
    """``value`` moved to the nearest bound of the range if it lies outside it; None and in-range values as they are."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return value
    if value < DATETIME_MIN:
        return DATETIME_MIN
    if value > DATETIME_MAX:
        return DATETIME_MAX
    return value


def datetime_in_tokyo(value: datetime) -> datetime:
    """``value`` in Tokyo time; in UTC if Tokyo time is past what Python holds (never raises).

    A naive value is taken as UTC (stored times are UTC; a naive one comes from code
    that forgot its zone).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    for zone in (NEWSROOM_TZ, UTC):
        try:
            return value.astimezone(zone)
        except (OverflowError, ValueError):
            # Within a day of datetime.max/min: UTC, else the value's own zone, rather than fail the page.
            continue
    return value


class BoundedDateTimeField(models.DateTimeField):
    """A ``DateTimeField`` that accepts only dates in the range and reads any stored date back inside it."""

    default_validators = [datetime_range_validate]

    def from_db_value(self, value, expression, connection):
        # A date written past validation (QuerySet.update, raw SQL) must not break every
        # page showing it: Tokyo conversions, cache lifetimes and admin forms all need a
        # value inside the range.
        return datetime_clamp(value)


# --- PostgreSQL ----------------------------------------------------------------------------


def _before_epoch(data, binary: bool) -> bool:
    raw = bytes(data)
    if binary:
        return int.from_bytes(raw, "big", signed=True) < 0
    return raw.startswith(b"-") or raw.endswith(b"BC")  # "-infinity", "... BC"


def _clamping_loader(base, *, low, high):
    from psycopg import DataError
    from psycopg.pq import Format

    binary = base.format == Format.BINARY

    class ClampingLoader(base):
        """psycopg's loader, with a value Python cannot hold (year 10000, BC, infinity) read as a bound."""

        def load(self, data):
            try:
                return super().load(data)
            except DataError:  # what psycopg raises for exactly these values
                return low if _before_epoch(data, binary) else high

    ClampingLoader.__name__ = ClampingLoader.__qualname__ = f"Clamping{base.__name__}"
    return ClampingLoader


def psycopg_loaders_clamp(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: on PostgreSQL, read out-of-range timestamps as the nearest bound.

    PostgreSQL stores years up to 294276 and BC; psycopg refuses to load what Python's
    ``datetime`` cannot hold, which would make one bad row fail every query that reads
    it. The loader Django registered for ``timestamptz`` (its time-zone loader) is
    subclassed, so its behaviour is kept for every ordinary value; where the registered
    loader is psycopg's C one (not subclassable), psycopg's documented Python loader is.
    """
    if connection.vendor != "postgresql":
        return
    from psycopg.pq import Format
    from psycopg.types import datetime as pg_datetime

    adapters = connection.connection.adapters
    loaders = {
        "timestamptz": (DATETIME_MIN, DATETIME_MAX, pg_datetime.TimestamptzLoader, pg_datetime.TimestamptzBinaryLoader),
        "timestamp": (
            DATETIME_MIN.replace(tzinfo=None),
            DATETIME_MAX.replace(tzinfo=None),
            pg_datetime.TimestampLoader,
            pg_datetime.TimestampBinaryLoader,
        ),
        "date": (DATETIME_MIN.date(), DATETIME_MAX.date(), pg_datetime.DateLoader, pg_datetime.DateBinaryLoader),
    }
    for name, (low, high, text_loader, binary_loader) in loaders.items():
        oid = adapters.types[name].oid
        for fmt, fallback in ((Format.TEXT, text_loader), (Format.BINARY, binary_loader)):
            registered = adapters.get_loader(oid, fmt) or fallback
            if registered.__name__.startswith("Clamping"):
                continue
            try:
                loader = _clamping_loader(registered, low=low, high=high)
            except TypeError:  # a C loader cannot be subclassed
                loader = _clamping_loader(fallback, low=low, high=high)
            adapters.register_loader(oid, loader)
