"""Services for reports: the only code that changes reports, their photos, reporters and areas. Every
channel (web form, API, LINE, staff board, Open311, demo, import) calls these.

Each service validates, writes in one transaction with an event row (who, what, before/after), and enqueues
side effects after commit."""

import hashlib
import logging
import secrets
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.db.models.functions import Area as AreaOf
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from civic.models import Department, Municipality, StaffMembership
from reports import broadcasts, supporters, tasks
from reports.map_grid import map_grid_report_added, map_grid_status_changed
from reports.models import (
    Area,
    Category,
    IdempotencyKey,
    Photo,
    ReferenceCounter,
    Report,
    Reporter,
    ReportEvent,
    ReportSupport,
    RoutingRule,
)
from reports.notifications import follow_confirmation_request, reporter_acknowledge, reporter_notify
from reports.photos import PhotoError, PhotoHint, process_photo
from reports.questions import clean_answers
from reports.selectors import hash_idempotency_key
from reports.uploads import (
    check_photo,
    max_bytes,
    max_photos,
    max_pixels,
    photo_error_message,
    too_many_photos_message,
)

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 2000
TITLE_MAX = 120
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
DERIVATIVE_EXTENSIONS = {"image/webp": "webp", "image/jpeg": "jpg"}


@dataclass(frozen=True, slots=True)
class PhotoUpload:
    """One uploaded file: its name as the resident's device gave it, and its content."""

    name: str
    file: IO[bytes]


def report_create(
    *,
    municipality: Municipality,
    category: Category,
    description: str,
    point: Point | None = None,
    title: str = "",
    location_text: str = "",
    photos: Sequence[PhotoUpload] = (),
    reporter: Reporter | None = None,
    extra: Mapping[str, Any] | None = None,
    source: str = Report.Source.WEB,
    idempotency_key: str = "",
    request_hash: str = "",
) -> Report:
    """Validate and create a report, route it, give it a reference, and process its photos after commit.

    `reporter` is an unsaved `Reporter` with whatever contact the resident gave (matched to an earlier one
    by LINE user id or e-mail), a saved one, or None for an anonymous report. `extra` holds the answers to
    the category's extra questions. With an `idempotency_key` already used in this municipality, nothing is
    created and the first request's report comes back (a ServiceError if that request was a different one,
    by `request_hash`).
    """
    description = description.strip()
    title = title.strip()
    location_text = location_text.strip()
    errors: dict[str, list[str]] = {}

    if category.municipality_id != municipality.pk or not category.is_active:
        errors.setdefault("category", []).append(_("Choose one of the categories listed."))
    if not description:
        errors.setdefault("description", []).append(_("Please describe the problem."))
    elif len(description) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(
            _("Please keep the description under %(count)s characters.") % {"count": f"{DESCRIPTION_MAX:,}"}
        )
    if len(title) > TITLE_MAX:
        errors.setdefault("title", []).append(
            _("Please keep the title under %(count)s characters.") % {"count": TITLE_MAX}
        )
    if reporter is not None and reporter.email:
        try:
            validate_email(reporter.email.strip())
        except ValidationError:
            errors.setdefault("contact_email", []).append(_("Enter an e-mail address like name@example.jp."))
    answers, answer_errors = clean_answers(category.extra_questions, extra or {})
    errors.update(answer_errors)

    hints: list[PhotoHint] = []
    if len(photos) > max_photos():
        errors.setdefault("photos", []).append(too_many_photos_message())
    else:
        for upload in photos:
            try:
                hints.append(check_photo(upload.file, name=upload.name))
            except PhotoError as error:
                errors.setdefault("photos", []).append(photo_error_message(error.code, name=upload.name))

    if point is None and not errors.get("photos"):
        # A resident without a map can still send a place: the one their phone stored in the photo.
        located = [hint.gps for hint in hints if hint.gps is not None]
        if located:
            lat, lng = located[0]
            candidate = Point(lng, lat, srid=4326)
            if _inside(municipality, candidate):
                point = candidate
    if point is not None:
        point = Point(point.x, point.y, srid=4326)
        if not _inside(municipality, point):
            errors.setdefault("location", []).append(
                _("That place is outside %(town)s. Please check the pin or the coordinates.")
                % {"town": municipality.name}
            )
    elif not location_text:
        errors.setdefault("location", []).append(
            _("Please mark the place on the map, enter its coordinates, or describe where it is.")
        )

    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(
            first if len(errors) == 1 else _("Please correct the errors below."), field_errors=errors
        )

    with transaction.atomic():
        claim: IdempotencyKey | None = None
        if idempotency_key:
            claim, existing = _claim_idempotency_key(municipality, idempotency_key, request_hash)
            if existing is not None:
                return existing
        now = timezone.now()
        areas = _areas_containing(municipality, point)
        area = areas[0] if areas else None
        department = _route(category, areas)
        report = Report.objects.create(
            municipality=municipality,
            reference=_next_reference(municipality, now),
            category=category,
            department=department,
            area=area,
            point=point,
            title=title,
            location_text=location_text[:300],
            description=description,
            priority=category.default_priority,
            source=source,
            created_at=now,
            reporter=_reporter_for(municipality, reporter),
            extra=answers,
        )
        saved: list[Photo] = []
        for position, (upload, hint) in enumerate(zip(photos, hints, strict=True)):
            photo = Photo(
                report=report,
                position=position,
                original_name=upload.name[:200],
                original_format=hint.format,
                width=hint.width,
                height=hint.height,
            )
            upload.file.seek(0)
            photo.original.save(
                f"{secrets.token_hex(16)}.{EXTENSIONS.get(hint.format, 'bin')}", File(upload.file), save=False
            )
            photo.original_size = photo.original.size
            photo.save()
            saved.append(photo)
        created = ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.CREATED,
            actor=report.reporter.user if report.reporter else None,
            at=now,
            is_public=True,
            after={
                "status": report.status,
                "category": category.code,
                "department": department.code if department else None,
                "area": area.code if area else None,
                "source": source,
                "photos": len(saved),
            },
        )
        if claim is not None:
            claim.report = report
            claim.save(update_fields=["report"])
        for photo in saved:
            enqueue_on_commit(tasks.process_report_photo, photo.pk)
        map_grid_report_added(report)
        broadcasts.report_created(report)
        reporter_acknowledge(report)
    # What was just written is what the report has: callers read it without querying again.
    report._prefetched_objects_cache = {"photos": saved, "events": [created]}  # type: ignore[attr-defined]
    return report


def report_photo_process(*, photo_id: int) -> Photo | None:
    """Make the public derivatives of one photo; idempotent. A bad photo is marked failed, not retried."""
    with transaction.atomic():
        photo = (
            Photo.objects.select_for_update(of=("self",))
            .select_related("report__municipality")
            .filter(pk=photo_id)
            .first()
        )
        if photo is None or photo.state != Photo.State.PROCESSING:
            return photo
        try:
            with photo.original.open("rb") as original:
                result = process_photo(original, max_bytes=max_bytes(), max_pixels=max_pixels())
        except PhotoError as error:
            photo.state = Photo.State.FAILED
            photo.error_code = error.code
            photo.processed_at = timezone.now()
            photo.save(update_fields=["state", "error_code", "processed_at"])
            ReportEvent.objects.create(
                report=photo.report,
                kind=ReportEvent.Kind.PHOTO_FAILED,
                after={"photo": photo.pk, "error": error.code},
            )
            logger.info("photo %s of %s failed: %s", photo.pk, photo.report.reference, error.message)
            return photo

        token = secrets.token_hex(16)  # 128 bits: unguessable, and safe in any file system
        for derivative in result.derivatives:
            if derivative.name not in ("large", "thumb"):
                continue
            extension = DERIVATIVE_EXTENSIONS.get(derivative.content_type, "bin")
            field = getattr(photo, derivative.name)
            field.save(f"{token}-{derivative.name}.{extension}", ContentFile(derivative.data), save=False)
            setattr(photo, f"{derivative.name}_width", derivative.width)
            setattr(photo, f"{derivative.name}_height", derivative.height)
        photo.width, photo.height = result.width, result.height
        if result.gps is not None:
            photo.gps = Point(result.gps[1], result.gps[0], srid=4326)
        photo.taken_at = _aware(result.taken_at, photo.report.municipality)
        photo.state = Photo.State.READY
        photo.processed_at = timezone.now()
        photo.save()
        ReportEvent.objects.create(
            report=photo.report, kind=ReportEvent.Kind.PHOTO_PROCESSED, after={"photo": photo.pk}
        )
    return photo


def report_support(
    *, report: Report, supporter_key: str, follower: Reporter | None = None, email_to_confirm: str = ""
) -> bool:
    """Add one supporter's 'me too' to an open public report; True if new, False if they had already.
    With `follower` (a way to reach them known to be theirs, such as the LINE account they wrote from), the
    supporter hears about the report's progress like its reporter, also when they had supported it before;
    with `email_to_confirm`, an e-mail first asks the address's owner to confirm (`report_follow_confirm`)."""
    if not report.is_public or not report.is_open:
        raise ServiceError(_("This report is closed, so it no longer takes support."))
    if not supporter_key:
        raise ServiceError(
            _("We could not tell who is supporting. Please allow cookies or give an e-mail address.")
        )
    with transaction.atomic():
        contact = _reporter_for(report.municipality, follower)
        support, created = ReportSupport.objects.get_or_create(
            report=report, supporter_key=supporter_key, defaults={"follower": contact}
        )
        if created:
            Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
            ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.SUPPORTED)
        elif contact is not None and support.follower_id != contact.pk:
            support.follower = contact
            support.save(update_fields=["follower"])
        email = email_to_confirm.strip().lower()
        if email and not _asked_already(report, email):
            support.pending_email, support.pending_since = email, timezone.now()
            support.save(update_fields=["pending_email", "pending_since"])
            follow_confirmation_request(support)
        report.refresh_from_db(fields=["support_count"])
    return created


def _asked_already(report: Report, email: str) -> bool:
    """Whether `email` follows `report` already, or was sent a link to confirm for it that still works: an
    address gets one such e-mail per report, however often it is given (no mail bombing through us)."""
    recent = timezone.now() - timedelta(days=supporters.FOLLOW_CONFIRM_DAYS)
    return ReportSupport.objects.filter(
        Q(follower__email__iexact=email) | Q(pending_email=email, pending_since__gte=recent), report=report
    ).exists()


@transaction.atomic
def report_follow_confirm(*, report: Report, token: str) -> ReportSupport:
    """The owner of the e-mail address a supporter gave confirms it from the link sent there: from now on it
    hears about the report's progress. ServiceError for a link that is wrong, used or expired."""
    read = supporters.follow_reads(token)
    support = (
        ReportSupport.objects.select_for_update().filter(pk=read[0], report=report).first()
        if read is not None
        else None
    )
    if support is None or read is None or not supporters.follow_stamp_matches(read[1], support.pending_email):
        raise ServiceError(
            _(
                "This link does not work any more. To hear about the report's progress, support it again "
                "with your e-mail address."
            )
        )
    given = Reporter(email=support.pending_email, notify=Reporter.Notify.EMAIL)
    support.follower = _reporter_for(report.municipality, given)
    support.pending_email, support.pending_since = "", None
    support.save(update_fields=["follower", "pending_email", "pending_since"])
    return support


def report_unfollow(*, report: Report, follower_id: int) -> bool:
    """Stop telling a supporter about the report's progress (their support still counts); False when they
    were not following it."""
    return bool(ReportSupport.objects.filter(report=report, follower_id=follower_id).update(follower=None))


@transaction.atomic
def report_transition(
    *, report: Report, status: str, actor: AbstractBaseUser | None, message: str = "", public: bool = True
) -> Report:
    """Move a report to `status` if the transition table allows it, with an optional public message."""
    if status not in Report.Status.values:
        raise ServiceError(_("Unknown status."))
    before = report.status
    if status == before:
        raise ServiceError(_("The report is already “%(status)s”.") % {"status": Report.Status(status).label})
    if status not in Report.TRANSITIONS[before]:
        raise ServiceError(
            _("A report cannot go from “%(before)s” to “%(after)s”.")
            % {"before": Report.Status(before).label, "after": Report.Status(status).label}
        )
    now = timezone.now()
    report.status = status
    fields = ["status", "updated_at"]
    if status in (Report.Status.ACKNOWLEDGED, Report.Status.IN_PROGRESS) and report.acknowledged_at is None:
        report.acknowledged_at = now
        fields.append("acknowledged_at")
    if status == Report.Status.RESOLVED:
        report.resolved_at = now
        fields.append("resolved_at")
    elif status in Report.OPEN_STATUSES and report.resolved_at is not None:
        report.resolved_at = None  # reopened
        fields.append("resolved_at")
    if before == Report.Status.DUPLICATE and status != Report.Status.DUPLICATE:
        report.duplicate_of = None
        fields.append("duplicate_of")
    report.save(update_fields=fields)
    map_grid_status_changed(report, before)
    event = ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.STATUS_CHANGED,
        actor=_user(actor),
        at=now,
        is_public=public,
        before={"status": before},
        after={"status": status},
        message=message.strip(),
    )
    broadcasts.report_changed(report, was_status=before)
    reporter_notify(event)
    return report


@transaction.atomic
def report_assign(
    *,
    report: Report,
    assignee: AbstractBaseUser | None,
    actor: AbstractBaseUser | None,
    department: Department | None = None,
) -> Report:
    """Give the report to a staff member (None: to nobody) and, optionally, to another department."""
    if department is not None and department.municipality_id != report.municipality_id:
        raise ServiceError(_("That department belongs to another municipality."))
    if assignee is not None and not (
        getattr(assignee, "is_superuser", False)
        or StaffMembership.objects.filter(
            user_id=assignee.pk, municipality_id=report.municipality_id
        ).exists()
    ):
        raise ServiceError(_("%(person)s does not work for this municipality.") % {"person": assignee})
    before = {
        "assignee": report.assignee_id,
        "department": report.department.code if report.department else None,
    }
    report.assignee = _user(assignee)
    if department is not None:
        report.department = department
    report.save(update_fields=["assignee", "department", "updated_at"])
    ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.ASSIGNED,
        actor=_user(actor),
        before=before,
        after={
            "assignee": report.assignee_id,
            "department": report.department.code if report.department else None,
        },
    )
    broadcasts.report_changed(report)
    return report


@transaction.atomic
def report_add_update(
    *, report: Report, actor: AbstractBaseUser | None, message: str, public: bool
) -> ReportEvent:
    """A message on the report's timeline: a public update for residents, or an internal note for staff."""
    message = message.strip()
    if not message:
        raise ServiceError(
            _("Please write a message."), field_errors={"message": [_("Please write a message.")]}
        )
    report.save(update_fields=["updated_at"])
    broadcasts.report_changed(report)
    event = ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.PUBLIC_UPDATE if public else ReportEvent.Kind.INTERNAL_NOTE,
        actor=_user(actor),
        is_public=public,
        message=message,
    )
    reporter_notify(event)
    return event


@transaction.atomic
def report_merge(*, report: Report, into: Report, actor: AbstractBaseUser | None) -> Report:
    """Mark `report` a duplicate of `into`; its supporters (and its reporter) now support `into`, and its
    reporters are told and follow `into`."""
    while into.duplicate_of_id is not None and into.duplicate_of is not None:
        into = into.duplicate_of  # merge into the original, not into another duplicate
    if into.pk == report.pk:
        raise ServiceError(_("A report cannot be merged into itself."))
    if into.municipality_id != report.municipality_id:
        raise ServiceError(_("Both reports must belong to the same municipality."))
    if Report.Status.DUPLICATE not in Report.TRANSITIONS[report.status]:
        raise ServiceError(
            _("A “%(status)s” report cannot be merged.") % {"status": Report.Status(report.status).label}
        )
    followers = dict(ReportSupport.objects.filter(report=report).values_list("supporter_key", "follower_id"))
    keys = {*followers, f"report:{report.pk}"}
    existing = set(
        ReportSupport.objects.filter(report=into, supporter_key__in=keys).values_list(
            "supporter_key", flat=True
        )
    )
    ReportSupport.objects.bulk_create(
        [
            ReportSupport(report=into, supporter_key=key, follower_id=followers.get(key))
            for key in keys - existing
        ]
    )
    Report.objects.filter(pk=into.pk).update(support_count=ReportSupport.objects.filter(report=into).count())
    into.refresh_from_db(fields=["support_count"])
    before = report.status
    report.status = Report.Status.DUPLICATE
    report.duplicate_of = into
    report.save(update_fields=["status", "duplicate_of", "updated_at"])
    map_grid_status_changed(report, before)
    by = _user(actor)
    merged = ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.MERGED,
        actor=by,
        is_public=True,
        before={"status": before},
        after={"status": Report.Status.DUPLICATE, "into": into.reference},
    )
    # Its reporter, and those of the reports merged into it before, hear of the merge and from now on
    # follow `into` (see reports.notifications).
    reporter_notify(merged)
    Report.objects.filter(duplicate_of=report).update(duplicate_of=into)
    ReportEvent.objects.create(
        report=into,
        kind=ReportEvent.Kind.MERGED,
        actor=by,
        is_public=True,
        after={"from": report.reference},
    )
    broadcasts.report_changed(report, was_status=before)
    broadcasts.report_changed(into)
    return report


@transaction.atomic
def photo_moderate(*, photo: Photo, visible: bool, actor: AbstractBaseUser | None, reason: str = "") -> Photo:
    """Hide a photo from the public (a face, a number plate, something unkind) or show it again."""
    moderation = Photo.Moderation.VISIBLE if visible else Photo.Moderation.HIDDEN
    if photo.moderation == moderation:
        return photo
    before = photo.moderation
    photo.moderation = moderation
    photo.save(update_fields=["moderation"])
    ReportEvent.objects.create(
        report=photo.report,
        kind=ReportEvent.Kind.PHOTO_SHOWN if visible else ReportEvent.Kind.PHOTO_HIDDEN,
        actor=_user(actor),
        before={"photo": photo.pk, "moderation": before},
        after={"photo": photo.pk, "moderation": moderation},
        message=reason.strip(),
    )
    broadcasts.report_changed(photo.report)
    return photo


@transaction.atomic
def area_save(
    *, municipality: Municipality, code: str, name_ja: str, name_en: str = "", boundary: MultiPolygon
) -> tuple[Area, bool]:
    """Create or update the area `code` of `municipality`; True when it was created."""
    code = code.strip()
    if not code:
        raise ServiceError(_("An area needs a code."), field_errors={"code": [_("An area needs a code.")]})
    if not name_ja.strip():
        raise ServiceError(_("An area needs a name."), field_errors={"name_ja": [_("An area needs a name.")]})
    if boundary.empty or not boundary.valid:
        raise ServiceError(_("The boundary of area %(code)s is not a valid polygon.") % {"code": code})
    if boundary.srid != 4326:
        transformed = boundary.transform(4326, clone=True)
        assert isinstance(transformed, MultiPolygon)
        boundary = transformed
    area, created = Area.objects.update_or_create(
        municipality=municipality,
        code=code,
        defaults={"name_ja": name_ja.strip()[:200], "name_en": name_en.strip()[:200], "boundary": boundary},
    )
    return area, created


@transaction.atomic
def area_parent_set(*, area: Area, parent: Area | None) -> Area:
    if parent is not None:
        if parent.municipality_id != area.municipality_id:
            raise ServiceError(_("Choose an area of the same municipality."))
        ancestor: Area | None = parent
        while ancestor is not None:
            if ancestor.pk == area.pk:
                raise ServiceError(_("An area cannot lie inside itself."))
            ancestor = ancestor.parent
    area.parent = parent
    area.save(update_fields=["parent"])
    return area


# ----------------------------------------------------------------------------------------------------------
# Helpers


def _inside(municipality: Municipality, point: Point) -> bool:
    return municipality.boundary is None or bool(municipality.boundary.intersects(point))


def _areas_containing(municipality: Municipality, point: Point | None) -> list[Area]:
    """The municipality's areas around `point`, innermost (smallest) first."""
    if point is None:
        return []
    return list(
        Area.objects.filter(municipality=municipality, boundary__intersects=point)
        .annotate(size=AreaOf("boundary"))
        .order_by("size", "code")
    )


def _route(category: Category, areas: Sequence[Area]) -> Department:
    """The department of the innermost area's routing rule for this category, else the category's own."""
    if areas:
        rules = {
            rule.area_id: rule
            for rule in RoutingRule.objects.filter(category=category, area__in=areas).select_related(
                "department"
            )
        }
        for area in areas:
            if area.pk in rules:
                return rules[area.pk].department
    return category.department


def _next_reference(municipality: Municipality, when: datetime) -> str:
    """R-<year>-<number>: numbers count up per municipality and year, without gaps or races.

    The upsert locks the counter row until this transaction ends, so concurrent reports take turns, and a
    rolled-back report gives its number back.
    """
    year = timezone.localtime(when, zoneinfo.ZoneInfo(municipality.timezone)).year
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608 - our own table name
            f"ON CONFLICT (municipality_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [municipality.pk, year],
        )
        row = cursor.fetchone()
    assert row is not None
    return f"R-{year}-{int(row[0]):06d}"


def _claim_idempotency_key(
    municipality: Municipality, key: str, request_hash: str
) -> tuple[IdempotencyKey | None, Report | None]:
    """Take the key for this request, or return the report of the request that took it first."""
    key_hash = hash_idempotency_key(key)
    try:
        # A concurrent request with the same key waits here until the first one commits, then conflicts.
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                municipality=municipality, key_hash=key_hash, request_hash=request_hash
            )
        return claim, None
    except IntegrityError:
        pass
    first = IdempotencyKey.objects.select_related("report").get(municipality=municipality, key_hash=key_hash)
    if first.request_hash and request_hash and first.request_hash != request_hash:
        raise ServiceError(
            _("This Idempotency-Key was already used for a different report. Use a new key for a new report.")
        )
    if first.report is None:  # cannot happen after commit; defensive for a half-written row
        raise ServiceError(_("The first request with this Idempotency-Key is still being processed."))
    return None, first.report


def _user(user: AbstractBaseUser | None) -> Any:
    """An account for an actor/assignee field; anonymous users count as nobody."""
    return user if user is not None and user.is_authenticated else None


def _reporter_for(municipality: Municipality, given: Reporter | None) -> Reporter | None:
    """The saved reporter for these details: an earlier one (same LINE user or e-mail) or a new one."""
    if given is None:
        return None
    if given.pk is not None:
        if given.municipality_id != municipality.pk:
            raise ServiceError(_("That reporter belongs to another municipality."))
        return given
    email = given.email.strip().lower()
    line_user_id = given.line_user_id.strip()
    user = _user(given.user) if given.user_id else None
    if not (given.name.strip() or email or given.phone.strip() or line_user_id or user):
        return None
    found = Reporter.objects.filter(municipality=municipality)
    existing = None
    if line_user_id:
        existing = found.filter(line_user_id=line_user_id).first()
    if existing is None and email:
        existing = found.filter(email__iexact=email).order_by("pk").first()
    if existing is None and user is not None:
        existing = found.filter(user=user).order_by("pk").first()
    notify = given.notify
    if notify == Reporter.Notify.NONE:
        notify = (
            Reporter.Notify.LINE if line_user_id else Reporter.Notify.EMAIL if email else Reporter.Notify.NONE
        )
    if existing is not None:
        # Newer details win; nothing given is nothing erased.
        existing.name = given.name.strip()[:100] or existing.name
        existing.phone = given.phone.strip()[:40] or existing.phone
        existing.email = email or existing.email
        existing.line_user_id = line_user_id or existing.line_user_id
        existing.user = user or existing.user
        existing.notify = notify if notify != Reporter.Notify.NONE else existing.notify
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Reporter.objects.create(
                municipality=municipality,
                name=given.name.strip()[:100],
                email=email,
                phone=given.phone.strip()[:40],
                line_user_id=line_user_id,
                user=user,
                notify=notify,
            )
    except IntegrityError:  # the same LINE user, created by a concurrent request
        return found.get(line_user_id=line_user_id)


def _aware(moment: datetime | None, municipality: Municipality) -> datetime | None:
    if moment is None:
        return None
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, zoneinfo.ZoneInfo(municipality.timezone))
    return moment


def request_fingerprint(*parts: object) -> str:
    """A hash of what a request asked for, to tell a replay from a different request under the same key."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
