"""The one error type services raise; the API turns it into {"error": {...}} with a status."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused or failed operation with a stable code and a message a person can act on."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The named thing does not exist."""

    status = 404


class Conflict(ServiceError):
    """The change clashes with what exists (a duplicate name, say)."""

    status = 409


class Invalid(ServiceError):
    """The input is well-formed but its values are not acceptable."""

    status = 422


class Forbidden(ServiceError):
    """The actor's role does not allow this."""

    status = 403


class TooLarge(ServiceError):
    """The request, or a file in it, is larger than the service reads."""

    status = 413


class Unavailable(ServiceError):
    """The service cannot do this now (every decoder busy, say); trying again later may work."""

    status = 503
