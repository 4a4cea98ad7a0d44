from django.apps import AppConfig


class AssistantConfig(AppConfig):
    """The project package as an app: management commands, health checks, shared tasks."""

    name = "assistant"
    verbose_name = "Assistant"
