from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """Help articles, their chunks, and hybrid search over them."""

    name = "assistant.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"
