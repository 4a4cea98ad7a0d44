"""Django's ASGI handler with one guarantee more: every request gives its database connection back.

Django returns a request's connection to the pool when the response is closed (the
``request_finished`` signal runs ``close_old_connections``). A failure inside Django's own error
handling, such as the debug page failing to encode a lone surrogate from the request, escaped
the handler before any response existed: the signal never ran, the connection stayed checked
out, and ten such requests emptied the pool for the whole process (issue 22). Here such a
failure becomes a plain 500, which is closed like any response, so the connection goes back.

And one duty more: what a view announces after commit (a desk reply, a takeover) is sent from
here, on the server's loop, once the view has returned (assistant.outbox), so the view's thread
never waits for the loop.
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseServerError

from assistant import outbox

logger = logging.getLogger("django.request")


class ConnectionSafeASGIHandler(ASGIHandler):
    async def run_get_response(self, request: HttpRequest) -> HttpResponse:
        return await outbox.sending_after(outbox.open_outbox(), self._response(request))

    async def _response(self, request: HttpRequest) -> HttpResponse:
        try:
            return await super().run_get_response(request)
        except Exception:
            # Django turns a view's exception into a response itself; reaching this means its
            # error handling failed too. Said once, with the path escaped so that the log line
            # itself can always be written.
            path = request.path.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            logger.exception("Error handling failed for %s %s", request.method, path)
            # Give the failed call's connections back here: closing the 500 below through
            # Django's usual path did not (seen with asgiref 3.13: one connection per such
            # request stayed out of the pool; tests/foundation/test_connection_safety.py).
            await sync_to_async(connections.close_all)()
            return HttpResponseServerError(
                "Server error.", content_type="text/plain; charset=utf-8"
            )


def application() -> ConnectionSafeASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with the handler above."""
    import django

    django.setup(set_prefix=False)
    return ConnectionSafeASGIHandler()
