"""A secret shown once: put aside by the view that made it, taken by the next page it renders.

The secret waits in the server-side session (database sessions, never the cookie) for one
redirect. Taking it removes it, so a reload no longer shows it; any later settings page of the
integrations takes it too, so it never lingers.
"""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "settings_reveal_once"


def reveal_once(request: HttpRequest, *, kind: str, subject_id: object, secret: str) -> None:
    request.session[SESSION_KEY] = {"kind": kind, "id": str(subject_id), "secret": secret}


def take_revealed(request: HttpRequest, *, kind: str) -> tuple[str, str] | None:
    """(subject id, secret) if a secret of this kind waits to be shown; gone afterwards."""
    waiting = request.session.pop(SESSION_KEY, None)
    if not isinstance(waiting, dict) or waiting.get("kind") != kind:
        return None
    return waiting["id"], waiting["secret"]
