"""One written form per e-mail address, so the same mailbox always compares equal.

The domain is case-insensitive and may arrive in its ASCII (punycode, "xn--") or Unicode form;
both become lower-case Unicode. The local part is kept as written: only its own server may
decide whether "Anna" and "anna" are the same mailbox.
"""

from __future__ import annotations

import contextlib


def normalise_address(address: str) -> str:
    """local@domain with the domain in lower-case Unicode, or "" if this is not an address."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in address):
        return ""
    domain = domain.lower().rstrip(".")
    if "xn--" in domain:
        with contextlib.suppress(UnicodeError):  # not valid punycode: keep it as written
            domain = domain.encode("ascii").decode("idna")
    # Never shortened: cut, a long address would become another one. Whoever stores it judges
    # its length (processing refuses a sender longer than an address may be).
    return f"{local}@{domain}"


def without_subaddress(address: str) -> str:
    """support+token@example.com -> support@example.com, compared case-insensitively."""
    local, _, domain = normalise_address(address).lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else ""
