"""Rendition rendering in worker processes, for ``photo_renditions --processes N``.

Workers only render (``articles.photos.renditions_render``: CPU, no database, no storage):
the main process reads each original, sends its bytes, and stores what comes back through
``articles.services.photo_renditions_build``. So no worker ever uses a database connection
(the pool starts clean "spawn" interpreters, which inherit none; the initializer closes any
all the same), and every write stays in the one process that owns the transaction.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass


@dataclass
class RenderJob:
    photo_id: int
    name: str  # the stored image the bytes were read from
    focal_x: float
    focal_y: float
    data: bytes


@dataclass
class RenderResult:
    photo_id: int
    name: str
    focal_x: float
    focal_y: float
    rendered: object | None  # articles.photos.RenderedSet, None on failure
    error: str = ""
    pid: int = 0  # the process that rendered it


def _worker_start() -> None:
    from django.db import connections

    # A worker must never share the parent's database connection (a forked socket would
    # interleave two processes' protocol); a spawned one has none, but close any.
    connections.close_all()


def job_render(job: RenderJob) -> RenderResult:
    """Render one photo's renditions in memory; a failure comes back as ``error``, never raised."""
    from django.core.exceptions import ValidationError

    from articles.photos import renditions_render  # settings only; no models

    pid = os.getpid()
    try:
        rendered = renditions_render(io.BytesIO(job.data), focal_x=job.focal_x, focal_y=job.focal_y)
    except ValidationError as exc:
        return RenderResult(job.photo_id, job.name, job.focal_x, job.focal_y, None, " ".join(exc.messages), pid)
    except Exception as exc:  # any one bad image must not stop the pool
        error = f"{type(exc).__name__}: {exc}"
        return RenderResult(job.photo_id, job.name, job.focal_x, job.focal_y, None, error, pid)
    return RenderResult(job.photo_id, job.name, job.focal_x, job.focal_y, rendered, "", pid)


def jobs_render(jobs: Iterable[RenderJob | RenderResult], *, processes: int) -> Iterator[RenderResult]:
    """Render ``jobs`` in ``processes`` worker processes, yielding results in job order.

    At most two jobs per process are in flight, so memory stays bounded however many
    photos there are. A ``RenderResult`` among the jobs (one the caller already knows
    failed, e.g. an unreadable original) is passed through in its place.
    """
    context = multiprocessing.get_context("spawn")  # forking a process that holds threads can deadlock
    pending: deque[Future | RenderResult] = deque()
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_worker_start) as pool:
        submit: Callable = pool.submit
        for job in jobs:
            pending.append(job if isinstance(job, RenderResult) else submit(job_render, job))
            while len(pending) >= 2 * processes:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(item: Future | RenderResult) -> RenderResult:
    return item if isinstance(item, RenderResult) else item.result()
