"""The public audit page (HTML, PDF): commitments, reveals, counts, quotas, probabilities; nobody's data."""

import subprocess

import pytest
from django.test import Client

from consultations import services
from consultations.models import Draw
from tests.consultations.builders import ConsultationFactory, selected, with_roster
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def visitor(consultation, language: str = "en") -> Client:
    return Client(HTTP_HOST=consultation.municipality.site.hostname, HTTP_ACCEPT_LANGUAGE=language)


def test_the_commitment_is_public_before_the_seed_is():
    consultation = with_roster(ConsultationFactory(), 40)
    draw = services.invitations_commit(consultation=consultation, by=None)
    html = visitor(consultation).get(f"/c/{consultation.pk}/audit/").content.decode()
    assert draw.seed_hash in html and draw.inputs_fingerprint in html
    assert draw.seed not in html
    assert "not yet revealed" in html


def test_the_audit_shows_both_stages_and_verifies_them_without_personal_data():
    consultation = selected()
    response = visitor(consultation).get(f"/c/{consultation.pk}/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    for draw in consultation.draws.all():
        assert draw.seed in html and draw.seed_hash in html and draw.inputs_fingerprint in html
    assert 'data-verification="ok"' in html
    assert "年齢" in html and "65歳以上" in html  # quotas and how they were met
    assert "本町" in html  # by district
    # Nobody's name, address, key or contact appears.
    for entry in consultation.roster.all()[:50]:
        assert entry.name not in html and entry.address not in html and entry.key not in html
    for person in consultation.respondents.all():
        assert person.email not in html


def test_a_voided_draw_stays_listed_with_its_reason():
    consultation = selected()
    services.draw_void(
        draw=consultation.draws.get(stage=Draw.Stage.PANEL),
        reason="Quotas were entered for the wrong age bands.",
        by=None,
    )
    html = visitor(consultation).get(f"/c/{consultation.pk}/audit/").content.decode()
    assert "Quotas were entered for the wrong age bands." in html
    assert "Voided" in html


def test_the_audit_pdf_carries_the_same_fingerprints(tmp_path):
    consultation = selected()
    response = visitor(consultation).get(f"/c/{consultation.pk}/audit.pdf")
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "audit.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for draw in consultation.draws.all():
        assert draw.inputs_fingerprint in compact and draw.seed_hash in compact
    assert "verify_lottery" in compact


def test_the_audit_is_per_town_and_not_for_drafts():
    consultation = selected()
    other = MunicipalityFactory()
    assert Client(HTTP_HOST=other.site.hostname).get(f"/c/{consultation.pk}/audit/").status_code == 404
    draft = ConsultationFactory(municipality=consultation.municipality)
    assert visitor(draft).get(f"/c/{draft.pk}/audit/").status_code == 404
