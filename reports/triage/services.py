"""Board actions: each checks the version the staff member saw, then calls the reports services.

Two staff members editing one report do not overwrite each other: every action names the `version` it was
made on, the report row is locked, and a report changed since is refused with a message that says so. The
reports services write, audit and broadcast; the few board-only changes (priority, spam, saved filters,
SLA notices) are written here in the same way.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.models import Department, Municipality
from reports import broadcasts, services
from reports.models import Category, Priority, Report, Reporter, ReportEvent
from reports.selectors import nearby_open_reports
from reports.triage.access import TriageAccess
from reports.triage.selectors import SLA, with_sla
from reports.triage_models import SavedFilter

logger = logging.getLogger(__name__)


def _locked(access: TriageAccess, report_id: int, version: int | None) -> Report:
    """The report, locked for this transaction, if this person works it and it is still as they saw it."""
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("municipality", "category", "department")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not access.sees(report):
        raise ServiceError(_("That report does not exist or is not yours to see."))
    if not access.works(report):
        raise ServiceError(_("You may look at this report but not change it."))
    if version is not None and report.version != version:
        message = _(
            "Someone else changed report %(reference)s while you were looking at it. "
            "Nothing was saved: look at the new state and try again."
        ) % {"reference": report.reference}
        raise ServiceError(message, field_errors={"version": [message]})
    return report


@transaction.atomic
def triage_transition(
    *,
    access: TriageAccess,
    actor: AbstractBaseUser,
    report_id: int,
    version: int | None,
    status: str,
    message: str = "",
) -> Report:
    report = _locked(access, report_id, version)
    return services.report_transition(report=report, status=status, actor=actor, message=message)


@transaction.atomic
def triage_assign(
    *,
    access: TriageAccess,
    actor: AbstractBaseUser,
    report_id: int,
    version: int | None,
    assignee: AbstractBaseUser | None,
    department: Department | None = None,
) -> Report:
    report = _locked(access, report_id, version)
    if department is not None and not access.whole_town and department.pk != access.department_id:
        pass  # department staff may hand a report over to another department; they then stop seeing it
    return services.report_assign(report=report, assignee=assignee, actor=actor, department=department)


@transaction.atomic
def triage_set_priority(
    *, access: TriageAccess, actor: AbstractBaseUser, report_id: int, version: int | None, priority: str
) -> Report:
    if priority not in Priority.values:
        raise ServiceError(_("Unknown priority."))
    report = _locked(access, report_id, version)
    if report.priority == priority:
        return report
    before = report.priority
    report.priority = priority
    report.save(update_fields=["priority", "updated_at"])
    ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.PRIORITY_CHANGED,
        actor=services._user(actor),
        before={"priority": before},
        after={"priority": priority},
    )
    broadcasts.report_changed(report)
    return report


@transaction.atomic
def triage_add_update(
    *,
    access: TriageAccess,
    actor: AbstractBaseUser,
    report_id: int,
    version: int | None,
    message: str,
    public: bool,
) -> ReportEvent:
    report = _locked(access, report_id, version)
    return services.report_add_update(report=report, actor=actor, message=message, public=public)


@transaction.atomic
def triage_merge(
    *, access: TriageAccess, actor: AbstractBaseUser, report_id: int, version: int | None, into_reference: str
) -> Report:
    report = _locked(access, report_id, version)
    into = Report.objects.filter(
        municipality_id=report.municipality_id, reference=into_reference.strip().upper()
    ).first()
    if into is None or not access.sees(into):
        raise ServiceError(_("There is no report %(reference)s.") % {"reference": into_reference.strip()})
    return services.report_merge(report=report, into=into, actor=actor)


@transaction.atomic
def triage_mark_spam(
    *, access: TriageAccess, actor: AbstractBaseUser, report_id: int, version: int | None
) -> Report:
    """Close a report as spam and take it off the public site."""
    report = _locked(access, report_id, version)
    if Report.Status.CLOSED not in Report.TRANSITIONS[report.status]:
        raise ServiceError(_("This report is already closed."))
    report.is_public = False
    report.save(update_fields=["is_public", "updated_at"])
    ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.MARKED_SPAM,
        actor=services._user(actor),
        before={"is_public": True},
        after={"is_public": False},
    )
    return services.report_transition(report=report, status=Report.Status.CLOSED, actor=actor, public=False)


@dataclass(frozen=True, slots=True)
class BulkResult:
    done: list[str]
    failed: list[tuple[str, str]]  # (reference, message)


def triage_bulk(
    *,
    access: TriageAccess,
    actor: AbstractBaseUser,
    report_ids: Sequence[int],
    action: str,
    value: str = "",
    message: str = "",
    assignee: AbstractBaseUser | None = None,
    department: Department | None = None,
) -> BulkResult:
    """Apply one action to each selected report, each in its own transaction; failures are listed."""
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    references = dict(access.reports().filter(pk__in=report_ids).values_list("pk", "reference"))
    for report_id in report_ids:
        reference = references.get(report_id, f"#{report_id}")
        try:
            if action == "status":
                triage_transition(
                    access=access,
                    actor=actor,
                    report_id=report_id,
                    version=None,
                    status=value,
                    message=message,
                )
            elif action == "close":
                triage_transition(
                    access=access,
                    actor=actor,
                    report_id=report_id,
                    version=None,
                    status=Report.Status.CLOSED,
                    message=message,
                )
            elif action == "priority":
                triage_set_priority(
                    access=access, actor=actor, report_id=report_id, version=None, priority=value
                )
            elif action == "assign":
                triage_assign(
                    access=access,
                    actor=actor,
                    report_id=report_id,
                    version=None,
                    assignee=assignee,
                    department=department,
                )
            else:
                raise ServiceError(_("Unknown action."))
        except ServiceError as error:
            failed.append((reference, error.message))
        else:
            done.append(reference)
    return BulkResult(done=done, failed=failed)


@dataclass(frozen=True, slots=True)
class IntakeResult:
    report: Report | None
    nearby: list[Report]


def triage_intake(
    *,
    access: TriageAccess,
    actor: AbstractBaseUser,
    category: Category,
    description: str,
    point: Point | None,
    location_text: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    confirmed: bool = False,
) -> IntakeResult:
    """A report taken by phone or at the counter (source "staff"); open reports nearby are shown first.

    Unless `confirmed`, a report with open reports of its category within 50 m is not created: the caller
    shows them, so the staff member can add the caller's support to one instead.
    """
    if not access.may_work:
        raise ServiceError(_("You may not enter reports."))
    if point is not None and not confirmed:
        nearby = list(
            nearby_open_reports(municipality=access.municipality, point=point, category=category, radius_m=50)
        )
        if nearby:
            return IntakeResult(report=None, nearby=nearby)
    reporter = Reporter(
        municipality=access.municipality,
        name=reporter_name.strip(),
        phone=reporter_phone.strip(),
        email=reporter_email.strip(),
    )
    report = services.report_create(
        municipality=access.municipality,
        category=category,
        description=description,
        point=point,
        location_text=location_text,
        reporter=reporter,
        source=Report.Source.STAFF,
    )
    return IntakeResult(report=report, nearby=[])


@transaction.atomic
def saved_filter_save(*, access: TriageAccess, name: str, query: str) -> SavedFilter:
    name = name.strip()[:80]
    if not name:
        raise ServiceError(_("Give the filter a name."))
    saved, _created = SavedFilter.objects.update_or_create(
        user_id=access.user_id, municipality=access.municipality, name=name, defaults={"query": query[:1000]}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, access: TriageAccess, saved_filter_id: int) -> None:
    SavedFilter.objects.filter(pk=saved_filter_id, user_id=access.user_id).delete()


# ----------------------------------------------------------------------------------------------------------
# SLAs


@dataclass(frozen=True, slots=True)
class SweepResult:
    due_soon: int
    overdue: int
    emails: int


def sla_sweep(*, municipality: Municipality | None = None, now: datetime | None = None) -> SweepResult:
    """Mark reports that became due soon or overdue (once each, as an event); e-mail departments.

    Run every few minutes (`manage.py triage_sla_sweep`); a report already marked is not marked again.
    """
    now = now or timezone.now()
    reports = Report.objects.filter(status__in=Report.OPEN_STATUSES, acknowledged_at__isnull=True)
    if municipality is not None:
        reports = reports.filter(municipality=municipality)
    marked: dict[str, list[Report]] = {}
    with transaction.atomic():
        for state, kind in (
            (SLA.OVERDUE, ReportEvent.Kind.SLA_OVERDUE),
            (SLA.DUE_SOON, ReportEvent.Kind.SLA_DUE_SOON),
        ):
            found = list(
                with_sla(reports, now)
                .filter(Q(sla_state=state))
                .exclude(events__kind=kind)
                .select_related("department")
                .only(
                    "id",
                    "reference",
                    "municipality_id",
                    "version",
                    "department__email",
                    "department__name_ja",
                    "created_at",
                )
                .select_for_update(of=("self",), skip_locked=True)
            )
            ReportEvent.objects.bulk_create(
                [ReportEvent(report=r, kind=kind, at=now, after={"sla": state}) for r in found]
            )
            for report in found:
                broadcasts.report_changed(report)
            marked[state] = found
    emails = _notify_departments(marked)
    return SweepResult(
        due_soon=len(marked.get(SLA.DUE_SOON, [])), overdue=len(marked.get(SLA.OVERDUE, [])), emails=emails
    )


def _notify_departments(marked: dict[str, list[Report]]) -> int:
    by_department: dict[str, list[tuple[str, Report]]] = {}
    for state, found in marked.items():
        for report in found:
            if report.department is not None and report.department.email:
                by_department.setdefault(report.department.email, []).append((state, report))
    labels = {SLA.OVERDUE: _("overdue"), SLA.DUE_SOON: _("due soon")}
    for address, items in by_department.items():
        lines = [f"{report.reference}: {labels[state]}" for state, report in items]
        send_mail(
            subject=_("%(count)s reports need a response") % {"count": len(items)},
            message="\n".join(lines),
            from_email=None,
            recipient_list=[address],
        )
    return len(by_department)
