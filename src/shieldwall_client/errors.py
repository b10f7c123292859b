"""What the SDK raises: an answer the server refused, no answer at all, a forged webhook."""

from __future__ import annotations


class ShieldwallError(Exception):
    """The server answered with an error: `{"error": {"code", "message", "field"}}` and a status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(status, code, message, field)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        return f"{self.status} {self.code}: {self.message}{where}"


class ShieldwallUnavailable(ShieldwallError):
    """No usable answer after every retry: connection refused or lost, timeout, 502/503/504.

    `status` is the last HTTP status when there was one (502, 503, 504), else 0.
    Catch it before `ShieldwallError` to decide how to fail (open or closed).
    """


class WebhookSignatureError(Exception):
    """A webhook delivery that must be refused (answer 400); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
