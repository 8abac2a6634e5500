"""The demo town's consultation: live, with a roster, both lotteries drawn, and verify_lottery passing."""

import io
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from consultations.models import Consultation, Draw, Respondent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_live_consultation_that_verifies(demo, settings):
    consultation = Consultation.objects.get(municipality=demo)
    assert consultation.status == Consultation.Status.LIVE
    assert consultation.roster.count() >= 2500
    assert set(consultation.draws.values_list("stage", "status")) == {
        (Draw.Stage.INVITATIONS, Draw.Status.DRAWN),
        (Draw.Stage.PANEL, Draw.Status.DRAWN),
    }
    assert consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).count() == 24
    assert consultation.quotas.count() == 10
    out = io.StringIO()
    with translation.override("en"):
        call_command("verify_lottery", str(consultation.pk), stdout=out)
    assert "checks match" in out.getvalue()
    page = Client().get("/shimin-kaigi/")
    assert page.status_code == 200 and "駅前広場" in page.content.decode()
    assert Client().get(f"/c/{consultation.pk}/audit/").status_code == 200
    # Seeding again changes nothing.
    settings.DEBUG = True
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    assert time.monotonic() - started < 20
    assert Consultation.objects.filter(municipality=demo).count() == 1
