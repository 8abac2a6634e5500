"""manage.py import_areas: GeoJSON and shapefiles, parents, re-runs, broken input explained not crashed on."""

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

from reports.models import Area
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def square(x: float, y: float, half: float = 0.01) -> list:
    return [
        [
            [x - half, y - half],
            [x + half, y - half],
            [x + half, y + half],
            [x - half, y + half],
            [x - half, y - half],
        ]
    ]


def feature(properties: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(coordinates: list) -> dict:
    return {"type": "Polygon", "coordinates": coordinates}


BOWTIE = [[[139.0, 36.0], [139.01, 36.01], [139.01, 36.0], [139.0, 36.01], [139.0, 36.0]]]


@pytest.fixture
def town():
    return MunicipalityFactory(slug="sakura")


def write(tmp_path, features, name="districts.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_areas", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_geojson_with_names_codes_and_parents(town, tmp_path):
    path = write(
        tmp_path,
        [
            feature({"N": "北部", "E": "North", "C": "N", "P": None}, polygon(square(139.0, 36.02, 0.02))),
            feature({"N": "本町", "E": "Honcho", "C": "N1", "P": "N"}, polygon(square(139.0, 36.02))),
        ],
    )
    out, _err = run("sakura", path, name_field="N", name_en_field="E", code_field="C", parent_code_field="P")
    assert "2 new, 0 updated, 0 repaired, 0 skipped" in out
    honcho = Area.objects.get(code="N1")
    assert (honcho.name_ja, honcho.name_en, honcho.parent.code) == ("本町", "Honcho", "N")
    assert honcho.boundary.geom_type == "MultiPolygon"
    assert honcho.municipality == town

    # A second run updates in place.
    out, _err = run("sakura", path, name_field="N", code_field="C")
    assert "0 new, 2 updated" in out
    assert Area.objects.count() == 2


def test_invalid_and_unusable_features_are_reported_not_fatal(town, tmp_path):
    path = write(
        tmp_path,
        [
            feature({"name": "蝶ネクタイ", "code": "bow"}, polygon(BOWTIE)),
            feature(
                {"name": "線", "code": "line"},
                {"type": "LineString", "coordinates": [[139, 36], [139.1, 36.1]]},
            ),
            feature({"name": "空", "code": "none"}, None),
            feature({"code": "nameless"}, polygon(square(139.0, 36.0))),
            feature({"name": "良い", "code": "good"}, polygon(square(139.0, 36.0))),
            feature({"name": "重複", "code": "good"}, polygon(square(139.0, 36.0))),
        ],
    )
    out, err = run("sakura", path)
    assert "feature 1 (code bow): invalid geometry (Self-intersection" in err
    assert "repaired with make_valid" in err
    assert "feature 2 (code line): a LineString, not a polygon — skipped" in err
    assert "feature 3 (code none): no geometry — skipped" in err
    assert "feature 4 (code nameless): no 'name' — skipped" in err
    assert "feature 6 (code good): the same code appears twice" in err
    assert "2 new, 0 updated, 1 repaired, 4 skipped" in out
    bow = Area.objects.get(code="bow")
    assert bow.boundary.valid
    assert len(bow.boundary) == 2


def test_clear_errors_for_a_wrong_town_file_or_field(town, tmp_path):
    path = write(tmp_path, [feature({"name": "a", "code": "a"}, polygon(square(139.0, 36.0)))])
    with pytest.raises(CommandError, match=r"No municipality with slug 'nowhere'.*sakura"):
        run("nowhere", path)
    with pytest.raises(CommandError, match="does not exist"):
        run("sakura", tmp_path / "missing.geojson")
    with pytest.raises(
        CommandError, match="no attribute 'NAME' for --name-field; its attributes are: code, name"
    ):
        run("sakura", path, name_field="NAME")
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("this is not GeoJSON")
    with pytest.raises(CommandError, match="GDAL cannot read"):
        run("sakura", garbage)
    assert not Area.objects.exists()


def test_dry_run_saves_nothing(town, tmp_path):
    path = write(tmp_path, [feature({"name": "a", "code": "a"}, polygon(square(139.0, 36.0)))])
    out, _err = run("sakura", path, dry_run=True)
    assert "1 areas would be imported" in out
    assert not Area.objects.exists()


@pytest.mark.skipif(
    shutil.which("ogr2ogr") is None, reason="ogr2ogr (Debian gdal-bin) makes the test shapefile"
)
def test_a_shapefile_in_a_projected_crs_with_shift_jis_names(town, tmp_path):
    source = write(
        tmp_path, [feature({"S_NAME": "桜台", "KEY_CODE": "102010010"}, polygon(square(139.0, 36.0)))]
    )
    shapefile = tmp_path / "districts.shp"
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:6677",
            "-lco",
            "ENCODING=CP932",
            shapefile,
            source,
        ],
        check=True,
        capture_output=True,
    )
    # With a .cpg file GDAL knows the encoding by itself.
    out, _err = run("sakura", shapefile, name_field="S_NAME", code_field="KEY_CODE")
    assert "1 new" in out
    assert Area.objects.get(code="102010010").name_ja == "桜台"
    # Without one (and with no code page byte in the .dbf), as many Japanese files come, --encoding says it.
    shapefile.with_suffix(".cpg").unlink()
    dbf = shapefile.with_suffix(".dbf")
    header = bytearray(dbf.read_bytes())
    header[29] = 0
    dbf.write_bytes(bytes(header))
    Area.objects.all().delete()
    out, _err = run("sakura", shapefile, name_field="S_NAME", code_field="KEY_CODE", encoding="CP932")
    area = Area.objects.get(code="102010010")
    assert area.name_ja == "桜台"
    west, _south, _east, north = area.boundary.extent
    assert west == pytest.approx(138.99, abs=1e-4)
    assert north == pytest.approx(36.01, abs=1e-4)
