"""The live board: staff of a town receive its cards over /ws/triage/ after a change commits."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from civic.asgi import application
from civic.roles import Role
from reports.consumers import BoardConsumer
from reports.models import Report
from reports.services import report_add_update, report_transition
from tests.reports.triage_support import make_report, staff

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(user, town):
    communicator = WebsocketCommunicator(
        BoardConsumer.as_asgi(), f"/ws/triage/?town={town.municipality.slug}"
    )
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_a_colleagues_change_arrives_on_an_open_board(town):
    supervisor = await sync_to_async(staff)(town)
    report = await sync_to_async(make_report)(town)
    communicator, connected, _ = await connect(supervisor, town)
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"

    await sync_to_async(report_transition)(report=report, status=Report.Status.ACKNOWLEDGED, actor=supervisor)

    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "card"
    card = message["card"]
    assert card["reference"] == report.reference and card["status"] == "acknowledged"
    assert card["was"] == "new"  # a board that has not loaded the card still moves the counts right
    assert "山田" not in str(card) and "hanako" not in str(card)

    await sync_to_async(report_add_update)(report=report, actor=supervisor, message="調査中です", public=True)
    unmoved = (await communicator.receive_json_from(timeout=5))["card"]
    assert unmoved["status"] == unmoved["was"] == "acknowledged"  # nothing to count again
    await communicator.disconnect()


async def test_a_new_report_appears_live(town):
    supervisor = await sync_to_async(staff)(town)
    communicator, connected, _ = await connect(supervisor, town)
    assert connected
    await communicator.receive_json_from()
    report = await sync_to_async(make_report)(town)
    message = await communicator.receive_json_from(timeout=5)
    assert message["card"]["reference"] == report.reference and message["card"]["status"] == "new"
    assert message["card"]["was"] is None  # new: counted once, where it arrives
    await communicator.disconnect()


async def test_department_staff_hear_only_of_their_department(town):
    roads = await sync_to_async(staff)(town, Role.DEPARTMENT_STAFF, department=town.roads)
    communicator, connected, _ = await connect(roads, town)
    assert connected
    await communicator.receive_json_from()
    tree = await sync_to_async(make_report)(town, category=town.tree)
    assert await communicator.receive_json_from(timeout=5) == {"type": "hidden", "id": tree.pk}
    await communicator.disconnect()


async def test_other_towns_and_outsiders_are_refused(town, other_town):
    stranger = await sync_to_async(staff)(other_town)
    communicator, connected, code = await connect(stranger, town)
    assert not connected and code == 4403
    facilitator = await sync_to_async(staff)(town, Role.FACILITATOR)
    communicator, connected, code = await connect(facilitator, town)
    assert not connected
    await communicator.disconnect()


async def test_anonymous_sockets_are_refused_through_the_asgi_router(town):
    communicator = WebsocketCommunicator(
        application, "/ws/triage/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_the_socket_answers_pings_and_refuses_commands(town):
    supervisor = await sync_to_async(staff)(town)
    communicator, connected, _ = await connect(supervisor, town)
    assert connected
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.send_json_to({"type": "transition", "status": "closed"})
    assert (await communicator.receive_json_from())["type"] == "error"
    await communicator.disconnect()
