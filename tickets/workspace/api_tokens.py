"""API tokens in the settings: admins issue them (named, for a person at the desk, read-only or
read and write) and revoke them. The key is returned once, to be shown once; only its digest is
kept (tickets.apitokens)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tickets import access
from tickets.apitokens import tokens
from tickets.apitokens.models import ApiToken
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, require_admin

MAX_NAME = 100


def api_tokens_listed() -> QuerySet[ApiToken]:
    """Active tokens first, newest first; revoked ones stay listed as a record."""
    return ApiToken.objects.select_related("user", "created_by").order_by(
        "-revoked_at", "-created_at"
    )


@transaction.atomic
def api_token_create(
    *, by: AbstractBaseUser, name: str, owner: AbstractBaseUser, scope: str
) -> tuple[ApiToken, str]:
    require_admin(by)
    name = name.strip()[:MAX_NAME]
    if not name:
        raise SettingsRefused("invalid", _("Give the token a name that says what it is for."))
    if scope not in ApiToken.Scope.values:
        raise SettingsRefused("invalid", _("Choose what the token may do."))
    if not access.is_desk_user(owner):
        raise SettingsRefused(
            "invalid", _("A token acts as a person at the desk; choose an active colleague.")
        )
    token, key = tokens.issue(name=name, user=owner, scope=scope, created_by=by)
    record_change(
        actor=by, subject=token, action="api_token_created",
        after={"name": name, "owner": owner.get_username(), "scope": scope},
    )  # fmt: skip
    return token, key


@transaction.atomic
def api_token_revoke(*, by: AbstractBaseUser, token: ApiToken) -> None:
    require_admin(by)
    if tokens.revoke(token):
        record_change(
            actor=by, subject=token, action="api_token_revoked",
            before={"owner": token.user.get_username(), "scope": token.scope},
        )  # fmt: skip
