"""The triage board in Debian's chromium: log in, filter, drag a card, post a public update and see it on the
public page, while a second staff member's board receives the change live; the board's map view and the
detail panel's map. Screenshots go to test-artifacts/.

The site runs under uvicorn (ASGI, so WebSockets work) against the test database and a real Redis.
"""

import pytest

from reports.models import Report
from tests.browser_support import (
    beside_the_page,
    chromium,
    log_in,
    screenshot,
    serious_accessibility_violations,
)
from tests.reports.triage_support import make_report, staff


def drag(page, source, target):
    """Press on the card's text (not its controls), move in steps, and release over the target column."""
    box, goal = source.bounding_box(), target.bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    x1, y1 = goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    steps = 15
    for i in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        page.wait_for_timeout(30)
    page.mouse.up()


@pytest.mark.browser
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_staff_work_the_board_and_a_colleague_sees_it_live(asgi_server):
    from playwright.sync_api import expect

    from tests.reports.conftest import Town

    town = Town(name_ja="桜町", name_en="Sakura Town")
    first, second = staff(town), staff(town)
    report = make_report(town, description="交差点の手前に大きな穴")
    other = make_report(town, category=town.tree, description="公園の木が倒れています")
    base = f"http://{town.host}:{asgi_server}"
    board = f"{base}/admin/triage/"

    with chromium() as browser:
        watcher = log_in(browser.new_context(locale="ja-JP"), base, second)
        watcher.goto(board)
        expect(watcher.locator("#triage-live")).to_have_attribute("data-state", "online")

        page = log_in(
            browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 900}), base, first
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(board)
        page.select_option("select[name=category]", str(town.pothole.pk))
        page.locator(".triage-filters button[type=submit]").click()
        expect(page.locator(f"#card-{other.pk}")).to_have_count(0)
        card = page.locator(f"#card-{report.pk}")
        expect(card).to_be_visible()
        expect(page.locator("#triage-live")).to_have_attribute("data-state", "online")
        screenshot(page, "triage-board")

        drag(page, card.locator(".triage-title"), page.locator('.triage-cards[data-status="in_progress"]'))
        expect(page.locator(f'.triage-cards[data-status="in_progress"] #card-{report.pk}')).to_be_visible()
        # The colleague's board moves the card without a reload.
        expect(watcher.locator(f'.triage-cards[data-status="in_progress"] #card-{report.pk}')).to_be_visible(
            timeout=20_000
        )

        page.goto(f"{base}/admin/triage/report/{report.pk}/")
        # The detail panel's map: the report's pin (its neighbour is a circle beside it).
        expect(page.locator("[data-triage-location] .leaflet-marker-icon")).to_have_count(1)
        page.fill("#update-message", "本日、補修の手配をしました。")
        page.get_by_role("button", name="経過報告を公開").click()
        expect(page.locator(".triage-timeline")).to_contain_text("本日、補修の手配をしました。")

        public = browser.new_context(locale="ja-JP").new_page()
        public.goto(f"{base}/reports/{report.reference}/")
        expect(public.locator("body")).to_contain_text("本日、補修の手配をしました。")

        page.goto(f"{base}/admin/triage/dashboard/")
        expect(page.locator("#triage-dashboard")).to_have_attribute("data-ready", "1")
        screenshot(page, "triage-dashboard")
        # The same filtered set on a map, switched to without a reload.
        page.goto(f"{board}?category={town.pothole.pk}")
        page.locator('.triage-views [data-view="map"]').click()
        expect(page.locator("#triage-map")).to_have_attribute("data-loaded", "1")
        expect(page.locator("#triage-map .map-pin")).to_have_count(1)
        expect(page.locator('[data-view-panel="board"]')).to_be_hidden()
        screenshot(page, "triage-map")
        page.goto(board)
        violations = serious_accessibility_violations(page)
        assert not errors, errors

    report.refresh_from_db()
    assert report.status == Report.Status.IN_PROGRESS
    assert report.events.filter(kind="public_update", is_public=True).exists()
    assert not violations, violations


@pytest.mark.browser
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_show_more_loads_a_columns_next_cards_from_the_keyboard(asgi_server):
    from playwright.sync_api import expect

    from reports.triage.selectors import PER_COLUMN
    from tests.reports.conftest import Town

    town = Town(name_ja="桜町", name_en="Sakura Town")
    user = staff(town)
    reports = [make_report(town, dlng=-0.0001 * i, contact=False) for i in range(PER_COLUMN + 1)]
    oldest = reports[0]  # the board shows the newest first, so the oldest comes with "show more"
    base = f"http://{town.host}:{asgi_server}"

    with chromium() as browser:
        page = log_in(browser.new_context(locale="ja-JP"), base, user)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/admin/triage/")
        column = page.locator('.triage-cards[data-status="new"]')
        expect(column.locator(".triage-card")).to_have_count(PER_COLUMN)
        expect(page.locator(f"#card-{oldest.pk}")).to_have_count(0)
        page.evaluate("window.notReloaded = true")

        more = page.locator('[aria-controls="cards-new"]')
        more.focus()
        page.keyboard.press("Enter")

        expect(page.locator(f"#card-{oldest.pk}")).to_be_visible()
        expect(column.locator(".triage-card")).to_have_count(PER_COLUMN + 1)
        expect(more).to_be_hidden()  # nothing more in this column
        expect(page.locator(f"#card-{oldest.pk} .triage-ref")).to_be_focused()
        expect(page.locator("#triage-live")).to_contain_text("1")
        expect(page.locator('[data-count="new"]')).to_have_text(str(PER_COLUMN + 1))
        assert page.evaluate("window.notReloaded") is True
        violations = serious_accessibility_violations(page)
        assert not errors, errors
    assert not violations, violations


@pytest.mark.browser
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_changes_to_reports_whose_cards_are_not_loaded_keep_the_counts_right(
    asgi_server, redis_url, settings
):
    from playwright.sync_api import expect

    from reports.services import report_add_update, report_transition
    from reports.triage.selectors import PER_COLUMN
    from tests.reports.conftest import Town

    # The services called here broadcast through the server's Redis, as another server process would.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    town = Town(name_ja="桜町", name_en="Sakura Town")
    user = staff(town)
    reports = [make_report(town, dlng=-0.0001 * i, contact=False) for i in range(PER_COLUMN + 1)]
    oldest = reports[0]  # further down the column than the board loads
    base = f"http://{town.host}:{asgi_server}"

    with chromium() as browser:
        page = log_in(browser.new_context(locale="ja-JP"), base, user)
        page.goto(f"{base}/admin/triage/")
        expect(page.locator("#triage-live")).to_have_attribute("data-state", "online")
        new, acknowledged = page.locator('[data-count="new"]'), page.locator('[data-count="acknowledged"]')
        expect(new).to_have_text(str(PER_COLUMN + 1))

        beside_the_page(report_add_update, report=oldest, actor=user, message="確認します", public=True)
        # Arrives after the update: once the board shows it, it has had both.
        newest = beside_the_page(make_report, town=town, dlng=0.01, contact=False)
        expect(page.locator(f"#card-{newest.pk}")).to_be_visible()
        expect(new).to_have_text(str(PER_COLUMN + 2))  # the update counted nothing again
        expect(page.locator(f"#card-{oldest.pk}")).to_have_count(0)

        beside_the_page(report_transition, report=oldest, status=Report.Status.ACKNOWLEDGED, actor=user)
        expect(page.locator(f"#card-{oldest.pk}")).to_be_visible()
        expect(new).to_have_text(str(PER_COLUMN + 1))
        expect(acknowledged).to_have_text("1")
