"""Report vocabularies, stored by value; importable before Django starts."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    CSE = "child_sexual_exploitation", "Child sexual exploitation"
    NCII = "non_consensual_nudity", "Non-consensual nudity"
    ADULT = "adult_content", "Adult content"
    GRAPHIC = "graphic_content", "Graphic or violent content"
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment or bullying"
    VIOLENCE = "violence", "Violent threats"
    SELF_HARM = "self_harm", "Suicide or self-harm"
    OTHER = "other", "Something else"


class CseReason(models.TextChoices):
    ABUSE_IMAGERY = "abuse_imagery", "Sexual images or videos of a child"
    GROOMING = "grooming", "Grooming or enticing a child"
    SELLING = "selling_or_soliciting", "Selling or asking for sexual material of children"
    SEXTORTION = "sextortion", "Threatening to share intimate images of a child"
    OTHER = "other", "Something else that sexually exploits a child"


class Affected(models.TextChoices):
    ME = "me", "Me"
    SOMEONE_ELSE = "someone_else", "Someone else or a specific group of people"
    EVERYONE = "everyone", "Everyone"
