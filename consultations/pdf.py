"""PDF output with reportlab: letters (one per A4 page, letterhead, QR code, typed code) and the audit report.

Japanese text needs an embedded TrueType font: IPAex Gothic from Debian's fonts-ipaexfont-gothic.
"""

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "IPAexGothic"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/ipaexfont/ipaexg.ttf",
    "/usr/local/share/fonts/ipaexg.ttf",
)


class FontMissing(RuntimeError):
    pass


def find_font() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run(  # noqa: S603 - fixed arguments, no user input
            [fc_match, "-f", "%{file}", "IPAexGothic"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        if found.endswith("ipaexg.ttf") and Path(found).is_file():
            return Path(found)
    raise FontMissing(
        "The Japanese font IPAex Gothic (ipaexg.ttf) was not found, so letters cannot be printed. "
        "Install it with: apt-get install fonts-ipaexfont-gothic"
    )


@cache
def register_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(find_font())))
    return FONT


def _style(name: str, size: float, *, leading: float | None = None, **extra: object) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=register_font(), fontSize=size, leading=leading or size * 1.6, wordWrap="CJK", **extra
    )


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


@dataclass(frozen=True)
class Letterhead:
    town: str
    address: str
    phone: str
    email: str
    department: str = ""


@dataclass(frozen=True)
class Letter:
    postal_code: str
    address: str
    name: str
    date: str
    subject: str
    greeting: str
    paragraphs: Sequence[str]
    closing: Sequence[str]
    url: str = ""  # encoded in the QR code
    short_code: str = ""  # formatted, e.g. ABCD-EFGH-JKMN
    code_entry_url: str = ""
    labels: dict[str, str] | None = None  # the translated captions of the answer box


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw `data` as a QR code with its quiet zone, as vector squares (crisp at any print resolution)."""
    qr = segno.make(data, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=4))
    module = size / len(rows)
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + c * module, y + size - (r + 1) * module, module, module, stroke=0, fill=1)


def render_letters(letterhead: Letterhead, letters: Sequence[Letter]) -> bytes:
    """One A4 page per letter: letterhead, address block, text, and an answer box with QR and typed code."""
    font = register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{letterhead.town}")
    canvas.setAuthor(letterhead.town)
    width, height = A4
    body = _style("body", 10.5)
    heading = _style("heading", 14, leading=20, spaceAfter=6)
    small = _style("small", 8.5, leading=12)
    for letter in letters:
        # Letterhead: the town in large type, its contact details beside it, and a rule.
        canvas.setFont(font, 18)
        canvas.drawString(20 * mm, height - 22 * mm, letterhead.town)
        canvas.setFont(font, 8.5)
        contact = [
            line
            for line in (letterhead.department, letterhead.address, letterhead.phone, letterhead.email)
            if line
        ]
        for i, line in enumerate(contact):
            canvas.drawRightString(width - 20 * mm, height - 16 * mm - i * 4 * mm, line)
        canvas.setStrokeColor(colors.HexColor("#0b5cab"))
        canvas.setLineWidth(1.2)
        canvas.line(20 * mm, height - 34 * mm, width - 20 * mm, height - 34 * mm)
        canvas.setFont(font, 9)
        canvas.drawRightString(width - 20 * mm, height - 40 * mm, letter.date)
        # Address block, placed for a window envelope.
        canvas.setFont(font, 10.5)
        y = height - 48 * mm
        for line in (f"〒{letter.postal_code}" if letter.postal_code else "", letter.address):
            if line:
                canvas.drawString(25 * mm, y, line)
                y -= 5.5 * mm
        canvas.setFont(font, 13)
        canvas.drawString(25 * mm, y - 2 * mm, letter.name)

        story: list[object] = [
            Paragraph(_text(letter.subject), heading),
            Paragraph(_text(letter.greeting), body),
        ]
        story += [Paragraph(_text(p), body) for p in letter.paragraphs if p]
        story += [Paragraph(_text(p), small) for p in letter.closing if p]
        box_top = 82 * mm if letter.url else 30 * mm
        frame = Frame(20 * mm, box_top, width - 40 * mm, height - 80 * mm - box_top, showBoundary=0)
        frame.addFromList(story, canvas)
        if letter.url:
            _answer_box(canvas, letter, font)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _answer_box(canvas: Canvas, letter: Letter, font: str) -> None:
    width, _height = A4
    labels = letter.labels or {}
    x, y, w, h = 20 * mm, 20 * mm, width - 40 * mm, 56 * mm
    canvas.setStrokeColor(colors.HexColor("#0b5cab"))
    canvas.setLineWidth(1)
    canvas.roundRect(x, y, w, h, 3 * mm, stroke=1, fill=0)
    qr_size = 46 * mm
    draw_qr(canvas, letter.url, x + w - qr_size - 5 * mm, y + 5 * mm, qr_size)
    canvas.setFillColor(colors.black)
    canvas.setFont(font, 11)
    canvas.drawString(x + 6 * mm, y + h - 10 * mm, labels.get("scan", ""))
    canvas.setFont(font, 9)
    canvas.drawString(x + 6 * mm, y + h - 18 * mm, labels.get("or_type", ""))
    canvas.setFont(font, 10)
    canvas.drawString(x + 6 * mm, y + h - 25 * mm, letter.code_entry_url)
    canvas.setFont(font, 9)
    canvas.drawString(x + 6 * mm, y + h - 33 * mm, labels.get("code", ""))
    canvas.setFont("Courier-Bold", 20)
    canvas.drawString(x + 6 * mm, y + h - 43 * mm, letter.short_code)
    canvas.setFont(font, 7.5)
    canvas.drawString(x + 6 * mm, y + 5 * mm, labels.get("private", ""))


@dataclass(frozen=True)
class AuditSection:
    title: str
    paragraphs: Sequence[str] = ()
    table: Sequence[Sequence[str]] = ()  # first row: headings


def render_audit(title: str, sections: Sequence[AuditSection]) -> bytes:
    """The audit report as an A4 document: headed sections of text and tables."""
    font = register_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    heading1 = _style("h1", 16, leading=22, spaceAfter=8)
    heading2 = _style("h2", 12.5, leading=18, spaceBefore=10, spaceAfter=4)
    body = _style("body", 9.5)
    cell = _style("cell", 8, leading=11)
    mono = ParagraphStyle("mono", parent=cell, fontName="Courier", wordWrap="CJK")
    story: list[object] = [Paragraph(_text(title), heading1)]
    for section in sections:
        story.append(Paragraph(_text(section.title), heading2))
        story += [Paragraph(_text(p), body) for p in section.paragraphs]
        if section.table:
            rows = [
                [Paragraph(_text(c), mono if len(c) >= 40 and " " not in c else cell) for c in row]
                for row in section.table
            ]
            table = Table(rows, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), font),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table]
    document.build(story)
    return buffer.getvalue()
