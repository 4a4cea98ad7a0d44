from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "assistant.mail"
    label = "mail"
    verbose_name = _("E-mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assistant.chat.signals import message_stored
        from assistant.mail import receivers
        from assistant.mail.answer_tasks import queue_answer

        receivers.connect()
        # The assistant answers customers' e-mails (assistant/mail/answering.py).
        message_stored.connect(queue_answer, dispatch_uid="mail.answer_customer_mail")
