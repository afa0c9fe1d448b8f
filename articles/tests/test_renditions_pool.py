"""``photo_renditions --processes N``: renditions rendered in real worker processes, stored by the command."""

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from articles.models import Photo
from articles.photos import renditions_file_names, renditions_stale
from articles.renditions_pool import RenderJob, RenderResult, job_render, jobs_render
from articles.tests import imagefiles as files

pytestmark = pytest.mark.django_db


def bulk_photo(name: str, colour, size=(700, 400)) -> Photo:
    """A photo row written around save() (as bulk loads and --defer-renditions do): no renditions yet."""
    stored = default_storage.save(f"photos/{name}", ContentFile(files.encode(Image.new("RGB", size, colour))))
    (photo,) = Photo.objects.bulk_create([Photo(image=stored, alt_text=name)])
    return photo


def test_processes_2_builds_renditions_for_every_photo_in_worker_processes(django_capture_on_commit_callbacks):
    photos = [bulk_photo(f"p{n}.jpg", (30 * n, 120, 200), size=(700 + 10 * n, 400)) for n in range(5)]
    broken = Photo.objects.bulk_create([Photo(image="photos/missing.jpg", alt_text="Gone", width=1, height=1)])[0]
    assert all(renditions_stale(p) for p in photos)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 photo"), django_capture_on_commit_callbacks(execute=True):
        call_command("photo_renditions", "--processes", "2", "--progress-every", "2", stdout=out, stderr=err)
    assert "5 built, 0 already up to date, 1 failed" in out.getvalue()
    assert "2 photos: 2 built, 0 failed" in out.getvalue()
    assert f"photo {broken.pk}:" in err.getvalue()
    for n, photo in enumerate(photos):
        photo.refresh_from_db()
        assert not renditions_stale(photo)
        assert (photo.width, photo.height) == (700 + 10 * n, 400)
        assert [i["width"] for i in photo.renditions["widths"]["jpeg"]] == [320, 640, 700 + 10 * n]
        assert all(default_storage.exists(name) for name in renditions_file_names(photo.renditions))

    out = io.StringIO()
    call_command("photo_renditions", "--processes", "2", "--id", str(photos[0].pk), stdout=out)
    assert "0 built, 1 already up to date, 0 failed" in out.getvalue()


def test_jobs_are_rendered_in_other_processes_and_come_back_in_order():
    jobs = [
        RenderJob(photo_id=n, name=f"photos/{n}.jpg", focal_x=0.5, focal_y=0.5, data=data)
        for n, data in enumerate(files.encode(Image.new("RGB", (300 + 20 * n, 200), "red")) for n in range(5))
    ]
    jobs.insert(2, RenderResult(99, "photos/gone.jpg", 0.5, 0.5, None, "unreadable"))
    results = list(jobs_render(jobs, processes=2))
    assert [r.photo_id for r in results] == [0, 1, 99, 2, 3, 4]
    assert [r.rendered.width for r in results if r.rendered] == [300, 320, 340, 360, 380]
    worker_pids = {r.pid for r in results if r.rendered}
    assert worker_pids
    assert os.getpid() not in worker_pids


def test_a_broken_original_comes_back_as_an_error_not_an_exception():
    result = job_render(RenderJob(photo_id=1, name="photos/x.jpg", focal_x=0.5, focal_y=0.5, data=b"not an image"))
    assert result.rendered is None
    assert "not a usable image" in result.error


def test_processes_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("photo_renditions", "--processes", "0", stdout=io.StringIO())
