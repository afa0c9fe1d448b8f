"""Photo processing (articles.photos) and the photo services: renditions, privacy, validation, atomicity."""

import io
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Photo
from articles.photos import (
    CROP_RATIOS,
    PhotoRenditionError,
    crop_box,
    photo_crop,
    photo_crop_url,
    photo_display_size,
    photo_srcset,
    rendition_widths,
    renditions_file_names,
    renditions_render,
    renditions_version,
    validate_image_upload,
)
from articles.services import photo_create, photo_renditions_build
from articles.templatetags.photos import photo_picture as photo_picture_tag
from articles.tests import imagefiles as files
from articles.tests.factories import PhotoFactory, make_image_file
from articles.tests.memory import upload_peak_memory


def media_files(settings) -> list[str]:
    """Every file under MEDIA_ROOT, as storage names."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as handle:
        img = Image.open(io.BytesIO(handle.read()))
        img.load()
        return img


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def create(data: bytes, name="photo.jpg", **kwargs) -> Photo:
    defaults = {"caption": "Harbour cranes at dusk.", "credit": "Staff", "alt_text": "Cranes against an orange sky"}
    return photo_create(image=files.upload(data, name), **(defaults | kwargs))


# --- Pure geometry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (4000, [320, 640, 768, 960, 1280, 1920]),
        (1920, [320, 640, 768, 960, 1280, 1920]),
        (1600, [320, 640, 768, 960, 1280, 1600]),
        (700, [320, 640, 700]),
        (200, [200]),
    ],
)
def test_rendition_widths_never_upscale(source, expected):
    assert rendition_widths(source) == expected


def test_crop_box_is_the_largest_box_of_the_ratio_around_the_focal_point():
    assert crop_box(1600, 900, (16, 9), 0.5, 0.5) == (0, 0, 1600, 900)
    assert crop_box(1600, 900, (1, 1), 0.5, 0.5) == (350, 0, 1250, 900)
    # Kept inside the image at the edges, whatever the focal point says.
    assert crop_box(1600, 900, (1, 1), 1.0, 0.5) == (700, 0, 1600, 900)
    assert crop_box(1600, 900, (1, 1), 0.0, 0.5) == (0, 0, 900, 900)
    # A portrait source: full width, moved vertically.
    assert crop_box(900, 1600, (16, 9), 0.5, 0.0) == (0, 0, 900, 506)
    assert crop_box(900, 1600, (16, 9), 0.5, 1.0) == (0, 1094, 900, 1600)
    assert crop_box(900, 1600, (4, 3), 0.5, 0.25) == (0, 62, 900, 737)


# --- Rendering and privacy -------------------------------------------------------------------------


def test_renditions_apply_exif_orientation_and_strip_every_metadata():
    data = files.camera_jpeg(files.halves((400, 200)), orientation=6)
    source = Image.open(io.BytesIO(data))
    assert source.getexif()[0x0112] == 6
    assert source.getexif().get_ifd(0x8825)
    assert "icc_profile" in source.info
    assert "xmp" in source.info

    rendered = renditions_render(io.BytesIO(data))

    # Orientation 6 means "rotate 90° clockwise to display": 400×200 stored is 200×400 shown,
    # and the stored left half (red) becomes the top half.
    assert (rendered.width, rendered.height) == (200, 400)
    for item in rendered.files():
        img = Image.open(io.BytesIO(item.content))
        img.load()
        assert img.size == (item.width, item.height)
        assert len(img.getexif()) == 0, item.filename
        assert not img.getexif().get_ifd(0x8825), item.filename
        assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(img.info), item.filename
        assert files.CAMERA_MAKE.encode() not in item.content
        assert b"SecretTown" not in item.content
        assert b"Exif\x00\x00" not in item.content
        if img.format == "JPEG":
            assert [marker for marker, _ in img.applist] == ["APP0"], item.filename  # JFIF only
        else:
            assert img.format == "WEBP"
            assert not {b"EXIF", b"XMP ", b"ICCP"} & {item.content[i : i + 4] for i in range(12, len(item.content), 2)}
    portrait = Image.open(io.BytesIO(rendered.widths["jpeg"][-1].content)).convert("RGB")
    assert portrait.size == (200, 400)
    assert close_to(portrait.getpixel((100, 100)), files.RED)
    assert close_to(portrait.getpixel((100, 300)), files.BLUE)


@pytest.mark.parametrize(
    ("orientation", "size", "top_colour"),
    [(1, (400, 200), None), (3, (400, 200), None), (8, (200, 400), files.BLUE)],
)
def test_other_orientations(orientation, size, top_colour):
    data = files.camera_jpeg(files.halves((400, 200)), orientation=orientation)
    rendered = renditions_render(io.BytesIO(data))
    img = Image.open(io.BytesIO(rendered.widths["jpeg"][-1].content)).convert("RGB")
    assert img.size == size
    if orientation == 1:
        assert close_to(img.getpixel((50, 100)), files.RED)
    elif orientation == 3:  # rotated 180°: red ends up on the right
        assert close_to(img.getpixel((50, 100)), files.BLUE)
    else:  # 8: rotate 90° counter-clockwise, the stored right half (blue) comes on top
        assert close_to(img.getpixel((100, 100)), top_colour)


def test_transparent_png_is_flattened_on_white():
    img = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    img.paste((20, 40, 220, 255), (0, 0, 200, 300))
    rendered = renditions_render(io.BytesIO(files.encode(img, "PNG")))
    out = Image.open(io.BytesIO(rendered.widths["jpeg"][-1].content)).convert("RGB")
    assert close_to(out.getpixel((300, 150)), (255, 255, 255), tolerance=8)
    assert close_to(out.getpixel((100, 150)), files.BLUE)


def test_cmyk_and_greyscale_sources_give_rgb_renditions():
    for img in (Image.new("CMYK", (500, 300), (0, 255, 255, 0)), Image.new("L", (500, 300), 90)):
        rendered = renditions_render(io.BytesIO(files.encode(img, "JPEG")))
        for item in rendered.files():
            assert Image.open(io.BytesIO(item.content)).mode == "RGB"


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped():
    data = files.encode(Image.new("I;16", (400, 300), 40000), "PNG")
    out = Image.open(io.BytesIO(renditions_render(io.BytesIO(data)).widths["jpeg"][0].content))
    assert out.mode == "RGB"
    assert close_to(out.getpixel((10, 10)), (156, 156, 156), tolerance=3)  # 40000 / 256, not white


def test_large_jpeg_keeps_full_size_renditions_and_crops():
    # Big enough for libjpeg's reduced decoding to kick in; outputs must not shrink.
    data = files.encode(Image.new("RGB", (4800, 3200), (90, 120, 150)), "JPEG", quality=70)
    rendered = renditions_render(io.BytesIO(data))
    assert (rendered.width, rendered.height) == (4800, 3200)
    assert [f.width for f in rendered.widths["jpeg"]] == [320, 640, 768, 960, 1280, 1920]
    assert [(f.width, f.height) for f in rendered.widths["webp"]][-1] == (1920, 1280)
    assert {k: (c.width, c.height) for k, c in rendered.crops.items()} == {
        "16x9": (1200, 675),
        "4x3": (1200, 900),
        "1x1": (1200, 1200),
    }


def test_crops_follow_the_focal_point():
    data = files.encode(files.marker_at_right((1600, 900)), "PNG")
    right = renditions_render(io.BytesIO(data), focal_x=0.97, focal_y=0.5).crops["1x1"]
    left = renditions_render(io.BytesIO(data), focal_x=0.05, focal_y=0.5).crops["1x1"]
    assert (right.width, right.height) == (900, 900)
    right_img = Image.open(io.BytesIO(right.content)).convert("RGB")
    left_img = Image.open(io.BytesIO(left.content)).convert("RGB")
    assert close_to(right_img.getpixel((870, 450)), files.YELLOW)
    assert not any(close_to(left_img.getpixel((x, 450)), files.YELLOW) for x in range(0, 900, 10))


def test_render_refuses_non_images_with_a_rendition_error():
    with pytest.raises(PhotoRenditionError):
        renditions_render(io.BytesIO(b"definitely not a picture"))
    with pytest.raises(PhotoRenditionError):
        renditions_render(io.BytesIO(files.truncated(files.noise_jpeg())))


# --- Services: building, storing, rebuilding -----------------------------------------------------


@pytest.mark.django_db
def test_photo_create_stores_renditions_with_documented_shape(settings):
    photo = create(files.encode(Image.new("RGB", (1600, 900), (30, 90, 160)), "JPEG"), focal_x=0.3, focal_y=0.6)
    photo.refresh_from_db()
    r = photo.renditions
    assert r["shape"] == 1
    assert r["source"] == {"name": photo.image.name, "focal_x": 0.3, "focal_y": 0.6}
    assert (r["width"], r["height"]) == (1600, 900) == (photo.width, photo.height)
    assert [i["width"] for i in r["widths"]["webp"]] == [320, 640, 768, 960, 1280, 1600]
    assert [i["width"] for i in r["widths"]["jpeg"]] == [320, 640, 768, 960, 1280, 1600]
    assert set(r["crops"]) == set(CROP_RATIOS)
    for item in [*r["widths"]["webp"], *r["widths"]["jpeg"], *r["crops"].values()]:
        assert item["name"].startswith(f"renditions/{photo.pk}/")
        img = open_stored(item["name"])
        assert img.size == (item["width"], item["height"])
        assert img.format == ("WEBP" if item["name"].endswith(".webp") else "JPEG")
    assert (r["crops"]["16x9"]["width"], r["crops"]["16x9"]["height"]) == (1200, 675)
    assert (r["crops"]["4x3"]["width"], r["crops"]["4x3"]["height"]) == (1200, 900)
    assert (r["crops"]["1x1"]["width"], r["crops"]["1x1"]["height"]) == (900, 900)  # never upscaled
    assert sorted(media_files(settings)) == sorted([photo.image.name, *renditions_file_names(r)])


@pytest.mark.django_db
def test_rotated_camera_photo_gets_displayed_size_and_clean_files():
    photo = create(files.camera_jpeg(files.halves((400, 200)), orientation=6))
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (200, 400)  # as displayed, not as stored
    assert photo_display_size(photo) == (200, 400)
    for name in renditions_file_names(photo.renditions):
        data = stored_bytes(name)
        assert files.CAMERA_MAKE.encode() not in data
        assert b"Exif\x00\x00" not in data
        assert len(open_stored(name).getexif()) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["factory", "shell"])
def test_every_save_path_gets_renditions(path):
    if path == "factory":
        photo = PhotoFactory()
    else:
        photo = Photo(image=make_image_file(name="shell.png", fmt="PNG", size=(700, 400)), alt_text="A field")
        photo.save()
    photo.refresh_from_db()
    assert photo.renditions["source"]["name"] == photo.image.name
    assert all(default_storage.exists(name) for name in renditions_file_names(photo.renditions))


@pytest.mark.django_db
def test_photo_create_accepts_a_path_and_fixes_a_lying_extension(tmp_path):
    path = tmp_path / "looks-like.jpg"
    path.write_bytes(files.encode(Image.new("RGB", (500, 300), "white"), "PNG"))
    photo = photo_create(image=str(path), caption="", credit="", alt_text="A white frame")
    assert photo.image.name.endswith("looks-like.png")
    assert open_stored(photo.image.name).format == "PNG"


@pytest.mark.django_db
def test_caption_edits_do_not_rebuild(django_assert_num_queries):
    photo = PhotoFactory()
    before = dict(photo.renditions)
    stamps = {name: default_storage.get_modified_time(name) for name in renditions_file_names(before)}
    photo.caption = "A new caption"
    photo.credit = "Another credit"
    with django_assert_num_queries(1):  # the UPDATE, nothing else: no snapshot, no rebuild
        photo.save()
    photo.refresh_from_db()
    assert photo.renditions == before
    assert {name: default_storage.get_modified_time(name) for name in stamps} == stamps


@pytest.mark.django_db
def test_focal_point_change_rebuilds_crops_and_deletes_old_files(django_capture_on_commit_callbacks):
    photo = create(files.encode(files.marker_at_right((1600, 900)), "PNG"), name="marker.png")
    old_names = renditions_file_names(photo.renditions)
    with django_capture_on_commit_callbacks(execute=True):
        photo.focal_x = 0.97
        photo.save()
    photo.refresh_from_db()
    new_names = renditions_file_names(photo.renditions)
    assert photo.renditions["source"]["focal_x"] == 0.97
    assert not set(old_names) & set(new_names)
    assert not any(default_storage.exists(name) for name in old_names)
    assert all(default_storage.exists(name) for name in new_names)
    crop = open_stored(photo.renditions["crops"]["1x1"]["name"]).convert("RGB")
    assert close_to(crop.getpixel((870, 450)), files.YELLOW)


@pytest.mark.django_db
def test_new_image_rebuilds_and_releases_the_old_files(settings, django_capture_on_commit_callbacks):
    photo = PhotoFactory()
    old_original, old_names = photo.image.name, renditions_file_names(photo.renditions)
    with django_capture_on_commit_callbacks(execute=True):
        photo.image = make_image_file(name="replacement.jpg", size=(800, 1000))
        photo.save()
    photo.refresh_from_db()
    assert photo.renditions["source"]["name"] == photo.image.name != old_original
    assert (photo.width, photo.height) == (800, 1000)
    assert sorted(media_files(settings)) == sorted([photo.image.name, *renditions_file_names(photo.renditions)])
    assert not default_storage.exists(old_original)
    assert not any(default_storage.exists(name) for name in old_names)


@pytest.mark.django_db
def test_forced_rebuild_keeps_working_urls(django_capture_on_commit_callbacks):
    photo = PhotoFactory()
    with django_capture_on_commit_callbacks(execute=True):
        renditions = photo_renditions_build(photo=photo)
    photo.refresh_from_db()
    assert photo.renditions == renditions
    assert all(default_storage.exists(name) for name in renditions_file_names(renditions))


@pytest.mark.django_db
def test_delete_removes_renditions_and_original(settings, django_capture_on_commit_callbacks):
    photo = PhotoFactory()
    assert media_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert media_files(settings) == []
    assert not any((Path(settings.MEDIA_ROOT) / "renditions").rglob("*"))  # no empty folders left either


# --- Nothing half-saved -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_shell_save_of_a_non_image_leaves_no_row_and_no_file(settings):
    photo = Photo(image=SimpleUploadedFile("fake.jpg", b"GIF89a but not really"), alt_text="Nothing")
    with pytest.raises(PhotoRenditionError):
        photo.save()
    assert Photo.objects.count() == 0
    assert photo.pk is None
    assert media_files(settings) == []


@pytest.mark.django_db
def test_storage_failure_during_photo_create_leaves_no_row_and_no_file(settings):
    # A file where the renditions folder should be: every rendition write fails for real.
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True)
    (root / "renditions").write_bytes(b"in the way")
    with pytest.raises(OSError, match="Not a directory"):
        create(files.encode(Image.new("RGB", (800, 600), "navy"), "JPEG"))
    assert Photo.objects.count() == 0
    assert media_files(settings) == ["renditions"]


@pytest.mark.django_db
def test_failure_half_way_through_a_rebuild_restores_the_photo(settings):
    photo = create(files.encode(Image.new("RGB", (900, 600), "teal"), "JPEG"))
    before = {"focal": (photo.focal_x, photo.focal_y), "renditions": photo.renditions, "image": photo.image.name}
    # Block only the crops sub-folder of the next build: the width renditions get written first.
    folder = Path(settings.MEDIA_ROOT) / "renditions" / str(photo.pk)
    folder /= renditions_version(name=photo.image.name, focal_x=0.1, focal_y=0.9)
    folder.mkdir(parents=True)
    (folder / "crops").write_bytes(b"in the way")
    photo.focal_x, photo.focal_y = 0.1, 0.9
    with pytest.raises(FileExistsError):
        photo.save()
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == before["focal"]
    assert photo.renditions == before["renditions"]
    assert photo.image.name == before["image"]
    assert sorted(os.listdir(folder)) == ["crops"]  # the widths written before the failure are gone
    assert all(default_storage.exists(name) for name in renditions_file_names(before["renditions"]))


@pytest.mark.django_db
def test_replacing_with_a_broken_image_restores_the_previous_one(settings):
    photo = PhotoFactory()
    before = (photo.image.name, photo.width, photo.height, photo.renditions)
    photo.image = SimpleUploadedFile("broken.jpg", files.truncated(files.noise_jpeg()))
    with pytest.raises(PhotoRenditionError):
        photo.save()
    photo.refresh_from_db()
    assert (photo.image.name, photo.width, photo.height, photo.renditions) == before
    assert sorted(media_files(settings)) == sorted([before[0], *renditions_file_names(before[3])])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"alt_text": ""}, "alt_text"), ({"focal_x": 1.5}, "focal_x"), ({"focal_y": -0.1}, "focal_y")],
)
def test_photo_create_validates_fields_before_writing(settings, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        create(files.encode(Image.new("RGB", (500, 300), "white"), "JPEG"), **kwargs)
    assert field in excinfo.value.message_dict
    assert Photo.objects.count() == 0
    assert media_files(settings) == []


# --- validate_image_upload with real crafted files ------------------------------------------------


def refused(data: bytes, name="upload.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(ContentFile(data, name=name))
    return excinfo.value


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WebP")],
)
def test_accepts_jpeg_png_webp(fmt, expected):
    upload = ContentFile(files.encode(Image.new("RGB", (300, 200), "olive"), fmt), name="x")
    assert validate_image_upload(upload) == expected
    assert upload.tell() == 0  # rewound for whoever reads it next


def test_accepts_camera_jpeg_with_metadata():
    assert validate_image_upload(ContentFile(files.camera_jpeg(), name="camera.jpg")) == "JPEG"


def test_refuses_non_images():
    error = refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20, name="report.jpg")
    assert error.code == "not_an_image"
    assert "not an image" in error.messages[0]


def test_refuses_empty_files():
    assert refused(b"").code == "empty"


@pytest.mark.parametrize("keep", [0.3, 0.7, 0.95])
def test_refuses_truncated_jpeg(keep):
    error = refused(files.truncated(files.noise_jpeg(), keep))
    assert error.code == "corrupt"
    assert "truncated" in error.messages[0]


def test_refuses_truncated_png():
    png = files.encode(Image.effect_noise((400, 300), 80), "PNG")
    assert refused(files.truncated(png, 0.5), name="x.png").code == "corrupt"


def test_refuses_images_over_the_pixel_limit(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    error = refused(files.encode(Image.new("RGB", (1200, 1000), "white"), "PNG"), name="big.png")
    assert error.code == "too_many_pixels"
    assert "1200 × 1000" in error.messages[0]


def test_refuses_a_crafted_decompression_bomb():
    # 100,000 × 100,000 declared in a file of a few dozen bytes: Pillow's own bomb error.
    bomb = files.png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    assert refused(bomb, name="bomb.png").code == "too_many_pixels"


def test_pillow_bomb_warning_is_an_error(settings):
    # Above Pillow's warning threshold (~89 Mpx) but below its hard error; our limit set higher still.
    settings.PHOTO_MAX_PIXELS = 10**9
    error = refused(files.png_claiming(10_000, 10_000), name="bomb.png")
    assert error.code == "too_many_pixels"


def test_refuses_oversized_files(settings):
    data = files.noise_jpeg((600, 400))
    settings.PHOTO_MAX_UPLOAD_BYTES = len(data) - 1
    error = refused(data)
    assert error.code == "too_large"
    assert "limit" in error.messages[0]


@pytest.mark.parametrize(
    "data",
    [
        files.SVG,
        b"\xef\xbb\xbf  \n" + files.SVG,
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!-- a comment first -->\n<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_refuses_svg_even_named_as_jpeg(data):
    error = refused(data, name="innocent.jpg")
    assert error.code == "svg"
    assert "SVG" in error.messages[0]


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_refuses_other_formats(fmt, name):
    error = refused(files.encode(Image.new("RGB", (50, 50), "red"), fmt), name="x.jpg")
    assert error.code == "format"
    assert error.messages[0].startswith(name)


# --- Read helpers ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_read_helpers_turn_renditions_into_urls():
    photo = PhotoFactory()
    srcset = photo_srcset(photo, "webp")
    entries = [entry.rsplit(" ", 1) for entry in srcset.split(", ")]
    assert [w for _, w in entries] == ["320w", "640w", "768w", "960w", "1280w", "1600w"]
    assert all(url.startswith("/media/renditions/") and url.endswith(".webp") for url, _ in entries)
    assert photo_srcset(photo, "jpeg").count(".jpg ") == 6
    crop = photo_crop(photo, "16x9")
    assert (crop["width"], crop["height"]) == (1200, 675)
    assert crop["url"] == default_storage.url(photo.renditions["crops"]["16x9"]["name"])
    assert photo_crop_url(photo, "1x1") == default_storage.url(photo.renditions["crops"]["1x1"]["name"])
    with pytest.raises(ValueError, match="ratio"):
        photo_crop(photo, "21x9")
    with pytest.raises(ValueError, match="format"):
        photo_srcset(photo, "avif")


@pytest.mark.django_db
def test_read_helpers_without_renditions():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(renditions={})
    photo.refresh_from_db()
    assert photo_srcset(photo, "webp") == ""
    assert photo_crop(photo, "16x9") is None
    assert photo_crop_url(photo, "4x3") is None
    assert photo_crop_url(None, "4x3") is None


# --- photo_renditions command ---------------------------------------------------------------------


@pytest.mark.django_db
def test_photo_renditions_command_builds_rows_written_around_save(django_capture_on_commit_callbacks):
    from django.core.management import CommandError, call_command

    name = default_storage.save("photos/bulk.jpg", ContentFile(files.encode(Image.new("RGB", (700, 400), "red"))))
    (bulk,) = Photo.objects.bulk_create([Photo(image=name, alt_text="Bulk-loaded")])  # no signals
    fresh = PhotoFactory()
    broken = Photo.objects.bulk_create([Photo(image="photos/missing.jpg", alt_text="Gone", width=1, height=1)])[0]

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 photo"), django_capture_on_commit_callbacks(execute=True):
        call_command("photo_renditions", stdout=out, stderr=err)
    assert "1 built, 1 already up to date, 1 failed" in out.getvalue()
    assert f"photo {broken.pk}:" in err.getvalue()
    bulk.refresh_from_db()
    assert [i["width"] for i in bulk.renditions["widths"]["jpeg"]] == [320, 640, 700]
    assert all(default_storage.exists(n) for n in renditions_file_names(bulk.renditions))

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("photo_renditions", "--all", "--id", str(fresh.pk), stdout=out)
    assert "1 built, 0 already up to date, 0 failed" in out.getvalue()
    fresh.refresh_from_db()
    assert all(default_storage.exists(n) for n in renditions_file_names(fresh.renditions))


@pytest.mark.parametrize("media_url", ["/media/", "https://cdn.example.com/news/media/"])
@pytest.mark.parametrize(
    "name",
    [
        "renditions/12/0a1b2c3d4e5f/w320.webp",
        "renditions/12/0a1b2c3d4e5f/crops/16x9.jpg",
        "photos/2026/01/caf\u00e9 photo.jpg",
        "photos/../secret.jpg",
        "photos/./x.jpg",
        "a//b.jpg",
        "photos/100%.jpg",
    ],
)
def test_rendition_url_matches_the_storage(settings, media_url, name):
    from articles.photos import rendition_url

    settings.MEDIA_URL = media_url
    assert rendition_url(name) == default_storage.url(name)


def test_a_broken_icc_profile_does_not_refuse_the_photo():
    data = files.encode(Image.new("RGB", (400, 300), files.BLUE), "JPEG", icc_profile=b"not a real profile" * 10)
    assert validate_image_upload(ContentFile(data, name="x.jpg")) == "JPEG"
    out = Image.open(io.BytesIO(renditions_render(io.BytesIO(data)).widths["jpeg"][0].content))
    assert "icc_profile" not in out.info
    assert close_to(out.getpixel((10, 10)), files.BLUE)


# --- Shapes: tall, thin, huge (issue 9 item 5) ------------------------------------------------------


def admin_upload(client, data: bytes, name: str, content_type: str = "image/png"):
    return client.post(
        reverse("admin:articles_photo_add"),
        {
            "image": files.upload(data, name, content_type),
            "caption": "How the harbour grew, 1900-2025.",
            "credit": "Graphics desk",
            "alt_text": "A timeline of the harbour's growth",
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )


def test_tall_infographic_uploaded_in_the_admin_gets_jpeg_renditions_that_fit(admin_client):
    # 800 × 30,000: every width is taller than WebP's 16,383-pixel limit allows.
    response = admin_upload(admin_client, files.png_solid(800, 30_000), "infographic.png")

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (800, 30_000)
    sizes = [(item["width"], item["height"]) for item in photo.renditions["widths"]["jpeg"]]
    assert sizes == [(320, 12_000), (640, 24_000), (768, 28_800), (800, 30_000)]
    assert "webp" not in photo.renditions["widths"]
    assert photo_srcset(photo, "webp") == ""
    assert photo_srcset(photo, "jpeg").endswith(" 800w")
    assert {key: (c["width"], c["height"]) for key, c in photo.renditions["crops"].items()} == {
        "16x9": (800, 450),
        "4x3": (800, 600),
        "1x1": (800, 800),
    }
    assert open_stored(photo.renditions["widths"]["jpeg"][-1]["name"]).size == (800, 30_000)
    picture = str(photo_picture_tag(photo))
    assert "image/webp" not in picture
    assert " 800w" in picture


@pytest.mark.parametrize(
    ("width", "height", "webp"),
    [(400, 16_383, True), (400, 16_384, False), (16_384, 400, True)],  # wide ones are scaled down anyway
)
def test_webp_renditions_only_when_every_width_fits_webp(width, height, webp):
    rendered = renditions_render(io.BytesIO(files.png_solid(width, height)))
    assert ("webp" in rendered.widths) is webp
    assert rendered.widths["jpeg"][-1].width == min(width, 1920)
    assert all(max(f.width, f.height) <= 16_383 for f in rendered.widths.get("webp", []))


@pytest.mark.parametrize(
    ("width", "height", "code", "text"),
    [
        (40_000, 1, "aspect_ratio", "at most 50 times its short side"),
        (1, 600, "aspect_ratio", "at most 50 times its short side"),
        (1, 40_000_000, "too_many_pixels", "the limit is 25 megapixels"),
    ],
)
def test_absurd_shapes_get_a_form_error_that_states_the_limit(admin_client, width, height, code, text):
    response = admin_upload(admin_client, files.png_solid(width, height, "L"), "line.png")

    assert response.status_code == 200
    errors = " ".join(li.get_text() for li in BeautifulSoup(response.content, "html.parser").select(".errorlist li"))
    assert f"{width} × {height}" in errors
    assert text in errors
    assert validate_error(files.png_solid(width, height, "L")).code == code
    assert not Photo.objects.exists()


def validate_error(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(ContentFile(data, name="x.png"))
    return excinfo.value


def test_a_side_over_the_jpeg_limit_is_refused_even_under_a_raised_pixel_limit(settings):
    settings.PHOTO_MAX_PIXELS = 10**9
    error = validate_error(files.png_claiming(66_000, 1_320))  # 1:50, 87 Mpx (under Pillow's bomb warning)
    assert error.code == "too_long"
    assert "65,535" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("1x40000000.png", lambda: files.png_solid(1, 40_000_000, "L"), "too_many_pixels"),
        ("40000x1.png", lambda: files.png_solid(40_000, 1), "aspect_ratio"),
        ("16384x16384.png", lambda: files.png_claiming(16_384, 16_384), "too_many_pixels"),
        ("800x30000.png", lambda: files.png_solid(800, 30_000), [800, 30_000]),
        ("1000x25000-rgba.png", lambda: files.png_solid(1_000, 25_000, "RGBA"), [1_000, 25_000]),
        ("5000x5000-rgba.png", lambda: files.png_solid(5_000, 5_000, "RGBA"), [1_920, 1_920]),
        (
            "5000x5000-rotated.jpg",
            lambda: files.encode(Image.new("RGB", (5_000, 5_000), files.GREY), exif=files.camera_exif(6)),
            [1_920, 1_920],
        ),
    ],
)
def test_any_upload_within_the_limits_stays_under_300_mb(tmp_path, name, make, expected):
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 2 * 1024 * 1024  # made compactly, like an attacker would

    report = upload_peak_memory(path)  # default limits: no NEWSROOM_PHOTO_* in the child

    assert "crash" not in report
    if isinstance(expected, str):
        assert report.get("error") == expected
    else:
        assert "error" not in report
        assert report["widths"]["jpeg"][-1] == expected
    assert report["peak_kb"] < 300 * 1024, f"{name}: peak RSS {report['peak_kb'] // 1024} MB"


# --- Stored originals carry no location (issue 9 item 6) --------------------------------------------


def shell_save(data: bytes, name: str) -> Photo:
    photo = Photo(image=files.upload(data, name), caption="", credit="", alt_text="Harbour")
    photo.save()
    return Photo.objects.get(pk=photo.pk)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("camera.jpg", lambda: files.with_iptc(files.camera_jpeg(files.halves((400, 200)), orientation=6))),
        ("camera.png", lambda: files.camera_png(files.halves((400, 200)), orientation=6)),
        ("camera.webp", lambda: files.camera_webp(files.halves((400, 200)), orientation=6)),
    ],
)
@pytest.mark.parametrize("save", ["photo_create", "model_save"])
@pytest.mark.django_db
def test_stored_original_is_upright_and_has_no_location_metadata(name, make, save):
    data = make()
    assert b"SecretTown" in data
    assert files.CAMERA_MAKE.encode() in data
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # GPS

    photo = create(data, name) if save == "photo_create" else shell_save(data, name)

    stored = stored_bytes(photo.image.name)
    original = open_stored(photo.image.name)
    assert original.format == Image.open(io.BytesIO(data)).format
    assert len(original.getexif()) == 0  # no orientation left to apply twice, no GPS IFD
    assert not original.getexif().get_ifd(0x8825)
    for secret in (b"SecretTown", files.CAMERA_MAKE.encode(), b"Exif\x00\x00", b"eXIf", b"Photoshop 3.0"):
        assert secret not in stored, secret
    assert b"ns.adobe.com/xap" not in stored
    assert b"XML:com.adobe.xmp" not in stored
    assert not {"exif", "xmp", "photoshop", "comment", "XML:com.adobe.xmp", "Location"} & set(original.info)
    assert original.info.get("icc_profile") == Image.open(io.BytesIO(data)).info["icc_profile"]  # colours kept
    # Orientation 6 applied: 400 × 200 stored sideways is 200 × 400 upright, the red half on top.
    assert original.size == (200, 400) == (photo.width, photo.height)
    upright = original.convert("RGB")
    assert close_to(upright.getpixel((100, 100)), files.RED)
    assert close_to(upright.getpixel((100, 300)), files.BLUE)


@pytest.mark.django_db
def test_clean_jpeg_original_keeps_its_quality():
    data = files.encode(Image.effect_noise((600, 400), 60).convert("RGB"), quality=90, exif=files.camera_exif(1))
    photo = create(data)
    stored = open_stored(photo.image.name)
    source = Image.open(io.BytesIO(data))
    # Same quantisation tables: re-encoding costs no quality step.
    assert stored.quantization == source.quantization
    assert len(stored.getexif()) == 0
