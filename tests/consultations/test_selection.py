"""Stage 2: quotas checked at once, LEXIMIN in the background, the panel drawn with the committed seed."""

import pytest
from django.core import mail
from django.utils import translation

from civic.errors import ServiceError
from consultations import services
from consultations.models import Consultation, Draw, Respondent, SelectionRun
from consultations.selectors import engine_instance, quotas_feasibility
from consultations.services import QuotaRow
from consultations.sortition.model import panel_meets_quotas
from consultations.verification import verify_consultation
from tests.consultations.builders import (
    AGE,
    GENDER,
    ConsultationFactory,
    drawn,
    recruited,
    replaceable_member,
    run_jobs,
    selected,
    with_roster,
)

pytestmark = pytest.mark.django_db


def quota_rows(age=(1, 3), gender=(2, 4)) -> list[QuotaRow]:
    rows = [QuotaRow("age", "年齢", v, label, *age) for v, label in AGE]
    return rows + [QuotaRow("gender", "性別", v, label, *gender) for v, label in GENDER]


def test_quotas_whose_minimums_exceed_the_panel_are_refused_and_the_old_ones_kept():
    consultation = recruited()
    before = list(consultation.quotas.values_list("category", "value", "min", "max"))
    with translation.override("en"), pytest.raises(ServiceError) as error:
        services.quotas_set(consultation=consultation, rows=quota_rows(age=(3, 4)), by=None)
    assert (
        "The minimums of “年齢” add up to 9, more than the panel size 6."
        in error.value.field_errors["quotas"]
    )
    assert list(consultation.quotas.values_list("category", "value", "min", "max")) == before


def test_other_bad_quotas_say_what_is_wrong():
    consultation = ConsultationFactory()
    cases = [
        ([QuotaRow("age", "年齢", "young", "若い", 4, 2)], "is above its maximum"),
        (
            [QuotaRow("age", "年齢", "young", "若い", 0, 6), QuotaRow("age", "年齢", "young", "若い", 0, 6)],
            "listed twice",
        ),
        ([QuotaRow("age", "年齢", "young", "若い", 0, 2)], "add up to 2, less than the panel size 6"),
        ([QuotaRow("年齢", "年齢", "young", "若い", 0, 6)], "short codes"),
    ]
    with translation.override("en"):
        for rows, message in cases:
            with pytest.raises(ServiceError) as error:
                services.quotas_set(consultation=consultation, rows=rows, by=None)
            assert any(message in m for ms in error.value.field_errors.values() for m in ms), message
    assert not consultation.quotas.exists()


def test_a_panel_larger_than_the_pool_is_refused_with_the_numbers():
    consultation = recruited(accepted=4)
    with (
        translation.override("en"),
        pytest.raises(ServiceError, match=r"panel size \(6\) is larger than .* \(4\)"),
    ):
        services.selection_start(consultation=consultation, by=None)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.RECRUITING and not consultation.draws.filter(
        stage="panel"
    )


def test_infeasible_quotas_are_explained_with_the_smallest_fix():
    consultation = recruited()
    # Six women are required, but only three of the people who said yes are women.
    services.quotas_set(
        consultation=consultation,
        rows=[
            *[QuotaRow("age", "年齢", v, label, 0, 6) for v, label in AGE],
            QuotaRow("gender", "性別", "f", "女性", 6, 6),
            QuotaRow("gender", "性別", "m", "男性", 0, 6),
        ],
        by=None,
    )
    Respondent.objects.filter(consultation=consultation, features__gender="f").exclude(
        pk__in=Respondent.objects.filter(features__gender="f").values("pk")[:3]
    ).update(features={"age": "young", "gender": "m"})
    with translation.override("en"):
        feasibility = quotas_feasibility(consultation)
        assert feasibility.checked and not feasibility.feasible
        assert "lower the minimum of 性別 “女性” from 6 to 3." in feasibility.messages[0]  # quota labels
        assert "Details" not in feasibility.messages[0]
        with pytest.raises(ServiceError, match="smallest change"):
            services.selection_start(consultation=consultation, by=None)
    with translation.override("ja"):  # one Japanese sentence, no English from the engine
        assert "性別「女性」の最小を 6 から 3 に下げる" in quotas_feasibility(consultation).messages[0]


def test_the_selection_runs_in_the_background_and_draws_a_panel_that_meets_the_quotas():
    consultation = recruited()
    with translation.override("en"):
        assert quotas_feasibility(consultation).feasible
    run = services.selection_start(consultation=consultation, by=None)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.SELECTING
    draw = consultation.draws.get(stage=Draw.Stage.PANEL)
    assert draw.status == Draw.Status.COMMITTED and draw.distribution is None and not draw.seed_revealed
    run = services.selection_run(run_id=run.pk)
    assert run.status == SelectionRun.Status.DONE and run.percent == 100
    assert run.progress_total > 0 and run.stats["rounds"] >= 1
    assert set(run.probabilities) == set(consultation.respondents.values_list("key", flat=True))
    assert sum(run.probabilities.values()) == pytest.approx(consultation.panel_size)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN and draw.seed_revealed and draw.distribution_hash
    panel = draw.result["panel"]
    assert panel_meets_quotas(engine_instance(draw.inputs), panel)
    assert len(draw.result["alternates"]) == consultation.alternates
    outcomes = dict(consultation.respondents.values_list("key", "outcome"))
    assert {k for k, o in outcomes.items() if o == Respondent.Outcome.SELECTED} == set(panel)
    assert sum(1 for o in outcomes.values() if o == Respondent.Outcome.NOT_SELECTED) == 14 - 6 - 2


def test_everyone_hears_the_outcome_kindly(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        selected()
    run_jobs()
    outcomes = mail.outbox  # the invitations went by letter; these are the outcomes
    assert len(outcomes) == 14
    chosen = [m for m in outcomes if "メンバーに選ばれました" in m.subject]
    reserves = [m for m in outcomes if "補欠に選ばれました" in m.subject]
    thanked = [m for m in outcomes if "参加のご希望ありがとうございました" in m.subject]
    assert (len(chosen), len(reserves), len(thanked)) == (6, 2, 6)
    assert all("/c/rsvp/" in m.body for m in chosen)
    assert all("あなたご自身について何かを示すものではありません" in m.body for m in thanked)


def test_a_second_selection_needs_the_first_voided_and_both_stay_recorded():
    consultation = selected()
    with (
        translation.override("en"),
        pytest.raises(ServiceError, match="selected while the consultation is recruiting"),
    ):
        services.selection_start(consultation=consultation, by=None)
    first = consultation.draws.get(stage=Draw.Stage.PANEL)
    services.draw_void(draw=first, reason="A respondent's answers were entered wrongly by staff.", by=None)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.RECRUITING
    assert set(consultation.respondents.values_list("outcome", flat=True)) == {Respondent.Outcome.POOL}
    run = services.selection_start(consultation=consultation, by=None)
    services.selection_run(run_id=run.pk)
    assert consultation.draws.filter(stage=Draw.Stage.PANEL).count() == 2
    assert consultation.draws.get(status=Draw.Status.VOIDED).void_reason.startswith("A respondent")


def test_a_seed_kept_by_the_operator_is_typed_in_to_draw_the_panel():
    consultation = recruited()
    seed = "public ceremony 2026-12-01 dice 6 2 4 1 5 3 3 1"
    run = services.selection_start(consultation=consultation, by=None, seed=seed, keep_seed=True)
    services.selection_run(run_id=run.pk)
    draw = consultation.draws.get(stage=Draw.Stage.PANEL)
    assert draw.status == Draw.Status.COMMITTED and draw.distribution is not None
    with translation.override("en"), pytest.raises(ServiceError, match="does not match"):
        services.panel_draw(draw=draw, by=None, seed="guess")
    services.panel_draw(draw=draw, by=None, seed=seed)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN and draw.seed == seed


def test_the_status_moves_on_only_in_order():
    consultation = selected()
    with translation.override("en"), pytest.raises(ServiceError, match="cannot become"):
        services.consultation_set_status(consultation=consultation, status="closed", by=None)
    services.consultation_set_status(consultation=consultation, status="live", by=None)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.LIVE
    with translation.override("en"), pytest.raises(ServiceError, match="once the consultation is closed"):
        services.roster_purge(consultation=consultation, by=None)


def test_quotas_are_fixed_once_the_selection_started():
    consultation = recruited()
    services.selection_start(consultation=consultation, by=None)
    with translation.override("en"), pytest.raises(ServiceError, match="fixed once the panel selection"):
        services.quotas_set(consultation=consultation, rows=quota_rows(), by=None)


def test_an_unanswered_new_category_blocks_the_selection_with_a_message():
    consultation = with_roster(ConsultationFactory(), 40)
    drawn(consultation)
    services.quotas_set(consultation=consultation, rows=quota_rows(), by=None)
    from tests.consultations.builders import accept

    for i, invitation in enumerate(consultation.invitations.all()[:8]):
        accept(invitation, {"age": AGE[i % 3][0], "gender": GENDER[i % 2][0]})
    services.quotas_set(
        consultation=consultation,
        rows=[
            *quota_rows(),
            QuotaRow("job", "職業", "work", "働いている", 0, 6),
            QuotaRow("job", "職業", "no", "その他", 0, 6),
        ],
        by=None,
    )
    with translation.override("en"), pytest.raises(ServiceError, match="has no value for category job"):
        services.selection_start(consultation=consultation, by=None)


def seated(consultation: Consultation) -> list[str]:
    return list(
        consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).values_list("key", flat=True)
    )


def test_a_withdrawn_members_seat_goes_to_the_best_ranked_alternate_who_keeps_the_quotas(
    django_capture_on_commit_callbacks,
):
    consultation = selected()
    draw = consultation.draws.get(stage=Draw.Stage.PANEL)
    instance = engine_instance(draw.inputs)
    leaving = replaceable_member(consultation)
    services.respondent_confirm(respondent=leaving, attend=False, by=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        called = services.panel_seat_refill(respondent=leaving, by=None)
    run_jobs()

    assert called.key in draw.result["alternates"]
    assert (called.outcome, called.attendance) == (Respondent.Outcome.SELECTED, Respondent.Attendance.UNKNOWN)
    panel = seated(consultation)
    assert leaving.key not in panel and called.key in panel and len(panel) == consultation.panel_size
    assert panel_meets_quotas(instance, panel)
    # No better-ranked alternate could have taken the seat with the quotas kept.
    for better in draw.result["alternates"][: draw.result["alternates"].index(called.key)]:
        assert not panel_meets_quotas(instance, [better if key == called.key else key for key in panel])
    leaving.refresh_from_db()
    assert leaving.outcome == Respondent.Outcome.REPLACED
    event = consultation.events.get(action="seat_refilled")
    assert event.data["leaving"] == leaving.key and event.data["alternate"] == called.key
    assert verify_consultation(consultation).ok  # the audit replays the call by the rule
    assert [
        m.subject for m in mail.outbox if "メンバーに選ばれました" in m.subject
    ]  # told, with a confirm link

    with translation.override("en"), pytest.raises(ServiceError, match="already been given to an alternate"):
        services.panel_seat_refill(respondent=leaving, by=None)


def test_only_a_withdrawn_member_is_replaced_and_a_seat_no_alternate_fits_stays_empty():
    consultation = selected()
    member = consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).first()
    with (
        translation.override("en"),
        pytest.raises(ServiceError, match="Only a panel member who has withdrawn"),
    ):
        services.panel_seat_refill(respondent=member, by=None)
    services.respondent_confirm(respondent=member, attend=False, by=None)
    consultation.respondents.filter(outcome=Respondent.Outcome.ALTERNATE).update(
        outcome=Respondent.Outcome.NOT_SELECTED  # as if every alternate had been called already
    )
    with translation.override("en"), pytest.raises(ServiceError, match="one member short"):
        services.panel_seat_refill(respondent=member, by=None)
    assert not consultation.events.filter(action="seat_refilled").exists()
    assert (
        consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).count()
        == consultation.panel_size
    )


def test_the_audit_fails_an_alternate_called_out_of_turn():
    consultation = selected()
    draw = consultation.draws.get(stage=Draw.Stage.PANEL)
    leaving = replaceable_member(consultation)
    services.respondent_confirm(respondent=leaving, attend=False, by=None)
    called = services.panel_seat_refill(respondent=leaving, by=None)
    others = [key for key in draw.result["alternates"] if key != called.key]
    assert verify_consultation(consultation).ok
    # Someone swaps the called alternate for another one in the database and in the log.
    consultation.respondents.filter(key=called.key).update(outcome=Respondent.Outcome.ALTERNATE)
    consultation.respondents.filter(key=others[-1]).update(outcome=Respondent.Outcome.SELECTED)
    consultation.events.filter(action="seat_refilled").update(
        data={"draw": draw.pk, "leaving": leaving.key, "alternate": others[-1], "rank": len(others) + 1}
    )
    with translation.override("en"):
        failed = [c for c in verify_consultation(consultation).checks if not c.ok]
    assert [c.name for c in failed] == ["seat given to alternate by the rule", "panel matches the draw"]
