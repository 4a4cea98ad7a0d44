from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "assistant.usage"
    label = "usage"
    verbose_name = "Model usage"
