"""Photos benchmark (run through ``bench/photos``): what a photo costs at save time and at render time.

1. Save time: ``photo_create`` for typical sources (a 1600×900 web photo, a 4000×3000 and a
   6000×4000 camera JPEG with EXIF, an 1800×1200 PNG), median of a few runs, with the
   number and bytes of the files written against the original's bytes.
2. Render time: ``{% photo_picture %}`` for a list of 20 photos loaded with
   ``Article.objects.for_listing()``: queries (must be 0) and microseconds per picture.
3. Peak memory of one upload (validation, cleaned original, renditions) for extreme shapes
   at the default limits, each in a fresh interpreter (``articles.tests.memory``): the
   target is under 300 MB.

Uses a scratch SQLite file and media folder under ``BENCH_DIR`` (default
``/tmp/newsroom-bench-photos``). Prints figures; not a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-bench-photos"))


def main() -> None:
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
    os.environ["DJANGO_MEDIA_ROOT"] = str(BENCH_DIR / "media")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # development mode: no production secret key
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext
    from PIL import Image

    from articles.models import Article, Section
    from articles.photos import renditions_file_names
    from articles.services import photo_create
    from articles.tests import imagefiles

    call_command("migrate", verbosity=0)

    def source(size, fmt):
        img = Image.radial_gradient("L").resize(size).convert("RGB")
        img = Image.blend(img, Image.effect_noise(size, 25).convert("RGB"), 0.3)  # photo-like texture
        if fmt == "JPEG":
            return imagefiles.encode(img, "JPEG", quality=90, exif=imagefiles.camera_exif(1)), "src.jpg"
        return imagefiles.encode(img, "PNG"), "src.png"

    print("Save time: photo_create (validation + renditions: widths in WebP and JPEG, 3 crops)")
    print(f"{'source':<22}{'median ms':>10}{'files':>7}{'renditions KB':>15}{'original KB':>13}")
    photos = []
    for size, fmt, runs in (((1600, 900), "JPEG", 5), ((4000, 3000), "JPEG", 3), ((6000, 4000), "JPEG", 3)):
        data, name = source(size, fmt)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            photo = photo_create(image=imagefiles.upload(data, name), caption="", credit="", alt_text="Bench")
            timings.append((time.perf_counter() - started) * 1000)
            photos.append(photo)
        names = renditions_file_names(photo.renditions)
        kb = sum(photo.image.storage.size(n) for n in names) / 1024
        label = f"{size[0]}x{size[1]} {fmt}"
        print(f"{label:<22}{statistics.median(timings):>10.0f}{len(names):>7}{kb:>15.0f}{len(data) / 1024:>13.0f}")
    data, name = source((1800, 1200), "PNG")
    started = time.perf_counter()
    photos.append(photo_create(image=imagefiles.upload(data, name), caption="", credit="", alt_text="Bench"))
    print(f"{'1800x1200 PNG':<22}{(time.perf_counter() - started) * 1000:>10.0f}")

    section = Section.objects.create(name="Bench", slug="bench")
    for n in range(20):
        Article.objects.create(
            headline=f"Bench {n}", slug=f"bench-{n}", section=section, lead_photo=photos[n % len(photos)]
        )
    articles = list(Article.objects.for_listing())
    template = Template(
        '{% load photos %}{% for a in articles %}{% photo_picture a.lead_photo sizes="240px" %}{% endfor %}'
    )
    context = Context({"articles": articles})
    template.render(context)
    with CaptureQueriesContext(connection) as queries:
        rounds = 200
        started = time.perf_counter()
        for _ in range(rounds):
            html = template.render(context)
        elapsed = time.perf_counter() - started
    per_picture = elapsed / (rounds * len(articles)) * 1e6
    print()
    print(f"Render time: {{% photo_picture %}} x {len(articles)} per page, {rounds} pages")
    print(f"  queries: {len(queries.captured_queries)}   per picture: {per_picture:.1f} us")
    print(f"  html: {len(html)} bytes/page")
    try:
        load = os.getloadavg()[0]
        print(f"  (load average while measuring: {load:.1f} on {os.cpu_count()} CPUs)")
    except OSError:
        pass

    from articles.tests.memory import upload_peak_memory

    print()
    print("Peak memory per upload (fresh process; VmHWM; default limits)")
    print(f"{'upload':<34}{'baseline MB':>12}{'peak MB':>9}{'seconds':>9}  result")
    shapes = (
        ("1 x 40,000,000 PNG", lambda: imagefiles.png_solid(1, 40_000_000, "L")),
        ("40,000 x 1 PNG", lambda: imagefiles.png_solid(40_000, 1)),
        ("16,384 x 16,384 PNG (header)", lambda: imagefiles.png_claiming(16_384, 16_384)),
        ("800 x 30,000 PNG", lambda: imagefiles.png_solid(800, 30_000)),
        ("1,000 x 25,000 RGBA PNG", lambda: imagefiles.png_solid(1_000, 25_000, "RGBA")),
        ("5,000 x 5,000 RGBA PNG", lambda: imagefiles.png_solid(5_000, 5_000, "RGBA")),
        ("6,000 x 4,000 camera JPEG", lambda: source((6000, 4000), "JPEG")[0]),
    )
    for label, make in shapes:
        path = BENCH_DIR / "upload.bin"
        path.write_bytes(make())
        started = time.perf_counter()
        report = upload_peak_memory(path)
        seconds = time.perf_counter() - started
        result = report.get("error") or report.get("crash") or "renditions {}x{}".format(*report["widths"]["jpeg"][-1])
        baseline, peak = report["baseline_kb"] / 1024, report["peak_kb"] / 1024
        print(f"{label:<34}{baseline:>12.0f}{peak:>9.0f}{seconds:>9.1f}  {result}")


if __name__ == "__main__":
    main()
