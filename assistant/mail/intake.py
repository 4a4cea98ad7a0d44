"""Storing a raw message as it arrived, before anything else happens to it.

Both paths in (the IMAP fetcher and the relay endpoint) call `store_raw`. The row is the
guarantee: once it is committed, a crash loses nothing (processing is queued after commit, and
the beat sweep finds rows left in "stored"). Its Message-ID and content hash are unique per
address, so a message fetched twice, or fetched and relayed, is stored once.

A message above MAIL_MAX_MESSAGE_BYTES is not stored whole: its record keeps the header block
only, refused with problem "too_large", so the fetcher moves past it and people can see what was
refused and from whom. The relay refuses such a message before calling this (HTTP 413), so the
relay's sender hears of it.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from assistant.mail.headers import canonical_message_id, header_block, header_values
from assistant.mail.models import InboundMail, MailAccount

logger = logging.getLogger(__name__)

TOO_LARGE = "too_large"


def store_raw(*, account: MailAccount, raw: bytes, source: str) -> tuple[InboundMail, bool]:
    """The stored message and whether this call stored it (False: it was stored before, by
    either path). Processing is queued when the storing transaction commits."""
    if len(raw) > settings.MAIL_MAX_MESSAGE_BYTES:
        return store_too_large(
            account=account, head=header_block(raw), size=len(raw), source=source
        )
    inbound, created = _insert_once(
        account=account,
        source=source,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
    )
    if created:
        _queue_processing(inbound.pk)
    return inbound, created


def store_too_large(
    *, account: MailAccount, head: bytes, size: int, source: str
) -> tuple[InboundMail, bool]:
    """The record of a message refused for its size: its header block only (the fetcher never
    downloads the rest), refused with problem "too_large". Deduplicated like any message: its
    hash covers the header block and the size."""
    sha256 = hashlib.sha256(head + b"\0" + str(size).encode()).hexdigest()
    inbound, created = _insert_once(
        account=account,
        source=source,
        raw=head,
        sha256=sha256,
        size=size,
        state=InboundMail.State.REFUSED,
        problem=TOO_LARGE,
        processed_at=timezone.now(),
    )
    if created:
        logger.warning(
            "mail to %s refused: %d bytes is over MAIL_MAX_MESSAGE_BYTES", account.address, size
        )
    return inbound, created


def _insert_once(
    *, account: MailAccount, raw: bytes, sha256: str, **fields: object
) -> tuple[InboundMail, bool]:
    ids = header_values(raw, "Message-ID")
    message_id = canonical_message_id(ids[0]) if ids else ""
    try:
        # A savepoint: a duplicate fails only this INSERT, not the caller's transaction (the
        # fetcher stores a batch and its last UID in one).
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                account=account, raw=raw, sha256=sha256, message_id=message_id, **fields
            )
    except IntegrityError:
        return _stored_before(account, sha256=sha256, message_id=message_id), False
    return inbound, True


def _stored_before(account: MailAccount, *, sha256: str, message_id: str) -> InboundMail:
    same = Q(sha256=sha256)
    if message_id:
        same |= Q(message_id=message_id)
    return InboundMail.objects.filter(same, account=account).order_by("pk").first()


def _queue_processing(inbound_id: int) -> None:
    transaction.on_commit(lambda: _enqueue(inbound_id))


def _enqueue(inbound_id: int) -> None:
    # Imported when used: the task module imports processing, which needs every parsing library.
    from assistant.mail.tasks import process_inbound

    process_inbound.delay(inbound_id)
