"""The settings page's "Test connection": log in to the IMAP server and open the folder, with
the account's settings, and say in the admin's language what went wrong, if anything."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from assistant.mail.imap_secret import UnreadablePassword, decrypt_password
from assistant.mail.models import MailAccount

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str


def imap_connection_check(account: MailAccount) -> ConnectionReport:
    """Connect, log in, select the folder, log out. Never raises: every failure is a report."""
    if not account.imap_host:
        return ConnectionReport(False, _("No IMAP server is set: mail arrives by the relay only."))
    try:
        password = decrypt_password(account.imap_password_encrypted)
    except UnreadablePassword:
        return ConnectionReport(
            False, _("The saved password can no longer be read. Please enter it again.")
        )
    if not account.imap_username or not password:
        return ConnectionReport(False, _("Enter the IMAP user and password first."))
    try:
        return _check(account, password)
    except LoginError:
        return ConnectionReport(False, _("The server refused the user name or password."))
    except ssl.SSLError as error:
        return ConnectionReport(
            False,
            _("The secure connection failed (%(reason)s). Check the port and security setting.")
            % {"reason": error.reason or error.__class__.__name__},
        )
    except TimeoutError:
        return ConnectionReport(
            False,
            _("The server did not answer within %(seconds)d seconds.")
            % {"seconds": TIMEOUT_SECONDS},
        )
    except socket.gaierror:
        return ConnectionReport(False, _("The server name could not be found."))
    except OSError as error:
        return ConnectionReport(
            False,
            _("Could not connect to %(host)s:%(port)d (%(reason)s).")
            % {
                "host": account.imap_host,
                "port": account.imap_port,
                "reason": error.strerror or error,
            },
        )
    except IMAPClientError as error:
        return ConnectionReport(
            False, _("The server answered with an error: %(error)s") % {"error": error}
        )


def _check(account: MailAccount, password: str) -> ConnectionReport:
    secure = account.imap_security == MailAccount.Security.SSL
    with IMAPClient(
        account.imap_host, port=account.imap_port, ssl=secure, timeout=TIMEOUT_SECONDS
    ) as client:
        if account.imap_security == MailAccount.Security.STARTTLS:
            client.starttls(ssl.create_default_context())
        client.login(account.imap_username, password)
        try:
            folder = client.select_folder(account.imap_folder, readonly=True)
        except IMAPClientError:
            return ConnectionReport(
                False,
                _("Signed in, but the folder %(folder)s does not exist.")
                % {"folder": account.imap_folder},
            )
        count = int(folder.get(b"EXISTS", 0))
    message = ngettext(
        "Connected: signed in and opened %(folder)s (%(count)d message).",
        "Connected: signed in and opened %(folder)s (%(count)d messages).",
        count,
    )
    return ConnectionReport(True, message % {"folder": account.imap_folder, "count": count})
