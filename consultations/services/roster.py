"""Roster services: upload, map and import a register sample row by row; delete its personal data later."""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from consultations import roster as roster_files
from consultations.models import (
    Consultation,
    Draw,
    InvitationCode,
    Respondent,
    RosterEntry,
    RosterImport,
)
from consultations.services.common import Actor, actor_or_none, locked, record_event, refuse_if_purged

ProgressCallback = Callable[[int, int], None]
KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PROGRESS_EVERY = 250
MAX_FILE_BYTES = 50 * 1024 * 1024


def _refuse_if_frozen(consultation: Consultation) -> None:
    refuse_if_purged(consultation)
    draw = consultation.draws.filter(stage=Draw.Stage.INVITATIONS).exclude(status=Draw.Status.VOIDED).first()
    if draw is not None:
        raise ServiceError(
            _(
                "The roster is fixed: the invitation lottery's seed was committed on %(date)s. "
                "Void that draw (with a reason) before changing the roster."
            )
            % {"date": timezone.localtime(draw.committed_at).strftime("%Y-%m-%d %H:%M")}
        )


@transaction.atomic
def roster_upload(*, consultation: Consultation, filename: str, content: bytes, by: Actor) -> RosterImport:
    """Keep an uploaded register export until the operator has mapped its columns; read its headings now."""
    _refuse_if_frozen(consultation)
    if len(content) > MAX_FILE_BYTES:
        raise ServiceError(
            _("The file is larger than 50 MB; split it and import the parts one after the other.")
        )
    try:
        parsed = roster_files.read_roster_file(filename, content)
    except roster_files.RosterFileError as error:
        raise ServiceError(str(error), field_errors={"file": [str(error)]}) from None
    return RosterImport.objects.create(
        consultation=consultation,
        filename=filename[:255],
        columns=parsed.columns,
        mapping=roster_files.guess_mapping(parsed.columns),
        source=content,
        total=len(parsed.rows),
        created_by=actor_or_none(by),
    )


@transaction.atomic
def roster_import_start(
    *, roster_import: RosterImport, mapping: Mapping[str, str], by: Actor
) -> RosterImport:
    """Check the operator's column mapping and queue the import, which runs as a background job."""
    from consultations.tasks import run_roster_import

    consultation = roster_import.consultation
    _refuse_if_frozen(consultation)
    if roster_import.status != RosterImport.Status.UPLOADED:
        raise ServiceError(_("This file has already been imported; upload it again to import it again."))
    mapping = {column: field for column, field in mapping.items() if field}
    problems = roster_files.check_mapping(
        mapping, roster_import.columns, district_required=consultation.stratify_by_district
    )
    if problems:
        raise ServiceError(problems[0], field_errors={"mapping": problems})
    roster_import.mapping = roster_files.ordered_mapping(mapping, roster_import.columns)
    roster_import.status = RosterImport.Status.QUEUED
    roster_import.save(update_fields=["mapping", "status"])
    record_event(consultation, by, "roster_import_queued", file=roster_import.filename, mapping=mapping)
    enqueue_on_commit(run_roster_import, roster_import.pk)
    return roster_import


def roster_import_file(
    *,
    consultation: Consultation,
    filename: str,
    content: bytes,
    mapping: Mapping[str, str],
    by: Actor,
    progress: ProgressCallback | None = None,
) -> RosterImport:
    """Import a file at once (the management command): the same checks and report as an admin upload."""
    roster_import = roster_upload(consultation=consultation, filename=filename, content=content, by=by)
    full = {**roster_import.mapping, **mapping} if mapping else dict(roster_import.mapping)
    # An explicit mapping of a field replaces the guessed column for it.
    explicit = set(mapping.values())
    full = {column: field for column, field in full.items() if column in mapping or field not in explicit}
    problems = roster_files.check_mapping(
        full, roster_import.columns, district_required=consultation.stratify_by_district
    )
    if problems:
        roster_import.delete()
        raise ServiceError(problems[0], field_errors={"mapping": problems})
    RosterImport.objects.filter(pk=roster_import.pk).update(
        mapping=roster_files.ordered_mapping(full, roster_import.columns), status=RosterImport.Status.QUEUED
    )
    roster_import.refresh_from_db()
    return roster_import_run(roster_import=roster_import, progress=progress)


def roster_import_run(
    *, roster_import: RosterImport, progress: ProgressCallback | None = None
) -> RosterImport:
    """Validate every row (reporting progress), then add the accepted ones in one transaction.

    Rejected rows are kept with their reasons and the values read, so the operator can fix and re-import them.
    """
    rows = RosterImport.objects.filter(pk=roster_import.pk)
    if roster_import.status not in {RosterImport.Status.QUEUED, RosterImport.Status.RUNNING}:
        return roster_import
    rows.update(status=RosterImport.Status.RUNNING, processed=0)
    consultation = roster_import.consultation
    try:
        parsed = roster_files.read_roster_file(roster_import.filename, bytes(roster_import.source or b""))
    except roster_files.RosterFileError as error:
        rows.update(
            status=RosterImport.Status.FAILED, error=str(error), source=None, finished_at=timezone.now()
        )
        roster_import.refresh_from_db()
        return roster_import
    total = len(parsed.rows)
    rows.update(total=total)
    mapping = dict(roster_import.mapping)
    district_required = consultation.stratify_by_district
    cleaned: list[roster_files.CleanRow] = []
    rejected: list[dict[str, object]] = []
    for index, (number, raw) in enumerate(parsed.rows, start=1):
        row, errors = roster_files.clean_row(number, raw, mapping, district_required=district_required)
        if row is None:
            rejected.append({"row": number, "errors": errors, "values": _mapped_values(raw, mapping)})
        else:
            cleaned.append(row)
        if index % PROGRESS_EVERY == 0 or index == total:
            rows.update(processed=index)
            if progress is not None:
                progress(index, total)
    try:
        with transaction.atomic():
            consultation = locked(consultation)
            _refuse_if_frozen(consultation)
            accepted = _add_entries(consultation, roster_import, cleaned, rejected, mapping)
            rejected.sort(key=lambda item: int(str(item["row"])))
            rows.update(
                status=RosterImport.Status.DONE,
                accepted=accepted,
                rejected=rejected,
                processed=total,
                source=None,
                finished_at=timezone.now(),
            )
            record_event(
                consultation,
                roster_import.created_by,
                "roster_imported",
                file=roster_import.filename,
                accepted=accepted,
                rejected=len(rejected),
            )
    except ServiceError as error:
        rows.update(
            status=RosterImport.Status.FAILED, error=error.message, source=None, finished_at=timezone.now()
        )
    roster_import.refresh_from_db()
    return roster_import


def _mapped_values(raw: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    values = {column: raw.get(column, "") for column in mapping}
    if raw.get("\u0000extra"):
        values["(extra)"] = raw["\u0000extra"]
    return values


def _plain(text: str) -> str:
    return "".join(text.split()).casefold()


def _keyed(salt: str, purpose: str, text: str) -> str:
    return hmac.new(salt.encode(), f"{purpose}\n{text}".encode(), hashlib.sha256).hexdigest()


def _add_entries(
    consultation: Consultation,
    roster_import: RosterImport,
    cleaned: list[roster_files.CleanRow],
    rejected: list[dict[str, object]],
    mapping: Mapping[str, str],
) -> int:
    if not consultation.roster_salt:
        consultation.roster_salt = secrets.token_hex(32)
        consultation.save(update_fields=["roster_salt"])
    salt = consultation.roster_salt
    existing = RosterEntry.objects.filter(consultation=consultation)
    keys = set(existing.values_list("key", flat=True))
    by_ref = dict(existing.exclude(ref="").values_list("ref", "source_row"))
    by_person = dict(existing.exclude(person_hash="").values_list("person_hash", "source_row"))
    seen_ref: dict[str, int] = {}
    seen_person: dict[str, int] = {}
    entries: list[RosterEntry] = []
    columns_of = {field: column for column, field in mapping.items()}
    for row in cleaned:
        values = row.values
        ref = values.get("ref", "")
        person = _keyed(salt, "person", f"{_plain(values['name'])}|{_plain(values['address'])}")
        reason = ""
        if ref and ref in seen_ref:
            reason = _("Duplicate of row %(row)s: the same resident number.") % {"row": seen_ref[ref]}
        elif ref and ref in by_ref:
            reason = _("Already in the roster from an earlier import: the same resident number.")
        elif person in seen_person:
            reason = _("Duplicate of row %(row)s: the same name and address.") % {"row": seen_person[person]}
        elif person in by_person:
            reason = _("Already in the roster from an earlier import: the same name and address.")
        if reason:
            raw_values = {columns_of[field]: value for field, value in values.items() if field in columns_of}
            rejected.append({"row": row.row, "errors": [reason], "values": raw_values})
            continue
        if ref:
            seen_ref[ref] = row.row
        seen_person[person] = row.row
        household_source = _plain(values.get("household") or values["address"])
        entries.append(
            RosterEntry(
                consultation=consultation,
                roster_import=roster_import,
                source_row=row.row,
                key=_new_key(keys),
                district=values.get("district", ""),
                household="H" + _keyed(salt, "household", household_source)[:15],
                ref=ref,
                name=values["name"],
                postal_code=values.get("postal_code", ""),
                address=values["address"],
                email=values.get("email", ""),
                line_user_id=values.get("line_user_id", ""),
                person_hash=person,
            )
        )
    RosterEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _new_key(taken: set[str]) -> str:
    """An opaque key that says nothing about the person or the row order (the lottery sorts by it)."""
    while True:
        key = "R" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(9))
        if key not in taken:
            taken.add(key)
            return key


@dataclass(frozen=True)
class PurgeResult:
    entries: int
    respondents: int
    codes: int


@transaction.atomic
def roster_purge(*, consultation: Consultation, by: Actor) -> PurgeResult:
    """Delete the personal data of a closed consultation, keeping what re-verifies its draws.

    Names, addresses, contacts, resident numbers and LINE ids of the roster, respondents' names, contacts and
    accessibility needs, rejected-row reports and invitation codes go. The opaque keys, districts, household
    keys, answers and the draws stay, so `verify_lottery` still recomputes both stages.
    """
    consultation = locked(consultation)
    if consultation.status not in {Consultation.Status.CLOSED, Consultation.Status.REPORTED}:
        raise ServiceError(
            _("The roster can be deleted once the consultation is closed; it is %(status)s now.")
            % {"status": consultation.get_status_display()}
        )
    if consultation.roster_purged_at is not None:
        raise ServiceError(_("The roster of this consultation was already deleted."))
    entries = RosterEntry.objects.filter(consultation=consultation).update(
        ref="", name="", postal_code="", address="", email="", line_user_id="", person_hash=""
    )
    respondents = Respondent.objects.filter(consultation=consultation).update(
        display_name="", email="", phone="", accessibility_needs=""
    )
    codes, _by_model = InvitationCode.objects.filter(invitation__consultation=consultation).delete()
    RosterImport.objects.filter(consultation=consultation).update(rejected=[], source=None, columns=[])
    consultation.roster_purged_at = timezone.now()
    consultation.roster_salt = ""
    consultation.save(update_fields=["roster_purged_at", "roster_salt"])
    record_event(consultation, by, "roster_purged", entries=entries, respondents=respondents, codes=codes)
    return PurgeResult(entries, respondents, codes)
