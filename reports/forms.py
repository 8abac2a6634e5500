"""The report form: parses what a resident (or an app, through the API) sends, with translated messages.

The form checks the shape of the input; the rules (category of this town, place inside its boundary, photo
contents) belong to `reports.services.report_create`, whose errors `add_service_error` puts back on the form.
"""

import json
import re
import unicodedata
from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from civic.errors import ServiceError
from civic.models import Municipality
from reports.models import Category, Reporter
from reports.photos import PhotoError
from reports.questions import clean_answers, questions
from reports.selectors import categories_for_reporting
from reports.services import PhotoUpload
from reports.uploads import check_photo, max_photos, photo_error_message, too_many_photos_message

PHONE = re.compile(r"^\+?[0-9()\- ]{6,20}$")
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


def normalise(value: str) -> str:
    """Full-width digits and punctuation (what Japanese keyboards often type) to their ASCII forms."""
    return unicodedata.normalize("NFKC", value).strip()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ReportForm(forms.Form):
    category = CategoryChoiceField(
        queryset=Category.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        label=gettext_lazy("What is the problem?"),
        error_messages={
            "required": gettext_lazy("Please choose what kind of problem it is."),
            "invalid_choice": gettext_lazy("Choose one of the categories listed."),
        },
    )
    lat = forms.CharField(
        label=gettext_lazy("Latitude"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lng = forms.CharField(
        label=gettext_lazy("Longitude"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    location_text = forms.CharField(
        label=gettext_lazy("Address or landmark"),
        help_text=gettext_lazy("For example “in front of Honcho 2-chome bus stop”. Seen only by city staff."),
        required=False,
        max_length=300,
        error_messages={"max_length": gettext_lazy("Please keep this under %(limit_value)d characters.")},
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        help_text=gettext_lazy("A few words, for example “Deep pothole at the crossing”. Optional."),
        required=False,
        max_length=120,
        error_messages={"max_length": gettext_lazy("Please keep this under %(limit_value)d characters.")},
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        help_text=gettext_lazy("What is wrong, and how big is it? This text is shown publicly."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": gettext_lazy("Please describe the problem."),
            "max_length": gettext_lazy("Please keep the description under %(limit_value)d characters."),
        },
    )
    photos = MultipleFileField(
        label=gettext_lazy("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    contact_name = forms.CharField(
        label=pgettext_lazy("resident", "Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Enter an e-mail address like name@example.jp.")},
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Telephone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, municipality: Municipality, kept_photos: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        # Photos of this form kept from an earlier try (web form only); they count towards the limit.
        self.kept_photos = kept_photos
        self.fields["category"].queryset = categories_for_reporting(municipality=municipality)  # type: ignore[attr-defined]
        self.location_errors: list[str] = []
        self.extra_errors: dict[str, list[str]] = {}
        self.fields["photos"].help_text = _("Up to %(count)s photos (JPEG, PNG, WebP or HEIC). Optional.") % {
            "count": max_photos()
        }

    def full_clean(self) -> None:
        self.location_errors = []
        self.extra_errors = {}
        super().full_clean()

    def is_valid(self) -> bool:
        return super().is_valid() and not self.location_errors and not self.extra_errors

    def extra_raw(self, category: Category) -> dict[str, Any]:
        """Answers to `category`'s extra questions as sent: `extra-<category>-<key>` from the web form,
        `extra_<key>` or an `extra` JSON object from apps."""
        raw: dict[str, Any] = {}
        packed = self.data.get("extra") if hasattr(self.data, "get") else None
        if isinstance(packed, str) and packed.strip():
            try:
                decoded = json.loads(packed)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                raw.update(decoded)
        for question in questions(category.extra_questions):
            for name in (f"extra-{category.code}-{question.key}", question.field_name):
                if name in self.data:
                    raw[question.key] = self.data.get(name)
                    break
        return raw

    def _coordinate(self, name: str, low: float, high: float, example: str) -> float | None:
        raw = normalise(self.cleaned_data.get(name, "") or "")
        if not raw:
            return None
        label = str(self.fields[name].label)
        try:
            value = float(raw.replace("，", ".").replace(",", "."))
        except ValueError:
            raise forms.ValidationError(
                _("Enter the %(label)s as a number such as %(example)s.")
                % {"label": label, "example": example}
            ) from None
        if not low <= value <= high:
            raise forms.ValidationError(
                _("The %(label)s must be between %(low)s and %(high)s.")
                % {"label": label, "low": low, "high": high}
            )
        return value

    def clean_lat(self) -> float | None:
        return self._coordinate("lat", -90, 90, "36.3895")

    def clean_lng(self) -> float | None:
        return self._coordinate("lng", -180, 180, "139.0634")

    def clean_contact_phone(self) -> str:
        phone = normalise(self.cleaned_data.get("contact_phone", ""))
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a telephone number such as 027-000-0000."))
        return phone

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data.get("photos") or []
        if len(photos) + self.kept_photos > max_photos():
            raise forms.ValidationError(too_many_photos_message())
        errors = []
        for photo in photos:
            try:
                check_photo(photo, name=photo.name or "")
            except PhotoError as error:
                errors.append(photo_error_message(error.code, name=photo.name or ""))
        if errors:
            raise forms.ValidationError(errors)
        return photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category = data.get("category")
        if category is not None:
            data["extra"], self.extra_errors = clean_answers(
                category.extra_questions, self.extra_raw(category)
            )
        if "lat" not in data or "lng" not in data:
            return data  # a malformed coordinate has its own message already
        lat, lng = data["lat"], data["lng"]
        if (lat is None) != (lng is None):
            self.location_errors.append(_("Enter both the latitude and the longitude, or neither."))
        elif lat is None and not data.get("location_text") and not (data.get("photos") or self.kept_photos):
            # With photos, the service may still find the place in their GPS data.
            self.location_errors.append(
                _("Please mark the place on the map, enter its coordinates, or describe where it is.")
            )
        return data

    def point(self) -> Point | None:
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        if lat is None or lng is None:
            return None
        return Point(lng, lat, srid=4326)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "title": data.get("title", ""),
            "description": data["description"],
            "point": self.point(),
            "location_text": data.get("location_text", ""),
            "photos": [PhotoUpload(name=photo.name or "", file=photo) for photo in data.get("photos", [])],
            "reporter": Reporter(
                name=data.get("contact_name", ""),
                email=data.get("contact_email", ""),
                phone=data.get("contact_phone", ""),
            ),
            "extra": data.get("extra", {}),
        }

    def add_service_error(self, error: ServiceError) -> None:
        """Show a service's refusal on the form, each message beside the input it is about."""
        if not error.field_errors:
            self.add_error(None, error.message)
            return
        for field, messages in error.field_errors.items():
            if field == "location":
                self.location_errors.extend(messages)
            elif field.startswith("extra_"):
                self.extra_errors.setdefault(field, []).extend(messages)
            elif field in self.fields:
                for message in messages:
                    self.add_error(field, message)
            else:
                for message in messages:
                    self.add_error(None, message)

    def all_errors(self) -> dict[str, list[str]]:
        """Field name (or "location", or "__all__") to messages, in form order, for summaries and JSON."""
        found: dict[str, list[str]] = {}
        for name in self.fields:
            if name == "lat" and self.location_errors:
                found["location"] = list(self.location_errors)
            if name in self.errors:
                found[name] = [str(message) for message in self.errors[name]]
            if name == "category":
                found.update(self.extra_errors)
        if self.location_errors and "location" not in found:
            found["location"] = list(self.location_errors)
        if self.non_field_errors():
            found["__all__"] = [str(message) for message in self.non_field_errors()]
        return found
