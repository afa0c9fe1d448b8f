"""Peak memory of the upload pipeline, measured in a child process (tests and ``bench/photos``).

Pillow allocates pixels in C, which ``tracemalloc`` cannot see, and the test process's own
high-water mark would include everything run before; a fresh interpreter that runs only
the worker's steps and reports its own high-water mark (``VmHWM``) measures exactly one upload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a worker does with one upload: validate it (form or photo_create), store the cleaned
# original (the pre_save receiver), render every rendition from it (the post_save receiver).
_CHILD = """
import io, json, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from articles.photos import original_clean, renditions_render, validate_image_upload

def peak_kb():
    # VmHWM: this process's own high-water mark. ru_maxrss would not do: Linux carries the
    # parent's peak (the test process's) across fork and exec into the child's figure.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

data = open(sys.argv[1], "rb").read()
report = {"baseline_kb": peak_kb()}
try:
    upload = ContentFile(data, name="upload")
    validate_image_upload(upload)
    rendered = renditions_render(io.BytesIO(original_clean(upload)))
    report["widths"] = {fmt: [[f.width, f.height] for f in items] for fmt, items in rendered.widths.items()}
    report["crops"] = {key: [f.width, f.height] for key, f in rendered.crops.items()}
except ValidationError as exc:
    report["error"] = exc.error_list[0].code
except Exception as exc:  # what a worker would answer with a 500
    report["crash"] = f"{type(exc).__name__}: {exc}"
report["peak_kb"] = peak_kb()
print(json.dumps(report))
"""


def upload_peak_memory(path: Path, *, env: dict[str, str] | None = None) -> dict:
    """Run the upload pipeline on the file at ``path`` in a fresh interpreter; return its report.

    Keys: ``peak_kb`` and ``baseline_kb`` (max RSS after and before the upload, in KiB), and
    either ``widths``/``crops`` (rendition sizes), ``error`` (the ValidationError code) or
    ``crash`` (any other exception, as text).
    """
    child_env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSROOM_PHOTO_")}
    child_env.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    child_env |= env or {}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
