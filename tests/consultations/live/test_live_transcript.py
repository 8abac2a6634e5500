"""The room page and the record of a live session (HTML, CSV, JSON): who may read them, what they contain,
and that neither shows personal data or the text of hidden messages; the summary on the Wagtail page."""

import csv
import io

import pytest

from consultations.live_models import LiveRoom, Poll
from consultations.models import ConsultationPage, Respondent
from consultations.services import live
from tests.consultations.live.client_support import live_panel

pytestmark = pytest.mark.django_db

HIDDEN_TEXT = "この発言は個人を中傷しています"


@pytest.fixture
def panel(role_groups):
    """A session with talk, a hidden message, a poll, statements and moderation — then left open."""
    panel = live_panel()
    room, host = panel.room, panel.facilitator
    sakura, haruto, yui = panel.participants
    live.message_post(
        room=room, participant=sakura, text="駅前に屋根付きの広場がほしいです https://example.jp/a"
    )
    bad = live.message_post(room=room, participant=haruto, text=HIDDEN_TEXT)
    live.message_post(room=room, participant=yui, text='=HYPERLINK("http://evil.example")')
    live.message_hide(message=bad, actor=host, reason="個人への攻撃")
    poll = live.poll_open(
        room=room,
        actor=host,
        question="広場に屋根は必要？",
        kind=Poll.Kind.SINGLE,
        options=["はい", "いいえ"],
    )
    live.poll_vote(poll=poll, participant=sakura, choices=[0])
    live.poll_vote(poll=poll, participant=haruto, choices=[0])
    live.poll_vote(poll=poll, participant=yui, choices=[1])
    live.poll_close(poll=poll, actor=host)
    secret = live.poll_open(
        room=room,
        actor=host,
        question="結果は後で",
        kind=Poll.Kind.SCALE,
        options=[],
        show_results=Poll.ShowResults.AFTER_CLOSE,
    )
    live.poll_vote(poll=secret, participant=sakura, choices=[4])
    statement = live.statement_post(room=room, participant=sakura, text="夜も明るい広場にしたい")
    for participant, vote in ((haruto, 1), (yui, -1)):
        live.statement_vote(statement=statement, participant=participant, vote=vote)
    live.participant_mute(room=room, actor=host, participant=haruto, muted=True)
    return panel


def close(panel):
    live.room_close(room=panel.room, actor=panel.facilitator)


def personal_data(panel):
    """Strings that must never appear in a transcript: the members' e-mail, phone and register names."""
    values = []
    for respondent in Respondent.objects.filter(pk__in=[m.pk for m in panel.members]).select_related(
        "invitation__entry"
    ):
        entry = respondent.invitation.entry
        values += [respondent.email, entry.name, entry.address]
    return [v for v in values if v]


def test_facilitators_read_the_record_during_the_session_with_names_and_hidden_reasons(panel):
    client = panel.client(staff=True)
    response = client.get(f"/c/live/{panel.session.pk}/transcript/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "駅前に屋根付きの広場がほしいです" in html and 'href="https://example.jp/a"' in html
    assert HIDDEN_TEXT not in html
    assert "個人への攻撃" in html  # "hidden by the facilitator: <reason>"
    assert "さくら" in html and "はると" in html
    assert "広場に屋根は必要？" in html and "夜も明るい広場にしたい" in html
    for value in personal_data(panel):
        assert value not in html


def test_the_public_cannot_read_the_record_of_a_session_still_running(panel):
    for path in ("transcript/", "transcript.csv", "transcript.json"):
        assert panel.client().get(f"/c/live/{panel.session.pk}/{path}").status_code == 404
        assert panel.client(as_member=0).get(f"/c/live/{panel.session.pk}/{path}").status_code == 404


def test_after_closing_the_public_reads_it_with_neutral_labels_instead_of_names(panel):
    close(panel)
    record = panel.client().get(f"/c/live/{panel.session.pk}/transcript.json").json()
    text = str(record)
    assert "さくら" not in text and "はると" not in text
    assert HIDDEN_TEXT not in text
    for value in personal_data(panel):
        assert value not in text
    hidden = [m for m in record["messages"] if m["hidden"]]
    assert len(hidden) == 1 and "個人への攻撃" in hidden[0]["text"]
    assert [m["hidden"] for m in record["messages"]] == [False, True, False]
    first_poll, later_poll = record["polls"]
    assert first_poll["voters"] == 3
    assert first_poll["results"] == [{"option": "はい", "count": 2}, {"option": "いいえ", "count": 1}]
    # The scale poll showed results only after closing and was never closed: they stay private.
    assert later_poll["results"] is None
    (statement,) = record["opinions"]["statements"]
    assert (statement["agree"], statement["disagree"], statement["pass"]) == (1, 1, 0)
    actions = [row["action"] for row in record["moderation"]]
    assert any(row["reason"] == "個人への攻撃" for row in record["moderation"])
    assert len(actions) >= 4  # open, hide, mute, close


def test_members_read_it_with_names_once_closed_even_when_the_public_may_not(role_groups):
    panel = live_panel(public=False)
    live.message_post(room=panel.room, participant=panel.participants[0], text="こんにちは")
    close(panel)
    url = f"/c/live/{panel.session.pk}/transcript/"
    assert panel.client().get(url).status_code == 404
    response = panel.client(as_member=1).get(url)
    assert response.status_code == 200 and "さくら" in response.content.decode()


def test_the_csv_opens_in_excel_and_does_not_run_formulas(panel):
    close(panel)
    response = panel.client(staff=True).get(f"/c/live/{panel.session.pk}/transcript.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    texts = [row[4] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in texts
    assert HIDDEN_TEXT not in body
    assert any("はい: 2" in row[5] for row in rows if row[4] == "広場に屋根は必要？")
    # Facilitators see even results held back until the poll closes.
    assert any("5: 1" in row[5] for row in rows if row[4] == "結果は後で")


def test_another_towns_site_does_not_know_the_session(panel, role_groups):
    other = live_panel()
    close(panel)
    response = other.client().get(f"/c/live/{panel.session.pk}/transcript/")
    assert response.status_code == 404
    assert other.client().get(f"/c/live/{panel.session.pk}/").status_code == 404


def test_the_room_page_gives_each_visitor_their_role(panel):
    url = f"/c/live/{panel.session.pk}/"
    facilitator = panel.client(staff=True).get(url).content.decode()
    member = panel.client(as_member=0).get(url).content.decode()
    watcher = panel.client().get(url)
    assert 'data-role="facilitator"' in facilitator and 'id="live-facilitator"' in facilitator
    assert 'data-role="participant"' in member and 'id="live-facilitator"' not in member
    assert watcher.status_code == 200 and 'data-role="watcher"' in watcher.content.decode()
    assert f'data-socket="/ws/sessions/{panel.session.pk}/?lang=ja"' in member
    assert 'id="live-strings"' in member and '"raise_hand": ' in member
    assert watcher["X-Robots-Tag"] == "noindex"


def test_a_removed_member_is_only_a_watcher_and_private_rooms_refuse_the_public(role_groups):
    panel = live_panel(public=False)
    live.participant_remove(room=panel.room, actor=panel.facilitator, participant=panel.participants[0])
    url = f"/c/live/{panel.session.pk}/"
    assert panel.client(as_member=0).get(url).status_code == 403
    assert panel.client().get(url).status_code == 403
    assert panel.client(as_member=1).get(url).status_code == 200


def test_the_facilitator_publishes_a_summary_on_the_consultation_page(panel):
    page = ConsultationPage(title="市民会議", slug="kaigi", consultation=panel.consultation)
    panel.consultation.municipality.site.root_page.add_child(instance=page)
    page.save_revision().publish()
    url = f"/c/live/{panel.session.pk}/summary/"

    refused = panel.client(as_member=0).post(url, {"text": "勝手な要約"})
    assert refused.status_code == 404
    empty = panel.client(staff=True).post(url, {"text": "  "}, follow=True)
    assert "勝手な要約" not in panel.client().get(page.url).content.decode()
    assert empty.status_code == 200 and LiveRoom.objects.get(pk=panel.room.pk).summary_published_at is None

    response = panel.client(staff=True).post(url, {"text": "屋根付き広場への賛成が多数でした。"})
    assert response.status_code == 302
    close(panel)
    html = panel.client().get(page.url).content.decode()
    assert "屋根付き広場への賛成が多数でした。" in html
    assert f"/c/live/{panel.session.pk}/transcript/" in html


def test_statements_show_agreement_by_opinion_group(role_groups):
    from consultations.services.opinions import opinion_groups_refresh

    panel = live_panel(members=4)
    room = panel.room
    texts = ["駅前に屋根を", "駐車場を増やす", "緑を増やす", "夜も明るく"]
    statements = [live.statement_post(room=room, participant=panel.participants[0], text=t) for t in texts]
    # Two camps: the first two members agree with the first two statements, the others with the last two.
    for index, participant in enumerate(panel.participants):
        camp = 1 if index < 2 else -1
        for number, statement in enumerate(statements):
            vote = camp if number < 2 else -camp
            live.statement_vote(statement=statement, participant=participant, vote=vote)
    opinion_groups_refresh(room=room)
    room.refresh_from_db()

    record = panel.client(staff=True).get(f"/c/live/{panel.session.pk}/transcript.json").json()
    groups = record["opinions"]["groups"]
    assert len(groups) == 2 and sum(group["size"] for group in groups) == 4
    first = next(s for s in record["opinions"]["statements"] if s["text"] == "駅前に屋根を")
    assert sorted((g["agree"], g["disagree"]) for g in first["groups"]) == [(0, 2), (2, 0)]
    html = panel.client(staff=True).get(f"/c/live/{panel.session.pk}/transcript/").content.decode()
    assert "グループA" in html or "Group A" in html
