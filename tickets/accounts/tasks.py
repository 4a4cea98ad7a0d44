"""Staff-account e-mail sent outside the request."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation

EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"


@shared_task(name="accounts.send_password_reset")
def send_password_reset(email: str, domain: str, use_https: bool, language: str) -> None:
    """Look the address up and e-mail each of its active accounts a reset link, as Django's
    form does, in the language the request was made in. Run here rather than in the request so
    that the request does the same work whether the address has an account or not."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    with translation.override(language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=SUBJECT_TEMPLATE,
            email_template_name=EMAIL_TEMPLATE,
        )
