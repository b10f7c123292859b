"""Sign-in at the HTTP edge: the throttled backend, the forms and the login view."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from shieldwall.core import logins
from shieldwall.core.clients import client_address


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused outright while sign-in is paused."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Check the pause first; during one the password is not even tried."""
        if request is not None and username is not None:
            pause = logins.current_pause(
                username=username, address=client_address(request), now=timezone.now()
            )
            if pause is not None:
                request.login_pause = pause  # type: ignore[attr-defined]
                raise PermissionDenied  # authenticate() stops and reports a failed login
        return super().authenticate(request, username, password, **kwargs)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    """Count the failure, unless it was refused by a pause already in force."""
    username = credentials.get("username")
    if request is None or username is None or getattr(request, "login_pause", None):
        return
    pause = logins.count_failure(
        username=str(username), address=client_address(request), now=timezone.now()
    )
    if pause is not None:
        request.login_pause = pause


def on_logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    """A successful sign-in clears its account's failures."""
    logins.clear_account(username=user.get_username())


class _PauseAware:
    request: HttpRequest | None
    paused: bool = False

    def _explain_pause(self, error: ValidationError) -> ValidationError:
        pause = getattr(self.request, "login_pause", None)
        if pause is None:
            return error
        self.paused = True
        minutes = pause.minutes_left(now=timezone.now())
        return ValidationError(
            "Sign-in is paused after too many failed attempts. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            code="paused",
        )


class StaffLoginForm(_PauseAware, AuthenticationForm):
    """The desk's login form; says so plainly when sign-in is paused."""

    def clean(self) -> dict[str, Any]:
        """Authenticate, or explain the pause."""
        try:
            return super().clean()
        except ValidationError as exc:
            raise self._explain_pause(exc) from None


class StaffAdminLoginForm(_PauseAware, AdminAuthenticationForm):
    """The admin's login form, paused alike."""

    def clean(self) -> dict[str, Any]:
        """Authenticate, or explain the pause."""
        try:
            return super().clean()
        except ValidationError as exc:
            raise self._explain_pause(exc) from None


class StaffLoginView(LoginView):
    """The desk's login page; a paused sign-in answers 429 Too Many Requests."""

    form_class = StaffLoginForm
    template_name = "shieldwall/login.html"

    def form_invalid(self, form: Any) -> HttpResponse:
        """Show the form again, with 429 while paused."""
        response = super().form_invalid(form)
        if getattr(form, "paused", False):
            response.status_code = 429
        return response
