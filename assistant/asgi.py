"""ASGI entry point: Django for HTTP, Channels for WebSockets.

Django is set up before anything imports models, which is why the routing import comes after
the HTTP application is built (Channels' documented order).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistant.settings")

from assistant import http_handler, server_logs

django_asgi_app = http_handler.application()
server_logs.install()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from assistant.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
