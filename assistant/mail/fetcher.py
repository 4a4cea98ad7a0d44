"""Fetching mail from the company's mailboxes by IMAP: the ``mail`` process (``fetch_mail``).

One thread per enabled address with an IMAP server. Each connects (SSL/TLS, STARTTLS, or plain
for a server on the same machine), opens its folder read-only and fetches with BODY.PEEK[], so
nothing is marked read or changed in the mailbox. Messages above the last UID fetched are stored
in batches, each batch and the new last UID in one transaction: a crash refetches at most one
batch, and the store deduplicates it. The UID only means something within the folder's
UIDVALIDITY; when that changes, fetching starts over (the store deduplicates what was seen).
The first fetch of a folder takes only its unread messages, then everything that arrives: an
existing mailbox's years of read mail do not become conversations.

Between fetches a thread waits in IDLE when the server offers it (renewed well within the 29
minutes RFC 2177 allows), or polls every MAIL_POLL_SECONDS. Errors are recorded on the address
(``last_error``, shown on its settings page) and the thread reconnects with a growing delay.
The supervisor re-reads the addresses every few seconds, so a new, changed or disabled address
takes effect without a restart. No database connection is held while waiting on the network.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient

from assistant.encryption import UnreadableSecret
from assistant.mail import credentials, intake
from assistant.mail.models import InboundMail, MailAccount

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
# RFC 2177: servers may drop an IDLE after 30 minutes; renew well before.
IDLE_RENEW_SECONDS = 25 * 60
# How long one IDLE wait lasts before the thread checks whether it should stop.
IDLE_CHECK_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 30.0
ERROR_MAX_CHARS = 500


@dataclass(frozen=True)
class Mailbox:
    """What a thread needs to reach one address's mailbox; a change of any field restarts it."""

    account_id: int
    host: str
    port: int
    security: str
    username: str
    password_encrypted: str
    folder: str

    @classmethod
    def of(cls, account: MailAccount) -> Mailbox:
        return cls(
            account_id=account.pk,
            host=account.imap_host,
            port=account.imap_port,
            security=account.imap_security,
            username=account.imap_username,
            password_encrypted=account.imap_password_encrypted,
            folder=account.imap_folder or "INBOX",
        )


def _release_database() -> None:
    """Give this thread's database connection back before waiting on the network (unless a
    caller's transaction is using it): a mailbox in IDLE must not hold a pooled connection."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def mailboxes_to_fetch() -> dict[int, Mailbox]:
    accounts = MailAccount.objects.filter(enabled=True).exclude(imap_host="")
    return {account.pk: Mailbox.of(account) for account in accounts}


def connect(mailbox: Mailbox, account: MailAccount) -> IMAPClient:
    """A logged-in client; raises on any failure (the settings page's "Test connection" calls
    this too, and shows the error)."""
    context = ssl.create_default_context()
    security = MailAccount.Security
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == security.SSL,
        ssl_context=context,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        if mailbox.security == security.STARTTLS:
            client.starttls(context)
        client.login(mailbox.username, credentials.imap_password(account))
    except BaseException:
        _close(client)
        raise
    return client


def fetch_new(client: IMAPClient, account_id: int, folder: str) -> int:
    """Store every message not fetched before; returns how many were stored anew."""
    selected = client.select_folder(folder, readonly=True)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    account = MailAccount.objects.get(pk=account_id)
    _release_database()
    if account.imap_uidvalidity != uidvalidity:
        # A new folder (or one recreated): its unread mail now, everything after it later.
        wanted = sorted(int(uid) for uid in client.search(["UNSEEN"]))
        everything = client.search(["ALL"])
        last_uid = max((int(uid) for uid in everything), default=0)
        stored = _store_uids(client, account_id, wanted, uidvalidity=uidvalidity)
        _advance(account_id, uidvalidity=uidvalidity, last_uid=last_uid)
        return stored
    # "N:*" also returns the highest UID when it is below N: filtered out below.
    found = client.search(["UID", f"{account.imap_last_uid + 1}:*"])
    wanted = sorted(int(uid) for uid in found if int(uid) > account.imap_last_uid)
    return _store_uids(client, account_id, wanted, uidvalidity=uidvalidity)


def _store_uids(client: IMAPClient, account_id: int, uids: list[int], *, uidvalidity: int) -> int:
    stored = 0
    limit = settings.MAIL_MAX_MESSAGE_BYTES
    for start in range(0, len(uids), BATCH_SIZE):
        batch = uids[start : start + BATCH_SIZE]
        sizes = {
            uid: data[b"RFC822.SIZE"] for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items()
        }
        whole = [uid for uid in batch if uid in sizes and sizes[uid] <= limit]
        too_large = [uid for uid in batch if uid in sizes and sizes[uid] > limit]
        # Only the header block of a message too large to keep: it says what was refused.
        bodies = _fetch_part(client, whole, "BODY.PEEK[]", b"BODY[]")
        heads = _fetch_part(client, too_large, "BODY.PEEK[HEADER]", b"BODY[HEADER]")
        with transaction.atomic():
            account = MailAccount.objects.select_for_update().get(pk=account_id)
            for uid in batch:
                if uid in bodies:
                    _inbound, created = intake.store_raw(
                        account=account, raw=bodies[uid], source=InboundMail.Source.IMAP
                    )
                elif uid in heads:
                    _inbound, created = intake.store_too_large(
                        account=account,
                        head=heads[uid],
                        size=sizes[uid],
                        source=InboundMail.Source.IMAP,
                    )
                else:
                    continue  # expunged between the search and the fetch
                stored += created
            MailAccount.objects.filter(pk=account_id).update(
                imap_uidvalidity=uidvalidity, imap_last_uid=max(batch)
            )
        _release_database()
    return stored


def _fetch_part(client: IMAPClient, uids: list[int], item: str, key: bytes) -> dict[int, bytes]:
    if not uids:
        return {}
    return {uid: data[key] for uid, data in client.fetch(uids, [item]).items() if key in data}


def _advance(account_id: int, *, uidvalidity: int, last_uid: int) -> None:
    MailAccount.objects.filter(pk=account_id).update(
        imap_uidvalidity=uidvalidity, imap_last_uid=last_uid
    )
    _release_database()


def _record(account_id: int, *, error: str) -> None:
    """The outcome of a fetch on the address: when it last worked, or what went wrong."""
    fields: dict[str, object] = {"last_error": error[:ERROR_MAX_CHARS]}
    if not error:
        fields["last_fetch_at"] = timezone.now()
    MailAccount.objects.filter(pk=account_id).update(**fields)
    _release_database()


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        # A connection already broken has nothing to close cleanly.
        with contextlib.suppress(Exception):
            client.shutdown()


class MailboxThread(threading.Thread):
    """Fetches one mailbox until told to stop: fetch, wait (IDLE or poll), fetch again."""

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__(name=f"mail-{mailbox.account_id}", daemon=True)
        self.mailbox = mailbox
        self.stopping = threading.Event()

    def run(self) -> None:
        delay = settings.MAIL_RECONNECT_SECONDS
        while not self.stopping.is_set():
            try:
                self._session()
                delay = settings.MAIL_RECONNECT_SECONDS
            except UnreadableSecret:
                self._failed(
                    _(
                        "The IMAP password can no longer be read (the secret key changed); "
                        "enter it again."
                    )
                )
            except Exception as error:  # any failure: record it, reconnect later
                logger.warning("mail %s: %s", self.mailbox.host, error)
                self._failed(f"{type(error).__name__}: {error}")
            finally:
                _release_database()
            self.stopping.wait(delay)
            delay = min(delay * 2, settings.MAIL_RECONNECT_SECONDS * 10)

    def _failed(self, message: str) -> None:
        try:
            _record(self.mailbox.account_id, error=message)
        except Exception:  # the database may be what failed; retry later
            logger.exception("could not record the error of mail %s", self.mailbox.account_id)

    def _session(self) -> None:
        account = MailAccount.objects.get(pk=self.mailbox.account_id)
        _release_database()
        client = connect(self.mailbox, account)
        try:
            while not self.stopping.is_set():
                stored = fetch_new(client, self.mailbox.account_id, self.mailbox.folder)
                if stored:
                    logger.info("mail %s: %d new message(s)", self.mailbox.host, stored)
                _record(self.mailbox.account_id, error="")
                if b"IDLE" in client.capabilities():
                    self._idle(client)
                else:
                    self.stopping.wait(settings.MAIL_POLL_SECONDS)
        finally:
            _close(client)

    def _idle(self, client: IMAPClient) -> None:
        """Wait until the server says something changed, IDLE_RENEW_SECONDS pass, or stop."""
        client.idle()
        try:
            started = time.monotonic()
            while not self.stopping.is_set():
                if client.idle_check(timeout=IDLE_CHECK_SECONDS):
                    return
                if time.monotonic() - started > IDLE_RENEW_SECONDS:
                    return
        finally:
            client.idle_done()


class Supervisor:
    """Keeps one thread per mailbox to fetch, in step with the addresses in the database."""

    def __init__(self) -> None:
        self.threads: dict[int, MailboxThread] = {}

    def reconcile(self) -> None:
        wanted = mailboxes_to_fetch()
        _release_database()
        for account_id, thread in list(self.threads.items()):
            if wanted.get(account_id) != thread.mailbox or not thread.is_alive():
                thread.stopping.set()
                del self.threads[account_id]
        for account_id, mailbox in wanted.items():
            if account_id not in self.threads:
                thread = MailboxThread(mailbox)
                self.threads[account_id] = thread
                thread.start()

    def run(self, stop: threading.Event, *, every: float) -> None:
        while not stop.is_set():
            try:
                self.reconcile()
            except Exception:  # the database may be restarting; try again
                logger.exception("could not read the e-mail addresses")
                _release_database()
            stop.wait(every)
        self.stop_all(self.threads.values())

    @staticmethod
    def stop_all(threads: Iterable[MailboxThread], timeout: float = 10.0) -> None:
        threads = list(threads)
        for thread in threads:
            thread.stopping.set()
        for thread in threads:
            thread.join(timeout)
