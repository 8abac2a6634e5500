"""`manage.py verify_lottery ID`: recompute both stages of a lottery; exit 0 only if all match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from consultations.models import Consultation
from consultations.verification import verify_consultation


class Command(BaseCommand):
    help = (
        "Recompute a consultation's invitation lottery and panel draw (and its LEXIMIN probabilities) from "
        "the "
        "recorded inputs and revealed seeds; exit 0 only when everything matches what was recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consultation_id", type=int)
        parser.add_argument(
            "--skip-leximin", action="store_true", help="Do not recompute the LEXIMIN probabilities (faster)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(pk=options["consultation_id"]).first()
        if consultation is None:
            raise CommandError(_("There is no consultation %(id)s.") % {"id": options["consultation_id"]})
        result = verify_consultation(consultation, recompute_distribution=not options["skip_leximin"])
        if not result.checks:
            raise CommandError(_("Consultation %(id)s has no draws to verify.") % {"id": consultation.pk})
        for check in result.checks:
            mark = "ok  " if check.ok else "DIFF"
            self.stdout.write(f"{mark} draw #{check.draw} ({check.stage}): {check.name}")
        difference = result.first_difference
        if difference is not None:
            raise CommandError(
                _("First difference: draw #%(draw)s (%(stage)s), %(name)s: %(detail)s")
                % {
                    "draw": difference.draw,
                    "stage": difference.stage,
                    "name": difference.name,
                    "detail": difference.detail,
                }
            )
        message = _("All %(count)s checks match for “%(title)s”.") % {
            "count": len(result.checks),
            "title": consultation.title,
        }
        self.stdout.write(self.style.SUCCESS(message))
