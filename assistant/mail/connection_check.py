"""The settings page's "Test connection": log in to the IMAP server the way the fetcher does
(`fetcher.connect`) and open the folder, then say in the admin's language what went wrong, if
anything."""

from __future__ import annotations

import contextlib
import socket
import ssl
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from imapclient.exceptions import IMAPClientError, LoginError

from assistant.encryption import UnreadableSecret
from assistant.mail.fetcher import Mailbox, connect
from assistant.mail.models import MailAccount


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str


def imap_connection_check(account: MailAccount) -> ConnectionReport:
    """Connect, log in, select the folder, log out. Never raises: every failure is a report."""
    if not account.imap_host:
        return ConnectionReport(False, _("No IMAP server is set: mail arrives by the relay only."))
    if not account.imap_username or not account.imap_password_encrypted:
        return ConnectionReport(False, _("Enter the IMAP user and password first."))
    mailbox = Mailbox.of(account)
    try:
        return _check(mailbox, account)
    except UnreadableSecret:
        return ConnectionReport(
            False, _("The saved password can no longer be read. Please enter it again.")
        )
    except LoginError:
        return ConnectionReport(False, _("The server refused the user name or password."))
    except ssl.SSLError as error:
        return ConnectionReport(
            False,
            _("The secure connection failed (%(reason)s). Check the port and the security.")
            % {"reason": error.reason or error.__class__.__name__},
        )
    except TimeoutError:
        return ConnectionReport(False, _("The server did not answer in time."))
    except socket.gaierror:
        return ConnectionReport(
            False, _("The server name %(host)s could not be found.") % {"host": mailbox.host}
        )
    except OSError as error:
        return ConnectionReport(
            False,
            _("Could not connect to %(host)s on port %(port)d (%(reason)s).")
            % {"host": mailbox.host, "port": mailbox.port, "reason": error.strerror or error},
        )
    except IMAPClientError as error:
        return ConnectionReport(
            False, _("The server answered with an error: %(error)s") % {"error": error}
        )


def _check(mailbox: Mailbox, account: MailAccount) -> ConnectionReport:
    client = connect(mailbox, account)
    try:
        try:
            selected = client.select_folder(mailbox.folder, readonly=True)
        except IMAPClientError:
            return ConnectionReport(
                False,
                _("Signed in, but there is no folder %(folder)s.") % {"folder": mailbox.folder},
            )
        count = int(selected.get(b"EXISTS", 0))
    finally:
        # The answer is known: a server that drops the line at logout changes nothing.
        with contextlib.suppress(IMAPClientError, OSError):
            client.logout()
    message = ngettext(
        "Connected: signed in and opened %(folder)s (%(count)d message).",
        "Connected: signed in and opened %(folder)s (%(count)d messages).",
        count,
    )
    return ConnectionReport(True, message % {"folder": mailbox.folder, "count": count})
