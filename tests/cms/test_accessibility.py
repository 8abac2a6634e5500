"""The public pages in a real browser: no serious accessibility violations, keyboard skip link, languages."""

import io

import pytest
from django.core.management import call_command

from tests.browser_support import chromium, screenshot, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/news/", "/faq/", "/about/", "/search/?q=道路", "/en/", "/en/faq/"]


@pytest.fixture
def demo_site(live_server, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    return live_server.url


def test_public_pages_pass_axe_and_the_skip_link_works(demo_site):
    with chromium() as browser:
        page = browser.new_page(locale="ja-JP")
        for path in PAGES:
            page.goto(demo_site + path)
            assert serious_accessibility_violations(page) == [], path
        page.goto(demo_site + "/")
        screenshot(page, "home-ja")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "本文へスキップ"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


def test_the_language_switcher_changes_the_page_language(demo_site):
    with chromium() as browser:
        page = browser.new_page(locale="ja-JP")
        page.goto(demo_site + "/news/")
        page.select_option("#language-select", "en")
        page.wait_for_load_state()
        page.wait_for_selector("html[lang=en]")
        assert page.inner_text("h1") == "News"
        screenshot(page, "news-en")
