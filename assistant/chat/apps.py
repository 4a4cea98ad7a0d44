from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Inboxes, contacts, conversations, messages, model calls; the widget consumer."""

    name = "assistant.chat"
    label = "chat"
    verbose_name = "Chat"
