"""The live room in Debian's chromium, several people at once: panel members joined by their links, the
facilitator logged in, and a member of the public watching. Messages arrive live, polls and statements are
voted on, a hand is raised and given the floor, a hidden message disappears for everyone, HTML typed into the
chat stays text, and the page passes axe-core. The site runs under uvicorn (ASGI) on the test database, Redis.
"""

import pytest

from consultations.live_models import AgendaItem
from consultations.services import live
from tests.browser_support import chromium, log_in, screenshot, serious_accessibility_violations
from tests.consultations.live.client_support import live_panel

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 1">',
    "javascript:window.__pwned=1 と https://example.jp/plan?a=1&b=2 を見てください",
]


# Test instrumentation only: remember the page's sockets so a test can cut one, as a network drop would.
KEEP_SOCKETS = """
window.__sockets = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) { super(...args); window.__sockets.push(this); }
};
"""


def open_room(browser, base, path, **context):
    page = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, **context).new_page()
    page.add_init_script(KEEP_SOCKETS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}{path}")
    return page, errors


def online(page):
    from playwright.sync_api import expect

    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=20_000)


def message(page, text):
    return page.locator("#live-messages .live-msg", has_text=text)


def send(page, text):
    page.fill("#live-message-text", text)
    page.locator("#live-message-form button[type=submit]").click()


@pytest.fixture
def panel(role_groups):
    panel = live_panel(members=2)
    AgendaItem.objects.create(room=panel.room, order=1, title="駅前広場の使い方")
    AgendaItem.objects.create(room=panel.room, order=2, title="費用の分担")
    panel.tokens = [live.live_pass_issue(room=panel.room, respondent=m) for m in panel.members]
    return panel


def test_a_session_with_members_a_facilitator_and_a_watcher(asgi_server, panel):
    from playwright.sync_api import expect

    base = f"http://{panel.host}:{asgi_server}"
    room = f"/c/live/{panel.session.pk}/"
    with chromium() as browser:
        sakura, sakura_errors = open_room(browser, base, f"/c/live/join/{panel.tokens[0]}/")
        haruto, haruto_errors = open_room(browser, base, f"/c/live/join/{panel.tokens[1]}/")
        watcher, watcher_errors = open_room(browser, base, room)
        host = log_in(browser.new_context(locale="ja-JP"), base, panel.facilitator_user)
        host.goto(f"{base}{room}")
        for page in (sakura, haruto, watcher, host):
            online(page)
        assert sakura.url.endswith(room)  # the token is gone from the address
        expect(host.locator("#live-facilitator")).to_be_visible()
        expect(sakura.locator("#live-facilitator")).to_have_count(0)
        expect(watcher.locator("#live-message-form")).to_be_hidden()

        # A member posts; the others see it arrive, the watcher without the member's name.
        send(sakura, "駅前に屋根のある広場がほしいです")
        for page in (haruto, watcher, host):
            expect(message(page, "駅前に屋根のある広場がほしいです")).to_have_count(1)
        expect(message(haruto, "駅前に屋根のある広場がほしいです")).to_contain_text("さくら")
        expect(message(watcher, "駅前に屋根のある広場がほしいです")).not_to_contain_text("さくら")
        expect(sakura.locator("#live-message-text")).to_have_value("")

        # HTML in a message stays text everywhere; only the https link becomes a link.
        for payload in PAYLOADS:
            send(sakura, payload)
            expect(message(haruto, payload[:20])).to_have_count(1)
        for page in (sakura, haruto, watcher, host):
            expect(message(page, "<script>window.__pwned = 1</script>")).to_have_count(1)
            expect(message(page, '<img src=x onerror="window.__pwned = 1">')).to_have_count(1)
            assert page.locator("#live-messages img, #live-messages script").count() == 0
            links = page.locator("#live-messages a")
            expect(links).to_have_count(1)
            expect(links).to_have_attribute("href", "https://example.jp/plan?a=1&b=2")
            expect(links).to_have_attribute("rel", "noopener nofollow ugc")
            assert page.evaluate("() => window.__pwned") is None

        # The facilitator moves the agenda and opens a poll; members vote; results arrive live.
        host.select_option("#live-agenda-select", label="費用の分担")
        host.locator("#live-agenda-form button[type=submit]").click()
        expect(haruto.locator("#live-agenda [aria-current=step]")).to_contain_text("費用の分担")
        host.fill("#live-poll-question", "広場に屋根は必要ですか")
        host.fill("#live-poll-options-text", "はい\nいいえ")
        host.locator("#live-poll-form button[type=submit]").click()
        poll = sakura.locator(".live-poll", has_text="広場に屋根は必要ですか")
        expect(poll).to_be_visible()
        poll.locator("label", has_text="はい").click()
        poll.locator("button[type=submit]").click()
        expect(sakura.locator(".live-poll .live-results")).to_contain_text("はい: 1")
        expect(haruto.locator(".live-poll .live-results")).to_contain_text("はい: 1")
        expect(watcher.locator(".live-poll .live-results")).to_contain_text("はい: 1")

        # A statement, voted on by another member.
        sakura.fill("#live-statement-text", "夜も明るい広場にしたい")
        sakura.locator("#live-statement-form button[type=submit]").click()
        statement = haruto.locator(".live-statement", has_text="夜も明るい広場にしたい")
        statement.locator("button[data-vote='1']").click()
        expect(statement.locator("button[data-vote='1']")).to_have_attribute("aria-pressed", "true")
        expect(sakura.locator(".live-statement", has_text="夜も明るい広場にしたい")).to_contain_text("1")

        # Raise a hand with the keyboard; the facilitator gives the floor; everyone sees who speaks.
        haruto.locator("#live-hand").focus()
        haruto.keyboard.press("Enter")
        expect(haruto.locator("#live-hand")).to_have_attribute("aria-pressed", "true")
        queued = host.locator("#live-queue li", has_text="はると")
        expect(queued).to_be_visible()
        queued.locator("[data-action=floor]").click()
        for page in (sakura, haruto, host):
            expect(page.locator("#live-speaker")).to_contain_text("はると")
        expect(sakura.locator("#live-timer")).not_to_have_text("")
        expect(host.locator("#live-queue li")).to_have_count(0)

        # The connection drops; what was said meanwhile arrives after reconnecting, once and in order.
        haruto.evaluate("() => window.__sockets.at(-1).close()")
        send(sakura, "切断中の発言その1")
        send(sakura, "切断中の発言その2")
        expect(haruto.locator("#live-status")).to_have_attribute("data-state", "online", timeout=20_000)
        for text in ("切断中の発言その1", "切断中の発言その2"):
            expect(message(haruto, text)).to_have_count(1)
        assert haruto.evaluate("() => window.__sockets.length") == 2
        order = haruto.locator("#live-messages .live-msg__text").all_text_contents()
        assert order.index("切断中の発言その1") + 1 == order.index("切断中の発言その2")

        # The facilitator hides a message, with a reason: it disappears for everyone.
        target = message(host, "駅前に屋根のある広場がほしいです")
        target.locator("[data-action=hide]").click()
        target.locator(".live-reason input").fill("話題から外れています")
        target.locator(".live-reason button[type=submit]").click()
        for page in (sakura, haruto, watcher, host):
            expect(message(page, "駅前に屋根のある広場がほしいです")).to_have_count(0)

        # After a reload the room is drawn from the snapshot: the hidden message stays gone, and the poll
        # remembers the vote.
        sakura.reload()
        online(sakura)
        expect(message(sakura, "切断中の発言その2")).to_have_count(1)
        expect(message(sakura, "駅前に屋根のある広場がほしいです")).to_have_count(0)
        poll = sakura.locator(".live-poll", has_text="広場に屋根は必要ですか")
        expect(poll.locator("form")).to_have_count(0)
        expect(poll.locator(".live-results")).to_contain_text("はい: 1")

        # A refused action shows the server's sentence where it was asked, and keeps what was typed.
        flagged = message(haruto, "切断中の発言その1")
        for _ in range(2):
            flagged.locator("[data-action=flag]").click()
            flagged.locator(".live-reason input").fill("言い過ぎだと思います")
            flagged.locator(".live-reason button[type=submit]").click()
        expect(flagged.locator(".live-reason .live-form-error")).to_be_visible()
        expect(flagged.locator(".live-reason input")).to_have_value("言い過ぎだと思います")

        # The facilitator mutes a member: they are told, and cannot write until unmuted.
        host.locator("#live-presence li", has_text="はると").locator("[data-action=mute]").click()
        expect(haruto.locator("#live-muted")).to_be_visible()
        expect(haruto.locator("#live-message-text")).to_be_disabled()
        expect(sakura.locator("#live-message-text")).to_be_enabled()

        screenshot(sakura, "live-room-member")
        screenshot(host, "live-room-facilitator")
        violations = [
            *serious_accessibility_violations(sakura),
            *serious_accessibility_violations(host),
            *serious_accessibility_violations(watcher),
        ]

        # Pausing the room stops members from writing until it opens again.
        host.select_option("#live-room-select", "paused")
        host.locator("#live-room-form button[type=submit]").click()
        expect(sakura.locator("#live-room-state")).to_be_visible()
        expect(sakura.locator("#live-message-text")).to_be_disabled()
        host.select_option("#live-room-select", "open")
        host.locator("#live-room-form button[type=submit]").click()
        expect(sakura.locator("#live-message-text")).to_be_enabled()

        # A video link must be https; the embed is sandboxed.
        host.fill("#live-video-url", "http://video.invalid/embed/1")
        host.locator("#live-video-form button[type=submit]").click()
        expect(host.locator("#live-facilitator-error")).to_be_visible()
        expect(watcher.locator("#live-video")).to_be_hidden()
        host.fill("#live-video-url", "https://video.invalid/embed/1")
        host.locator("#live-video-form button[type=submit]").click()
        frame = watcher.locator("#live-video-frame")
        expect(frame).to_have_attribute("src", "https://video.invalid/embed/1")
        assert "allow-top-navigation" not in (frame.get_attribute("sandbox") or "allow-top-navigation")
        # The record, for the facilitator while the session runs: the hidden message only as the reason.
        host.goto(f"{base}{room}transcript/")
        expect(host.locator("main")).to_contain_text("話題から外れています")
        expect(host.locator("main")).not_to_contain_text("駅前に屋根のある広場がほしいです")
        violations += serious_accessibility_violations(host)
        screenshot(host, "live-transcript")
        errors = sakura_errors + haruto_errors + watcher_errors

    panel.room.refresh_from_db()
    hidden = panel.room.messages.get(text="駅前に屋根のある広場がほしいです")
    assert hidden.hidden_at is not None and hidden.hidden_reason == "話題から外れています"
    assert panel.room.current_item.title == "費用の分担"
    assert not errors, errors
    assert not violations, violations
