"""WebSocket routes: the widget (origin checked per inbox after its hello) and the desk."""

from assistant.chat.routing import websocket_urlpatterns as widget_routes
from tickets.routing import websocket_urlpatterns as desk_routes

websocket_urlpatterns = [*widget_routes, *desk_routes]
