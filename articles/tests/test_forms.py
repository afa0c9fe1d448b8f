"""PhotoForm: the admin's upload form refuses bad files with a clear error and saves nothing half-way."""

from pathlib import Path

import pytest
from PIL import Image

from articles.forms import PhotoForm
from articles.models import Photo
from articles.photos import renditions_file_names
from articles.tests import imagefiles as files
from articles.tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db

FIELDS = {"caption": "Lanterns along the river.", "credit": "Staff", "alt_text": "Paper lanterns over water"}


def media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def bound(data: bytes | None, name="photo.jpg", content_type="image/jpeg", instance=None, **fields) -> PhotoForm:
    post = {"focal_x": "0.5", "focal_y": "0.5", **FIELDS, **fields}
    uploads = {"image": files.upload(data, name, content_type)} if data is not None else {}
    return PhotoForm(data=post, files=uploads, instance=instance)


def assert_refused(form: PhotoForm, text: str, settings) -> None:
    assert not form.is_valid()
    assert "image" in form.errors
    assert any(text in message for message in form.errors["image"]), form.errors["image"]
    assert Photo.objects.count() == 0
    assert media_files(settings) == []


def test_fields():
    assert list(PhotoForm.base_fields) == ["image", "caption", "credit", "alt_text", "focal_x", "focal_y"]
    assert PhotoForm.base_fields["alt_text"].required
    assert PhotoForm.base_fields["image"].widget.attrs["accept"] == "image/jpeg,image/png,image/webp"


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [("JPEG", "a.jpg", "image/jpeg"), ("PNG", "a.png", "image/png"), ("WEBP", "a.webp", "image/webp")],
)
def test_valid_upload_saves_photo_with_renditions(fmt, name, content_type, settings):
    form = bound(files.encode(Image.new("RGB", (800, 500), "teal"), fmt), name, content_type, focal_x="0.25")
    assert form.is_valid(), form.errors
    photo = form.save()
    photo.refresh_from_db()
    assert (photo.alt_text, photo.focal_x) == (FIELDS["alt_text"], 0.25)
    assert photo.renditions["source"] == {"name": photo.image.name, "focal_x": 0.25, "focal_y": 0.5}
    assert sorted(media_files(settings)) == sorted([photo.image.name, *renditions_file_names(photo.renditions)])


def test_camera_photo_with_gps_is_accepted_and_its_renditions_are_clean():
    form = bound(files.camera_jpeg(files.halves((400, 200)), orientation=6), "IMG_0001.JPG")
    assert form.is_valid(), form.errors
    photo = form.save()
    assert (photo.width, photo.height) == (200, 400)
    for name in renditions_file_names(photo.renditions):
        with photo.image.storage.open(name, "rb") as handle:
            assert files.CAMERA_MAKE.encode() not in handle.read()


def test_refuses_a_non_image(settings):
    assert_refused(bound(b"Just some words in a text file.\n" * 10, "notes.jpg"), "not an image", settings)


@pytest.mark.parametrize("keep", [0.4, 0.9])
def test_refuses_a_truncated_jpeg(keep, settings):
    assert_refused(bound(files.truncated(files.noise_jpeg(), keep)), "truncated", settings)


def test_refuses_a_truncated_png(settings):
    png = files.encode(Image.effect_noise((300, 300), 70), "PNG")
    assert_refused(bound(files.truncated(png, 0.6), "x.png", "image/png"), "truncated", settings)


def test_refuses_a_decompression_bomb(settings):
    assert_refused(bound(files.png_claiming(100_000, 100_000), "bomb.png", "image/png"), "too many pixels", settings)


def test_refuses_more_pixels_than_the_setting(settings):
    settings.PHOTO_MAX_PIXELS = 500_000
    data = files.encode(Image.new("RGB", (1000, 600), "white"), "JPEG")
    form = bound(data)
    assert not form.is_valid()
    assert "1000 × 600 pixels (0.6 megapixels); the limit is 0.5 megapixels" in form.errors["image"][0]
    assert Photo.objects.count() == 0


def test_refuses_an_oversized_file(settings):
    data = files.noise_jpeg((800, 600))
    settings.PHOTO_MAX_UPLOAD_BYTES = 100 * 1024
    assert len(data) > settings.PHOTO_MAX_UPLOAD_BYTES
    assert_refused(bound(data), "the limit is 0.1 MB", settings)


@pytest.mark.parametrize(("name", "content_type"), [("logo.svg", "image/svg+xml"), ("holiday.jpg", "image/jpeg")])
def test_refuses_svg_whatever_its_name(name, content_type, settings):
    assert_refused(bound(files.SVG, name, content_type), "SVG files are not accepted", settings)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_refuses_other_formats(fmt, settings):
    data = files.encode(Image.new("RGB", (60, 40), "red"), fmt)
    assert_refused(bound(data, "x.jpg"), f"{fmt} images are not accepted", settings)


@pytest.mark.parametrize("alt", ["", "   "])
def test_alt_text_is_required(alt, settings):
    form = bound(files.encode(Image.new("RGB", (300, 200), "white"), "JPEG"), alt_text=alt)
    assert not form.is_valid()
    assert "alt_text" in form.errors
    assert Photo.objects.count() == 0
    assert media_files(settings) == []


@pytest.mark.parametrize(("field", "value"), [("focal_x", "1.2"), ("focal_y", "-0.5"), ("focal_x", "centre")])
def test_focal_point_must_be_a_fraction(field, value):
    form = bound(files.encode(Image.new("RGB", (300, 200), "white"), "JPEG"), **{field: value})
    assert not form.is_valid()
    assert field in form.errors


def test_image_is_required_for_a_new_photo():
    form = bound(None)
    assert not form.is_valid()
    assert "image" in form.errors


def test_png_named_jpg_is_stored_as_png():
    form = bound(files.encode(Image.new("RGB", (300, 200), "white"), "PNG"), "scan.jpg")
    assert form.is_valid(), form.errors
    assert form.save().image.name.endswith(".png")


def test_editing_words_keeps_image_and_renditions():
    photo = PhotoFactory()
    before = (photo.image.name, photo.renditions)
    form = bound(None, instance=photo, caption="A better caption.")
    assert form.is_valid(), form.errors
    form.save()
    photo.refresh_from_db()
    assert photo.caption == "A better caption."
    assert (photo.image.name, photo.renditions) == before


def test_editing_the_focal_point_rebuilds_crops():
    photo = PhotoFactory()
    old_crop = photo.renditions["crops"]["1x1"]["name"]
    form = bound(None, instance=photo, focal_x="0.9")
    assert form.is_valid(), form.errors
    form.save()
    photo.refresh_from_db()
    assert photo.renditions["source"]["focal_x"] == 0.9
    assert photo.renditions["crops"]["1x1"]["name"] != old_crop


def test_a_bad_replacement_keeps_the_current_image(settings):
    photo = PhotoFactory()
    before = media_files(settings)
    form = bound(files.SVG, "new.jpg", instance=photo)
    assert not form.is_valid()
    photo.refresh_from_db()
    assert photo.renditions["source"]["name"] == photo.image.name
    assert media_files(settings) == before
