"""The trust pages and the public corrections list: parse the request, call a selector, render."""

from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import render

from articles.views import CountedPaginator
from newsroom.edge import edge_keys_add

# Every page of the list carries it: a correction saved purges it (newsroom.invalidation).
from newsroom.invalidation import CORRECTIONS_KEY
from pages.models import TrustPage
from pages.selectors import correction_list_public, trust_page_for_kind, trust_page_list_published

CORRECTIONS_PER_PAGE = 20
# As deep as the other lists page (articles.views.MAX_PAGES): a count and an OFFSET of bounded cost.
CORRECTIONS_MAX_PAGES = 250


def trust_page_detail(request, kind: str):
    if kind not in TrustPage.Kind.values:
        raise Http404("No such page")
    page = trust_page_for_kind(kind=kind)
    if page is None:
        raise Http404("No such page")
    return render(request, "pages/trust_page.html", {"page": page, "trust_pages": trust_page_list_published()})


def corrections(request):
    # Every page of the list carries the key a correction saved purges (newsroom.invalidation).
    edge_keys_add(CORRECTIONS_KEY)
    queryset = correction_list_public()
    count = queryset.order_by()[: CORRECTIONS_PER_PAGE * CORRECTIONS_MAX_PAGES].count()
    # The capped count: deep pages cost what the first ones do.
    paginator = CountedPaginator(queryset, CORRECTIONS_PER_PAGE, count=count)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page") from exc
    page.object_list = list(page.object_list)  # evaluated here: the template runs no query
    trust_pages = trust_page_list_published()
    policy = next((p for p in trust_pages if p.kind == TrustPage.Kind.CORRECTIONS_POLICY), None)
    return render(request, "pages/corrections.html", {"page": page, "policy": policy, "trust_pages": trust_pages})
