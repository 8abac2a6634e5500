"""`manage.py purge_roster ID`: delete a closed consultation's personal data (its draws stay verifiable)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from consultations.models import Consultation
from consultations.services import roster_purge


class Command(BaseCommand):
    help = "Delete the roster's and respondents' personal data of a closed consultation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consultation_id", type=int)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(pk=options["consultation_id"]).first()
        if consultation is None:
            raise CommandError(_("There is no consultation %(id)s.") % {"id": options["consultation_id"]})
        if not options["yes"]:
            answer = input(
                _("Delete the personal data of “%(title)s” for good? Type yes: ")
                % {"title": consultation.title}
            )
            if answer.strip().lower() != "yes":
                raise CommandError(_("Nothing was deleted."))
        try:
            result = roster_purge(consultation=consultation, by=None)
        except ServiceError as error:
            raise CommandError(error.message) from None
        message = _(
            "Deleted the personal data of %(entries)s roster entries and %(respondents)s respondents, and "
            "%(codes)s invitation codes."
        ) % {"entries": result.entries, "respondents": result.respondents, "codes": result.codes}
        self.stdout.write(self.style.SUCCESS(message))
