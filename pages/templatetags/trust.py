"""Template helpers of the trust pages, for the reader pages' Jinja2 environment (``newsroom.templating``).

- ``footer_links()``: the published trust pages and the sections, for ``includes/footer.html``
  (rendered once per page-cache generation by ``site_footer``);
- ``organization_json_ld()``: the ``NewsMediaOrganization`` script naming those pages;
- ``front_page_organization()``: the same script for the front page, cached per generation like the footer.
"""

from django.utils.safestring import SafeString
from jinja2 import pass_context

from articles.selectors import section_list_for_nav
from articles.structured_data import base_url_for, json_ld_script
from newsroom.caching.fragments import fragment_cached
from pages.selectors import trust_page_list_published
from pages.structured_data import organization_json_ld as organization_data


def footer_links() -> dict:
    """The footer's lists: published trust pages (footer order) and sections (navigation order). Two queries."""
    return {"pages": trust_page_list_published(), "sections": section_list_for_nav()}


@pass_context
def organization_json_ld(context, pages=None) -> SafeString:
    """The site's ``NewsMediaOrganization`` as a JSON-LD script (one query unless ``pages`` is given)."""
    if pages is None:
        pages = trust_page_list_published()
    return json_ld_script(organization_data(pages=list(pages), base_url=base_url_for(context.get("request"))))


@pass_context
def front_page_organization(context) -> SafeString:
    """The front page's ``NewsMediaOrganization`` script, naming the trust pages.

    Rendered once per page-cache generation (a trust page's save starts a new
    one, as for the footer), so a front-page render adds no query on a hit.
    """
    request = context.get("request")
    base_url = base_url_for(request)
    return fragment_cached(
        "organization",
        base_url,
        request=request,
        render=lambda: str(
            json_ld_script(organization_data(pages=list(trust_page_list_published()), base_url=base_url))
        ),
    )
