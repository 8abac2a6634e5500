"""The audit report as a PDF: the same facts as the audit page, for printing and filing."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consultations import pdf
from consultations.models import Draw
from consultations.selectors import AuditReport
from consultations.verification import Verification


def _when(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "—"  # type: ignore[arg-type]


def _draw_rows(draw: Draw) -> list[list[str]]:
    rows = [
        [_("Stage"), draw.get_stage_display()],
        [_("Status"), draw.get_status_display()],
        [_("Algorithm"), draw.algorithm],
        [_("Inputs fingerprint (SHA-256)"), draw.inputs_fingerprint],
        [_("Seed commitment (SHA-256 of the seed)"), draw.seed_hash],
        [_("Committed"), _when(draw.committed_at)],
        [_("Seed revealed"), draw.public_seed or _("not yet revealed")],
        [_("Revealed"), _when(draw.revealed_at)],
    ]
    if draw.distribution_hash:
        rows.append([_("Distribution fingerprint (SHA-256)"), draw.distribution_hash])
    if draw.status == Draw.Status.VOIDED:
        rows.append([_("Reason for voiding"), draw.void_reason])
        rows.append([_("Voided"), _when(draw.voided_at)])
    return rows


def render(report: AuditReport, verification: Verification) -> bytes:
    consultation = report.consultation
    with translation.override(translation.get_language() or "ja"):
        counts = report.counts
        sections = [
            pdf.AuditSection(
                _("The consultation"),
                [
                    consultation.question,
                    _("Status: %(status)s") % {"status": consultation.get_status_display()},
                ],
            ),
            pdf.AuditSection(
                _("Numbers"),
                table=[
                    [
                        _("On the roster"),
                        _("Invited"),
                        _("Said yes"),
                        _("Said no"),
                        _("Selected"),
                        _("Alternates"),
                    ],
                    [
                        str(n)
                        for n in (
                            counts.roster,
                            counts.invited,
                            counts.accepted,
                            counts.declined,
                            counts.selected,
                            counts.alternates,
                        )
                    ],
                ],
            ),
        ]
        for draw in report.draws:
            sections.append(
                pdf.AuditSection(
                    _("Draw #%(number)s: %(stage)s") % {"number": draw.pk, "stage": draw.get_stage_display()},
                    table=[[_("Item"), _("Value")], *_draw_rows(draw)],
                )
            )
        sections.append(
            pdf.AuditSection(
                _("By district"),
                table=[
                    [
                        _("District"),
                        _("On the roster"),
                        _("Invited"),
                        _("Said yes"),
                        _("Said no"),
                        _("Selected"),
                    ],
                    *[
                        [
                            r.label,
                            str(r.roster),
                            str(r.invited),
                            str(r.accepted),
                            str(r.declined),
                            str(r.selected),
                        ]
                        for r in report.districts
                    ],
                ],
            )
        )
        if report.quotas:
            sections.append(
                pdf.AuditSection(
                    _("Quotas and how they were met"),
                    table=[
                        [
                            _("Question"),
                            _("Answer"),
                            _("Minimum"),
                            _("Maximum"),
                            _("Said yes"),
                            _("Selected"),
                        ],
                        *[
                            [
                                q.category_label,
                                q.value_label,
                                str(q.min),
                                str(q.max),
                                str(q.respondents),
                                str(q.selected),
                            ]
                            for q in report.quotas
                        ],
                    ],
                )
            )
        if report.types:
            sections.append(
                pdf.AuditSection(
                    _("Selection probabilities"),
                    [_("Everyone with the same answers has the same probability of selection.")],
                    table=[
                        [*report.categories, _("People"), _("Probability"), _("Selected")],
                        *[
                            [*t.values, str(t.respondents), f"{t.probability:.4f}", str(t.selected)]
                            for t in report.types
                        ],
                    ],
                )
            )
        result = (
            _("Every check passed.")
            if verification.ok
            else _("A check failed: %(check)s (%(detail)s)")
            % {
                "check": verification.first_difference.name if verification.first_difference else "",
                "detail": verification.first_difference.detail if verification.first_difference else "",
            }
        )
        sections.append(
            pdf.AuditSection(
                _("Verification"),
                [
                    result,
                    _(
                        "Anyone with the recorded inputs can recompute both draws with the published "
                        "algorithm "
                        "(docs/running-a-lottery.md); on the server, run: python manage.py verify_lottery "
                        "%(id)s"
                    )
                    % {"id": consultation.pk},
                ],
            )
        )
        return pdf.render_audit(_("Lottery audit: %(title)s") % {"title": consultation.title}, sections)
