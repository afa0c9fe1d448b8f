"""The page-view beacon served at the WSGI level, ahead of Django's request cycle.

Every article view sends one beacon, so it is the hottest request of the site,
and for an anonymous reader it needs almost nothing of Django's request cycle:
no URL resolution, middleware, session, user, CSRF check (the view is exempt:
the signed token is its proof) or page cache. ``BeaconFastPath`` wraps the
WSGI application (``newsroom.wsgi``) and hands such a request, as Django's own
``WSGIRequest``, straight to the beacon view; the response gets the headers
``SecurityMiddleware`` would have added (and its redirect to HTTPS, when
configured), and an exception is answered as
Django answers it (``response_for_exception``: 400 for a bad Host header, the
500 handling otherwise). It skips the ``request_started``/``request_finished``
signals, whose receivers only recycle database connections: every other
request of the worker still does that, and the beacon's own statement
survives a dead connection (``articles.compiled.run_on_live_connection``).

Anything else, including a beacon carrying the session cookie (an editor, who
may have to be recognised as staff), goes to the wrapped application, where
``rankings.middleware.BeaconFastPathMiddleware`` short-cuts what it can (the
test client and ASGI come in that way too).
"""

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.middleware.security import SecurityMiddleware
from django.urls import get_script_prefix, reverse

from rankings.views import page_view_beacon


class BeaconRequest(WSGIRequest):
    """A ``WSGIRequest`` that does not parse the content type's parameters.

    The beacon reads its raw body and never ``request.POST``, so the charset
    of ``application/x-www-form-urlencoded;charset=UTF-8`` (what browsers send
    with ``navigator.sendBeacon``) is never used, and Django parses it with
    ``email.message``: 20 of the 27 microseconds it takes to build the request.
    Should Django rename the hook, the override is simply unused.
    """

    def _set_content_type_params(self, meta):
        self.content_type = meta.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()  # as Django has it
        self.content_params = {}


class BeaconFastPath:
    def __init__(self, application):
        self.application = application
        self.path = None
        self.security = None
        # SecurityMiddleware reads its settings once, and the path comes from the URLconf:
        # both are made again after a settings change (tests).
        setting_changed.connect(self._forget, weak=False)

    def _forget(self, **kwargs) -> None:
        self.path = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or not self._is_beacon(environ):
            return self.application(environ, start_response)
        # A substring test: a false alarm ("xsessionid=") only takes the ordinary path.
        if f"{settings.SESSION_COOKIE_NAME}=" in environ.get("HTTP_COOKIE", ""):
            return self.application(environ, start_response)
        request = BeaconRequest(environ)
        try:
            request.get_host()  # the Host check CommonMiddleware would make (DisallowedHost -> 400)
            # SecurityMiddleware's own answer first: the redirect to HTTPS (SECURE_SSL_REDIRECT).
            response = self.security.process_request(request) or page_view_beacon(request)
        except Exception as exc:  # noqa: BLE001 - handled exactly as Django's handler would
            response = response_for_exception(request, exc)
        response = self.security.process_response(request, response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    def _is_beacon(self, environ) -> bool:
        if self.path is None:
            # Resolved on the first POST, once the URLconf is loaded. PATH_INFO excludes the
            # deployment's script name, so the path is compared without any script prefix.
            prefix, url = get_script_prefix(), reverse("rankings:beacon")
            self.path = "/" + url[len(prefix) :] if url.startswith(prefix) else url
            self.security = SecurityMiddleware(lambda request: None)
        return environ.get("PATH_INFO") == self.path
