"""The rules page's forms: what a staff member may type, checked before any service runs.

Django's fields refuse NUL characters, over-long text and values outside the vocabularies
with a message on the field; the services check again (and their `ServiceError.field`
lands on the same field), so a hostile form gets words back, never a 500.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from shieldwall.terms.kinds import MatchKind, RuleEffect

MAX_TERM = 200  # TermRule.term
MAX_REASON = 2000
MAX_TAGS = 100  # as POST /api/v1/hashtags/check
MAX_TAG = 200
MAX_QUERY = 500  # as POST /api/v1/search/check
# Tags typed into the try-it box are separated by spaces, commas or new lines (not by
# invisible characters: a zero-width space inside a tag is part of what is being tried).
TAG_SEPARATORS = re.compile(r"[\s,]+")


class AddRuleForm(forms.Form):
    term = forms.CharField(max_length=MAX_TERM, strip=True)
    match = forms.ChoiceField(choices=MatchKind.choices, initial=MatchKind.EXACT)
    effect = forms.ChoiceField(
        choices=[(RuleEffect.BLOCK, "Block"), (RuleEffect.ALLOW, "Exception (keep it open)")],
        initial=RuleEffect.BLOCK,
    )
    reason = forms.CharField(max_length=MAX_REASON, strip=True)


class RemoveRuleForm(forms.Form):
    reason = forms.CharField(max_length=MAX_REASON, strip=True)


class TryForm(forms.Form):
    KINDS = [("tags", "Hashtags"), ("query", "A search query")]

    kind = forms.ChoiceField(choices=KINDS, initial="tags")
    text = forms.CharField(max_length=MAX_TAGS * (MAX_TAG + 1), strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("text")
        if text is None:
            return data
        if data.get("kind") == "query":
            if len(text) > MAX_QUERY:
                self.add_error("text", f"A query is at most {MAX_QUERY} characters.")
            elif not text.strip():
                self.add_error("text", "Type a query to try.")
            data["query"] = text
            return data
        tags = [t for t in TAG_SEPARATORS.split(text) if t]
        if not tags:
            self.add_error("text", "Type at least one hashtag to try.")
        elif len(tags) > MAX_TAGS:
            self.add_error("text", f"Try at most {MAX_TAGS} hashtags at once.")
        elif any(len(t) > MAX_TAG for t in tags):
            self.add_error("text", f"A hashtag is at most {MAX_TAG} characters.")
        data["tags"] = tags
        return data
