"""The conversational side's data. The customer-chat work extends this with contacts,
conversations, messages and model calls."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_public_key() -> str:
    # Public: it sits in the company's web page. It names the inbox, it proves nothing.
    return "pk_" + secrets.token_urlsafe(18)


def new_identity_secret() -> str:
    # Secret: the company's server signs customer ids with it (HMAC-SHA256).
    return secrets.token_urlsafe(32)


class Inbox(models.Model):
    """A website channel: one widget installation with its own settings."""

    name = models.CharField(_("name"), max_length=200)
    public_key = models.CharField(
        _("public key"), max_length=64, unique=True, default=new_public_key
    )
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_("Origins (scheme://host[:port]) allowed to embed the widget."),
    )
    greeting = models.TextField(_("greeting"), blank=True, default="")
    instructions = models.TextField(_("assistant instructions"), blank=True, default="")
    default_language = models.CharField(_("default language"), max_length=16, default="en")
    bot_enabled = models.BooleanField(_("assistant answers"), default=True)
    identity_secret = models.CharField(
        _("identity verification secret"), max_length=128, default=new_identity_secret
    )
    model_route = models.CharField(_("model route"), max_length=64, default="reply")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
