"""The map's vector tiles: clusters and points from real PostGIS, filters, bad z/x/y, privacy, tenancy,
caching."""

import math
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from reports.map_grid import map_grid_rebuild
from reports.models import Report, Reporter
from reports.services import report_create, report_transition
from reports.tiles import TileError, TileFilter, cells_per_side, check_tile, tile_sql
from tests.reports.conftest import Town

pytestmark = pytest.mark.django_db


# --- a small Mapbox vector tile decoder (protobuf by hand), enough to read back what the server sent ---


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def _fields(data: bytes):
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i : i + length], i + length
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        else:  # pragma: no cover
            raise ValueError(wire)
        yield number, value


def _packed(data: bytes) -> list[int]:
    values, i = [], 0
    while i < len(data):
        value, i = _varint(data, i)
        values.append(value)
    return values


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def decode(tile: bytes) -> dict[str, list[dict]]:
    """{layer: [{"properties": {...}, "x": .., "y": ..}]} with tile-extent coordinates of the first point."""
    layers: dict[str, list[dict]] = {}
    for number, layer_bytes in _fields(tile):
        assert number == 3
        name, keys, values, raw_features = "", [], [], []
        for field, value in _fields(layer_bytes):
            if field == 1:
                name = value.decode()
            elif field == 2:
                raw_features.append(value)
            elif field == 3:
                keys.append(value.decode())
            elif field == 4:
                decoded = None
                for kind, item in _fields(value):
                    if kind == 1:
                        decoded = item.decode()
                    elif kind in (4, 5):
                        decoded = item
                    elif kind == 6:
                        decoded = _zigzag(item)
                    elif kind == 7:
                        decoded = bool(item)
                    else:
                        decoded = item
                values.append(decoded)
        features = []
        for raw in raw_features:
            tags, geometry = [], []
            for field, value in _fields(raw):
                if field == 2:
                    tags = _packed(value)
                elif field == 4:
                    geometry = _packed(value)
            properties = {keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)}
            features.append({"properties": properties, "x": _zigzag(geometry[1]), "y": _zigzag(geometry[2])})
        layers[name] = features
    return layers


# --- helpers ---


def tile_of(point: Point, z: int) -> tuple[int, int]:
    lat = math.radians(point.y)
    n = 2**z
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)
    return x, y


def make_report(town: Town, *, dlng=-0.01, dlat=0.0, category=None, **kwargs) -> Report:
    return report_create(
        municipality=town.municipality,
        category=category or town.pothole,
        description="A deep hole in the road",
        point=town.point(dlng, dlat),
        **kwargs,
    )


def get_tile(client, town: Town, z: int, point: Point | None = None, **params):
    x, y = tile_of(point or town.municipality.center, z)
    return client.get(f"/reports/tiles/{z}/{x}/{y}.pbf", params, HTTP_HOST=town.host)


@pytest.fixture
def town():
    return Town()


# --- tests ---


def test_high_zoom_tile_has_single_reports_with_public_fields_only(client, town):
    secret = Reporter(name="山田花子", email="hanako@example.jp", phone="090-1234-5678")
    report = make_report(town, reporter=secret, location_text="山田さんの家の前")
    response = get_tile(client, town, 17, report.point)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    body = response.content
    for private in (b"hanako", "山田".encode(), b"090-1234", "家の前".encode()):
        assert private not in body
    features = decode(body)["reports"]
    assert len(features) == 1
    assert features[0]["properties"] == {
        "count": 1,
        "reference": report.reference,
        "status": "new",
        "category": "pothole",
    }


def test_point_is_drawn_where_the_report_is(client, town):
    report = make_report(town, dlng=0.003, dlat=0.002)
    z = 16
    x, y = tile_of(report.point, z)
    feature = decode(get_tile(client, town, z, report.point).content)["reports"][0]
    n = 2**z
    lng = (x + feature["x"] / 4096) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + feature["y"] / 4096) / n))))
    assert lng == pytest.approx(report.point.x, abs=1e-4)
    assert lat == pytest.approx(report.point.y, abs=1e-4)


def test_low_zoom_clusters_count_every_report_and_hide_references(client, town):
    for i in range(12):
        make_report(town, dlng=-0.01 + i * 0.00001)
    make_report(town, dlng=0.02, dlat=0.02)
    features = decode(get_tile(client, town, 10).content)["reports"]
    assert sum(f["properties"]["count"] for f in features) == 13
    cluster = max(features, key=lambda f: f["properties"]["count"])
    assert cluster["properties"] == {"count": 12}  # no reference, status or category on a cluster
    assert len(features) <= cells_per_side(10) ** 2


def test_filters_category_status_area_and_dates(client, town):
    hole = make_report(town, dlng=-0.01)  # west
    tree = make_report(town, dlng=0.01, category=town.tree)  # east
    report_transition(report=tree, status=Report.Status.RESOLVED, actor=None)

    def count(**params):
        response = get_tile(client, town, 10, **params)
        assert response.status_code == 200, response.content
        return sum(f["properties"]["count"] for f in decode(response.content).get("reports", []))

    assert count() == 2
    assert count(category="fallen-tree") == 1
    assert count(status="open") == 1
    assert count(status="finished") == 1
    assert count(status="resolved") == 1
    assert count(area="west") == 1
    today = hole.created_at.astimezone(ZoneInfo(town.municipality.timezone)).date().isoformat()
    assert count(since=today, until=today) == 2
    assert count(since="2001-01-01", until="2001-01-02") == 0


def test_hidden_reports_and_other_towns_never_appear(client, town):
    other = Town(slug="othertown")
    make_report(other)  # the same coordinates, another municipality
    hidden = make_report(town)
    Report.objects.filter(pk=hidden.pk).update(is_public=False)
    map_grid_rebuild(municipality_id=town.municipality.pk)  # a change made outside the services
    for z in (12, 17):  # from the grid, and live
        response = get_tile(client, town, z, hidden.point)
        assert decode(response.content).get("reports", []) == []


@pytest.mark.parametrize(
    "path",
    [
        "/reports/tiles/23/0/0.pbf",
        "/reports/tiles/-1/0/0.pbf",
        "/reports/tiles/3/8/0.pbf",
        "/reports/tiles/3/0/8.pbf",
        "/reports/tiles/3/-1/0.pbf",
        "/reports/tiles/0/0/1.pbf",
        "/reports/tiles/99999999/0/0.pbf",
    ],
)
def test_impossible_tiles_are_400(client, town, path):
    response = client.get(path, HTTP_HOST=town.host)
    assert response.status_code == 400
    assert "errors" in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"category": "nope"},
        {"status": "sleeping"},
        {"area": "north"},
        {"since": "yesterday"},
        {"since": "2026-05-02", "until": "2026-05-01"},
    ],
)
def test_unknown_filter_values_are_400(client, town, params):
    assert get_tile(client, town, 12, **params).status_code == 400


def test_tiles_are_cacheable_and_answer_304_to_a_matching_etag(client, town):
    make_report(town)
    first = get_tile(client, town, 12)
    assert first["Cache-Control"] == "public, max-age=60"
    etag = first["ETag"]
    x, y = tile_of(town.municipality.center, 12)
    again = client.get(f"/reports/tiles/12/{x}/{y}.pbf", HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_an_empty_tile_is_an_empty_200(client, town):
    response = client.get("/reports/tiles/5/0/0.pbf", HTTP_HOST=town.host)
    assert response.status_code == 200
    assert response.content == b""


def test_tile_takes_a_fixed_number_of_queries(client, town, django_assert_max_num_queries):
    for i in range(5):
        make_report(town, dlng=-0.01 + i * 0.001)
    with django_assert_max_num_queries(6):
        get_tile(client, town, 14, category="pothole", area="west")


def test_bbox_query_uses_the_gist_index(town):
    tile_filter = TileFilter(municipality_id=town.municipality.pk)
    x, y = tile_of(town.municipality.center, 17)
    sql, params = tile_sql(17, x, y, tile_filter)  # above the grid's zooms: counted live
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "report_point_geometry_gist" in plan


def test_check_tile_is_pure():
    check_tile(0, 0, 0)
    check_tile(22, 2**22 - 1, 0)
    with pytest.raises(TileError):
        check_tile(1, 2, 0)
