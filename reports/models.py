"""Reports of town problems and what they hang on: categories, areas, routing rules, photos, supports, events.

Reporter data (name, contact, typed address, photo GPS) lives on `Report` and `Photo` fields that only
staff views read; public pages and APIs go through `reports.selectors` and `reports.presenters`, which never
touch them.
"""

from typing import ClassVar

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civic.models import Bilingual, Department, Municipality


def private_storage() -> Storage:
    """Where originals go: the `private` storage alias, never served (see the settings' reports block)."""
    return storages["private"]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Category(Bilingual):
    class Icon(models.TextChoices):
        POTHOLE = "pothole", _("Pothole")
        STREET_LIGHT = "street_light", _("Street light")
        DUMPING = "dumping", _("Illegal dumping")
        GRAFFITI = "graffiti", _("Graffiti")
        FALLEN_TREE = "fallen_tree", _("Fallen tree")
        DRAIN = "drain", _("Blocked drain")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="report_categories",
        verbose_name=_("municipality"),
    )
    code = models.SlugField(_("code"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="report_categories",
        verbose_name=_("department"),
        help_text=_("Reports in this category go to this department unless a routing rule says otherwise."),
    )
    icon = models.CharField(_("icon"), max_length=20, choices=Icon.choices, default=Icon.OTHER)
    hint_ja = models.CharField(_("hint for residents (Japanese)"), max_length=200, blank=True)
    hint_en = models.CharField(_("hint for residents (English)"), max_length=200, blank=True)
    extra_questions = models.JSONField(
        _("extra questions"),
        default=dict,
        blank=True,
        help_text=_(
            'A JSON schema of an object, e.g. {"properties": {"depth_cm": {"type": "integer", "title": '
            '"深さ (cm)", "minimum": 0}}, "required": [], "order": ["depth_cm"]}. Types: string, integer, '
            "number, boolean; enum, minimum, maximum, maxLength."
        ),
    )
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    target_hours = models.PositiveIntegerField(_("target response time (hours)"), null=True, blank=True)
    auto_reply_ja = models.TextField(
        _("automatic acknowledgement (Japanese)"),
        blank=True,
        help_text=_(
            "Sent to the reporter (by LINE or e-mail) when a report is received; {reference} is replaced. "
            "Leave both empty to send none."
        ),
    )
    auto_reply_en = models.TextField(
        _("automatic acknowledgement (English)"),
        blank=True,
        help_text=_("For reporters who use LINE in English; the Japanese text is sent when this is empty."),
    )
    is_active = models.BooleanField(_("accepting reports"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["municipality", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="category_code_unique_per_town")
        ]

    def clean(self) -> None:
        if (
            self.department_id
            and self.municipality_id
            and self.department.municipality_id != self.municipality_id
        ):
            raise ValidationError({"department": _("Choose a department of the same municipality.")})


class Area(Bilingual):
    """A district of the municipality; reports inside it are tagged with it (and routing rules may use it)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="areas", verbose_name=_("municipality")
    )
    code = models.CharField(_("code"), max_length=64)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent area"),
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="area_code_unique_per_town")
        ]

    def clean(self) -> None:
        if self.parent_id and self.parent is not None and self.parent.municipality_id != self.municipality_id:
            raise ValidationError({"parent": _("Choose an area of the same municipality.")})


class RoutingRule(models.Model):
    """Reports of `category` inside `area` go to `department` instead of the category's own department."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("municipality")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("area")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["municipality", "category", "area"]
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="one_rule_per_category_area")
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.area} → {self.department}"

    def clean(self) -> None:
        errors = {}
        for name in ("category", "area", "department"):
            related = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if related is not None and related.municipality_id != self.municipality_id:
                errors[name] = _("Choose one of the same municipality.")
        if errors:
            raise ValidationError(errors)


class Reporter(models.Model):
    """Who sent reports, and how they want to hear back. Never public."""

    class Notify(models.TextChoices):
        NONE = "none", _("No updates")
        EMAIL = "email", _("E-mail")
        LINE = "line", _("LINE")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="reporters", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    line_user_id = models.CharField(_("LINE user id"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    notify = models.CharField(_("updates by"), max_length=10, choices=Notify.choices, default=Notify.NONE)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "line_user_id"],
                condition=~models.Q(line_user_id=""),
                name="one_reporter_per_line_user",
            )
        ]
        indexes = [models.Index(fields=["municipality", "email"], name="reporter_email_lookup")]

    def __str__(self) -> str:
        return self.name or self.email or self.line_user_id or f"#{self.pk}"

    @property
    def has_contact(self) -> bool:
        return bool(self.name or self.email or self.phone or self.line_user_id or self.user_id)


class Report(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        DUPLICATE = "duplicate", _("Duplicate")
        REFERRED = "referred", _("Referred elsewhere")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("App (API)")
        LINE = "line", _("LINE")
        STAFF = "staff", _("Staff")
        OPEN311 = "open311", _("Open311")

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    # Which status may follow which. Closing ends the work; resolved, closed, duplicate and referred reports
    # can be reopened when the problem turns out not to be gone.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.NEW: frozenset(
            {
                Status.ACKNOWLEDGED,
                Status.IN_PROGRESS,
                Status.RESOLVED,
                Status.CLOSED,
                Status.DUPLICATE,
                Status.REFERRED,
            }
        ),
        Status.ACKNOWLEDGED: frozenset(
            {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.DUPLICATE, Status.REFERRED}
        ),
        Status.IN_PROGRESS: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED, Status.REFERRED}),
        Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
        Status.CLOSED: frozenset({Status.ACKNOWLEDGED}),
        Status.DUPLICATE: frozenset({Status.ACKNOWLEDGED}),
        Status.REFERRED: frozenset({Status.ACKNOWLEDGED, Status.CLOSED}),
    }

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="reports", verbose_name=_("municipality")
    )
    reference = models.CharField(_("reference"), max_length=20)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("department"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports", verbose_name=_("area")
    )
    # Geography, so "within 50 m" is in metres; null only when the resident described the place in words.
    point = models.PointField(_("location"), geography=True, srid=4326, null=True, blank=True)
    title = models.CharField(pgettext_lazy("subject", "title"), max_length=120, blank=True)
    description = models.TextField(pgettext_lazy("report", "description"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("assignee"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WEB)
    is_public = models.BooleanField(_("public"), default=True)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Goes up with every change (reports.broadcasts.report_changed); the board refuses stale edits.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    extra = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    # Kept by PostgreSQL from `priority`, so the triage board's "urgent first, newest first" order reads
    # straight off the index `report_board_order` (issue #6).
    priority_rank = models.GeneratedField(
        expression=models.Case(
            models.When(priority=Priority.URGENT, then=models.Value(4)),
            models.When(priority=Priority.HIGH, then=models.Value(3)),
            models.When(priority=Priority.NORMAL, then=models.Value(2)),
            default=models.Value(1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("priority rank"),
    )

    # Private: never in public pages, public APIs, exports or broadcasts.
    location_text = models.CharField(_("address or landmark"), max_length=300, blank=True)
    reporter = models.ForeignKey(
        Reporter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reporter"),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="report_reference_unique_per_town"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "category"], name="report_open_lookup"),
            models.Index(
                "municipality",
                "status",
                models.F("priority_rank").desc(),
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="report_board_order",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def display_title(self) -> str:
        return self.title or str(self.category.name)


class Photo(models.Model):
    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be processed")

    class Moderation(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PROCESSING)
    moderation = models.CharField(
        _("moderation"), max_length=20, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    error_code = models.CharField(_("error"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    processed_at = models.DateTimeField(pgettext_lazy("photo", "processed"), null=True, blank=True)

    # Private: the upload as sent (with its EXIF), its file name, and where and when it was taken.
    original = models.FileField(_("original"), storage=private_storage, upload_to="reports/originals/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    original_format = models.CharField(_("format"), max_length=10, blank=True)
    original_size = models.PositiveIntegerField(_("bytes"), default=0)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    gps = models.PointField(_("photo location"), srid=4326, null=True, blank=True)

    # Public derivatives, metadata-free, under random names.
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    large = models.FileField(_("large"), upload_to="reports/photos/", blank=True, max_length=200)
    large_width = models.PositiveIntegerField(default=0)
    large_height = models.PositiveIntegerField(default=0)
    thumb = models.FileField(_("thumbnail"), upload_to="reports/photos/", blank=True, max_length=200)
    thumb_width = models.PositiveIntegerField(default=0)
    thumb_height = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["report", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.position}"

    @property
    def is_public(self) -> bool:
        return self.state == self.State.READY and self.moderation == self.Moderation.VISIBLE


class ReportEvent(models.Model):
    """The audit trail of a report; events marked public make up its public timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Report received")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        PUBLIC_UPDATE = "public_update", _("Update")
        INTERNAL_NOTE = "internal_note", _("Internal note")
        MERGED = "merged", _("Merged")
        PHOTO_HIDDEN = "photo_hidden", _("Photo hidden")
        PHOTO_SHOWN = "photo_shown", _("Photo shown again")
        SUPPORTED = "supported", _("Supported")
        PHOTO_PROCESSED = "photo_processed", _("Photo processed")
        PHOTO_FAILED = "photo_failed", _("Photo could not be processed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        MARKED_SPAM = "marked_spam", _("Marked as spam")
        SLA_DUE_SOON = "sla_due_soon", _("Response due soon")
        SLA_OVERDUE = "sla_overdue", _("Response overdue")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    is_public = models.BooleanField(_("public"), default=False)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class ReportSupport(models.Model):
    """'Me too': one row per supporter; the key is a keyed hash, never the e-mail address or browser token.
    A supporter who asks to hear back gives a way to reach them (a `Reporter`, never public)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="supports", verbose_name=_("report")
    )
    supporter_key = models.CharField(_("supporter"), max_length=80)
    follower = models.ForeignKey(
        Reporter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hears back by"),
        help_text=_("Set when the supporter asked to hear about the report's progress."),
    )
    # An e-mail address given to hear back, kept until its owner confirms it from the e-mail sent there (it
    # then becomes `follower`) or the link expires: nobody hears back at an address they do not own.
    pending_email = models.EmailField(_("e-mail address to confirm"), blank=True)
    pending_since = models.DateTimeField(_("asked to hear back at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["report", "supporter_key"], name="one_support_per_supporter")
        ]


class ReferenceCounter(models.Model):
    """The last reference number given per municipality and year; incremented in the creating transaction."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="one_counter_per_town_year")
        ]


class IdempotencyKey(models.Model):
    """An API client's Idempotency-Key (hashed) and the report its first request created."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64, blank=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "key_hash"], name="idempotency_key_unique_per_town"
            )
        ]


from reports.line_models import LineConversation, LineConversationPhoto  # noqa: E402, F401  (LINE, issue #5)
from reports.map_models import MapGridCell, MapGridState, MapTile  # noqa: E402, F401  (the public map's grid, issue #4)
from reports.open311_models import Open311Client  # noqa: E402, F401  (models of the Open311 API, issue #4)
from reports.pending_models import PendingUpload  # noqa: E402, F401  (photos kept across a form error, issue #3)
from reports.triage_models import ResponseTemplate, SavedFilter  # noqa: E402, F401  (the triage board, issue #6)
