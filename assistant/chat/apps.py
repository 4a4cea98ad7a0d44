from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Inboxes, contacts, conversations, messages; the widget consumer."""

    name = "assistant.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from assistant.chat import services
        from assistant.usage.services import count_tokens_with

        # Each model call's tokens count against its conversation's budget (assistant.calls
        # records the calls; the budget is the conversation's).
        count_tokens_with(services.conversation_tokens_add)
