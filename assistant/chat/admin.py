"""Inboxes in the admin: where an administrator creates a widget installation and sets it up.

Conversations and messages are not edited here (the desk is where people work with them, and a
transcript must not be rewritten afterwards)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assistant.chat import services
from assistant.chat.models import Inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("name", "bot_enabled", "default_language", "model_route", "created_at")
    list_filter = ("bot_enabled", "default_language")
    search_fields = ("name", "public_key")
    readonly_fields = ("public_key", "identity_secret", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "public_key", "allowed_origins", "default_language")}),
        (
            _("Assistant"),
            {
                "fields": (
                    "bot_enabled",
                    "greeting",
                    "instructions",
                    "model_route",
                    "model_split_percent",
                    "token_budget",
                    "handoff_keywords",
                    "answer_while_waiting",
                    "idle_resolve_minutes",
                )
            },
        ),
        (
            _("Identity verification"),
            {"classes": ("collapse",), "fields": ("identity_secret",)},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Inbox, form: Any, change: bool) -> None:
        switched = change and "bot_enabled" in form.changed_data
        super().save_model(request, obj, form, change)
        if switched:
            # The kill switch does more than store the flag: it stops answers being written and
            # hands the assistant's open conversations to people.
            handed = services.inbox_set_assistant(inbox_id=obj.pk, enabled=obj.bot_enabled)
            if not obj.bot_enabled:
                self.message_user(
                    request,
                    ngettext(
                        "Assistant switched off; %(n)d conversation went to people.",
                        "Assistant switched off; %(n)d conversations went to people.",
                        handed,
                    )
                    % {"n": handed},
                    messages.WARNING,
                )
