# Wagtail and modelcluster ship no types, so django-stubs cannot see that pages and clusters are models.
# mypy: disable-error-code="var-annotated"
"""Consultations and their lotteries: roster, draws, invitations, respondents, quotas, selection runs, pages.

Personal data (roster names, addresses and contacts, respondents' contact details) is kept apart from what the
lottery needs (opaque keys, districts, household keys, answers), so `roster_purge` can delete the first and
leave every draw verifiable.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from consultations.blocks import MaterialsBlock


class Consultation(ClusterableModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECRUITING = "recruiting", _("Recruiting")
        SELECTING = "selecting", _("Selecting the panel")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")
        REPORTED = "reported", _("Reported")

    municipality = models.ForeignKey(
        "civic.Municipality",
        on_delete=models.PROTECT,
        related_name="+",  # django-stubs cannot follow a relation from a ClusterableModel
        verbose_name=_("municipality"),
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(
        pgettext_lazy("consultation", "question"), help_text=_("The question the panel will deliberate on.")
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    panel_size = models.PositiveSmallIntegerField(_("panel size"), default=24)
    alternates = models.PositiveSmallIntegerField(
        _("alternates"), default=6, help_text=_("How many reserves are drawn after the panel, in order.")
    )
    invitations_target = models.PositiveIntegerField(
        _("invitations to send"), default=1000, help_text=_("How many residents the lottery invites.")
    )
    stratify_by_district = models.BooleanField(
        _("stratify by district"),
        default=True,
        help_text=_("Invite from each district in proportion to its share of the roster."),
    )
    one_per_household = models.BooleanField(_("at most one invitation per household"), default=True)
    rsvp_deadline = models.DateTimeField(_("reply deadline"), null=True, blank=True)
    public_may_watch = models.BooleanField(_("the public may watch the sessions"), default=True)
    # Keys households by an HMAC of their register value, so imports agree without storing the value.
    roster_salt = models.CharField(max_length=64, blank=True, editable=False)
    roster_purged_at = models.DateTimeField(_("roster deleted"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ConsultationSession(Orderable):
    consultation = ParentalKey(Consultation, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    online = models.BooleanField(_("online"), default=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("location"),
        FieldPanel("online"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.title


class ConsultationEvent(models.Model):
    """The audit trail: who did what to a consultation, when, with before/after where it matters."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} @ {self.created_at:%Y-%m-%d %H:%M}"


class RosterImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded: map the columns")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="roster_imports")
    filename = models.CharField(_("file"), max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # file column -> roster field
    source = models.BinaryField(null=True, blank=True, editable=False)  # the upload, dropped once read
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # [{"row": n, "errors": [...], "values": {...}}]
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


class RosterEntry(models.Model):
    """One resident of the register sample. `key`, `district` and `household` are all the lottery sees."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="roster")
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    source_row = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=16)
    district = models.CharField(_("district"), max_length=100, blank=True)
    household = models.CharField(max_length=24, blank=True)
    # Personal data, blanked by roster_purge.
    ref = models.CharField(_("resident number"), max_length=64, blank=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    line_user_id = models.CharField(_("LINE user ID"), max_length=64, blank=True)
    person_hash = models.CharField(max_length=64, blank=True)  # name + address, to find duplicates

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "key"], name="roster_key_unique"),
            models.UniqueConstraint(
                fields=["consultation", "ref"], condition=~models.Q(ref=""), name="roster_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class SelectionRun(models.Model):
    """One computation of the panel distribution, with progress that the admin page polls."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Computing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="selection_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    method = models.CharField(max_length=32, default="leximin")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    probabilities = models.JSONField(default=dict, blank=True)  # respondent key -> probability
    stats = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.consultation} {self.method} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class Draw(models.Model):
    """A recorded lottery: inputs fixed and seed committed first, then the seed revealed and the result."""

    class Stage(models.TextChoices):
        INVITATIONS = "invitations", _("Invitations (stage 1)")
        PANEL = "panel", _("Panel (stage 2)")

    class Status(models.TextChoices):
        COMMITTED = "committed", _("Seed committed")
        DRAWN = "drawn", _("Drawn")
        VOIDED = "voided", _("Voided")

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="draws")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMMITTED)
    algorithm = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)  # the canonical inputs (opaque keys and strata only)
    inputs_fingerprint = models.CharField(max_length=64)
    seed_hash = models.CharField(max_length=64)
    # Kept secret until revealed; empty when the operator keeps the seed and types it in to reveal.
    seed = models.CharField(max_length=200, blank=True)
    seed_revealed = models.BooleanField(default=False)
    result = models.JSONField(default=dict, blank=True)
    distribution = models.JSONField(null=True, blank=True)
    distribution_hash = models.CharField(max_length=64, blank=True)
    selection_run = models.ForeignKey(
        SelectionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="draws"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "stage"],
                condition=~models.Q(status="voided"),
                name="one_live_draw_per_stage",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} {self.stage} #{self.pk}"

    @property
    def public_seed(self) -> str:
        return self.seed if self.seed_revealed else ""


class Invitation(models.Model):
    class Channel(models.TextChoices):
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("E-mail")
        LINE = "line", _("LINE")

    class Status(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    class Via(models.TextChoices):
        WEB = "web", _("Web")
        PHONE = "phone", _("Telephone")
        COUNTER = "counter", _("Counter")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="invitations")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="invitations")
    entry = models.ForeignKey(RosterEntry, on_delete=models.PROTECT, related_name="invitations")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=16, choices=Via.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "entry"],
                condition=~models.Q(status="revoked"),
                name="one_live_invitation_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} → {self.entry.key}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class InvitationCode(models.Model):
    """A credential for one invitation: a link token and a typed code, stored only as hashes; used once."""

    class Purpose(models.TextChoices):
        RSVP = "rsvp", _("Reply")
        CONFIRM = "confirm", _("Confirm a panel place")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.RSVP)
    token_hash = models.CharField(max_length=64, unique=True)
    short_code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.invitation_id}"


class Respondent(models.Model):
    """An invitee who accepted: the answers the quotas need, and contact details (personal, purgeable)."""

    class Outcome(models.TextChoices):
        POOL = "pool", _("In the pool")
        SELECTED = "selected", _("Selected")
        ALTERNATE = "alternate", _("Alternate")
        NOT_SELECTED = "not_selected", _("Not selected")
        REPLACED = "replaced", _("Withdrew; seat given to an alternate")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not confirmed yet")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="respondents")
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="respondent")
    key = models.CharField(max_length=16)
    features = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.POOL)
    attendance = models.CharField(max_length=16, choices=Attendance.choices, default=Attendance.UNKNOWN)
    # Personal data, blanked by roster_purge.
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["consultation", "key"], name="respondent_key_unique")]

    def __str__(self) -> str:
        return self.key


class Quota(models.Model):
    """How many panel members may have one answer: between `min` and `max` (e.g. age 20s: 3-5)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="quotas")
    category = models.SlugField(pgettext_lazy("panel quota", "category"), max_length=40)
    category_label = models.CharField(_("question"), max_length=200)
    value = models.SlugField(_("value"), max_length=40)
    value_label = models.CharField(_("answer"), max_length=200)
    min = models.PositiveSmallIntegerField(_("minimum"))
    max = models.PositiveSmallIntegerField(_("maximum"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "category", "value"], name="quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category}={self.value} [{self.min}, {self.max}]"


class ConsultationPageForm(WagtailAdminPageForm):
    """Offers only the consultations of the town whose site the page is on: a page never shows another
    town's consultation, and editors never see other towns' consultations in the choice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        page = self.instance if self.instance.pk else self.parent_page
        site = page.get_site() if page is not None else None
        field: Any = self.fields["consultation"]
        field.queryset = (
            Consultation.objects.filter(municipality__site=site) if site else Consultation.objects.none()
        )


class ConsultationPage(Page):
    """The public face of a consultation: what it is about, materials, schedule, results once published."""

    base_form_class = ConsultationPageForm

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="pages",
        verbose_name=_("consultation"),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    materials = StreamField(MaterialsBlock(), blank=True, verbose_name=_("materials"))
    results = RichTextField(_("results"), blank=True)
    results_published = models.BooleanField(_("publish the results"), default=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("consultation"),
        FieldPanel("introduction"),
        FieldPanel("materials"),
        MultiFieldPanel([FieldPanel("results"), FieldPanel("results_published")], heading=_("Results")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("introduction"),
        index.SearchField("materials"),
    ]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("consultation page")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from consultations.selectors import consultation_public_summary

        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context["summary"] = consultation_public_summary(consultation=self.consultation)
        return context


# Live deliberation (issue #9) lives in its own module; imported here so Django registers its models.
from consultations.live_models import *  # noqa: E402, F403
