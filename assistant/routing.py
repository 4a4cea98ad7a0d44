"""WebSocket routes. Each app adds its consumers here (the widget, the desk)."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
