"""WebSocket routes. Each app adds its consumers here (the widget, the desk)."""

from assistant.chat.routing import websocket_urlpatterns as chat_websockets

websocket_urlpatterns = [*chat_websockets]
