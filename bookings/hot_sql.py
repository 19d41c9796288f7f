"""The queries every online booking runs, written in SQL, and its inserts.

Building an ORM query costs far more than running it: on the 2-core bench machine
about 1 ms of Python for each of these, against 0.05 ms for a ready string (README,
Performance). A booking runs them while it holds its practitioners' locks. The rules
they apply come from the models (the freeing statuses, the longest hold), so nothing
is decided here that the ORM queries elsewhere decide differently. The SQL runs on
PostgreSQL and SQLite alike; the test suite runs it on both.
"""

import datetime
from collections.abc import Sequence

from django.db import connection, models
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bookings.models import LONGEST_HOLD, Appointment, Client, OutboundEmail


def _to_db(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _from_db(value) -> datetime.datetime:
    # PostgreSQL returns aware datetimes; SQLite naive UTC ones (or text).
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


_insert_statements: dict[type[models.Model], tuple[str, list[models.Field]]] = {}


def _insert_statement(model: type[models.Model]) -> tuple[str, list[models.Field]]:
    if model not in _insert_statements:
        fields = [field for field in model._meta.local_concrete_fields if not field.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        values = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608  # nosec B608: names from the model
            f"VALUES ({values}) RETURNING {quote(model._meta.pk.column)}"
        )
        _insert_statements[model] = (sql, fields)
    return _insert_statements[model]


def insert_row(instance: models.Model) -> None:
    """Save a new instance with an INSERT built once per model from its fields.

    Writes what `Model.save()` writes for a new row (defaults, auto_now, foreign
    keys) without compiling a new INSERT each time. Models that have save signals
    go through `save()`, so no receiver is skipped."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(force_insert=True)
        return
    sql, fields = _insert_statement(model)
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def lock_practitioners(ids: Sequence[int]) -> None:
    """Row locks on the practitioners, in id order (two bookings never deadlock).

    FOR NO KEY UPDATE: appointments referencing them can still be inserted."""
    if not ids or connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already holds the write lock
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM practitioners_practitioner "  # noqa: S608  # nosec B608: %s only
            f"WHERE id IN ({_placeholders(ids)}) ORDER BY id FOR NO KEY UPDATE",
            list(ids),
        )


def unavailable_times_query(
    ids: Sequence[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    ignore_appointment_id: int | None = None,
) -> tuple[str, list]:
    """The SQL and parameters of unavailable_times() (bench/explain.py shows its plan)."""
    freeing = [str(status) for status in Appointment.FREEING_STATUSES]
    params = [
        *ids,
        _to_db(end),
        _to_db(start),
        *ids,
        *freeing,
        _to_db(start - LONGEST_HOLD),  # lets the (practitioner, start) index bound both ends
        _to_db(end),
        _to_db(start),
    ]
    not_this_one = ""
    if ignore_appointment_id is not None:
        not_this_one = " AND id <> %s"
        params.append(ignore_appointment_id)
    sql = (
        "SELECT practitioner_id, starts_at, ends_at FROM practitioners_timeoff "  # noqa: S608  # nosec B608: %s only
        f"WHERE practitioner_id IN ({_placeholders(ids)}) AND starts_at < %s AND ends_at > %s "
        "UNION ALL "
        'SELECT practitioner_id, "start", blocked_until FROM bookings_appointment '
        f"WHERE practitioner_id IN ({_placeholders(ids)}) "
        f"AND status NOT IN ({_placeholders(freeing)}) "
        f'AND "start" >= %s AND "start" < %s AND blocked_until > %s{not_this_one}'
    )
    return sql, params


def unavailable_times(
    ids: Sequence[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    ignore_appointment_id: int | None = None,
) -> list[tuple[int, datetime.datetime, datetime.datetime]]:
    """(practitioner id, from, until) of every time off and every appointment holding
    time (cleanup buffer included) that touches [start, end), in one query."""
    if not ids:
        return []
    sql, params = unavailable_times_query(
        ids, start, end, ignore_appointment_id=ignore_appointment_id
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(who, _from_db(since), _from_db(until)) for who, since, until in rows]


# What client_upsert's RETURNING lists, in its order.
CLIENT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "created_at",
    "updated_at",
)


def client_upsert(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: datetime.date | None,
    now: datetime.datetime,
) -> Client:
    """The client with this (normalised) email, created if new, in one statement.

    A known client keeps their name and phone (anyone can type any email address);
    only a missing date of birth is filled in."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bookings_client "
            "(first_name, last_name, email, phone, date_of_birth, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (email) DO UPDATE SET "
            "date_of_birth = COALESCE(bookings_client.date_of_birth, excluded.date_of_birth), "
            "updated_at = CASE WHEN bookings_client.date_of_birth IS NULL "
            "AND excluded.date_of_birth IS NOT NULL THEN excluded.updated_at "
            "ELSE bookings_client.updated_at END "
            "RETURNING id, first_name, last_name, email, phone, date_of_birth, "
            "created_at, updated_at",
            [
                first_name,
                last_name,
                email,
                phone,
                connection.ops.adapt_datefield_value(date_of_birth),
                _to_db(now),
                _to_db(now),
            ],
        )
        row = list(cursor.fetchone())
    row[-2:] = [_from_db(row[-2]), _from_db(row[-1])]
    if isinstance(row[5], str):  # SQLite without its date converter
        row[5] = datetime.date.fromisoformat(row[5])
    return Client.from_db(connection.alias, CLIENT_COLUMNS, row)


def mail_sent(email_id: int, at: datetime.datetime) -> None:
    """Record that a queued mail went out (unless the retry job already did)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_outboundemail "
            "SET state = %s, sent_at = %s, attempts = attempts + 1, last_error = '' "
            "WHERE id = %s AND state = %s",
            [str(OutboundEmail.State.SENT), _to_db(at), email_id, str(OutboundEmail.State.QUEUED)],
        )
