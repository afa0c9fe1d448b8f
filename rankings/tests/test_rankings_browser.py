"""In chromium: a counted view puts the article in the Access Ranking; a crawler shows in the admin chart."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import GOOGLEBOT_UA, READER_UA, counted_views, rejected, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def backend(settings):
    """The configured counter backend (database on SQLite, Redis on the production leg), isolated."""
    prefix = beacon_support.use_backend(settings, settings.RANKINGS["BACKEND"])
    yield settings.RANKINGS["BACKEND"]
    beacon_support.drop_redis_prefix(prefix, beacon_support.redis_url_for_tests())


def visit(browser, url, *, user_agent):
    context = browser.new_context(user_agent=user_agent, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    return context, page, errors


def test_a_read_article_enters_the_access_ranking_and_a_crawler_shows_in_the_admin(
    backend, live_server, browser, settings
):
    settings.RAIL_MAX_AGE = 3  # rails follow snapshots within 3 s (newsroom.rails), pages are not flushed
    section = SectionFactory(name="Science & Nature", slug="science")
    article = ArticleFactory(section=section, headline="Comet Visible From Tokyo Tonight")
    url = live_server.url + article.get_absolute_url()

    # A reader opens the article: the beacon counts one view.
    context, page, errors = visit(browser, url, user_agent=READER_UA)
    try:
        access = page.locator("section.ranking", has_text="Access Ranking")
        assert access.locator("li.ranking-item").count() == 0  # no snapshot yet
        wait_for(lambda: counted_views(article) == 1, what="the view to be counted")

        call_command("update_rankings")
        time.sleep(2.1)  # past each rail layer's copy (RAIL_MAX_AGE / 3)
        # The section page's rail: an article's own rail never lists the article (newsroom.rails).
        page.goto(live_server.url + section.get_absolute_url())

        link = access.locator("li.ranking-item a.ranking-link").first
        assert link.inner_text() == "Comet Visible From Tokyo Tonight"
        assert link.get_attribute("href") == article.get_absolute_url()
        assert access.locator("li.ranking-item .visually-hidden").first.inner_text() == "new"
        top = page.locator("section.ranking", has_text="Top Articles in Science & Nature")
        assert top.locator("a.ranking-link").first.inner_text() == "Comet Visible From Tokyo Tonight"
        assert errors == []
    finally:
        context.close()

    # A crawler loads the same page: nothing counted, one "bot" rejection.
    context, page, errors = visit(browser, url, user_agent=GOOGLEBOT_UA)
    try:
        wait_for(lambda: rejected(RejectedViewHourly.Reason.BOT) >= 1, what="the crawler's beacon to be rejected")
    finally:
        context.close()
    assert counted_views(article) == 1

    # An editor sees it in the admin's counted-versus-rejected chart.
    get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-test-passphrase")
    context, page, errors = visit(browser, live_server.url + "/admin/login/", user_agent=READER_UA)
    try:
        page.fill("#id_username", "editor")
        page.fill("#id_password", "a-long-test-passphrase")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        page.click("text=Article views")
        page.click("text=Counted versus rejected views")
        assert page.locator("svg#traffic-chart title").first.text_content().startswith("Counted versus rejected")
        assert page.locator("svg#traffic-chart rect.chart-rejected-bot").count() >= 1
        assert page.locator('[data-reason="bot"]').inner_text() == "1"
        assert page.locator("#traffic-table").get_by_text("Rejected: Bot or crawler").count() == 1
        assert errors == []
    finally:
        context.close()
