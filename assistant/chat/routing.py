from django.urls import path

from assistant.chat.consumers import WidgetConsumer

websocket_urlpatterns = [
    path("ws/widget/", WidgetConsumer.as_asgi()),
]
