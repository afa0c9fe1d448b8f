"""The site's own 404 and 500 pages in development too (``NEWSROOM_ERROR_PAGES_IN_DEBUG``).

With DEBUG on, Django answers a 404 or an exception with its technical pages,
whatever ``handler404``/``handler500`` say. ``make run`` turns this middleware on,
so the demo shows the pages readers get; the traceback of a 500 still goes to the
console log. Off (the default), it is not in the chain at all. With DEBUG off
Django already uses the handlers, so it changes nothing there either.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, MiddlewareNotUsed, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import Resolver404, resolve

logger = logging.getLogger("django.request")


class ErrorPagesMiddleware:
    """Renders ``articles.views.page_not_found`` / ``server_error`` where DEBUG would show Django's pages."""

    def __init__(self, get_response):
        if not (settings.DEBUG and settings.ERROR_PAGES_IN_DEBUG):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info)
            unresolved = False
        except Resolver404:
            unresolved = True
        response = self.get_response(request)
        # No URL matched (Django made its technical 404 before any view ran); APPEND_SLASH redirects stay.
        if unresolved and response.status_code == 404:
            from articles.views import page_not_found

            return page_not_found(request, Http404(request.path_info))
        return response

    def process_exception(self, request, exception):
        from articles.views import page_not_found, server_error

        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, (PermissionDenied, BadRequest, SuspiciousOperation)):
            return None  # Django answers these 403/400 with the handlers, DEBUG or not
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return server_error(request)
