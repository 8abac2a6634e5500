"""The one application error type that services raise and every transport turns into its own answer."""

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    """A request a service refuses: `message` is one translated sentence; `field_errors` point at inputs."""

    def __init__(self, message: str, *, field_errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in (field_errors or {}).items()}
