"""Live deliberation: a room per session, its participants, and the event log every change is written to.

`LiveEvent` is the source of truth for what clients see: each change writes its domain row and one event with
the next sequence number of the room, and sockets only deliver those events (and replay them on resume).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REACTIONS = ("👍", "❤️", "😮", "🙏", "👏")
MESSAGE_MAX = 1000
STATEMENT_MAX = 280


class LiveRoom(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Not started")
        OPEN = "open", pgettext_lazy("live room status", "Open")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    session = models.OneToOneField(
        "consultations.ConsultationSession", on_delete=models.CASCADE, related_name="room"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SCHEDULED)
    current_item = models.ForeignKey(
        "consultations.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    video_url = models.URLField(_("video or call link"), blank=True)
    pinned_message = models.ForeignKey(
        "consultations.LiveMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_seq = models.BigIntegerField(default=0)  # the last sequence number given
    opinion_groups = models.JSONField(default=dict, blank=True)
    summary = models.TextField(pgettext_lazy("live room", "summary"), blank=True)
    summary_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("live room")
        verbose_name_plural = _("live rooms")

    def __str__(self) -> str:
        return str(self.session)


class AgendaItem(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class LiveParticipant(models.Model):
    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        FACILITATOR = "facilitator", _("Facilitator")

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="participants")
    respondent = models.ForeignKey(
        "consultations.Respondent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    display_name = models.CharField(_("display name"), max_length=60)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PARTICIPANT)
    muted = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)
    # Open sockets (presence); ephemeral, so never logged as an event. Servers holding the participant's
    # sockets vouch for them every few seconds (`seen_at`): a count nobody vouched for lately is a stopped
    # server's.
    connections = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["room", "respondent"], name="live_participant_respondent_unique"),
            models.UniqueConstraint(fields=["room", "user"], name="live_participant_user_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR


class LiveEvent(models.Model):
    """One logged change, with its payload exactly as broadcast (hidden messages are redacted on replay)."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=32)
    actor = models.ForeignKey(
        LiveParticipant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [models.UniqueConstraint(fields=["room", "seq"], name="live_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.type}"


class LiveMessage(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="messages")
    item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="messages")
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField(max_length=MESSAGE_MAX)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        LiveParticipant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class LiveReaction(models.Model):
    message = models.ForeignKey(LiveMessage, on_delete=models.CASCADE, related_name="reactions")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "participant", "emoji"], name="live_reaction_unique")
        ]

    def __str__(self) -> str:
        return self.emoji


class LiveFlag(models.Model):
    message = models.ForeignKey(LiveMessage, on_delete=models.CASCADE, related_name="flags")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "participant"], name="live_flag_unique")]

    def __str__(self) -> str:
        return f"flag on {self.message_id}"


class HandRaise(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="hands")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="hands")
    raised_at = models.DateTimeField(default=timezone.now)
    lowered_at = models.DateTimeField(null=True, blank=True)
    floor_given_at = models.DateTimeField(null=True, blank=True)
    floor_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"hand of {self.participant_id}"


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale of 1 to 5")

    class ShowResults(models.TextChoices):
        LIVE = "live", _("Live")
        AFTER_CLOSE = "after_close", _("After closing")

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="polls")
    item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    options = models.JSONField(default=list)
    show_results = models.CharField(max_length=16, choices=ShowResults.choices, default=ShowResults.LIVE)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return self.question

    @property
    def results_visible(self) -> bool:
        return self.show_results == self.ShowResults.LIVE or self.closed_at is not None


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="+")
    choices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "participant"], name="live_poll_vote_unique")]

    def __str__(self) -> str:
        return f"vote in {self.poll_id}"


class Statement(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="statements")
    text = models.CharField(max_length=STATEMENT_MAX)
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class StatementVote(models.Model):
    class Vote(models.IntegerChoices):
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass")
        AGREE = 1, _("Agree")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="+")
    vote = models.SmallIntegerField(choices=Vote.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "participant"], name="live_statement_vote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vote} on {self.statement_id}"


class LivePass(models.Model):
    """A join link for one panel member: the token is stored only as its SHA-256."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="passes")
    respondent = models.ForeignKey("consultations.Respondent", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pass of {self.respondent_id} to {self.room_id}"


__all__ = [
    "AgendaItem",
    "HandRaise",
    "LiveEvent",
    "LiveFlag",
    "LiveMessage",
    "LiveParticipant",
    "LivePass",
    "LiveReaction",
    "LiveRoom",
    "Poll",
    "PollVote",
    "Statement",
    "StatementVote",
]
