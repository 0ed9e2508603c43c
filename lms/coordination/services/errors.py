"""Domain errors of the coordination feature; ``str(error)`` is a message for the person."""

from __future__ import annotations

from typing import Any


class CoordinationError(Exception):
    """Base of the coordination errors. ``field`` names the form field at fault, if one is."""

    def __init__(self, reason: Any, field: str | None = None) -> None:  # a lazy string
        super().__init__(reason)
        self.reason = reason
        self.field = field

    def __str__(self) -> str:
        return str(self.reason)


class InvalidValue(CoordinationError):
    """A value given for an organisation, cohort or person is not acceptable."""


class DuplicateName(CoordinationError):
    """Another organisation already has this name."""


class InUse(CoordinationError):
    """The object is still used by others and cannot be removed."""


class NotInScope(CoordinationError):
    """The organisation, cohort or person is outside what this coordinator manages."""


class UnknownModule(CoordinationError):
    """No module with this id has been imported."""
