"""`manage.py import_areas SLUG FILE`: load district boundaries (GeoJSON, shapefile, anything GDAL reads)
as areas of a municipality; re-running updates areas by code. Invalid polygons are repaired or skipped with
a line that says which feature and why, never a traceback. See docs/importing-boundaries.md."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, OGRGeometry, SpatialReference
from django.contrib.gis.geos import GeometryCollection, GEOSGeometry, MultiPolygon, Polygon
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from civic.errors import ServiceError
from civic.models import Municipality
from reports.models import Area
from reports.services import area_parent_set, area_save

WGS84 = 4326


@dataclass
class Feature:
    number: int
    code: str
    name_ja: str
    name_en: str
    parent_code: str
    boundary: MultiPolygon


class Command(BaseCommand):
    help = "Import district boundaries of a municipality from a GeoJSON file or a shapefile."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="slug of the municipality, e.g. sakuragawa")
        parser.add_argument("file", help="a .geojson/.json file, a .shp (with its .shx/.dbf/.prj), or a .zip")
        parser.add_argument(
            "--name-field", default="name", help="attribute with the Japanese name (default: name)"
        )
        parser.add_argument("--name-en-field", default="", help="attribute with the English name (optional)")
        parser.add_argument(
            "--code-field", default="code", help="attribute with a unique code (default: code)"
        )
        parser.add_argument("--parent-code-field", default="", help="attribute with the parent area's code")
        parser.add_argument(
            "--layer", default="0", help="layer name or number in the file (default: the first)"
        )
        parser.add_argument("--encoding", default="", help="text encoding of a shapefile's .dbf, e.g. cp932")
        parser.add_argument("--srid", type=int, default=0, help="coordinate system when the file names none")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            known = ", ".join(Municipality.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No municipality with slug {options['municipality']!r} (known: {known}).")
        features, skipped, repaired = self.read(options)
        if not features:
            raise CommandError(f"No usable features in {options['file']} ({skipped} skipped).")
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {len(features)} areas would be imported ({repaired} repaired, {skipped} skipped)."
            )
            return

        created = updated = 0
        areas: dict[str, Area] = {}
        for feature in tqdm(
            features, desc="saving", unit="area", disable=options["verbosity"] < 1, file=self.stderr
        ):
            try:
                area, is_new = area_save(
                    municipality=municipality,
                    code=feature.code,
                    name_ja=feature.name_ja,
                    name_en=feature.name_en,
                    boundary=feature.boundary,
                )
            except ServiceError as error:
                self.warn(feature.number, feature.code, f"{error.message} — skipped")
                skipped += 1
                continue
            areas[feature.code] = area
            created += is_new
            updated += not is_new
        for feature in features:
            if not feature.parent_code or feature.code not in areas:
                continue
            parent = (
                areas.get(feature.parent_code)
                or Area.objects.filter(municipality=municipality, code=feature.parent_code).first()
            )
            if parent is None:
                self.warn(
                    feature.number,
                    feature.code,
                    f"parent {feature.parent_code!r} not found — left without parent",
                )
                continue
            try:
                area_parent_set(area=areas[feature.code], parent=parent)
            except ServiceError as error:
                self.warn(feature.number, feature.code, f"{error.message} — left without parent")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {created + updated} areas into {municipality.slug}: "
                f"{created} new, {updated} updated, "
                f"{repaired} repaired, {skipped} skipped."
            )
        )

    def read(self, options: dict[str, Any]) -> tuple[list[Feature], int, int]:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
        # GDAL recodes shapefile text to UTF-8 when it knows the encoding (.cpg file or LDID byte); Japanese
        # boundary files often have neither, so --encoding tells it (SHAPE_ENCODING overrides both).
        previous = os.environ.get("SHAPE_ENCODING")
        if options["encoding"]:
            os.environ["SHAPE_ENCODING"] = options["encoding"]
        try:
            data = DataSource(source, encoding="utf-8")
            return self.read_layer(path, data, options)
        except GDALException as error:
            raise CommandError(f"GDAL cannot read {path}: {error}") from None
        finally:
            if options["encoding"]:
                if previous is None:
                    os.environ.pop("SHAPE_ENCODING", None)
                else:
                    os.environ["SHAPE_ENCODING"] = previous

    def read_layer(
        self, path: Path, data: DataSource, options: dict[str, Any]
    ) -> tuple[list[Feature], int, int]:
        layer_name = options["layer"]
        try:
            layer = data[int(layer_name)] if layer_name.isdigit() else data[layer_name]
        except (IndexError, KeyError, GDALException):
            layers = ", ".join(data[index].name for index in range(data.layer_count))
            raise CommandError(f"{path} has no layer {layer_name!r} (layers: {layers}).") from None

        fields = set(layer.fields)
        for option in ("name_field", "code_field", "name_en_field", "parent_code_field"):
            wanted = options[option]
            if wanted and wanted not in fields:
                flag = "--" + option.replace("_", "-")
                raise CommandError(
                    f"{path} has no attribute {wanted!r} for {flag}; "
                    f"its attributes are: {', '.join(sorted(fields))}."
                )

        transform = self.transform_for(layer.srs, options["srid"])
        features: list[Feature] = []
        seen: set[str] = set()
        skipped = repaired = 0
        for number, item in enumerate(
            tqdm(
                layer,
                desc="reading",
                unit="feature",
                total=len(layer),
                disable=options["verbosity"] < 1,
                file=self.stderr,
            ),
            start=1,
        ):
            code = self.text(item, options["code_field"]) or str(number)
            name = self.text(item, options["name_field"])
            if not name:
                self.warn(number, code, f"no {options['name_field']!r} — skipped")
                skipped += 1
                continue
            if code in seen:
                self.warn(number, code, "the same code appears twice — the later feature is skipped")
                skipped += 1
                continue
            try:
                geometry: OGRGeometry | None = item.geom
            except GDALException:  # a feature with a null geometry
                geometry = None
            if geometry is None:
                self.warn(number, code, "no geometry — skipped")
                skipped += 1
                continue
            if transform is not None:
                geometry = geometry.clone()
                geometry.transform(transform)
            boundary, problem, was_repaired = self.polygons(geometry.geos)
            if boundary is None:
                self.warn(number, code, f"{problem} — skipped")
                skipped += 1
                continue
            if was_repaired:
                self.warn(number, code, f"{problem} — repaired with make_valid")
                repaired += 1
            boundary.srid = WGS84
            seen.add(code)
            features.append(
                Feature(
                    number=number,
                    code=code,
                    name_ja=name,
                    name_en=self.text(item, options["name_en_field"]),
                    parent_code=self.text(item, options["parent_code_field"]),
                    boundary=boundary,
                )
            )
        return features, skipped, repaired

    def transform_for(self, srs: SpatialReference | None, srid: int) -> CoordTransform | None:
        """None when the file is already WGS 84 (GeoJSON without a crs member is, by definition)."""
        if srid:
            srs = SpatialReference(srid)
        if srs is None or srs.srid == WGS84:
            return None
        # Django's SpatialReference keeps the traditional lng, lat axis order, as GEOS and GeoJSON expect.
        return CoordTransform(srs, SpatialReference(WGS84))

    def polygons(self, geometry: GEOSGeometry) -> tuple[MultiPolygon | None, str, bool]:
        """A valid MultiPolygon, the problem found (if any), and whether it had to be repaired."""
        problem = ""
        was_repaired = False
        if geometry.empty:
            return None, "empty geometry", False
        if not geometry.valid:
            problem = f"invalid geometry ({geometry.valid_reason})"
            try:
                geometry = geometry.make_valid()  # type: ignore[attr-defined]  # missing from django-stubs
            except Exception as error:  # GEOS raises plain GEOSException with its own message
                return None, f"{problem}; make_valid failed ({error})", False
            was_repaired = True
        parts: list[Polygon] = []
        self.collect(geometry, parts)
        if not parts:
            kind = geometry.geom_type
            return None, problem or f"a {kind}, not a polygon", False
        result = MultiPolygon(parts, srid=geometry.srid)
        if not result.valid:
            return (
                None,
                f"{problem or 'invalid geometry'}; still invalid after repair ({result.valid_reason})",
                False,
            )
        return result, problem, was_repaired

    def collect(self, geometry: GEOSGeometry, parts: list[Polygon]) -> None:
        if isinstance(geometry, Polygon):
            if not geometry.empty and geometry.area > 0:
                parts.append(geometry)
        elif isinstance(geometry, MultiPolygon | GeometryCollection):
            for member in geometry:
                self.collect(member, parts)

    def text(self, feature: Any, field: str) -> str:
        if not field:
            return ""
        value = feature.get(field)
        return "" if value is None else str(value).strip()

    def warn(self, number: int, code: str, message: str) -> None:
        self.stderr.write(f"feature {number} (code {code}): {message}")
