"""Helpers for tests that need PostgreSQL itself (prepared statements, killed connections)."""

import psycopg
from django.db import connection


def backend_terminate(pid: int) -> None:
    """Kill one server connection from outside, as a server restart or a proxy timeout would."""
    conf = connection.settings_dict
    with psycopg.connect(
        dbname=conf["NAME"],
        user=conf["USER"] or None,
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
