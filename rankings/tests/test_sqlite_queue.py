"""Beacon writers of a SQLite file queue on a file lock (rankings.backends.sqlite_queue)."""

import fcntl
import os
import threading
import time
from types import SimpleNamespace

import pytest

from rankings.backends import sqlite_queue


def sqlite_db(path) -> SimpleNamespace:
    return SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(path)})


def test_an_in_memory_or_other_database_does_not_queue():
    assert sqlite_queue.sqlite_lock_path(sqlite_db(":memory:")) is None
    assert sqlite_queue.sqlite_lock_path(sqlite_db("file:memorydb_default?mode=memory&cache=shared")) is None
    assert sqlite_queue.sqlite_lock_path(SimpleNamespace(vendor="postgresql", settings_dict={"NAME": "news"})) is None


def test_writers_take_turns_and_release_the_lock(tmp_path):
    db = sqlite_db(tmp_path / "site.sqlite3")
    inside, overlaps = [], []

    def write():
        with sqlite_queue.sqlite_writers_queue(db):
            if inside:
                overlaps.append(1)
            inside.append(1)
            time.sleep(0.002)
            inside.pop()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert overlaps == []
    # Released: another open file description takes it at once.
    fd = os.open(sqlite_queue.sqlite_lock_path(db), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_another_process_holding_the_lock_delays_a_writer_at_most_the_max_wait(tmp_path, monkeypatch):
    db = sqlite_db(tmp_path / "site.sqlite3")
    monkeypatch.setattr(sqlite_queue, "QUEUE_MAX_WAIT", 0.05)
    other = os.open(sqlite_queue.sqlite_lock_path(db), os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)  # as another worker in the middle of its write
    ran = []
    try:
        started = time.monotonic()
        with sqlite_queue.sqlite_writers_queue(db):
            ran.append(time.monotonic() - started)
    finally:
        os.close(other)

    assert ran, "the write must go ahead (SQLite's own busy handler then waits)"
    assert ran[0] == pytest.approx(0.05, abs=0.04)
