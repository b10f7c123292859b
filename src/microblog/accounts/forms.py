"""Sign-up: a handle, a display name and a password (Django's validators apply)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from microblog.accounts.services import HANDLE, normalise_handle


class SignUpForm(forms.Form):
    """The fields of the sign-up page."""

    handle = forms.CharField(
        max_length=31,
        help_text="3 to 30 letters, digits or underscores. People find you by it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(max_length=60, label="Display name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )

    def clean_handle(self) -> str:
        handle = normalise_handle(self.cleaned_data["handle"])
        if not HANDLE.match(handle):
            raise forms.ValidationError("Handles are 3 to 30 letters, digits or underscores.")
        return handle

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
