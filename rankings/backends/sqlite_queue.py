"""Beacon writers of one SQLite file take turns on a file lock, not on SQLite's busy handler."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's busy handler alone
    fcntl = None

# After this many seconds a writer stops queueing and leaves the wait to SQLite.
QUEUE_MAX_WAIT = 2.0
QUEUE_POLL_SECONDS = 0.0001
_thread_lock = threading.Lock()
_lock_files: dict[tuple[int, str], int] = {}


@contextmanager
def sqlite_writers_queue(db):
    """Queue this beacon writer behind the others of every process on ``db``'s SQLite file.

    SQLite lets one writer in at a time; a statement that finds the write lock
    taken is retried by the busy handler after sleeping 1, 2, 5, 10... ms, far
    longer than a beacon holds the lock (tens of microseconds): with two
    workers, those sleeps cost a sixth of the beacon's throughput. Queued on an
    ``flock`` (polled every tenth of a millisecond), the next beacon writer of
    any process on the machine goes almost as soon as the lock is free. Other
    writers (saves, update_rankings) do not queue here: against them the busy
    handler still waits, as before. After ``QUEUE_MAX_WAIT`` seconds a writer
    stops queueing and leaves the wait to SQLite. An in-memory database has no
    other writer.
    """
    path = sqlite_lock_path(db)
    if path is None or fcntl is None:
        yield
        return
    key = (os.getpid(), path)  # a descriptor inherited through fork would share the other process's lock
    fd = _lock_files.get(key)
    if fd is None:
        fd = _lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    # Threads of one process share the descriptor, and so its flock: they queue on a thread lock first.
    queued = _thread_lock.acquire(timeout=QUEUE_MAX_WAIT)
    locked = queued and flock_within(fd, QUEUE_MAX_WAIT)
    try:
        yield
    finally:
        if locked:
            fcntl.flock(fd, fcntl.LOCK_UN)
        if queued:
            _thread_lock.release()


def flock_within(fd: int, seconds: float) -> bool:
    """Take the exclusive flock on ``fd``, waiting at most ``seconds``; False if it stayed taken."""
    deadline = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            if deadline is None:
                deadline = now + seconds
            elif now >= deadline:
                return False
            time.sleep(QUEUE_POLL_SECONDS)


def sqlite_lock_path(db) -> str | None:
    """The lock file of ``db``'s SQLite file; None for another vendor or an in-memory database."""
    name = str(db.settings_dict.get("NAME") or "")
    if db.vendor != "sqlite" or not name or ":memory:" in name or "mode=memory" in name:
        return None
    return f"{name}-beacon.lock"
