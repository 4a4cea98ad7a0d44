from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "assistant.actions"
    label = "actions"
    verbose_name = _("Actions")
    default_auto_field = "django.db.models.BigAutoField"
