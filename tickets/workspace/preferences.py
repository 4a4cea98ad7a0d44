"""A person's own desk preferences: they change them for themselves, nobody else does."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from tickets.models import AgentProfile

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def agent_language_set(*, user: AbstractBaseUser, language: str) -> AgentProfile:
    """Store the language of `user`'s desk: one of settings.LANGUAGES, or "" for the browser's."""
    if language and language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])
    return profile
