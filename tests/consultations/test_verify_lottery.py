"""`manage.py verify_lottery` recomputes both stages and exits non-zero with the first difference."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from consultations.models import Consultation, Draw, Respondent
from consultations.services import consultation_set_status, roster_purge
from tests.consultations.builders import selected

pytestmark = pytest.mark.django_db


def verify(consultation: Consultation, *args: str, language: str = "en") -> str:
    out = io.StringIO()
    with translation.override(language):
        call_command("verify_lottery", str(consultation.pk), *args, stdout=out)
    return out.getvalue()


def test_both_stages_recompute_and_match():
    consultation = selected()
    output = verify(consultation)
    assert "recompute invitations" in output
    assert "recompute panel" in output
    assert "recompute LEXIMIN probabilities" in output
    assert "DIFF" not in output
    assert "checks match" in output


def test_a_changed_invitation_result_is_the_first_difference():
    consultation = selected()
    draw = consultation.draws.get(stage=Draw.Stage.INVITATIONS)
    invited = draw.result["invited"]
    draw.result = {"invited": [invited[1], invited[0], *invited[2:]]}
    draw.save(update_fields=["result"])
    with pytest.raises(CommandError, match=r"First difference: .*recompute invitations.*position 1"):
        verify(consultation, "--skip-leximin")


def test_a_changed_answer_after_the_draw_is_found():
    consultation = selected()
    person = Respondent.objects.filter(consultation=consultation).first()
    person.features = {**person.features, "age": "old" if person.features["age"] != "old" else "young"}
    person.save(update_fields=["features"])
    with pytest.raises(CommandError, match="answers unchanged"):
        verify(consultation, "--skip-leximin")


def test_a_seed_that_does_not_match_its_commitment_is_found():
    consultation = selected()
    draw = consultation.draws.get(stage=Draw.Stage.PANEL)
    draw.seed = draw.seed + "x"
    draw.save(update_fields=["seed"])
    with pytest.raises(CommandError, match="seed commitment"):
        verify(consultation, "--skip-leximin")


def test_the_draws_stay_verifiable_after_the_personal_data_is_deleted():
    consultation = selected()
    for status in ("live", "closed"):
        consultation_set_status(consultation=consultation, status=status, by=None)
    roster_purge(consultation=consultation, by=None)
    assert not consultation.roster.exclude(name="").exists()
    assert "checks match" in verify(consultation)


def test_a_consultation_without_draws_has_nothing_to_verify():
    from tests.consultations.builders import ConsultationFactory

    with pytest.raises(CommandError, match="no draws"):
        verify(ConsultationFactory())


def test_the_report_is_in_japanese_for_japanese_operators():
    consultation = selected()
    output = verify(consultation, "--skip-leximin", language="ja")
    assert "招待者の再計算" in output and "パネルの再計算" in output
    assert "件の確認項目がすべて一致しました" in output
