"""In chromium: opening an article counts one view; a reload and a crawler add nothing."""

import pytest

from articles.tests.factories import ArticleFactory
from rankings.models import RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import GOOGLEBOT_UA, READER_UA, counted_views, rejected, wait_for

Reason = RejectedViewHourly.Reason
counter_backend = beacon_support.counter_backend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(browser, url, *, user_agent):
    context = browser.new_context(user_agent=user_agent, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    beacons = []
    page.on("request", lambda req: beacons.append(req) if req.url.endswith("/rankings/beacon") else None)
    page.goto(url)
    return context, page, errors, beacons


def test_a_reader_counts_once_a_reload_and_a_crawler_add_nothing(counter_backend, live_server, browser):
    article = ArticleFactory(headline="Harbour Bridge Reopens After Repairs")
    url = live_server.url + article.get_absolute_url()

    context, page, errors, beacons = _open(browser, url, user_agent=READER_UA)
    try:
        assert page.locator("script[data-endpoint][data-token]").count() == 1
        wait_for(lambda: counted_views(article) == 1, what="the first view to be counted")
        assert [b.method for b in beacons] == ["POST"]

        page.reload()
        wait_for(lambda: rejected(Reason.REPEAT) == 1, what="the reload's beacon to arrive")
        assert counted_views(article) == 1
        assert errors == []
    finally:
        context.close()

    context, page, errors, _ = _open(browser, url, user_agent=GOOGLEBOT_UA)
    try:
        wait_for(lambda: rejected(Reason.BOT) == 1, what="the crawler's beacon to be rejected")
        assert counted_views(article) == 1
        assert errors == []
    finally:
        context.close()


def test_headless_chrome_itself_is_treated_as_a_bot(live_server, browser, settings):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    context = browser.new_context()  # Playwright's default agent says "HeadlessChrome"
    try:
        page = context.new_page()
        page.goto(live_server.url + article.get_absolute_url())
        wait_for(lambda: rejected(Reason.BOT) == 1, what="the headless browser's beacon to be rejected")
        assert counted_views(article) == 0
    finally:
        context.close()
