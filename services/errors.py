"""Errors a page can show to the user. Each carries an i18n key and its parameters."""

from typing import Any


class ServiceError(Exception):
    """Base class: ``key`` names the catalog message, ``params`` fill its placeholders."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params


class PermissionDenied(ServiceError):
    pass


class ValidationError(ServiceError):
    """Bad input. ``field`` names the form field at fault, so the form can point at it."""

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field


class NotFound(ServiceError):
    pass


class InUse(ServiceError):
    """A record other records depend on cannot be withdrawn. ``dependents`` maps the kind of
    each dependent record (an i18n key under ``dependent.``) to how many there are."""

    def __init__(self, dependents: dict[str, int]) -> None:
        super().__init__("error.in_use")
        self.dependents = dependents
