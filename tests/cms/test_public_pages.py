"""The demo town's public pages: Japanese first, English on request, accessible structure, search."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page

from civic.models import Department, Municipality

pytestmark = pytest.mark.django_db


def test_home_page_is_japanese_by_default(client, demo):
    html = client.get("/").content.decode()
    assert '<html lang="ja">' in html
    assert "まちの困りごとを、スマホから市へ。" in html
    assert "桜川市" in html
    assert "本文へスキップ" in html


def test_accept_language_english_gets_english_without_redirect(client, demo):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Tell the city about a problem" in html
    assert 'href="/en/news/road-repair-week/"' in html
    assert "Accept-Language" in response["Vary"]
    assert "Skip to main content" in html


def test_english_urls_and_the_language_cookie(client, demo):
    assert "News" in client.get("/en/news/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/news/").content.decode()
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert "お知らせ" in client.get("/news/").content.decode()


def test_base_template_landmarks_skip_link_and_labels(client, demo):
    html = client.get("/faq/").content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html
    assert '<label for="language-select">' in html
    assert "報告は匿名でできますか？" in html


def test_news_index_lists_articles_newest_first(client, demo):
    html = client.get("/news/").content.decode()
    assert html.index("道路補修強化週間") < html.index("LINEから通報") < html.index("市民パネル")


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [("road", "en", "Road repair week"), ("参加", "ja", "このサイトについて")],
)
def test_search_finds_pages_in_the_active_language(client, demo, query, language, expected):
    call_command("update_index", stdout=io.StringIO())
    html = client.get("/search/", {"q": query}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in html


def test_seed_demo_is_idempotent(demo, settings):
    counts = (Page.objects.count(), Department.objects.count(), Municipality.objects.count())
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert (Page.objects.count(), Department.objects.count(), Municipality.objects.count()) == counts


def test_seed_demo_refuses_to_run_in_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="CIVIC_DEBUG=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Municipality.objects.exists()


def test_demo_admin_can_sign_in_to_wagtail(client, demo, settings):
    response = client.post(
        "/admin/login/", {"username": "admin", "password": settings.DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "admin"
    assert client.get("/admin/").status_code == 200


def test_department_staff_can_enter_the_admin(client, demo, settings):
    assert client.login(username="roads", password=settings.DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_home_page_shows_recent_public_reports_and_the_consultation(client, demo):
    from consultations.models import ConsultationPage
    from reports.models import Report

    hidden = Report.objects.filter(is_public=True).order_by("-created_at").first()
    hidden.is_public = False
    hidden.save(update_fields=["is_public"])
    html = client.get("/").content.decode()
    shown = Report.objects.filter(is_public=True).exclude(status="duplicate").order_by("-created_at")[:5]
    assert "最近の報告" in html
    for report in shown:
        assert f'href="/reports/{report.reference}/"' in html
    assert f"/reports/{hidden.reference}/" not in html
    assert ConsultationPage.objects.live().first().title in html
