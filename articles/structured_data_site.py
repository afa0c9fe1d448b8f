"""Site-level JSON-LD: ``Organization`` + ``WebSite`` (with its search action) on the front page,
``ProfilePage`` about a ``Person`` on author pages.

Article data (``NewsArticle``) lives in ``articles.structured_data``; the publisher
described here is the same ``publisher_json_ld``, so every page names one Organization.
Pure functions of their arguments: no query.
"""

from django.conf import settings
from django.urls import reverse

from articles.models import Author
from articles.structured_data import absolute_url, publisher_json_ld


def front_page_json_ld(*, base_url: str, organization: bool = True) -> list[dict]:
    """The publisher and the site, with a ``SearchAction`` pointing at ``/search/?q=``.

    ``organization=False`` leaves the publisher out, for a page that describes it
    itself (the front page's ``NewsMediaOrganization`` naming the trust pages,
    from ``pages``); the ``WebSite`` names it by the same ``@id`` either way.
    """
    home = absolute_url("/", base_url=base_url)
    search = absolute_url(reverse("articles:search"), base_url=base_url)
    website = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "@id": f"{home}#website",
        "name": settings.SITE_NAME,
        "url": home,
        "inLanguage": "en",
        "publisher": {"@id": f"{home}#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
    if not organization:
        return [website]
    return [
        {"@context": "https://schema.org", "@id": f"{home}#organization", **publisher_json_ld(base_url=base_url)},
        website,
    ]


def author_profile_json_ld(*, author: Author, base_url: str) -> dict:
    """A ``ProfilePage`` whose main entity is the author as a ``Person`` working for the publisher."""
    url = absolute_url(author.get_absolute_url(), base_url=base_url)
    person = {
        "@type": "Person",
        "@id": f"{url}#person",
        "name": author.name,
        "url": url,
        "worksFor": {"@type": "Organization", "name": settings.SITE_NAME, "url": absolute_url("/", base_url=base_url)},
    }
    if author.role:
        person["jobTitle"] = author.role
    if author.bio:
        person["description"] = " ".join(author.bio.split())
    return {"@context": "https://schema.org", "@type": "ProfilePage", "url": url, "mainEntity": person}
