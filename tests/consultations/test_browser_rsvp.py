"""In chromium: an invitee answers by the QR link; the facilitator runs the selection and sees the panel."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Site

from civic.roles import Role
from civic.services import staff_membership_set
from consultations import services
from consultations.models import Invitation, Respondent
from tests.browser_support import chromium, log_in, screenshot, serious_accessibility_violations
from tests.consultations.builders import ConsultationFactory, recruited
from tests.factories import MunicipalityFactory, UserFactory, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(live_server, role_groups):
    Site.objects.filter(hostname="localhost", port=80).delete()  # Wagtail's own, in a fresh database
    site = make_site("localhost", "テスト市")
    Site.objects.exclude(pk=site.pk).update(is_default_site=False)
    site.is_default_site = True
    site.save(update_fields=["is_default_site"])
    town = MunicipalityFactory(site=site, contact_phone="027-000-0000")
    consultation = recruited(ConsultationFactory(municipality=town), accepted=13)
    invitation = consultation.invitations.filter(status=Invitation.Status.PENDING).first()
    issued = services.code_issue(invitation=invitation)
    user = UserFactory(username="facilitator")
    staff_membership_set(user=user, municipality=town, role=Role.FACILITATOR)
    return {
        "url": live_server.url,
        "user": user,
        "token": issued.token,
        "consultation": consultation,
        "invitation": invitation,
    }


def test_an_invitee_accepts_and_the_facilitator_draws_a_panel_that_includes_the_pool(scene):
    url, consultation = scene["url"], scene["consultation"]
    with chromium() as browser:
        page = browser.new_context(locale="ja-JP").new_page()
        page.goto(f"{url}/c/rsvp/{scene['token']}/")
        assert page.url == f"{url}/c/rsvp/answer/"  # the token is gone from the address bar
        assert serious_accessibility_violations(page) == []
        page.check("input[name=attending][value=yes]")
        page.check("input[name=q_age][value=old]")
        page.check("input[name=q_gender][value=f]")
        page.fill("input[name=display_name]", "はなこ")
        page.fill("textarea[name=accessibility_needs]", "車いすを使います")
        page.click(".rsvp-form button[type=submit]")
        # Without the consent box ticked: the error summary takes focus, and the answers are kept.
        page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
        assert page.input_value("input[name=display_name]") == "はなこ"
        screenshot(page, "consultations-rsvp-errors")
        assert serious_accessibility_violations(page) == []
        page.check("input[name=consent]")
        page.click(".rsvp-form button[type=submit]")
        page.wait_for_url(f"{url}/c/rsvp/done/")
        assert page.locator("[data-rsvp-result=accepted]").is_visible()
        screenshot(page, "consultations-rsvp-done")

        page = log_in(page.context, url, scene["user"])
        page.goto(f"{url}/admin/consultation-lottery/{consultation.pk}/")
        page.click("[data-run-selection]")
        page.wait_for_selector("progress")  # the job is queued; its progress bar shows

    person = Respondent.objects.get(invitation=scene["invitation"])
    assert (
        person.features == {"age": "old", "gender": "f"} and person.accessibility_needs == "車いすを使います"
    )
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())
    panel = list(consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED))
    assert len(panel) == consultation.panel_size

    with chromium() as browser:
        page = log_in(browser.new_context(locale="ja-JP"), url, scene["user"])
        page.goto(f"{url}/admin/consultation-lottery/{consultation.pk}/")
        table = page.locator("[data-panel]")
        assert table.is_visible()
        for person in panel:
            assert person.key in table.inner_text()
        screenshot(page, "consultations-admin-panel")
        page.goto(f"{url}/c/{consultation.pk}/audit/")
        assert page.locator("[data-verification=ok]").is_visible()
        assert serious_accessibility_violations(page) == []
        screenshot(page, "consultations-audit")
