"""`manage.py import_roster CONSULTATION_ID FILE --map 氏名=name ...`: import a register sample."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from civic.errors import ServiceError
from consultations.models import Consultation, RosterImport
from consultations.roster import FIELDS, mapped_columns, write_rejected_csv
from consultations.services import roster_import_file


class Command(BaseCommand):
    help = (
        "Import a roster (CSV or .xlsx, headings in the first row) into a consultation. Map columns with "
        f"--map COLUMN=FIELD (fields: {', '.join(FIELDS)}). Rejected rows are written to a CSV report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consultation_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Which file column holds which roster field; repeat for each field. Headings named like a "
            "field (or common register headings such as 氏名, 住所, 地区) are mapped without it.",
        )
        parser.add_argument(
            "--rejected",
            type=Path,
            help="Where to write the rejected rows (default: FILE.rejected.csv beside the file).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(pk=options["consultation_id"]).first()
        if consultation is None:
            raise CommandError(_("There is no consultation %(id)s.") % {"id": options["consultation_id"]})
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        mapping: dict[str, str] = {}
        for item in options["map"]:
            column, separator, field = item.partition("=")
            if not separator or not column.strip() or not field.strip():
                raise CommandError(_("--map %(item)s is not COLUMN=FIELD.") % {"item": item})
            mapping[column.strip()] = field.strip()

        bar = tqdm(total=0, unit="row", disable=options["no_progress"], file=sys.stderr, desc="checking rows")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = roster_import_file(
                consultation=consultation,
                filename=path.name,
                content=path.read_bytes(),
                mapping=mapping,
                by=None,
                progress=progress,
            )
        except ServiceError as error:
            raise CommandError(
                "\n".join(m for ms in error.field_errors.values() for m in ms) or error.message
            ) from None
        finally:
            bar.close()
        if result.status == RosterImport.Status.FAILED:
            raise CommandError(result.error)
        imported = _("%(count)s rows imported into “%(title)s”.") % {
            "count": result.accepted,
            "title": consultation.title,
        }
        self.stdout.write(self.style.SUCCESS(imported))
        if result.rejected:
            report: Path = options["rejected"] or path.with_name(path.name + ".rejected.csv")
            with report.open("w", encoding="utf-8-sig", newline="") as handle:
                write_rejected_csv(handle, mapped_columns(result.columns, result.mapping), result.rejected)
            warning = _("%(count)s rows were rejected; the reasons are in %(path)s.") % {
                "count": len(result.rejected),
                "path": report,
            }
            self.stderr.write(self.style.WARNING(warning))
