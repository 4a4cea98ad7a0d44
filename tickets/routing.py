from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from tickets.consumers import DeskConsumer

# The desk is authenticated by its session cookie, so it only accepts this site's own origins
# (ALLOWED_HOSTS): a foreign page cannot ride on an agent's cookie (cross-site WebSocket hijacking).
websocket_urlpatterns = [
    path("ws/desk/", AllowedHostsOriginValidator(AuthMiddlewareStack(DeskConsumer.as_asgi()))),
]
