"""The triage dashboard's figures (computed in SQL), its CSV exports, and the SLA sweep."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from civic.roles import Role
from reports.models import Report, ReportEvent
from reports.services import report_transition
from tests.reports.triage_support import make_report, staff

pytestmark = pytest.mark.django_db


def test_dashboard_figures(client, town):
    town.pothole.target_hours = 10
    town.pothole.save()
    reports = [make_report(town, dlng=-0.001 * (i + 1)) for i in range(5)]
    base = timezone.now() - timedelta(days=2)
    # Acknowledged after 2, 4, 6, 8 and 20 hours; the last two are resolved after 30 and 50 hours.
    for report, hours in zip(reports, [2, 4, 6, 8, 20], strict=True):
        Report.objects.filter(pk=report.pk).update(
            created_at=base, acknowledged_at=base + timedelta(hours=hours), status="acknowledged"
        )
    Report.objects.filter(pk=reports[3].pk).update(status="resolved", resolved_at=base + timedelta(hours=30))
    Report.objects.filter(pk=reports[4].pk).update(status="resolved", resolved_at=base + timedelta(hours=50))
    make_report(town, category=town.tree, dlng=0.02)
    client.force_login(staff(town))

    data = client.get(f"/admin/triage/dashboard/data.json?town={town.municipality.slug}").json()

    assert data["status_counts"]["acknowledged"] == 3
    assert data["status_counts"]["resolved"] == 2
    assert data["status_counts"]["new"] == 1
    pothole = next(row for row in data["by_category"] if row["category_id"] == town.pothole.pk)
    assert pothole["count"] == 5
    assert pothole["acknowledge_p50_h"] == 6.0
    assert pothole["acknowledge_p90_h"] == pytest.approx(15.2)
    assert pothole["resolve_p50_h"] == 40.0
    assert data["sla"]["met"] == 4 and data["sla"]["late"] == 1
    assert data["sla"]["compliance"] == 0.8
    assert sum(w["new"] for w in data["weekly"]) == 6
    assert sum(w["resolved"] for w in data["weekly"]) == 2
    assert sum(cell["count"] for cell in data["heat"]) == 6
    assert data["top_areas"][0]["count"] == 5

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    empty = client.get(f"/admin/triage/dashboard/data.json?since={future}").json()
    assert sum(empty["status_counts"].values()) == 0

    page = client.get("/admin/triage/dashboard/")
    assert page.status_code == 200 and b"triage_dashboard.js" in page.content


def test_csv_export_leaves_out_contact_unless_the_role_allows(client, town):
    make_report(town)
    client.force_login(staff(town, Role.SITE_ADMIN))
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/admin/triage/export.csv").streaming_content).decode()))
    )
    assert len(rows) == 2 and "reporter_email" not in rows[0]
    assert "hanako@example.jp" not in str(rows)

    client.force_login(staff(town, Role.SUPERVISOR))
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/admin/triage/export.csv").streaming_content).decode()))
    )
    assert "reporter_email" in rows[0] and "hanako@example.jp" in rows[1]


def test_audit_export_lists_every_event_with_actor_and_before_after(client, town):
    report = make_report(town)
    supervisor = staff(town)
    report_transition(report=report, status=Report.Status.ACKNOWLEDGED, actor=supervisor)
    client.force_login(supervisor)
    text = b"".join(client.get("/admin/triage/audit.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[2] for r in rows[1:]] == ["created", "status_changed"]
    assert rows[2][3] == supervisor.username
    assert '"status": "new"' in rows[2][5] and '"status": "acknowledged"' in rows[2][6]


def test_sla_sweep_marks_once_and_notifies_the_department(town):
    town.roads.email = "roads@example.jp"
    town.roads.save()
    town.pothole.target_hours = 24
    town.pothole.save()
    overdue, soon, fresh = make_report(town), make_report(town), make_report(town)
    now = timezone.now()
    Report.objects.filter(pk=overdue.pk).update(created_at=now - timedelta(hours=30))
    Report.objects.filter(pk=soon.pk).update(created_at=now - timedelta(hours=20))

    out = io.StringIO()
    call_command("triage_sla_sweep", stdout=out)

    assert ReportEvent.objects.filter(kind="sla_overdue").get().report_id == overdue.pk
    assert ReportEvent.objects.filter(kind="sla_due_soon").get().report_id == soon.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["roads@example.jp"]
    assert overdue.reference in mail.outbox[0].body and fresh.reference not in mail.outbox[0].body

    call_command("triage_sla_sweep", stdout=out)
    assert ReportEvent.objects.filter(kind__startswith="sla_").count() == 2
    assert len(mail.outbox) == 1
