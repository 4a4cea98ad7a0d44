"""ASGI entry point: Django for HTTP, Channels for WebSockets.

Django is set up before anything imports models, which is why the routing import comes after
the HTTP application is built (Channels' documented order).
"""

import gc
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

# Everything loaded so far (Django, the apps, their modules and caches) lives as long as the
# process: moved out of the collector's generations, so that the full collections that answers
# under load trigger do not walk it again each time (B1 in docs/benchmarks.md: about 6% less
# web-process CPU per answer in two interleaved pairs of runs, issue 23).
gc.collect()
gc.freeze()
