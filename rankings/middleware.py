"""A fast path for the page-view beacon, ahead of the rest of the middleware stack.

Every article view sends one beacon, so the endpoint is the hottest URL of the
site. An anonymous beacon needs none of what the stack does for pages: no
session, user, CSRF check (it is exempt), messages, page cache, CSP header or
URL resolution. This middleware, placed right after ``SecurityMiddleware``,
hands such a request straight to the view. Requests carrying the session
cookie (logged-in editors, who may have to be recognised as staff) take the
ordinary path through the whole stack.

Under gunicorn (``newsroom.wsgi``) anonymous beacons do not even reach Django's
handler: ``rankings.wsgi.BeaconFastPath`` serves them first. This middleware
is the short cut for the other ways in (ASGI, the test client).
"""

from django.conf import settings
from django.urls import reverse

from rankings.views import page_view_beacon


class BeaconFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.path = None

    def __call__(self, request):
        if self.path is None:
            self.path = reverse("rankings:beacon")
        if request.path_info == self.path and self.session_cookie not in request.COOKIES:
            # The Host check CommonMiddleware would have made (DisallowedHost -> 400).
            request.get_host()
            return page_view_beacon(request)
        return self.get_response(request)
