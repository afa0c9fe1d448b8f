"""{% photo_picture %}: responsive markup from stored renditions, zero queries, graceful without them."""

from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.template import Context, Template
from PIL import Image

from articles.models import Article, Photo
from articles.tests import imagefiles as files
from articles.tests.factories import ArticleFactory, PhotoFactory, make_image_file

pytestmark = pytest.mark.django_db

SIZES = "(min-width: 900px) 640px, 100vw"


class Elements(HTMLParser):
    """Start tags in document order, with their attributes (values unescaped)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def first(self, name: str) -> dict:
        return next(attrs for tag, attrs in self.tags if tag == name)


def render(template: str, **context) -> str:
    return Template("{% load photos %}" + template).render(Context(context))


def srcset_entries(srcset: str) -> list[tuple[str, int]]:
    entries = []
    for entry in srcset.split(", "):
        url, width = entry.rsplit(" ", 1)
        entries.append((url, int(width.rstrip("w"))))
    return entries


def test_picture_has_webp_source_and_jpeg_img():
    photo = PhotoFactory(alt_text="Boats in the harbour")
    html = render(f'{{% photo_picture photo sizes="{SIZES}" %}}', photo=photo)
    parsed = Elements(html)
    assert [tag for tag, _ in parsed.tags] == ["picture", "source", "img"]
    assert html.startswith("<picture>")
    assert html.endswith("</picture>")
    source, img = parsed.first("source"), parsed.first("img")
    assert source["type"] == "image/webp"
    assert source["sizes"] == img["sizes"] == SIZES
    assert img["alt"] == "Boats in the harbour"
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert "class" not in img
    for srcset, extension in ((source["srcset"], ".webp"), (img["srcset"], ".jpg")):
        entries = srcset_entries(srcset)
        assert [width for _, width in entries] == [320, 640, 768, 960, 1280, 1600]
        for url, width in entries:
            assert url.endswith(extension)
            name = url.removeprefix("/media/")
            with default_storage.open(name, "rb") as handle:
                assert Image.open(handle).width == width  # the descriptor tells the truth
    # src is a real rendition, and width/height are its size: the source's 16:9, no layout shift.
    assert img["src"].endswith("/w1280.jpg")
    assert (int(img["width"]), int(img["height"])) == (1280, 720)


def test_width_and_height_follow_exif_orientation():
    photo = Photo(image=files.upload(files.camera_jpeg(files.halves((400, 200)), 6), "phone.jpg"), alt_text="x")
    photo.save()
    img = Elements(render("{% photo_picture photo %}", photo=photo)).first("img")
    assert (int(img["width"]), int(img["height"])) == (200, 400)


def test_options_eager_class_and_alt_override():
    photo = PhotoFactory()
    img = Elements(render('{% photo_picture photo loading="eager" css_class="hero wide" alt="" %}', photo=photo)).first(
        "img"
    )
    assert img["loading"] == "eager"
    assert img["class"] == "hero wide"
    assert img["alt"] == ""
    img = Elements(render('{% photo_picture photo loading="onload=alert(1)" %}', photo=photo)).first("img")
    assert img["loading"] == "lazy"


def test_eager_photo_is_fetched_first_and_lazy_ones_are_not():
    """The eager photo is the page's largest paint: ``fetchpriority="high"``; lazy ones keep the default."""
    photo = PhotoFactory()
    assert (
        Elements(render('{% photo_picture photo loading="eager" %}', photo=photo)).first("img")["fetchpriority"]
        == "high"
    )
    assert "fetchpriority" not in Elements(render("{% photo_picture photo %}", photo=photo)).first("img")
    img = Elements(render('{% photo_picture photo loading="eager" fetchpriority="auto" %}', photo=photo)).first("img")
    assert img["fetchpriority"] == "auto"
    img = Elements(render('{% photo_picture photo fetchpriority="x onload=1" %}', photo=photo)).first("img")
    assert "fetchpriority" not in img


@pytest.mark.parametrize(
    "payload",
    [
        '"><script>alert(1)</script>',
        "' onerror='alert(1)",
        '<img src=x onerror="alert(1)">',
        'Tom & Jerry\'s "boat"',
    ],
)
def test_alt_text_and_arguments_are_escaped(payload):
    photo = PhotoFactory(alt_text=payload)
    html = render("{% photo_picture photo sizes=sizes css_class=cls %}", photo=photo, sizes=payload, cls=payload)
    assert "<script" not in html
    assert "onerror=" not in html.replace("onerror=&", "")  # only ever inside an escaped value
    parsed = Elements(html)
    assert [tag for tag, _ in parsed.tags] == ["picture", "source", "img"]
    img = parsed.first("img")
    assert img["alt"] == payload == img["class"] == img["sizes"]


def test_falls_back_to_the_original_without_renditions():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(renditions={})
    photo.refresh_from_db()
    html = render("{% photo_picture photo %}", photo=photo)
    parsed = Elements(html)
    assert [tag for tag, _ in parsed.tags] == ["picture", "img"]
    img = parsed.first("img")
    assert img["src"] == photo.image.url
    assert "srcset" not in img
    assert (int(img["width"]), int(img["height"])) == (1600, 900)
    assert img["alt"] == photo.alt_text


def test_renditions_of_an_unknown_shape_fall_back_too():
    photo = PhotoFactory()
    photo.renditions = {"shape": 99, "widths": {"jpeg": [{"name": "gone.jpg", "width": 1, "height": 1}]}}
    img = Elements(render("{% photo_picture photo %}", photo=photo)).first("img")
    assert img["src"] == photo.image.url


def test_nothing_to_show_renders_nothing():
    assert render("{% photo_picture photo %}", photo=None) == ""
    assert render("{% photo_picture photo %}", photo=Photo(alt_text="no image")) == ""


def test_crop_url_tag():
    photo = PhotoFactory()
    assert render('{% photo_crop_url photo "4x3" %}', photo=photo) == default_storage.url(
        photo.renditions["crops"]["4x3"]["name"]
    )
    assert render('{% photo_crop_url photo "1x1" %}', photo=None) == ""


def test_a_list_of_photos_costs_zero_queries(django_assert_num_queries):
    for n in range(4):
        ArticleFactory(lead_photo=PhotoFactory(image=make_image_file(size=(640 + n * 40, 360))))
    articles = list(Article.objects.for_listing().newest_first())
    assert len(articles) == 4
    template = '{% for a in articles %}{% photo_picture a.lead_photo sizes="240px" %}{% endfor %}'
    with django_assert_num_queries(0):
        html = render(template, articles=articles)
    assert html.count("<picture>") == 4
    assert html.count('type="image/webp"') == 4


def test_deferred_photo_fields_are_never_touched(django_assert_num_queries):
    photo = PhotoFactory()
    lean = Photo.objects.only("id", "image", "width", "height", "alt_text", "renditions").get(pk=photo.pk)
    with django_assert_num_queries(0):
        html = render("{% photo_picture photo %}{% photo_crop_url photo '16x9' %}", photo=lean)
    assert "<picture>" in html


def test_article_page_renders_with_and_without_renditions(client):
    article = ArticleFactory(lead_photo=PhotoFactory(image=make_image_file(size=(800, 450))))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'type="image/webp"' in html
    assert article.lead_photo.renditions["widths"]["jpeg"][0]["name"] in html

    Photo.objects.filter(pk=article.lead_photo_id).update(renditions={})  # no signal: clear the page cache
    cache.clear()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="image/webp"' not in html
    assert article.lead_photo.image.url in html
