import factory

from pages.models import TrustPage


class TrustPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustPage
        django_get_or_create = ("kind",)

    kind = TrustPage.Kind.ABOUT
    title = factory.LazyAttribute(lambda page: TrustPage.Kind(page.kind).label)
    summary = "What this page is for."
    body = "<p>Some text.</p>"
