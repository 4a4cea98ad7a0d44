"""Who may use the API at all. Which objects they see is decided by tickets.access in each view's
queryset, so a foreign object is a 404, never a 403."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tickets import access
from tickets.apitokens.models import ApiToken


class IsDeskUser(BasePermission):
    """Agents, managers and admins of the desk; anyone else who is signed in gets 403."""

    message = _("This account has no role on the desk.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.is_desk_user(request.user)


class TokenScopeAllows(BasePermission):
    """A read-only token may read (GET, HEAD, OPTIONS) and nothing else."""

    message = _("This API token may only read.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in SAFE_METHODS
        return True
