"""Mail that no one should answer, recognised by its headers (RFC 3834 and common practice).

Answering an auto-reply, a bounce or a mailing list starts a loop between two robots or spams a
list, so these are recognised before anything else and never answered. Only headers are read:
a human's text saying "I am out of office" is still a human's message.

The checks run in order, most specific first: a loop (mail we sent ourselves, coming back) beats
everything; a delivery report is a bounce even though it is also auto-submitted; an auto-reply
often comes from a null sender too, so the auto-reply headers are read before the null sender
that otherwise marks a bounce.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
MAILING_LIST = "mailing_list"
LOOP = "loop"

# Exchange/Outlook mark their out-of-office replies with "X-Auto-Response-Suppress: All" or a
# list containing OOF; other values (DR, RN, NRN...) ask us not to send receipts, which says
# nothing about the message itself.
_SUPPRESS_MARKS_AN_AUTO_REPLY = re.compile(r"\b(all|oof)\b", re.IGNORECASE)
# "Precedence" is not standardised (RFC 3834 section 2 discusses it): "list" and "bulk" are what
# list managers and newsletters send, "junk" what vacation programs traditionally send.
_PRECEDENCE_KINDS = {"list": MAILING_LIST, "bulk": MAILING_LIST, "junk": AUTO_REPLY,
                     "auto_reply": AUTO_REPLY}  # fmt: skip
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|mail-daemon|postmaster)@", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]*)>")


def automated_kind(
    *,
    header: Callable[[str], str],
    content_type: str,
    report_type: str,
    from_address: str,
    own_addresses: Collection[str],
) -> str:
    """Why this mail must not be answered ("loop", "bounce", "auto_reply", "mailing_list") or "".

    ``header(name)`` returns a header's decoded value, "" when absent; ``from_address`` is the
    normalised sender address.
    """
    own = {_without_subaddress(address) for address in own_addresses if address}
    if from_address and _without_subaddress(from_address) in own:
        return LOOP
    x_loop = header("X-Loop").lower()
    if x_loop and any(address in x_loop for address in own):
        return LOOP

    if content_type == "multipart/report" and report_type.lower() == "delivery-status":
        return BOUNCE

    auto_submitted = header("Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return AUTO_REPLY
    if header("X-Autoreply") or header("X-Autorespond"):
        return AUTO_REPLY
    if _SUPPRESS_MARKS_AN_AUTO_REPLY.search(header("X-Auto-Response-Suppress")):
        return AUTO_REPLY
    if content_type == "multipart/report":
        # A read receipt (disposition-notification) or any other machine report.
        return AUTO_REPLY

    if _is_null_sender(header("Return-Path")) or _BOUNCE_SENDERS.match(from_address):
        return BOUNCE

    precedence = header("Precedence").strip().lower()
    if precedence in _PRECEDENCE_KINDS:
        return _PRECEDENCE_KINDS[precedence]
    if header("List-Id") or header("List-Unsubscribe"):
        return MAILING_LIST
    return ""


def _is_null_sender(return_path: str) -> bool:
    """True for the null reverse-path "<>" that delivery reports are sent from (RFC 5321 4.5.5)."""
    if not return_path.strip():
        return False
    match = _ANGLE.search(return_path)
    return (match.group(1) if match else return_path).strip() == ""


def _without_subaddress(address: str) -> str:
    """support+token@example.com -> support@example.com: our reply addresses are sub-addresses."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else address.strip().lower()
