"""factory_boy factories shared by every app's tests."""

import io
from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleUpdate, Author, Photo, Section


def make_image_file(*, name="photo.jpg", size=(1600, 900), color=(30, 90, 160), fmt="JPEG") -> SimpleUploadedFile:
    """A real image encoded by Pillow, as an upload."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


STAFF_PASSWORD = "irrelevant-pass-123"


def staff_user_create(username: str, group: str | None = None, *, password: str = STAFF_PASSWORD, **extra) -> User:
    """A staff account in one of the role groups ("Editor", "Reporter") or in none, read back from the database.

    Read back so that its permission caches start empty, as on a real request.
    """
    user = User.objects.create_user(username, password=password, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    role = "Staff Writer"


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    image = factory.LazyFunction(make_image_file)
    caption = factory.Sequence(lambda n: f"A harbour crane at dusk, number {n}.")
    credit = "Newsroom Staff"
    alt_text = "A crane silhouetted against an orange sky"


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article by default; pass status/published_at for others."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Council Approves Plan Number {n}")
    slug = factory.Sequence(lambda n: f"council-approves-plan-{n}")
    section = factory.SubFactory(SectionFactory)
    deck = "A short summary of what happened."
    body = "<p>First paragraph of the story.</p><p>Second paragraph.</p>"
    dateline = "TOKYO"
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.add(*extracted)


class ArticleUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleUpdate

    article = factory.SubFactory(ArticleFactory)
    kind = ArticleUpdate.Kind.UPDATE
    note = "Adds comments from the ministry."
