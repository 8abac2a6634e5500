"""A category's extra questions: a small subset of JSON Schema, and the checking of residents' answers.

The schema is an object schema: `{"properties": {key: {"type": ..., "title": ..., ...}}, "required": [...]}`
with types string, integer, number and boolean, and the keywords `enum`, `minimum`, `maximum`, `maxLength`
(plus `title_en` for an English label). PostgreSQL's jsonb does not keep the order of keys, so the order of
the questions comes from an optional `"order": [key, ...]` (others follow, sorted by key). Anything else in
the schema is ignored rather than refused, so a schema written for a fuller validator still works here.
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

TYPES = ("string", "integer", "number", "boolean")
TRUE = {"true", "1", "on", "yes", "はい"}
FALSE = {"false", "0", "off", "no", "いいえ", ""}


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    type: str
    title: str
    required: bool
    enum: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None

    @property
    def field_name(self) -> str:
        """The name of the answer in forms and in the API's error object."""
        return f"extra_{self.key}"


def questions(schema: Mapping[str, Any] | None) -> list[Question]:
    if not isinstance(schema, Mapping):
        return []
    properties = schema.get("properties") or {}
    if not isinstance(properties, Mapping):
        return []
    required = set(schema.get("required") or [])
    order = [key for key in schema.get("order") or [] if key in properties]
    keys = order + sorted(key for key in properties if key not in order)
    english = (get_language() or "ja").startswith("en")
    found = []
    for key in keys:
        spec = properties[key]
        if not isinstance(spec, Mapping):
            continue
        kind = spec.get("type", "string")
        title = str((english and spec.get("title_en")) or spec.get("title") or key)
        found.append(
            Question(
                key=str(key),
                type=kind if kind in TYPES else "string",
                title=title,
                required=key in required,
                enum=tuple(spec.get("enum") or ()),
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
                max_length=spec.get("maxLength"),
            )
        )
    return found


def clean_answers(
    schema: Mapping[str, Any] | None, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed answers by key, and error messages by `extra_<key>`; unknown keys are dropped."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in questions(schema):
        value = raw.get(question.key)
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
        if value is None or value == "":
            if question.required and question.type != "boolean":
                errors[question.field_name] = [
                    _("Please answer “%(question)s”.") % {"question": question.title}
                ]
            continue
        try:
            answers[question.key] = _typed(question, value)
        except ValueError as problem:
            errors[question.field_name] = [str(problem)]
    return answers, errors


def _typed(question: Question, value: Any) -> Any:
    title = question.title
    if question.type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in TRUE | FALSE:
            return text in TRUE
        raise ValueError(_("Answer “%(question)s” with yes or no.") % {"question": title})
    if question.type in ("integer", "number"):
        try:
            number: float = float(str(value).replace(",", ""))
        except ValueError:
            raise ValueError(_("Answer “%(question)s” with a number.") % {"question": title}) from None
        if question.type == "integer":
            if number != int(number):
                raise ValueError(_("Answer “%(question)s” with a whole number.") % {"question": title})
            number = int(number)
        if question.minimum is not None and number < question.minimum:
            raise ValueError(
                _("“%(question)s” must be at least %(minimum)s.")
                % {"question": title, "minimum": question.minimum}
            )
        if question.maximum is not None and number > question.maximum:
            raise ValueError(
                _("“%(question)s” must be at most %(maximum)s.")
                % {"question": title, "maximum": question.maximum}
            )
        result: Any = number
    else:
        result = str(value)
        if question.max_length is not None and len(result) > question.max_length:
            raise ValueError(
                _("Keep “%(question)s” under %(count)s characters.")
                % {"question": title, "count": question.max_length}
            )
    if question.enum and result not in question.enum:
        choices = "、".join(str(choice) for choice in question.enum)
        raise ValueError(
            _("Answer “%(question)s” with one of: %(choices)s.") % {"question": title, "choices": choices}
        )
    return result
