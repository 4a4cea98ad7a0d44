"""Who may use the API at all. Which objects they see is decided by tickets.access in each view's
queryset, so a foreign object is a 404, never a 403."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tickets import access


class IsDeskUser(BasePermission):
    """Agents, managers and admins of the desk; anyone else who is signed in gets 403."""

    message = _("This account has no role on the desk.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.is_desk_user(request.user)
