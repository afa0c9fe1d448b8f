"""Share links in chromium: the Web Share button only where the API exists, copying the link, no JavaScript."""

import pytest
from playwright.sync_api import expect

from articles.tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Record what the page hands to the share sheet, as a phone's browser would receive it.
FAKE_SHARE = "navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };"
NO_SHARE = "delete Navigator.prototype.share; delete navigator.share;"


@pytest.fixture
def story(live_server):
    article = ArticleFactory(headline="Harbor Bridge Opens")
    return article, f"{live_server.url}{article.get_absolute_url()}"


def test_the_share_button_appears_and_shares_where_the_api_exists(browser, story):
    article, url = story
    context = browser.new_context()
    context.add_init_script(FAKE_SHARE)
    page = context.new_page()
    page.goto(url)
    button = page.get_by_role("button", name="Share…")
    expect(button).to_be_visible()
    button.click()
    shared = page.evaluate("window.__shared")
    assert shared == {"title": "Harbor Bridge Opens", "url": url}
    context.close()


def test_without_the_api_the_button_stays_hidden_and_copy_link_copies(browser, story):
    article, url = story
    context = browser.new_context()
    context.add_init_script(NO_SHARE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.split("/articles/")[0])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    expect(page.locator("[data-share-native]")).to_be_hidden()
    page.get_by_role("link", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_have_count(1)
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert page.url == url  # the click copied instead of following the link
    assert errors == []
    context.close()


def test_without_javascript_every_share_link_is_a_plain_link(browser, story):
    article, url = story
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("[data-share-native]")).to_be_hidden()
    assert page.get_by_role("link", name="Copy link").get_attribute("href") == url
    for name in ("Share on X", "Share on Facebook", "Share on LINE", "Email"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    context.close()
