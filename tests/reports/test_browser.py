"""Filing a report through the form with JavaScript on, in Debian's chromium, checked with axe-core."""

import pytest

from reports.models import Photo, Report
from reports.services import report_create
from tests.browser_support import AXE, chromium, serious_accessibility_violations
from tests.reports import images


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_files_a_report_with_the_map(live_server, tmp_path):
    from playwright.sync_api import expect

    from tests.reports.conftest import Town

    assert AXE.exists(), "build the frontend first: cd frontend && npm run build"
    town = Town(name_ja="桜町", name_en="Sakura Town")
    centre = town.municipality.center
    earlier = report_create(
        municipality=town.municipality, category=town.pothole, description="前からある穴", point=centre
    )
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(images.jpeg((1200, 900), gps=(36.001, 138.999)))
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://{town.host}:{port}"

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ja-JP")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/reports/new/")

        # The map replaced the coordinate fields' role; without tiles it says so and still works.
        expect(page.locator("[data-map-tools]")).to_be_visible()
        expect(page.locator("[data-map-notice]")).to_contain_text("背景の地図を表示できません")
        page.get_by_label("道路の穴").check()
        page.get_by_role("button", name="地図の中心にピンを置く").click()
        expect(page.locator("[data-pin-status]")).to_contain_text("ピンを")
        assert page.locator("#id_lat").input_value().startswith("36.0")

        # An open pothole at the same spot is offered for support.
        nearby = page.locator("[data-nearby-list] li")
        expect(nearby).to_have_count(1)
        expect(nearby).to_contain_text(earlier.reference)

        page.locator("#id_photos").set_input_files(str(photo))
        expect(page.locator("[data-photo-hint]")).to_contain_text("市内で撮影されています")
        page.get_by_label("問題の内容").fill("交差点の手前に大きな穴があります。")
        page.get_by_label("メール").fill("hanako@example.jp")

        violations = serious_accessibility_violations(page)
        assert not violations, violations

        page.get_by_role("button", name="報告を送る").click()
        page.wait_for_url(f"{base}/reports/R-*/")
        expect(page.locator(".messages")).to_contain_text("受付番号は")
        expect(page.locator("[data-report-map]")).to_be_visible()
        violations = serious_accessibility_violations(page)
        assert not violations, violations
        assert not errors, errors

    report = Report.objects.exclude(pk=earlier.pk).get()
    assert report.point.distance(centre) < 1e-6
    assert report.reporter.email == "hanako@example.jp"
    assert Photo.objects.filter(report=report).count() == 1
