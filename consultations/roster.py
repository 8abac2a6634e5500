"""Reading a resident-register export (CSV in UTF-8 or Shift_JIS, or Excel .xlsx) and checking it row by row.

Only the columns the operator maps to a roster field are read; everything else in the file is ignored and
never stored. Each row either becomes a `CleanRow` or is rejected with reasons the operator can act on.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# Roster fields an operator can map a column to, with whether a row needs a value there.
FIELDS: dict[str, tuple[Promise, bool]] = {
    "ref": (pgettext_lazy("roster field", "resident number"), False),
    "name": (pgettext_lazy("roster field", "name"), True),
    "postal_code": (pgettext_lazy("roster field", "postal code"), False),
    "address": (pgettext_lazy("roster field", "address"), True),
    "district": (pgettext_lazy("roster field", "district"), False),
    "household": (pgettext_lazy("roster field", "household number"), False),
    "email": (pgettext_lazy("roster field", "e-mail"), False),
    "line_user_id": (pgettext_lazy("roster field", "LINE user ID"), False),
}
# Column headings that are mapped without asking when the operator gives no mapping for them.
GUESSES: dict[str, str] = {
    "住民番号": "ref",
    "個人番号": "ref",
    "宛名番号": "ref",
    "氏名": "name",
    "名前": "name",
    "郵便番号": "postal_code",
    "住所": "address",
    "地区": "district",
    "行政区": "district",
    "世帯番号": "household",
    "メール": "email",
    "メールアドレス": "email",
    "e-mail": "email",
    "lineid": "line_user_id",
    "line user id": "line_user_id",
}
MAX_LENGTHS = {"ref": 64, "name": 200, "postal_code": 10, "address": 300, "district": 100, "household": 200}
POSTAL_CODE = re.compile(r"^(\d{3})-?(\d{4})$")
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message says why in the operator's language."""


@dataclass
class RosterFile:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, column -> text)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII, U+3000 to a space), spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_roster_file(name: str, content: bytes) -> RosterFile:
    """Parse a .csv or .xlsx file: the first row holds the column headings."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(content)
    if suffix in {".csv", ".txt", ""}:
        return _read_csv(content)
    raise RosterFileError(
        _("Upload a CSV (.csv) or Excel (.xlsx) file; %(name)s is neither.") % {"name": name}
    )


def _read_csv(content: bytes) -> RosterFile:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(_("The file is neither UTF-8 nor Shift_JIS text; save it as CSV (UTF-8)."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterFileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise RosterFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from None
    columns = _columns(header)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue  # blank lines carry no person
            values = {column: (record[i] if i < len(record) else "") for i, column in enumerate(columns)}
            if len(record) > len(columns):
                values["\u0000extra"] = ",".join(record[len(columns) :])
            rows.append((number, values))
    except csv.Error as error:
        raise RosterFileError(
            _("The file is not valid CSV near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    return RosterFile(columns, rows)


def _read_xlsx(content: bytes) -> RosterFile:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise RosterFileError(_("The Excel file could not be opened: %(error)s") % {"error": error}) from None
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        try:
            header = [_cell(value) for value in next(iterator)]
        except StopIteration:
            raise RosterFileError(_("The file is empty.")) from None
        columns = _columns(header)
        rows: list[tuple[int, dict[str, str]]] = []
        for number, record in enumerate(iterator, start=2):
            cells = [_cell(value) for value in record]
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(
                (number, {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(columns)})
            )
        return RosterFile(columns, rows)
    finally:
        workbook.close()


def _columns(header: list[str]) -> list[str]:
    columns = [normalise(cell) for cell in header]
    while columns and not columns[-1]:
        columns.pop()
    if not columns or not any(columns):
        raise RosterFileError(_("The first row must hold the column headings."))
    seen: set[str] = set()
    for index, column in enumerate(columns):
        if not column:
            raise RosterFileError(_("Column %(number)s has no heading.") % {"number": index + 1})
        if column in seen:
            raise RosterFileError(_("Two columns are both called “%(name)s”.") % {"name": column})
        seen.add(column)
    return columns


def mapped_columns(columns: list[str], mapping: Mapping[str, str]) -> list[str]:
    """The mapped columns in the file's order (a JSON mapping stored in PostgreSQL loses its order)."""
    return [column for column in columns if column in mapping]


def ordered_mapping(mapping: Mapping[str, str], columns: list[str]) -> dict[str, str]:
    """The mapping in the file's column order (so reports list columns as the file does)."""
    return {column: mapping[column] for column in columns if column in mapping} | {
        column: field for column, field in mapping.items() if column not in columns
    }


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Map columns whose heading names a roster field (in English or in common register Japanese)."""
    mapping: dict[str, str] = {}
    for column in columns:
        lowered = column.casefold()
        target = lowered if lowered in FIELDS else GUESSES.get(lowered) or GUESSES.get(column)
        if target and target not in mapping.values():
            mapping[column] = target
    return mapping


def check_mapping(mapping: Mapping[str, str], columns: list[str], *, district_required: bool) -> list[str]:
    """Problems with a column -> field mapping, as sentences; empty when it can be used."""
    problems: list[str] = []
    for column, target in mapping.items():
        if column not in columns:
            problems.append(
                _("There is no column “%(column)s” in the file (it has: %(columns)s).")
                % {"column": column, "columns": "、".join(columns)}
            )
        if target not in FIELDS:
            problems.append(
                _("“%(field)s” is not a roster field; use one of: %(fields)s.")
                % {"field": target, "fields": ", ".join(FIELDS)}
            )
    targets = list(mapping.values())
    for target in set(targets):
        if targets.count(target) > 1:
            problems.append(_("Two columns are mapped to %(field)s.") % {"field": target})
    needed = [name for name, (_label, required) in FIELDS.items() if required]
    if district_required:
        needed.append("district")
    for name in needed:
        if name not in targets:
            problems.append(
                _("Map a column to %(field)s: every row needs it.") % {"field": f"{FIELDS[name][0]} ({name})"}
            )
    return problems


@dataclass
class CleanRow:
    row: int
    values: dict[str, str] = field(default_factory=dict)


def clean_row(
    number: int, raw: Mapping[str, str], mapping: Mapping[str, str], *, district_required: bool
) -> tuple[CleanRow | None, list[str]]:
    """Validate one row: the cleaned roster fields, or None and the reasons it was rejected."""
    errors: list[str] = []
    if raw.get("\u0000extra"):
        errors.append(_("The row has more cells than there are column headings."))
    values: dict[str, str] = {}
    for column, target in mapping.items():
        values[target] = normalise(raw.get(column, ""))
    for name, (label, required) in FIELDS.items():
        value = values.get(name, "")
        if not value:
            if required or (name == "district" and district_required):
                errors.append(_("%(field)s is missing.") % {"field": str(label).capitalize()})
            continue
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            errors.append(_("%(field)s contains control characters.") % {"field": str(label).capitalize()})
        limit = MAX_LENGTHS.get(name)
        if limit and len(value) > limit:
            errors.append(
                _("%(field)s is longer than %(limit)s characters.")
                % {"field": str(label).capitalize(), "limit": limit}
            )
    postal = values.get("postal_code", "")
    if postal:
        match = POSTAL_CODE.match(postal.replace("〒", "").strip())
        if match is None:
            errors.append(_("The postal code “%(value)s” is not like 123-4567.") % {"value": postal})
        else:
            values["postal_code"] = f"{match[1]}-{match[2]}"
    email = values.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("The e-mail address “%(value)s” is not valid.") % {"value": email})
    line_user_id = values.get("line_user_id", "")
    if line_user_id and not LINE_USER_ID.match(line_user_id):
        errors.append(
            _("The LINE user ID “%(value)s” is not valid (U and 32 hex digits).") % {"value": line_user_id}
        )
    if errors:
        return None, errors
    return CleanRow(number, values), []


def iter_chunks(
    items: list[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_rejected_csv(output: TextIO, columns: list[str], rejected: list[dict[str, Any]]) -> None:
    """The rejected rows as CSV: row number, reasons, and the mapped columns' values as read."""
    writer = csv.writer(output)
    writer.writerow([_("row"), _("reasons"), *columns])
    for item in rejected:
        values = item.get("values", {})
        extra = [values["(extra)"]] if "(extra)" in values else []
        writer.writerow(
            [item["row"], " / ".join(item["errors"]), *[values.get(c, "") for c in columns], *extra]
        )
