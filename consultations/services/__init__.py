"""Consultations services: the only code that changes consultations, rosters, draws, invitations, panels."""

from consultations.services.consultations import consultation_save
from consultations.services.invitations import (
    LetterBatch,
    ReminderResult,
    code_issue,
    invitation_deliver,
    invitations_remind,
    letters_issue,
    letters_waiting,
)
from consultations.services.lottery import draw_void, invitations_commit, invitations_draw
from consultations.services.roster import (
    PurgeResult,
    roster_import_file,
    roster_import_run,
    roster_import_start,
    roster_purge,
    roster_upload,
)
from consultations.services.rsvp import (
    RsvpAnswer,
    invitation_open,
    respondent_confirm,
    respondent_update,
    rsvp_answer,
)
from consultations.services.selection import (
    QuotaRow,
    consultation_set_status,
    panel_draw,
    quotas_set,
    selection_run,
    selection_start,
)

__all__ = [
    "LetterBatch",
    "PurgeResult",
    "QuotaRow",
    "ReminderResult",
    "RsvpAnswer",
    "code_issue",
    "consultation_save",
    "consultation_set_status",
    "draw_void",
    "invitation_deliver",
    "invitation_open",
    "invitations_commit",
    "invitations_draw",
    "invitations_remind",
    "letters_issue",
    "letters_waiting",
    "panel_draw",
    "quotas_set",
    "respondent_confirm",
    "respondent_update",
    "roster_import_file",
    "roster_import_run",
    "roster_import_start",
    "roster_purge",
    "roster_upload",
    "rsvp_answer",
    "selection_run",
    "selection_start",
]
