"""The one shape of a refusal, shared by every domain's services.

A service refuses a request by raising a subclass of `Refused` (chat's ChatError, tickets'
TicketError): `code` is the machine-readable reason that the widget and desk sockets and the API
put in their error payloads, `message` the sentence a person reads, and `status` the HTTP status
an HTTP edge answers with. Each edge maps it the same way, so the same rule gives the same
refusal wherever it is reached from.
"""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
