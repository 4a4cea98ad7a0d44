from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffEvent(models.Model):
    """One security-relevant event of a staff account, kept for admins to review.

    The user is kept when known; a failed sign-in for a name that matches nobody keeps only the
    name that was typed, so guessing shows up in the log without creating users."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGNED_OUT = "signed_out", _("Signed out")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor authentication enrolled")
        TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor authentication removed")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username} at {self.at:%Y-%m-%d %H:%M}"


class SignInPolicy(models.Model):
    """The team's sign-in rules: one row, edited by admins in the admin site."""

    require_two_factor = models.BooleanField(
        default=False,
        help_text=_(
            "Every staff account must sign in with a one-time code. Accounts without an "
            "authenticator are sent to set one up before they reach the desk, the API's "
            "session endpoints or the admin. API tokens are not affected."
        ),
    )

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policy")

    def __str__(self) -> str:
        return str(_("Sign-in policy"))

    @classmethod
    def current(cls) -> SignInPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
