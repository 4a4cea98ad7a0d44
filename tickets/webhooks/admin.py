"""Admin: webhooks are configured here; deliveries and their attempts are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from assistant import netguard
from tickets.webhooks.models import (
    Event,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        validators=[netguard.validate_url_shape],
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "description", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        # Deliveries check again every time; this only saves an admin from a URL that is
        # already pointing inside. A name that does not resolve yet is accepted.
        try:
            netguard.vet(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
        except netguard.UnsafeTarget as error:
            raise forms.ValidationError(
                _("This URL cannot receive webhooks: %(reason)s."), params={"reason": str(error)}
            ) from error
        except netguard.UnresolvedTarget:
            pass
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "description", "events", "active", "created_at"]
    list_filter = ["active"]
    # The signing secret is shown once, in the desk's settings (Webhooks), where it is also
    # rotated; an admin page showing it again would defeat that.
    readonly_fields = ["created_by", "created_at"]

    def get_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        fields = ["url", "description", "events", "active"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "status_code", "error", "duration_ms", "retry_in_seconds", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    search_fields = ["id"]
    date_hierarchy = "created_at"
    inlines = [WebhookAttemptInline]
