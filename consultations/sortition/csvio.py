"""Reading the sortition community's CSV files: quotas (category,feature,min,max), a row per respondent."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from .errors import SortitionError
from .model import Instance, Quota, Respondent, make_instance


def read_text(path: Path, what: str) -> str:
    """The file's text as UTF-8 (a byte-order mark is allowed), or a SortitionError saying what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SortitionError(f"the {what} file {path} does not exist") from None
    except OSError as error:
        raise SortitionError(f"the {what} file {path} cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SortitionError(
            f"the {what} file {path.name} is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f'{error.start}); save it as "CSV UTF-8" and try again'
        ) from None
    if not text.strip():
        raise SortitionError(f"the {what} file {path.name} is empty")
    return text


def _rows(text: str, what: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Normalised header and the non-blank data rows with their row numbers (the header is row 1)."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise SortitionError(f"the {what} file is not valid CSV ({error})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SortitionError(f"the {what} file has no header row")
    header = [cell.strip().casefold() for cell in rows[0]]
    body = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    return header, body


def _whole_number(raw: str, column: str, line: int) -> int:
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if number.is_integer():
        return int(number)
    raise SortitionError(f"row {line} of the categories file: {column} {raw.strip()!r} is not a whole number")


def parse_quotas(text: str) -> list[Quota]:
    """Quotas from `category,feature,min,max` (or `feature,value,min,max`) rows; other columns are ignored."""
    header, body = _rows(text, "categories")
    if "category" in header:
        value_column = next((c for c in ("feature", "value", "name") if c in header), None)
        category_column = "category"
    elif "feature" in header and "value" in header:
        category_column, value_column = "feature", "value"
    else:
        value_column = None
        category_column = ""
    if value_column is None or "min" not in header or "max" not in header:
        found = ", ".join(h for h in header if h) or "none"
        raise SortitionError(
            f"the categories file needs the columns category, feature, min, max (found: {found})"
        )
    where = {name: header.index(name) for name in (category_column, value_column, "min", "max")}
    if not body:
        raise SortitionError("the categories file has a header but no quotas")
    quotas: list[Quota] = []
    for line, row in body:
        cells = {name: row[i] if i < len(row) else "" for name, i in where.items()}
        category, value = cells[category_column].strip(), cells[value_column].strip()
        if not category or not value:
            raise SortitionError(f"row {line} of the categories file has an empty category or feature")
        quotas.append(
            Quota(
                category,
                value,
                _whole_number(cells["min"], "min", line),
                _whole_number(cells["max"], "max", line),
            )
        )
    return quotas


def parse_respondents(text: str, categories: Sequence[str]) -> list[Respondent]:
    """Respondents from a CSV with a column per category and an optional `id` column; other columns ignored.

    Without an `id` column a respondent's id is their 0-based data row number, as text.
    """
    header, body = _rows(text, "respondents")
    wanted = [*categories, "id"]
    where: dict[str, int] = {}
    for name in wanted:
        matches = [i for i, h in enumerate(header) if h == name.strip().casefold()]
        if len(matches) > 1:
            raise SortitionError(f"the respondents file has more than one column named {name}")
        if matches:
            where[name] = matches[0]
    missing = [c for c in categories if c not in where]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        raise SortitionError(
            f"the respondents file has no column for category {missing[0]} (its columns are: {found})",
            {"missing": missing},
        )
    if not body:
        raise SortitionError("the respondents file has a header but no respondents")
    respondents: list[Respondent] = []
    for line, row in body:
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in where.items()}
        if "id" in where:
            person_id = cells["id"]
            if not person_id:
                raise SortitionError(f"row {line} of the respondents file has an empty id")
        else:
            person_id = str(line - 2)
        respondents.append(Respondent(person_id, {c: cells[c] for c in categories}))
    return respondents


def load_instance(categories_path: Path, respondents_path: Path, panel_size: int) -> Instance:
    """Read both files and validate them together."""
    quotas = parse_quotas(read_text(categories_path, "categories"))
    names = list({q.category.strip().casefold(): q.category.strip() for q in quotas}.values())
    respondents = parse_respondents(read_text(respondents_path, "respondents"), names)
    return make_instance(quotas, respondents, panel_size)
