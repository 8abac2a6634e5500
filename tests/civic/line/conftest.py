"""Fixtures for the LINE integration: a town with a channel pointed at a running LINE simulator."""

import json
from pathlib import Path

import pytest

from civic.line.services import line_channel_set
from civic.line.simulator import running
from tests import line_support
from tests.factories import MunicipalityFactory

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "test-channel-secret"


def fixture_body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signature(body: bytes, secret: str = SECRET) -> str:
    return line_support.signature(body, secret)


run_worker = line_support.run_worker


@pytest.fixture
def simulator():
    with running() as sim:
        yield sim


@pytest.fixture
def channel(db, simulator):
    town = MunicipalityFactory(slug="kawa")
    return line_channel_set(
        municipality=town, channel_secret=SECRET, access_token="token", api_base=simulator.url
    )


@pytest.fixture
def post_webhook(client, channel):
    def post(body: bytes | str, *, sign: bool = True, secret: str = SECRET, slug: str = "kawa"):
        raw = body.encode() if isinstance(body, str) else body
        headers = {"HTTP_X_LINE_SIGNATURE": signature(raw, secret)} if sign else {}
        return client.post(f"/line/{slug}/webhook", raw, content_type="application/json", **headers)

    return post


def events_of(name: str) -> list[dict]:
    return json.loads(fixture_body(name))["events"]
