"""The compose form: text, and an image description for the attached media."""

from __future__ import annotations

from django import forms

from microblog.posts.services import MAX_TEXT


class ComposeForm(forms.Form):
    """Text and alt text; the files come from `request.FILES.getlist("media")`."""

    text = forms.CharField(
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What's happening?"}),
    )
    alt_text = forms.CharField(
        max_length=300,
        required=False,
        label="Image description (alt text)",
        widget=forms.TextInput(
            attrs={"placeholder": "Describe your photo for people who can't see it"}
        ),
    )
