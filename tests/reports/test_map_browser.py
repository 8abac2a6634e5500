"""The public map in Debian's chromium: clusters and pins drawn from the vector tiles on a blank background
(no tile server), a notice saying so, keyboard access, an announcement of what is shown, and axe-core."""

import pytest

from reports.services import report_create
from tests.browser_support import chromium, screenshot, serious_accessibility_violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_map_shows_clusters_and_pins_and_is_usable_by_keyboard(live_server):
    from playwright.sync_api import expect

    from tests.reports.conftest import Town

    town = Town(name_ja="桜町", name_en="Sakura Town")
    for i in range(6):
        report_create(
            municipality=town.municipality,
            category=town.pothole,
            description=f"穴 {i}",
            point=town.point(-0.01 + i * 0.00002, 0.0),
        )
    lone = report_create(
        municipality=town.municipality, category=town.tree, description="倒木", point=town.point(0.03, 0.03)
    )
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://{town.host}:{port}"

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        tiles: list[int] = []
        page.on("response", lambda r: tiles.append(r.status) if ".pbf" in r.url else None)
        page.goto(f"{base}/reports/")

        # The list is there with every report, whatever the map does.
        expect(page.locator(".public-map-list__item")).to_have_count(7)
        expect(page.locator(f'a[href="/reports/{lone.reference}/"]')).to_be_visible()
        # No tile server configured: a blank background and a notice, and the reports still on the map.
        expect(page.locator("[data-map-notice]")).to_be_visible()
        expect(page.locator("[data-map-status]")).to_contain_text("7")
        expect(page.locator(".map-cluster")).not_to_have_count(0)
        assert tiles and all(status == 200 for status in tiles)

        # Keyboard: tab to a cluster and press Enter to zoom into it.
        cluster = page.locator(".map-cluster").first
        cluster.focus()
        expect(cluster).to_be_focused()
        outline_before = page.locator(".leaflet-overlay-pane path").bounding_box()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "(width) => document.querySelector('.leaflet-overlay-pane path').getBoundingClientRect().width"
            " > width * 1.5",
            arg=outline_before["width"],
        )
        expect(page.locator("#public-map")).to_be_focused()
        expect(page.locator("[data-map-status]")).not_to_be_empty()
        assert page.locator(".map-report, .map-cluster").count() >= 1

        violations = serious_accessibility_violations(page)
        screenshot(page, "public-map")
        assert violations == []
        assert errors == []
