"""The storage behind the `private` alias: original uploads, on disk under PRIVATE_MEDIA_ROOT, no URLs."""

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Like FileSystemStorage, but rooted at PRIVATE_MEDIA_ROOT (outside MEDIA_ROOT) and never linkable."""

    @cached_property
    def base_location(self) -> Any:
        return self._value_or_setting(getattr(self, "_location", None), settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL.")
