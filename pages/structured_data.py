"""The site's ``NewsMediaOrganization`` (schema.org), naming its published trust pages."""

from articles.structured_data import absolute_url, publisher_json_ld
from pages.models import TrustPage

# The schema.org properties each kind of page is (https://schema.org/NewsMediaOrganization).
# Privacy and terms have no property of their own: they are listed as the organization's pages.
PROPERTIES = {
    TrustPage.Kind.ABOUT: ("publishingPrinciples", "ownershipFundingInfo", "masthead"),
    TrustPage.Kind.CONTACT: ("actionableFeedbackPolicy",),
    TrustPage.Kind.CORRECTIONS_POLICY: ("correctionsPolicy", "verificationFactCheckingPolicy"),
}


def organization_json_ld(*, pages: list[TrustPage], base_url: str) -> dict:
    """``NewsMediaOrganization`` with the publisher's name, URL and logo and a URL for each page's property."""
    data = {
        "@context": "https://schema.org",
        # The front page's WebSite names its publisher by this id (articles.structured_data_site).
        "@id": f"{absolute_url('/', base_url=base_url)}#organization",
        **publisher_json_ld(base_url=base_url),
        "@type": "NewsMediaOrganization",
    }
    for page in pages:
        url = absolute_url(page.get_absolute_url(), base_url=base_url)
        for name in PROPERTIES.get(page.kind, ()):
            data[name] = url
        if page.kind == TrustPage.Kind.CONTACT:
            data["contactPoint"] = {"@type": "ContactPoint", "contactType": "newsroom", "url": url}
    return data
