"""Helpers for browser tests: Debian's chromium through Playwright, and axe-core accessibility scans."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "frontend" / "build" / "civic" / "vendor" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page; return the violations of serious or critical impact."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(context: BrowserContext, base: str, user: Any) -> Page:
    """A page of `context` logged in to the Wagtail admin as `user` (made by UserFactory)."""
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
    return page


def beside_the_page(call: Callable[..., T], /, **kwargs: Any) -> T:
    """`call(**kwargs)` (a service, say) while a page is open: Playwright's sync API runs an event loop in
    this thread, where Django refuses database queries, so it runs in a thread of its own."""

    def run() -> T:
        try:
            return call(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
