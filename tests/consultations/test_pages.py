"""The public consultation page (Wagtail): question, schedule, materials, results once published."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from consultations.models import ConsultationPage, ConsultationSession
from tests.consultations.builders import ConsultationFactory, drawn, with_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    consultation = with_roster(ConsultationFactory(), 30)
    drawn(consultation)
    start = timezone.now() + timedelta(days=30)
    ConsultationSession.objects.create(
        consultation=consultation,
        title="第1回",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="市役所",
    )
    page = ConsultationPage(
        title="市民会議のご案内",
        slug="kaigi",
        consultation=consultation,
        introduction="無作為に選ばれた市民が話し合います。",
        materials=[("heading", "資料"), ("text", "<p>人口の推移について</p>")],
        results="<p>提言：広場に屋根を付ける</p>",
        results_published=False,
    )
    consultation.municipality.site.root_page.add_child(instance=page)
    page.save_revision().publish()
    return page


def get(page, language="ja"):
    client = Client(HTTP_HOST=page.consultation.municipality.site.hostname, HTTP_ACCEPT_LANGUAGE=language)
    return client.get(page.url)


def test_the_page_shows_the_question_schedule_and_materials_but_not_unpublished_results(page):
    html = get(page).content.decode()
    assert page.consultation.question in html
    assert "第1回" in html and "市役所" in html
    assert "人口の推移について" in html
    assert f"/c/{page.consultation.pk}/audit/" in html
    assert "提言" not in html


def test_results_appear_once_published(page):
    page.results_published = True
    page.save_revision().publish()
    assert "提言：広場に屋根を付ける" in get(page).content.decode()


def test_cms_pages_can_list_open_consultations(page):
    rendered = Template("{% load consultations_tags %}{% open_consultations %}").render(
        Context({"municipality": page.consultation.municipality})
    )
    assert "市民会議のご案内" in rendered and page.consultation.question in rendered
    other = Template("{% load consultations_tags %}{% open_consultations %}").render(
        Context({"municipality": None})
    )
    assert "市民会議のご案内" not in other


def test_a_page_offers_and_accepts_only_its_own_towns_consultations(page, admin_client):
    other = ConsultationFactory(title="よその町の会議")
    ours = page.consultation
    parent = ours.municipality.site.root_page
    add_url = f"/admin/pages/add/consultations/consultationpage/{parent.pk}/"
    for url in (add_url, f"/admin/pages/{page.pk}/edit/"):
        form = admin_client.get(url).content.decode()
        assert ours.title in form
        assert "よその町の会議" not in form

    pages_before = ConsultationPage.objects.count()
    data = {
        "title": "よその会議の案内",
        "slug": "yoso",
        "consultation": other.pk,
        "introduction": "",
        "materials": streamfield([]),
        "results": rich_text(""),
    }
    refused = admin_client.post(add_url, nested_form_data(data), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert ConsultationPage.objects.count() == pages_before
