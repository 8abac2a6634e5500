"""Sample CSV files for the command-line and API tests, and every bad input with the sentence it gets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATEGORIES = """category,feature,min,max,min_flex
gender,female,2,3,0
gender,male,2,3,0
age,young,1,3,0
age,old,1,4,0
"""

RESPONDENTS = """id,gender,age,email
a,female,young,a@example.org
b,female,old,b@example.org
c,male,young,c@example.org
d,male,old,d@example.org
e,female,old,e@example.org
f,male,old,f@example.org
g,Female,OLD,g@example.org
h,male,young,h@example.org
"""

# Each quota alone can be met, but three young people and at most one man need two young women (there is one).
CONFLICTING = """category,feature,min,max
gender,female,4,4
gender,male,1,1
age,young,3,3
age,old,2,2
"""


@dataclass(frozen=True)
class BadInput:
    """Files and panel size that must be refused, and a part of the sentence that explains why."""

    message: str
    categories: str | bytes = CATEGORIES
    respondents: str | bytes = RESPONDENTS
    panel: int = 5


def write_files(
    folder: Path, categories: str | bytes = CATEGORIES, respondents: str | bytes = RESPONDENTS
) -> tuple[Path, Path]:
    """The categories and respondents files written into `folder` (bytes as they are, text as UTF-8)."""
    paths = folder / "categories.csv", folder / "respondents.csv"
    for path, content in zip(paths, (categories, respondents), strict=True):
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return paths


BAD_INPUTS = {
    "min above max": BadInput(
        "the minimum of age=young (3) is above its maximum (2)",
        categories=CATEGORIES.replace("age,young,1,3", "age,young,3,2"),
    ),
    "negative number": BadInput(
        "the minimum of age=old is negative (-1)",
        categories=CATEGORIES.replace("age,old,1,4", "age,old,-1,4"),
    ),
    "not a number": BadInput(
        "row 5 of the categories file: min 'one' is not a whole number",
        categories=CATEGORIES.replace("age,old,1,4", "age,old,one,4"),
    ),
    "panel larger than pool": BadInput("the panel size 9 is larger than the pool of 8 respondents", panel=9),
    "panel size zero": BadInput("the panel size must be a positive whole number, not 0", panel=0),
    "empty categories file": BadInput("the categories file categories.csv is empty", categories=""),
    "empty respondents file": BadInput("the respondents file respondents.csv is empty", respondents="\n"),
    "header only": BadInput(
        "the respondents file has a header but no respondents", respondents="id,gender,age\n"
    ),
    "categories without needed columns": BadInput(
        "the categories file needs the columns category, feature, min, max (found: name, low, high)",
        categories="name,low,high\nx,1,2\n",
    ),
    "unknown column": BadInput(
        "the respondents file has no column for category district",
        categories=CATEGORIES + "district,north,0,5\n",
    ),
    "value not listed": BadInput(
        "respondent h has age=teen, which is not a listed value of age (listed: young, old)",
        respondents=RESPONDENTS.replace("h,male,young", "h,male,teen"),
    ),
    "empty value": BadInput(
        "respondent h has no value for category age",
        respondents=RESPONDENTS.replace("h,male,young", "h,male,"),
    ),
    "not utf-8": BadInput(
        "the respondents file respondents.csv is not UTF-8 text (byte 0xe9 at position 35); "
        'save it as "CSV UTF-8" and try again',
        respondents=RESPONDENTS.replace("a@", "\u00e9@").encode("latin-1"),
    ),
    "duplicate ids": BadInput(
        "respondent id a appears more than once",
        respondents=RESPONDENTS.replace("h,male", "a,male"),
    ),
    "duplicate quota": BadInput(
        "the quota for gender=Female is listed twice",
        categories=CATEGORIES + "gender,Female,1,2\n",
    ),
    "category value with no respondents": BadInput(
        "age=middle needs at least 1 but no respondent has it",
        categories=CATEGORIES + "age,middle,1,2\n",
    ),
    "minimums above panel size": BadInput(
        "the minimums of gender add up to 6, more than the panel size 5",
        categories=CATEGORIES.replace("gender,female,2,3", "gender,female,4,4"),
    ),
    "quotas that conflict": BadInput(
        "the quotas cannot all be met together with these respondents; "
        "the smallest change that allows a panel is the minimum of gender=female lowered from 4 to 3, "
        "the maximum of gender=male raised from 1 to 2",
        categories=CONFLICTING,
    ),
}
