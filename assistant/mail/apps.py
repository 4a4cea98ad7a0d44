from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "assistant.mail"
    label = "mail"
    verbose_name = _("E-mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assistant.mail import receivers

        receivers.connect()
