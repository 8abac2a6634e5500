"""The triage board: columns and cards, moving cards through the services, version conflicts, filters,
the detail panel, bulk actions, staff intake, and a constant number of queries."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic.roles import Role
from civic.services import staff_membership_set
from reports.models import Report, ReportEvent
from reports.services import report_assign, report_transition
from tests.reports.triage_support import make_report, staff

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def board_url(town, **params):
    query = "&".join(f"{k}={v}" for k, v in {"town": town.municipality.slug, **params}.items())
    return f"/admin/triage/?{query}"


def test_the_board_shows_open_reports_in_status_columns(client, town):
    new = make_report(town, description="新しい穴")
    acknowledged = make_report(town, description="確認済み")
    report_transition(report=acknowledged, status=Report.Status.ACKNOWLEDGED, actor=None)
    closed = make_report(town)
    report_transition(report=closed, status=Report.Status.CLOSED, actor=None)
    client.force_login(staff(town))

    page = client.get(board_url(town))

    assert page.status_code == 200
    columns = {c.status: [r.pk for r in c.cards] for c in page.context["columns"]}
    assert columns[Report.Status.NEW] == [new.pk]
    assert columns[Report.Status.ACKNOWLEDGED] == [acknowledged.pk]
    assert all(closed.pk not in cards for cards in columns.values())
    html = page.content.decode()
    assert new.reference in html
    assert "山田花子" not in html and "hanako@example.jp" not in html  # no reporter data on cards
    folded = client.get(board_url(town, folded=1))
    assert closed.reference in folded.content.decode()


def test_dragging_a_card_changes_its_status_through_the_service(client, town):
    report = make_report(town)
    user = staff(town)
    client.force_login(user)

    answer = client.post(
        f"/admin/triage/report/{report.pk}/status/",
        {"status": "in_progress", "version": report.version, "town": town.municipality.slug},
        **JSON,
    )

    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["ok"] and data["card"]["status"] == "in_progress"
    report.refresh_from_db()
    assert report.status == Report.Status.IN_PROGRESS
    assert report.acknowledged_at is not None
    event = report.events.get(kind=ReportEvent.Kind.STATUS_CHANGED)
    assert event.actor == user
    assert event.before == {"status": "new"} and event.after == {"status": "in_progress"}


def test_an_illegal_move_is_refused_with_a_message(client, town):
    report = make_report(town)
    report_transition(report=report, status=Report.Status.RESOLVED, actor=None)
    report_transition(report=report, status=Report.Status.CLOSED, actor=None)
    report.refresh_from_db()
    client.force_login(staff(town))

    answer = client.post(
        f"/admin/triage/report/{report.pk}/status/",
        {"status": "in_progress", "version": report.version},
        **JSON,
    )

    assert answer.status_code == 400
    assert answer.json()["ok"] is False
    assert "できません" in answer.json()["message"] or "cannot go from" in answer.json()["message"]
    assert answer.json()["card"]["status"] == "closed"
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED


def test_a_stale_version_is_refused_and_nothing_is_overwritten(client, town):
    report = make_report(town)
    seen = report.version
    colleague = staff(town)
    report_assign(report=report, assignee=colleague, actor=colleague)  # a colleague acts first
    client.force_login(staff(town))

    answer = client.post(
        f"/admin/triage/report/{report.pk}/priority/", {"priority": "urgent", "version": seen}, **JSON
    )

    assert answer.status_code == 409
    assert report.reference in answer.json()["message"]
    report.refresh_from_db()
    assert report.priority == "normal"
    assert report.version > seen

    without_js = client.post(
        f"/admin/triage/report/{report.pk}/priority/", {"priority": "urgent", "version": seen}, follow=True
    )
    assert report.reference in without_js.content.decode()  # the message, shown on the detail page


def test_every_action_writes_an_audit_event_and_the_timeline_shows_it(client, town):
    report = make_report(town)
    user = staff(town)
    client.force_login(user)

    def post(action, **data):
        report.refresh_from_db()
        response = client.post(
            f"/admin/triage/report/{report.pk}/{action}/", {"version": report.version, **data}, **JSON
        )
        assert response.status_code == 200, response.content
        return response

    post("priority", priority="high")
    post("assign", assignee=str(user.pk), department=str(town.parks.pk))
    post("update", message="本日補修します")
    post("note", message="業者に連絡済み")
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == ["created", "priority_changed", "assigned", "public_update", "internal_note"]
    report.refresh_from_db()
    assert (report.priority, report.assignee, report.department) == ("high", user, town.parks)
    assert report.events.get(kind="priority_changed").before == {"priority": "normal"}

    detail = client.get(f"/admin/triage/report/{report.pk}/").content.decode()
    assert "本日補修します" in detail and "業者に連絡済み" in detail
    assert "hanako@example.jp" in detail  # a supervisor sees the reporter's contact

    public = client.get(f"/reports/{report.reference}/", HTTP_HOST=town.host)
    if public.status_code == 200:
        assert "本日補修します" in public.content.decode()
        assert "業者に連絡済み" not in public.content.decode()


def test_merge_and_spam(client, town):
    original = make_report(town)
    duplicate = make_report(town, dlng=-0.0101)
    spam = make_report(town, dlng=0.02)
    client.force_login(staff(town))

    merged = client.post(
        f"/admin/triage/report/{duplicate.pk}/merge/", {"into": original.reference.lower()}, **JSON
    )
    assert merged.status_code == 200, merged.content
    duplicate.refresh_from_db()
    assert duplicate.status == Report.Status.DUPLICATE and duplicate.duplicate_of == original

    marked = client.post(f"/admin/triage/report/{spam.pk}/spam/", {}, **JSON)
    assert marked.status_code == 200
    spam.refresh_from_db()
    assert spam.status == Report.Status.CLOSED and not spam.is_public
    assert spam.events.filter(kind=ReportEvent.Kind.MARKED_SPAM).exists()


def test_filters_and_presets(client, town):
    user = staff(town)
    mine = make_report(town)
    report_assign(report=mine, assignee=user, actor=user)
    tree = make_report(town, category=town.tree, description="木が倒れています")
    client.force_login(user)

    def shown(**params):
        page = client.get(board_url(town, **params))
        assert page.status_code == 200
        return {r.pk for c in page.context["columns"] for r in c.cards}

    assert shown() == {mine.pk, tree.pk}
    assert shown(assignee="me") == {mine.pk}
    assert shown(assignee="none") == {tree.pk}
    assert shown(category=town.tree.pk) == {tree.pk}
    assert shown(q="倒れ") == {tree.pk}
    assert shown(q=mine.reference) == {mine.pk}
    assert shown(source="staff") == set()
    today = timezone.localdate()
    assert shown(since=(today + timedelta(days=1)).isoformat()) == set()
    assert shown(since=today.isoformat(), until=today.isoformat()) == {mine.pk, tree.pk}
    assert shown(category="garbage", sla="nonsense") == {mine.pk, tree.pk}


def test_sla_state_on_cards(client, town):
    town.pothole.target_hours = 24
    town.pothole.save()
    fresh = make_report(town)
    soon = make_report(town)
    late = make_report(town)
    now = timezone.now()
    Report.objects.filter(pk=soon.pk).update(created_at=now - timedelta(hours=20))
    Report.objects.filter(pk=late.pk).update(created_at=now - timedelta(hours=30))
    client.force_login(staff(town))

    page = client.get(board_url(town))
    states = {r.pk: r.sla_state for c in page.context["columns"] for r in c.cards}
    assert states == {fresh.pk: "on_time", soon.pk: "due_soon", late.pk: "overdue"}
    assert {r.pk for c in client.get(board_url(town, sla="overdue")).context["columns"] for r in c.cards} == {
        late.pk
    }


def test_saved_filters_belong_to_their_user(client, town):
    user = staff(town)
    client.force_login(user)
    client.post(
        "/admin/triage/filters/",
        {"name": "倒木", "query": f"category={town.tree.pk}", "town": town.municipality.slug},
    )
    page = client.get(board_url(town))
    assert [f.name for f in page.context["choices"].saved] == ["倒木"]
    client.force_login(staff(town))
    assert client.get(board_url(town)).context["choices"].saved == []


def test_bulk_actions(client, town):
    first, second = make_report(town), make_report(town, dlng=0.02)
    report_transition(report=second, status=Report.Status.RESOLVED, actor=None)
    report_transition(report=second, status=Report.Status.CLOSED, actor=None)
    client.force_login(staff(town))

    client.post(
        "/admin/triage/bulk/",
        {
            "report": [first.pk, second.pk],
            "action": "status",
            "value": "acknowledged",
            "town": town.municipality.slug,
        },
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "acknowledged"
    assert second.status == "acknowledged"  # closed reports may be reopened

    client.post(
        "/admin/triage/bulk/", {"report": [first.pk, second.pk], "action": "priority", "value": "urgent"}
    )
    assert set(Report.objects.values_list("priority", flat=True)) == {"urgent"}

    client.post("/admin/triage/bulk/", {"report": [first.pk], "action": "close", "message": "対応完了"})
    first.refresh_from_db()
    assert first.status == "closed"
    assert first.events.filter(message="対応完了", is_public=True).exists()


def test_staff_intake_with_the_duplicate_check(client, town):
    existing = make_report(town)
    client.force_login(staff(town))
    data = {
        "town": town.municipality.slug,
        "category": town.pothole.pk,
        "description": "電話で受付: 穴",
        "lat": str(existing.point.y),
        "lng": str(existing.point.x),
        "reporter_name": "佐藤",
        "reporter_phone": "0123-45-6789",
    }

    first = client.post("/admin/triage/intake/", data)
    assert first.status_code == 200
    assert existing.reference in first.content.decode()
    assert Report.objects.count() == 1

    confirmed = client.post("/admin/triage/intake/", {**data, "confirmed": "1"})
    assert confirmed.status_code == 302
    report = Report.objects.exclude(pk=existing.pk).get()
    assert report.source == Report.Source.STAFF
    assert report.reporter.phone == "0123-45-6789"


def test_the_board_answers_in_a_constant_number_of_queries(client, town, django_assert_max_num_queries):
    client.force_login(staff(town))
    make_report(town)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count(board_url(town))  # the first visit creates the site's settings row (the map's tiles)
    few = count(board_url(town))
    few_filtered = count(board_url(town, category=town.pothole.pk, assignee="none", sla="on_time"))
    for i in range(30):
        report = make_report(town, dlng=-0.001 * i, category=town.tree if i % 2 else town.pothole)
        if i % 3 == 0:
            report_transition(report=report, status=Report.Status.IN_PROGRESS, actor=None)
    assert count(board_url(town)) == few
    assert count(board_url(town, category=town.pothole.pk, assignee="none", sla="on_time")) == few_filtered
    # 4 of the board's own (access, counts, cards, filter choices); the rest are Wagtail's chrome.
    with django_assert_max_num_queries(19):
        client.get(board_url(town, q="穴", priority="normal"))


def test_cards_escape_what_people_typed(client, town):
    typed = """<script>alert("x")</script> & 'quoted'"""
    report = make_report(town, title=typed)
    user = staff(town, username="<b>bold</b>")
    report_assign(report=report, assignee=user, actor=user)
    client.force_login(staff(town))

    html = client.get(board_url(town)).content.decode()

    assert "<script>alert" not in html and "<b>bold" not in html
    card = html[html.index(f'id="card-{report.pk}"') :]
    card = card[: card.index("</li>")]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in card
    assert "&lt;b&gt;bold&lt;/b&gt;" in card


def test_cards_carry_names_in_the_active_language(town):
    from django.utils import translation

    from reports.triage.access import triage_access
    from reports.triage.selectors import BoardFilters, board_columns

    report = make_report(town, dlng=-0.02)  # in the west district, without a title
    access = triage_access(staff(town), town.municipality)
    for language, title, area in (("ja", "道路の穴", "西地区"), ("en", "Pothole", "West")):
        with translation.override(language):
            (card,) = board_columns(access, BoardFilters())[0].cards
        assert (card.pk, card.title, card.category_name, card.area) == (report.pk, title, title, area)


def test_filter_choices_are_read_afresh_and_scoped_to_the_department(client, town, other_town):
    from reports.models import Category

    supervisor = staff(town, username="a-supervisor")
    roads = staff(town, Role.DEPARTMENT_STAFF, department=town.roads, username="b-roads")
    staff(town, Role.DEPARTMENT_STAFF, department=town.parks, username="c-parks")
    staff(town, username="d-gone", is_active=False)
    staff(other_town, username="e-elsewhere")

    def choices(user):
        client.force_login(user)
        found = client.get(board_url(town)).context["choices"]
        return {
            kind: [c.name for c in getattr(found, kind)]
            for kind in ("categories", "departments", "areas", "assignees")
        }

    assert choices(supervisor) == {
        "categories": ["道路の穴", "倒木"],
        "departments": ["公園課", "道路課"],  # by code: parks, roads
        "areas": ["東地区", "西地区"],  # by code: east, west
        "assignees": ["a-supervisor", "b-roads", "c-parks"],
    }
    assert choices(roads) == {
        "categories": ["道路の穴", "倒木"],
        "departments": ["道路課"],
        "areas": ["東地区", "西地区"],
        "assignees": ["b-roads"],
    }
    Category.objects.create(
        municipality=town.municipality, code="light", name_ja="街灯", department=town.roads, sort_order=0
    )
    assert choices(supervisor)["categories"] == ["街灯", "道路の穴", "倒木"]  # no stale copy


def test_the_board_opens_on_the_town_asked_for_else_the_requests_else_the_first(client, town, other_town):
    user = staff(town)
    staff_membership_set(user=user, municipality=other_town.municipality, role=Role.SUPERVISOR)
    client.force_login(user)
    first = min((town, other_town), key=lambda t: t.municipality.slug)

    def shown(url, **headers):
        return client.get(url, **headers).context["town"]

    assert shown(board_url(other_town)) == other_town.municipality
    assert shown("/admin/triage/", HTTP_HOST=other_town.host) == other_town.municipality
    assert shown("/admin/triage/", HTTP_HOST=town.host) == town.municipality
    assert shown("/admin/triage/") == first.municipality
    client.force_login(staff(other_town))
    assert client.get(board_url(town)).status_code in (302, 403)  # only the towns one works for


def test_cards_in_the_page_data_carry_no_reporter_data(client, town):
    make_report(town)
    client.force_login(staff(town))
    page = client.get(board_url(town)).content.decode()
    start = page.index('id="triage-cards"')
    data = page[page.index(">", start) + 1 : page.index("</script>", start)]
    cards = json.loads(data)
    card = cards["new"][0]
    assert set(card) >= {"reference", "status", "priority", "sla", "version", "area", "category"}
    assert "山田" not in json.dumps(card, ensure_ascii=False)


def test_department_staff_see_only_their_department(client, town):
    roads = make_report(town)
    parks = make_report(town, category=town.tree)
    client.force_login(staff(town, Role.DEPARTMENT_STAFF, department=town.roads))
    page = client.get(board_url(town))
    assert {r.pk for c in page.context["columns"] for r in c.cards} == {roads.pk}
    assert client.get(f"/admin/triage/report/{parks.pk}/").status_code == 404


def page_json(page, element_id):
    text = page.content.decode()
    start = text.index(f'id="{element_id}"')
    return json.loads(text[text.index(">", start) + 1 : text.index("</script>", start)])


def map_url(town, **params):
    return board_url(town, **params).replace("/admin/triage/?", "/admin/triage/map.json?")


def test_the_map_shows_the_boards_filtered_reports_without_reporter_data(client, town):
    pothole = make_report(town)
    tree = make_report(town, category=town.tree, dlng=0.02)
    client.force_login(staff(town))

    everything = client.get(map_url(town)).json()
    assert everything["total"] == 2 and everything["clusters"] == []
    assert {p["reference"] for p in everything["pins"]} == {pothole.reference, tree.reference}
    assert "山田" not in json.dumps(everything, ensure_ascii=False)
    assert "hanako" not in json.dumps(everything)

    trees = client.get(map_url(town, category=town.tree.pk)).json()
    assert [p["reference"] for p in trees["pins"]] == [tree.reference]
    assert trees["pins"][0]["url"] == f"/admin/triage/report/{tree.pk}/?town={town.municipality.slug}"
    assert trees["pins"][0]["lng"] == pytest.approx(tree.point.x)

    x, y = pothole.point.x, pothole.point.y
    west = client.get(map_url(town, bbox=f"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}")).json()
    assert [p["reference"] for p in west["pins"]] == [pothole.reference]
    for bad in ("nonsense", "1,2,3", "10,10,5,5", "-200,0,0,1"):
        assert client.get(map_url(town, bbox=bad)).json()["total"] == 2  # ignored, not an error

    client.force_login(staff(town, Role.DEPARTMENT_STAFF, department=town.roads))
    assert [p["reference"] for p in client.get(map_url(town)).json()["pins"]] == [pothole.reference]
    client.logout()
    assert client.get(map_url(town)).status_code in (302, 403)


def test_many_reports_on_the_map_come_as_clusters(town):
    from reports.triage.access import triage_access
    from reports.triage.selectors import BoardFilters, map_pins

    for i in range(5):
        make_report(town, dlng=-0.001 * i)
    make_report(town, dlng=0.03)
    access = triage_access(staff(town), town.municipality)
    grouped = map_pins(access, BoardFilters(), zoom=12, cap=3)
    assert grouped["pins"] == [] and grouped["total"] == 6
    assert sum(c["count"] for c in grouped["clusters"]) == 6
    assert len(grouped["clusters"]) < 6  # neighbours share a cell
    assert len(map_pins(access, BoardFilters(), cap=6)["pins"]) == 6


def test_the_map_answers_in_a_constant_number_of_queries(client, town):
    client.force_login(staff(town))
    make_report(town)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(map_url(town, sla="on_time")).status_code == 200
        return len(queries)

    few = count()
    for i in range(10):
        make_report(town, dlng=-0.001 * i)
    assert count() == few


def test_the_board_has_a_map_view_and_the_detail_a_map_of_nearby_reports(client, town):
    report = make_report(town)
    near = make_report(town, dlng=-0.0102)
    client.force_login(staff(town))

    board = client.get(board_url(town, category=town.pothole.pk))
    data = page_json(board, "triage-data")
    assert data["map"]["url"].startswith("/admin/triage/map.json?town=")
    assert f"category={town.pothole.pk}" in data["map"]["url"]
    assert data["map"]["strings"]["no_tiles"] and data["statuses"]["new"]
    assert 'data-view-panel="map" hidden' in board.content.decode()
    as_map = client.get(board_url(town, view="map")).content.decode()
    assert 'data-view-panel="board" hidden' in as_map and "data-triage-map" in as_map

    detail = client.get(f"/admin/triage/report/{report.pk}/?town={town.municipality.slug}")
    location = page_json(detail, "triage-location")
    assert location["report"] == {
        "reference": report.reference,
        "lat": pytest.approx(report.point.y),
        "lng": pytest.approx(report.point.x),
    }
    assert [n["reference"] for n in location["nearby"]] == [near.reference]
    assert "山田" not in json.dumps(location, ensure_ascii=False)


def test_the_board_speaks_english_too(client, town):
    make_report(town)
    client.force_login(staff(town))
    japanese = client.get(board_url(town), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "受付" in japanese or "新規" in japanese
    english = client.get(board_url(town), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Received" in english and "Filter" in english


def test_show_more_goes_on_after_the_last_card_in_the_boards_order(client, town):
    from reports.triage.access import triage_access
    from reports.triage.selectors import BoardFilters, Place, column_cards
    from reports.triage.services import triage_set_priority

    potholes = [make_report(town, dlng=-0.001 * i) for i in range(5)]
    supervisor = staff(town)
    urgent = potholes[0]
    triage_set_priority(
        access=triage_access(supervisor, town.municipality),
        actor=supervisor,
        report_id=urgent.pk,
        version=None,
        priority="urgent",
    )
    tree = make_report(town, category=town.tree, dlng=0.02)  # the parks department's, and the newest
    order = [urgent.pk] + [r.pk for r in reversed(potholes[1:])]  # urgent first, then newest first
    roads = triage_access(staff(town, Role.DEPARTMENT_STAFF, department=town.roads), town.municipality)

    first = column_cards(roads, BoardFilters(), "new", after=None, per_column=2)
    assert [c.pk for c in first.cards] == order[:2] and first.more
    second = column_cards(roads, BoardFilters(), "new", after=Place.of(first.cards[-1]), per_column=2)
    assert [c.pk for c in second.cards] == order[2:4] and second.more
    last = column_cards(roads, BoardFilters(), "new", after=Place.of(second.cards[-1]), per_column=2)
    assert [c.pk for c in last.cards] == order[4:] and not last.more

    client.force_login(supervisor)
    url = f"/admin/triage/column/new/?town={town.municipality.slug}&after={first.cards[0].place}"
    answer = client.get(url, **JSON)
    assert answer.status_code == 200
    data = answer.json()
    assert [c["id"] for c in data["cards"]] == [tree.pk, *order[1:]] and data["more"] is False
    assert data["after"] == str(Place.of(last.cards[-1]))  # where to go on from: the last card's place
    assert f'id="card-{tree.pk}"' in data["html"] and "山田" not in answer.content.decode()
    filtered = client.get(f"{url}&category={town.pothole.pk}").json()
    assert [c["id"] for c in filtered["cards"]] == order[1:]
    assert client.get(f"/admin/triage/column/nonsense/?town={town.municipality.slug}").status_code == 404


def test_the_board_offers_more_only_where_a_column_has_more(client, town):
    from reports.triage.selectors import PER_COLUMN

    for i in range(PER_COLUMN):
        make_report(town, dlng=-0.0001 * i)
    acknowledged = make_report(town, dlng=0.01)
    report_transition(report=acknowledged, status=Report.Status.ACKNOWLEDGED, actor=None)
    client.force_login(staff(town))
    assert "data-more=" not in client.get(board_url(town)).content.decode()

    newest = make_report(town, dlng=0.02)  # one more than a column shows
    page = client.get(board_url(town))
    html = page.content.decode()
    assert html.count("data-more=") == 1 and 'aria-controls="cards-new"' in html
    (new,) = [c for c in page.context["columns"] if c.status == "new"]
    assert new.count == PER_COLUMN + 1 and len(new.cards) == PER_COLUMN and new.cards[0].pk == newest.pk
    assert f'data-after="{new.cards[-1].place}"' in html


def test_show_more_goes_on_from_where_the_last_card_stood_when_it_was_shown(client, town):
    from reports.triage.access import triage_access
    from reports.triage.selectors import BoardFilters, Place, column_cards
    from reports.triage.services import triage_set_priority

    reports = [make_report(town, dlng=-0.001 * i) for i in range(4)]
    newest_first = [r.pk for r in reversed(reports)]
    supervisor = staff(town)
    access = triage_access(supervisor, town.municipality)
    shown = column_cards(access, BoardFilters(), "new", after=None, per_column=2)
    assert [c.pk for c in shown.cards] == newest_first[:2]

    # The last card shown becomes urgent (it moves to the top) before "show more" is pressed.
    triage_set_priority(
        access=access, actor=supervisor, report_id=shown.cards[-1].pk, version=None, priority="urgent"
    )
    more = column_cards(access, BoardFilters(), "new", after=Place.of(shown.cards[-1]), per_column=2)
    assert [c.pk for c in more.cards] == newest_first[2:]  # none skipped, none repeated


def test_a_place_that_cannot_be_read_is_refused_clearly_and_changes_nothing(client, town):
    make_report(town)
    client.force_login(staff(town))
    for place in ("12", "1.2", "a.b.c", "1.2.3.4", "-1.5.6", "9" * 40 + ".1.1", "1." + "9" * 18 + ".1"):
        url = f"/admin/triage/column/new/?town={town.municipality.slug}&after={place}"
        answer = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **JSON)
        assert answer.status_code == 400, place
        assert answer.json() == {
            "ok": False,
            "error": "The list could not be continued. Please reload the page.",
        }
