"""Forms of consultations: the RSVP (public and staff), the code, and the admin's roster, lottery and quotas.

Forms parse and label; the services decide. A service's field errors are put back on the fields they name.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from civic.errors import ServiceError
from consultations.models import Invitation
from consultations.roster import FIELDS
from consultations.selectors import Question
from consultations.services import QuotaRow, RsvpAnswer


class ServiceErrorsMixin:
    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: each field's message links to its first input."""
        form: forms.Form = self  # type: ignore[assignment]
        links = [("", str(message)) for message in form.non_field_errors()]
        for name, field in form.fields.items():
            bound = form[name]
            anchor = bound.auto_id if bound.auto_id else ""
            if isinstance(field.widget, forms.RadioSelect) and anchor:
                anchor = f"{anchor}_0"
            links += [(anchor, str(message)) for message in bound.errors]
        return links

    def add_service_error(self, error: ServiceError) -> None:
        form: forms.Form = self  # type: ignore[assignment]
        placed = False
        for name, messages in error.field_errors.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
                placed = placed or target is not None
        if not error.field_errors or not placed:
            form.add_error(None, error.message)


class CodeForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=40,
        help_text=_("The 12 letters and digits printed on your letter, for example ABCD-EFGH-JKMN."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )


class RsvpForm(ServiceErrorsMixin, forms.Form):
    attending = forms.ChoiceField(
        label=_("Would you like to take part?"),
        choices=[("yes", _("Yes, I would like to take part")), ("no", _("No, thank you"))],
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label=_("Name to be called by in the sessions"),
        max_length=60,
        required=False,
        help_text=_("Your first name or a nickname is fine."),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("We will tell you the result of the lottery here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Telephone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    accessibility_needs = forms.CharField(
        label=_("Anything we should arrange so you can take part (optional)"),
        required=False,
        help_text=_(
            "For example a sign-language interpreter, large print, a wheelchair-accessible room, childcare."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the city uses these answers for this consultation only, and deletes my contact "
            "details when it ends."
        ),
        required=False,
    )

    def __init__(self, *args: Any, questions: Sequence[Question], staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = [q for q in questions if q.known is None]
        for question in self.questions:
            self.fields[f"q_{question.category}"] = forms.ChoiceField(
                label=question.label, choices=question.choices, widget=forms.RadioSelect, required=False
            )
        if staff:
            del self.fields["consent"]
            self.fields["via"] = forms.ChoiceField(
                label=_("Answer given by"),
                choices=[
                    (Invitation.Via.PHONE, _("Telephone")),
                    (Invitation.Via.COUNTER, _("At the counter")),
                ],
            )

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{q.category}"] for q in self.questions]

    def answer(self) -> RsvpAnswer:
        data = self.cleaned_data
        return RsvpAnswer(
            accept=data.get("attending") == "yes",
            answers={q.category: data.get(f"q_{q.category}") or "" for q in self.questions},
            display_name=data.get("display_name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            accessibility_needs=data.get("accessibility_needs", ""),
            consent=bool(data.get("consent")),
        )


class RespondentForm(RsvpForm):
    """Staff correcting a respondent: the same questions, always attending, no consent box."""

    def __init__(self, *args: Any, questions: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, questions=questions, **kwargs)
        del self.fields["attending"]
        del self.fields["consent"]

    def answer(self) -> RsvpAnswer:
        answer = super().answer()
        return RsvpAnswer(
            accept=True,
            answers=answer.answers,
            display_name=answer.display_name,
            email=answer.email,
            phone=answer.phone,
            accessibility_needs=answer.accessibility_needs,
        )


class ConfirmForm(ServiceErrorsMixin, forms.Form):
    attend = forms.ChoiceField(
        label=_("Will you take part?"),
        choices=[("yes", _("Yes, I will take part")), ("no", _("I can no longer take part"))],
        widget=forms.RadioSelect,
    )


class RosterUploadForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8 or Shift_JIS) or Excel (.xlsx), column headings in the first row."),
    )


class RosterMappingForm(ServiceErrorsMixin, forms.Form):
    """For each roster field, which column of the file holds it."""

    def __init__(
        self, *args: Any, columns: Sequence[str], initial_mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in this file)")), *[(c, c) for c in columns]]
        by_field = {field: column for column, field in initial_mapping.items()}
        for name, (label, required) in FIELDS.items():
            self.fields[f"field_{name}"] = forms.ChoiceField(
                label=f"{label}{' *' if required else ''}",
                choices=choices,
                required=False,
                initial=by_field.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {
            self.cleaned_data[f"field_{name}"]: name
            for name in FIELDS
            if self.cleaned_data.get(f"field_{name}")
        }


class CommitForm(ServiceErrorsMixin, forms.Form):
    seed = forms.CharField(
        label=_("Seed (optional)"),
        required=False,
        max_length=200,
        help_text=_(
            "Leave empty and Civic makes a 128-bit random seed. Or type one made in public (for example dice "
            "rolled at a meeting)."
        ),
    )
    keep_seed = forms.BooleanField(
        label=_("Do not store the seed: I will type it in to draw (only its hash is stored)"), required=False
    )


class RevealForm(ServiceErrorsMixin, forms.Form):
    seed = forms.CharField(label=_("Committed seed"), required=False, max_length=200)


class VoidForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is this draw voided?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the audit page beside the draw."),
    )


class QuotaRowForm(forms.Form):
    category = forms.SlugField(label=_("Category code"), max_length=40, required=False)
    category_label = forms.CharField(label=_("Question"), max_length=200, required=False)
    value = forms.SlugField(label=_("Value code"), max_length=40, required=False)
    value_label = forms.CharField(label=_("Answer"), max_length=200, required=False)
    min = forms.IntegerField(label=_("Minimum"), min_value=0, required=False)
    max = forms.IntegerField(label=_("Maximum"), min_value=0, required=False)

    def row(self) -> QuotaRow | None:
        data = self.cleaned_data
        if not any(
            data.get(k) not in (None, "") for k in ("category", "value", "category_label", "value_label")
        ):
            return None
        return QuotaRow(
            category=data.get("category") or "",
            category_label=data.get("category_label") or "",
            value=data.get("value") or "",
            value_label=data.get("value_label") or "",
            min=data.get("min") or 0,
            max=int(data["max"]) if data.get("max") is not None else 0,
        )


QuotaFormSet = formset_factory(QuotaRowForm, extra=3, can_delete=False)


class StatusForm(forms.Form):
    status = forms.CharField(widget=forms.HiddenInput)
