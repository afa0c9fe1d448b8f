import re
from urllib.parse import parse_qsl

from csp.decorators import csp_exempt
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from newsroom.edge import edge_keys_add
from newsroom.rails import rail_seconds
from rankings import selectors as ranking_selectors
from rankings.models import RejectedViewHourly
from rankings.readers import client_ip, request_is_uncounted_staff, user_agent_is_bot
from rankings.services import page_view_record, page_view_reject

# A beacon is ~100 bytes ("a=<id>&t=<token>"); anything much larger is not ours.
BEACON_MAX_BODY = 2048
_ARTICLE_ID = re.compile(r"[0-9]{1,18}")


def _beacon_response(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


def _beacon_fields(body: bytes) -> tuple[int, str] | None:
    """(article id, token) from an ``a=<id>&t=<token>`` form body, or None when it is not one."""
    try:
        fields = dict(parse_qsl(body.decode("ascii"), max_num_fields=8, strict_parsing=False))
    except (UnicodeDecodeError, ValueError):
        return None
    article = fields.get("a", "")
    if not _ARTICLE_ID.fullmatch(article) or int(article) == 0:
        return None
    return int(article), fields.get("t", "")


@csrf_exempt  # the signed token is the proof; there is no session to protect
@csp_exempt()  # an empty 204 has nothing a policy could protect
@require_POST
def page_view_beacon(request):
    """The article page's beacon reports one view here (``navigator.sendBeacon``).

    Always quick and never a 500: 204 whether the view was counted or
    rejected (bots, bad tokens, repeats... are counted by reason, and the
    sender learns nothing), 400 for a body that is not a beacon, 413 for an
    oversized one, 405 for anything but POST.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _beacon_response(400)
    if length > BEACON_MAX_BODY:
        return _beacon_response(413)
    body = request.read(BEACON_MAX_BODY + 1)
    if len(body) > BEACON_MAX_BODY:
        return _beacon_response(413)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    fields = _beacon_fields(body)
    if fields is None:
        bot = user_agent_is_bot(user_agent)
        page_view_reject(reason=RejectedViewHourly.Reason.BOT if bot else RejectedViewHourly.Reason.BAD_TOKEN)
        return _beacon_response(400)
    article_id, token = fields
    page_view_record(
        article_id=article_id,
        token=token,
        user_agent=user_agent,
        client_ip=client_ip(request),
        is_staff=request_is_uncounted_staff(request),
    )
    return _beacon_response(204)


@require_safe
def ranking_page(request):
    """The /ranking/ page: one window's site-wide and per-section lists, windows as plain links.

    ``?window=`` names a configured window (default: the first); anything else is a 404.
    Two queries at most (sections, entries), whatever the number of sections.
    """
    windows = ranking_selectors.ranking_windows()
    window = request.GET.get("window") or ranking_selectors.ranking_window_default()
    if window not in windows:
        raise Http404("Unknown ranking window.")
    lists = ranking_selectors.ranking_page_lists(window=window)
    shown = [*lists.site, *(entry for ranking in lists.sections for entry in ranking.entries)]
    edge_keys_add(f"rank-{window}", *(f"a{entry.article_id}" for entry in shown))
    tabs = [
        {"window": name, "label": ranking_selectors.ranking_window_label(name), "current": name == window}
        for name in windows
    ]
    response = render(
        request,
        "rankings/ranking_page.html",
        {"lists": lists, "tabs": tabs, "window_label": ranking_selectors.ranking_window_label(window)},
    )
    # Lists, like the rails: kept by the page cache and the edge as briefly (newsroom.rails).
    patch_cache_control(response, public=True, max_age=0, s_maxage=rail_seconds())
    return response
