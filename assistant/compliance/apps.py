from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Rights, retention and evaluation over the privacy app's records (no models of its own)."""

    name = "assistant.compliance"
    label = "compliance"
    verbose_name = "Data protection: rights and retention"

    def ready(self) -> None:
        from assistant.compliance import holders
        from assistant.compliance.action_calls import ActionCallData
        from assistant.compliance.mail_answers import MailAnswerData
        from assistant.compliance.mail_data import MailData

        # The assistant's action calls hold the customer's case too (docs/actions.md).
        holders.register(ActionCallData())
        # So do the raw mails customers sent and the mails sent to them (docs/email.md).
        holders.register(MailData())
        # The assistant's e-mail drafts are written about the customer's case (docs/email.md).
        holders.register(MailAnswerData())
