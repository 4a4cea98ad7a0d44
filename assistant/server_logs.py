"""Quiet the ASGI server's error log about input it refused as intended.

uvicorn answers a WebSocket text frame that is not UTF-8 with close code 1007, as the protocol
says, and then logs it at ERROR with a traceback. A client's bad bytes are not a server fault,
and an error log full of them hides real ones: such a record becomes one WARNING line.
"""

from __future__ import annotations

import logging

# The messages of refusals that work as intended (uvicorn's websockets protocols).
REFUSALS = ("Invalid UTF-8 sequence received from client.",)


class RefusedInputFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.getMessage() in REFUSALS:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    logging.getLogger("uvicorn.error").addFilter(RefusedInputFilter())
