"""The staff event log: sign-ins, failures, sign-outs, password resets, second-factor changes.

Django's auth signals cover every way in (the desk's sign-in page, the admin's, a password
reset that signs in), so the log does not depend on which view was used."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from tickets.accounts.models import StaffEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer address; the ASGI server is told to trust the load balancer's forwarded header
    (docs/operations.md), so this is the client's, not the proxy's."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def event_record(
    *,
    kind: StaffEvent.Kind,
    request: HttpRequest | None,
    user: AbstractBaseUser | None = None,
    username: str = "",
) -> StaffEvent:
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    ip = client_ip(request)
    if ip in ("unknown", "testclient"):
        ip = None
    return StaffEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(user.get_username() if user is not None else username)[:150],
        ip_address=ip,
        user_agent=agent[:300],
    )


def _signed_in(sender: Any, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    event_record(kind=StaffEvent.Kind.SIGNED_IN, request=request, user=user)


def _signed_out(
    sender: Any, request: HttpRequest, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    if user is not None:  # signing out of no session is not an event
        event_record(kind=StaffEvent.Kind.SIGNED_OUT, request=request, user=user)


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; only the name is kept.
    event_record(
        kind=StaffEvent.Kind.SIGN_IN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="accounts.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="accounts.signed_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="accounts.sign_in_failed")
