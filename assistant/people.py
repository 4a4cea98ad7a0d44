"""How staff are named, in one place: to customers, and to colleagues.

A customer sees an agent by first name ("Ada from our team"), as every helpdesk does; the desk,
notes and analytics show the full name. Both fall back to the username for an account without
names, so nobody is shown as an empty string.
"""

from __future__ import annotations

from typing import Any


def public_name(user: Any) -> str:
    """The name a customer sees: the first name, else the username."""
    return user.get_short_name() or user.get_username()


def staff_name(user: Any) -> str:
    """The name colleagues see: the full name, else the username."""
    return user.get_full_name() or user.get_username()
