"""Seed benchmark (run through ``bench/seed_demo``): ``seed_demo`` on a fresh SQLite database.

Runs the command as ``make run`` does (a new process each time) and reports wall-clock seconds
and the CPU seconds of the command and its worker processes, for the default worker count and
for ``--workers 1``, then the time of an idempotent second run. The machine's load average is
printed too: on a shared machine wall time follows it, CPU time does not.

Uses a scratch SQLite file and media folder under ``BENCH_DIR`` (default ``/tmp/newsroom-bench-seed``).
Prints figures; not a test.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-bench-seed"))


def run(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (this child and its children) and output of one manage.py run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    # The summary ("Demo newsroom seeded in ..."), not the demo logins printed after it.
    summary = [line for line in lines if line.startswith("Demo newsroom")]
    return wall, cpu, (summary or lines or [""])[-1]


def fresh(env: dict) -> None:
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    run(["migrate", "--noinput", "-v0"], env)


def main() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(BENCH_DIR / "media"),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",  # development mode, as `make demo` runs it: no production secret key
    }
    env.pop("REDIS_URL", None)
    print(f"CPUs: {os.cpu_count()}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'run':<34}{'wall s':>8}{'CPU s':>8}")
    for label, extra in (("seed_demo (default workers)", []), ("seed_demo --workers 1", ["--workers", "1"])):
        fresh(env)
        wall, cpu, line = run(["seed_demo", *extra], env)
        print(f"{label:<34}{wall:>8.1f}{cpu:>8.1f}")
        files = sum(1 for p in (BENCH_DIR / "media").rglob("*") if p.is_file())
        print(f"    {line}\n    {files} media files")
    wall, cpu, line = run(["seed_demo"], env)
    print(f"{'second run (no-op)':<34}{wall:>8.1f}{cpu:>8.1f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(BENCH_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
