from django.http import HttpResponse


def page_view_beacon(request):
    """POST endpoint the article page's beacon reports a view to. PLACEHOLDER."""
    return HttpResponse(status=204)


def ranking_page(request):
    """The /ranking/ page: every window, site-wide and per section. PLACEHOLDER."""
    return HttpResponse(status=501)
