"""Issuing, checking and revoking API tokens. The settings pages call these through the
workspace services (which add the permission check and the audit log); the command line and the
API authentication call them directly."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tickets.apitokens import keys
from tickets.apitokens.models import ApiToken

# "Last used" is written at most this often per token: a busy integration must not turn every
# API request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def issue(
    *,
    name: str,
    user: AbstractBaseUser,
    scope: str = ApiToken.Scope.READ_WRITE,
    created_by: AbstractBaseUser | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned once and never stored."""
    while True:
        key = keys.new_key()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    name=name,
                    user=user,
                    scope=scope,
                    prefix=keys.prefix_of(key),
                    digest=keys.digest_of(key),
                    created_by=created_by,
                )
        except IntegrityError:
            continue  # two keys sharing their 32-bit prefix: draw another
        return token, key


def revoke(token: ApiToken) -> bool:
    """Revoke the token; False if it already was."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


def authenticate(key: str) -> ApiToken | None:
    """The active token this key belongs to, with its user; None for anything else."""
    if not keys.is_well_formed(key):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=keys.prefix_of(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not keys.matches(key, token.digest):
        return None
    _note_use(token)
    return token


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so that concurrent requests of the same minute write once between them.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
