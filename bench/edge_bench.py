"""Edge benchmark (run through ``bench/edge``): Varnish in front of two gunicorn app servers.

1. A scratch SQLite site under ``--dir``: ``migrate``, the demo newsroom (``seed_demo``),
   ``update_rankings``, ``collectstatic``; never the project's own ``db.sqlite3``.
2. Two gunicorn app servers (``gunicorn.conf.py``, ``--workers`` each, DEBUG off) and one varnishd
   with the repo's VCL (``manage.py edge_vcl``) in front, on free loopback ports.
3. wrk, interleaved: /healthz on gunicorn; a static object (the site's CSS) through Varnish; the
   article, home and section pages through Varnish (warm: every request is a Varnish hit); /healthz
   on gunicorn again; ``--rounds`` times. Each round's ratios are against the mean of the /healthz
   runs on either side of it (the machine's load drifts); the medians over rounds are printed.

Readers' browsers send ``Accept-Encoding: gzip, deflate, br``, and so does wrk here (``--accept-encoding``):
Varnish stores pages gzipped (after splicing the rails' includes) and sends them as stored. A
client that takes no compression (wrk's default) makes Varnish gunzip the page on every request,
which cost the article page about half its rate (``--identity-too`` measures that as well).

Target: cached article through Varnish >= 10x /healthz on gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import free_ports, processes_stop, run, say  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10.0
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")

URLS = """
from articles.models import Article, Section
from django.templatetags.static import static
import json
article = Article.objects.published().filter(lead_photo__isnull=False).first() or Article.objects.published().first()
section = Section.objects.order_by("position").first()
print(json.dumps({"article": article.get_absolute_url(), "section": section.get_absolute_url(),
                  "static": static("css/site.css")}))
"""


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"bench/edge: {url} did not answer within {seconds:g} s")


def wrk(args, url: str, *, encoding: str | None = None) -> float:
    """Requests/s of ``url`` (after a warm-up), sending ``Accept-Encoding: encoding`` (default: the browsers')."""
    encoding = args.accept_encoding if encoding is None else encoding
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}"]
    if encoding:
        cmd += ["-H", f"Accept-Encoding: {encoding}"]
    subprocess.run([*cmd, f"-d{args.warmup:g}s", url], capture_output=True, check=True)
    out = subprocess.run([*cmd, f"-d{args.duration:g}s", url], capture_output=True, text=True, check=True).stdout
    rps = float(WRK_RPS.search(out).group(1))
    non2xx = WRK_NON2XX.search(out)
    shown = f"{url} [{encoding or 'identity'}]"
    say(f"  {shown:<80.80} {rps:>10,.0f} req/s" + (f"  NON-2xx: {non2xx.group(1)}" if non2xx else ""))
    return rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=6, help="seconds per measurement (6)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement, /healthz between (3)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--accept-encoding",
        default="gzip, deflate, br",
        help="Accept-Encoding wrk sends through Varnish, as browsers do ('gzip, deflate, br'; '' for none)",
    )
    parser.add_argument(
        "--identity-too", action="store_true", help="also measure the article for a client taking no compression"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server (2)")
    parser.add_argument("--dir", default="/tmp/newsroom-bench-edge", help="scratch folder (/tmp/newsroom-bench-edge)")
    parser.add_argument("--fresh", action="store_true", help="start from an empty scratch folder")
    args = parser.parse_args()

    scratch = Path(args.dir)
    if args.fresh and scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NEWSROOM_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    varnish_port, *ports = free_ports(3)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        DJANGO_STATIC_ROOT=str(scratch / "static"),
        DJANGO_MEDIA_ROOT=str(scratch / "media"),
        NEWSROOM_EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_ACCESS_LOG="",
        GUNICORN_MAX_REQUESTS="0",
    )
    py = sys.executable
    say("bench/edge: preparing the scratch site...")
    # No purges while the site is prepared: the Varnish it names is not running yet.
    prepare = {**env, "NEWSROOM_EDGE_PURGE_URLS": ""}
    run([py, "manage.py", "migrate", "--noinput", "-v0"], prepare)
    if not (scratch / ".seeded").exists():
        run([py, "manage.py", "seed_demo"], prepare, stdout=subprocess.DEVNULL)
        (scratch / ".seeded").touch()
    run([py, "manage.py", "update_rankings"], prepare, stdout=subprocess.DEVNULL)
    run([py, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    shell = run([py, "manage.py", "shell", "-c", URLS], env, capture_output=True, text=True).stdout
    urls = json.loads(shell.strip().splitlines()[-1])  # the last line: anything printed before is not ours

    vcl = scratch / "newsroom.vcl"
    vcl.write_text(
        run(
            [py, "manage.py", "edge_vcl", *(f"127.0.0.1:{p}" for p in ports)], env, capture_output=True, text=True
        ).stdout
    )
    processes = []
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [py, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
                    cwd=ROOT,
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        processes.append(
            subprocess.Popen(
                [VARNISHD, "-F", "-a", f"127.0.0.1:{varnish_port}", "-f", str(vcl), "-n", str(scratch / "varnish")]
                + ["-T", "none", "-j", "none", "-s", "malloc,256m", "-p", "backend_idle_timeout=4"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        app = f"http://127.0.0.1:{ports[0]}"
        edge = f"http://127.0.0.1:{varnish_port}"
        for url in (f"{app}/healthz", f"http://127.0.0.1:{ports[1]}/healthz", f"{edge}/healthz"):
            wait_up(url)
        say(
            f"  wrk -t{args.threads} -c{args.connections}, {args.duration:g}s after {args.warmup:g}s warm-up,"
            f" {args.rounds} round(s)"
        )
        targets = {
            "static object": urls["static"],
            "cached article": urls["article"],
            "cached home": "/",
            "cached section": urls["section"],
        }
        ratios: dict[str, list[float]] = {name: [] for name in targets}
        if args.identity_too:
            ratios["cached article (identity)"] = []
        figures: dict[str, list[float]] = {name: [] for name in [*ratios, "/healthz on gunicorn"]}
        healthz = wrk(args, f"{app}/healthz", encoding="")
        for round_number in range(1, args.rounds + 1):
            say(f"  round {round_number}")
            measured = {name: wrk(args, f"{edge}{path}") for name, path in targets.items()}
            if args.identity_too:
                measured["cached article (identity)"] = wrk(args, f"{edge}{urls['article']}", encoding="")
            after = wrk(args, f"{app}/healthz", encoding="")
            # Against the /healthz runs on either side: the machine's load drifts.
            baseline = (healthz + after) / 2
            figures["/healthz on gunicorn"].append(baseline)
            for name, rps in measured.items():
                figures[name].append(rps)
                ratios[name].append(rps / baseline)
            healthz = after
        say()
        say("  median over rounds                                req/s    x /healthz (each round: its own)")
        say(f"  {'/healthz on gunicorn':<40} {statistics.median(figures['/healthz on gunicorn']):>12,.0f}")
        for name, values in ratios.items():
            shown = " ".join(f"{ratio:.1f}" for ratio in values)
            say(
                f"  {name + ' through Varnish':<40} {statistics.median(figures[name]):>12,.0f}"
                f"  {statistics.median(values):6.1f}x  ({shown})"
            )
        article = statistics.median(ratios["cached article"])
        verdict = "met" if article >= TARGET else "MISSED"
        say(f"  target: cached article >= {TARGET:g}x /healthz on gunicorn (median of rounds): {verdict}")
    finally:
        processes_stop(processes)


if __name__ == "__main__":
    main()
