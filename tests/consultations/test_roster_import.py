"""Importing a roster: mapped columns, row-by-row checks, every rejected row reported, never a silent skip."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from civic.errors import ServiceError
from consultations import services
from consultations.models import RosterEntry, RosterImport
from tests.consultations.builders import ConsultationFactory, csv_bytes, drawn, people, with_roster

pytestmark = pytest.mark.django_db

BAD_ROWS = [
    {"番号": "1", "名前": "佐藤 太郎", "〒": "371-0001", "住所": "本町1-1", "地区": "本町", "mail": ""},
    {"番号": "2", "名前": "", "〒": "371-0002", "住所": "本町1-2", "地区": "本町", "mail": ""},
    {"番号": "3", "名前": "鈴木 花子", "〒": "37-12", "住所": "東町2-1", "地区": "東町", "mail": ""},
    {
        "番号": "4",
        "名前": "高橋 一郎",
        "〒": "３７１－０００４",
        "住所": "東町2-2",
        "地区": "東町",
        "mail": "",
    },
    {"番号": "1", "名前": "田中 美咲", "〒": "", "住所": "西町3-1", "地区": "西町", "mail": ""},
    {"番号": "6", "名前": "佐藤　太郎", "〒": "", "住所": "本町 1-1", "地区": "本町", "mail": ""},
    {"番号": "7", "名前": "伊藤 健太", "〒": "", "住所": "西町3-2", "地区": "", "mail": "kenta@example.jp"},
    {
        "番号": "8",
        "名前": "渡辺 陽子",
        "〒": "",
        "住所": "西町3-3",
        "地区": "西町",
        "mail": "yoko@example.jp",
    },
]
MAP = ["番号=ref", "名前=name", "〒=postal_code", "住所=address", "地区=district", "mail=email"]


def run_import(consultation, path, *maps, rejected=None, language="en"):
    args = [str(consultation.pk), str(path), "--no-progress"]
    for item in maps:
        args += ["--map", item]
    if rejected:
        args += ["--rejected", str(rejected)]
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        call_command("import_roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_rejected_row_is_reported_with_its_reason_and_values(tmp_path):
    consultation = ConsultationFactory()
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(BAD_ROWS))
    report = tmp_path / "rejected.csv"
    with translation.override("en"):
        out, err = run_import(consultation, path, *MAP, rejected=report)
    assert "3 rows imported" in out
    assert "5 rows were rejected" in err
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "reasons", "番号", "名前", "〒", "住所", "地区", "mail"]
    reasons = {int(row[0]): row[1] for row in rows[1:]}
    assert reasons == {
        3: "Name is missing.",
        4: "The postal code “37-12” is not like 123-4567.",
        6: "Duplicate of row 2: the same resident number.",
        7: "Duplicate of row 2: the same name and address.",
        8: "District is missing.",
    }
    assert rows[2][2:] == ["3", "鈴木 花子", "37-12", "東町2-1", "東町", ""]  # the values as read, to fix
    # Nothing silently skipped: every data row was either imported or reported.
    assert RosterEntry.objects.filter(consultation=consultation).count() + len(reasons) == len(BAD_ROWS)
    kept = RosterEntry.objects.get(consultation=consultation, ref="4")
    assert kept.postal_code == "371-0004"  # full-width digits normalised


def test_the_e_mail_error_is_reported_too(tmp_path):
    consultation = ConsultationFactory(stratify_by_district=False)
    rows = [{"名前": "a", "住所": "x", "mail": "broken"}, {"名前": "b", "住所": "y", "mail": "b@example.jp"}]
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes(rows))
    with translation.override("en"):
        run_import(consultation, path, "名前=name", "住所=address", "mail=email")
    roster_import = RosterImport.objects.get(consultation=consultation)
    assert roster_import.rejected == [
        {
            "row": 2,
            "errors": ["The e-mail address “broken” is not valid."],
            "values": {"名前": "a", "住所": "x", "mail": "broken"},
        }
    ]
    assert RosterEntry.objects.get(consultation=consultation).email == "b@example.jp"


def test_rejection_reasons_are_in_japanese_for_japanese_operators(tmp_path):
    consultation = ConsultationFactory()
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(BAD_ROWS[:3]))
    out, _err = run_import(consultation, path, *MAP, language="ja")
    assert "1 rows imported" not in out and "行" in out
    reasons = [item["errors"][0] for item in RosterImport.objects.get().rejected]
    assert reasons == ["氏名がありません。", "郵便番号「37-12」は 123-4567 の形ではありません。"]


def test_shift_jis_csv_with_register_headings_is_mapped_without_asking(tmp_path):
    consultation = ConsultationFactory()
    path = tmp_path / "sjis.csv"
    path.write_bytes(csv_bytes(people(12), encoding="cp932"))
    out, _err = run_import(consultation, path)
    assert "12 rows imported" in out
    entry = RosterEntry.objects.filter(consultation=consultation).order_by("source_row").first()
    assert entry.name.startswith(
        ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
    )
    assert entry.district in {"本町", "東町", "西町"} and entry.household.startswith("H")
    # The key the lottery sees says nothing about the person or the file's order.
    assert entry.key != entry.ref and entry.key.startswith("R")


def test_excel_files_are_read(tmp_path):
    consultation = ConsultationFactory()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["氏名", "住所", "地区", "郵便番号"])
    sheet.append(["山本 誠", "北町4-1", "北町", 3710005])
    sheet.append(["中村 愛", "北町4-2", "北町", None])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    out, _err = run_import(consultation, path)
    assert "2 rows imported" in out
    assert set(RosterEntry.objects.values_list("postal_code", flat=True)) == {"371-0005", ""}


def test_a_mapping_to_a_missing_column_or_field_is_refused_clearly(tmp_path):
    consultation = ConsultationFactory()
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(BAD_ROWS))
    with translation.override("en"), pytest.raises(CommandError, match="There is no column “Name”"):
        run_import(consultation, path, "Name=name")
    with translation.override("en"), pytest.raises(CommandError, match="“birthday” is not a roster field"):
        run_import(consultation, path, "名前=birthday")
    nameless = tmp_path / "nameless.csv"
    nameless.write_bytes(
        csv_bytes([{"カナ" if k == "名前" else k: v for k, v in row.items()} for row in BAD_ROWS])
    )
    with translation.override("en"), pytest.raises(CommandError, match=r"Map a column to name \(name\)"):
        run_import(consultation, nameless)
    assert not RosterEntry.objects.exists() and not RosterImport.objects.exists()


def test_an_unreadable_file_is_refused(tmp_path):
    consultation = ConsultationFactory()
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xff\xfe\x00broken \x81")
    with translation.override("en"), pytest.raises(CommandError, match="neither UTF-8 nor Shift_JIS"):
        run_import(consultation, path)


def test_people_already_on_the_roster_are_reported_not_duplicated():
    consultation = with_roster(ConsultationFactory(), 10)
    again = services.roster_import_file(
        consultation=consultation, filename="again.csv", content=csv_bytes(people(12)), mapping={}, by=None
    )
    assert again.accepted == 2
    assert len(again.rejected) == 10
    assert RosterEntry.objects.filter(consultation=consultation).count() == 12


def test_the_roster_is_fixed_once_the_seed_is_committed():
    consultation = with_roster(ConsultationFactory(), 30)
    drawn(consultation)
    with translation.override("en"), pytest.raises(ServiceError, match="The roster is fixed"):
        services.roster_upload(
            consultation=consultation, filename="more.csv", content=csv_bytes(people(3)), by=None
        )
    assert RosterEntry.objects.filter(consultation=consultation).count() == 30
