"""Printed letters: one A4 page each, letterhead, a QR code that opens the RSVP page and the typed code."""

import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.test import Client
from django.utils import translation
from PIL import Image

from civic.errors import ServiceError
from consultations import pdf, services
from tests.consultations.builders import ConsultationFactory, drawn, selected, with_roster

pytestmark = pytest.mark.django_db
CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")


def pages_as_png(document: bytes, folder: Path, *, last: int = 0) -> list[Path]:
    source = folder / "letters.pdf"
    source.write_bytes(document)
    pages = ["-l", str(last)] if last else []
    subprocess.run(["pdftoppm", "-png", "-r", "150", *pages, str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def text_of(document: bytes, folder: Path) -> list[str]:
    source = folder / "text.pdf"
    source.write_bytes(document)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True, check=True
    )
    return text.stdout.split("\f")


def test_each_letter_has_a_qr_code_to_the_rsvp_page_and_the_typed_code(tmp_path):
    consultation = with_roster(ConsultationFactory(invitations_target=3), 30)
    drawn(consultation)
    batch = services.letters_issue(consultation=consultation, kind="invitation", by=None)
    assert batch.count == 3
    images = pages_as_png(batch.pdf, tmp_path)
    texts = text_of(batch.pdf, tmp_path)
    assert len(images) == 3  # one page per letter
    host = consultation.municipality.site.hostname
    opened = set()
    for image, text in zip(images, texts, strict=False):
        found = zxingcpp.read_barcodes(Image.open(image))
        assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
        url = found[0].text
        assert re.fullmatch(rf"http://{re.escape(host)}/c/rsvp/[A-Za-z0-9_-]{{24}}/", url)
        typed = CODE.search(text)[1]
        assert consultation.municipality.name_ja in text  # the letterhead
        # The QR link and the typed code open the same invitation.
        by_link = Client(HTTP_HOST=host)
        assert by_link.get(url.removeprefix(f"http://{host}")).status_code == 302
        by_code = Client(HTTP_HOST=host)
        assert by_code.post("/c/rsvp/", {"code": typed}).status_code == 302
        assert by_link.session["consultations_rsvp_code"] and by_code.session["consultations_rsvp_code"]
        link_invitation = services.invitation_open(token=url.rstrip("/").rsplit("/", 1)[1]).invitation_id
        code_invitation = services.invitation_open(short_code=typed).invitation_id
        assert link_invitation == code_invitation
        opened.add(link_invitation)
    assert len(opened) == 3
    assert consultation.invitations.filter(sent_at__isnull=False).count() == 3
    with translation.override("en"), pytest.raises(ServiceError, match="no letters waiting"):
        services.letters_issue(consultation=consultation, kind="invitation", by=None)


def test_a_reprint_mints_a_new_code_and_the_old_one_still_works(tmp_path):
    consultation = with_roster(ConsultationFactory(invitations_target=1), 10)
    drawn(consultation)
    first = services.letters_issue(consultation=consultation, kind="invitation", by=None)
    invitation = consultation.invitations.get()
    again = services.letters_issue(
        consultation=consultation, kind="invitation", by=None, invitations=[invitation]
    )
    first_code = CODE.search(text_of(first.pdf, tmp_path)[0])[1]
    second_code = CODE.search(text_of(again.pdf, tmp_path)[0])[1]
    assert first_code != second_code
    assert services.invitation_open(short_code=first_code).invitation_id == invitation.pk
    assert services.invitation_open(short_code=second_code).invitation_id == invitation.pk


def test_outcome_letters_go_to_respondents_without_email_or_line(tmp_path):
    consultation = selected()
    consultation.respondents.filter(outcome="selected").update(email="")
    for person in consultation.respondents.filter(outcome="selected"):
        person.invitation.entry.email = ""
        person.invitation.entry.save(update_fields=["email"])
    batch = services.letters_issue(consultation=consultation, kind="outcome", by=None)
    assert batch.count == 6
    assert len(text_of(batch.pdf, tmp_path)) - 1 == 6  # one page each
    images = pages_as_png(batch.pdf, tmp_path, last=2)
    assert all(len(zxingcpp.read_barcodes(Image.open(image))) == 1 for image in images)
    assert consultation.respondents.filter(outcome="selected", notified_at__isnull=False).count() == 6


def test_a_missing_japanese_font_is_reported_clearly(monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ("/nonexistent/ipaexg.ttf",))
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.FontMissing, match="apt-get install fonts-ipaexfont-gothic"):
        pdf.find_font()
