"""URLs of the integrations pages: API tokens and webhooks (included by settings/urls.py)."""

from django.urls import path

from tickets.desk.settings import api_tokens, webhooks

urlpatterns = [
    path("desk/settings/api-tokens/", api_tokens.token_list, name="desk-settings-api-tokens"),
    path(
        "desk/settings/api-tokens/new", api_tokens.token_create, name="desk-settings-api-token-new"
    ),
    path(
        "desk/settings/api-tokens/<int:token_id>/revoke",
        api_tokens.token_revoke,
        name="desk-settings-api-token-revoke",
    ),
    path("desk/settings/webhooks/", webhooks.webhook_list, name="desk-settings-webhooks"),
    path("desk/settings/webhooks/new", webhooks.webhook_create, name="desk-settings-webhook-new"),
    path(
        "desk/settings/webhooks/<int:webhook_id>/",
        webhooks.webhook_detail,
        name="desk-settings-webhook",
    ),
    path(
        "desk/settings/webhooks/<int:webhook_id>/update",
        webhooks.webhook_update,
        name="desk-settings-webhook-update",
    ),
    path(
        "desk/settings/webhooks/<int:webhook_id>/rotate-secret",
        webhooks.webhook_rotate_secret,
        name="desk-settings-webhook-rotate",
    ),
    path(
        "desk/settings/webhooks/<int:webhook_id>/delete",
        webhooks.webhook_delete,
        name="desk-settings-webhook-delete",
    ),
    path(
        "desk/settings/webhooks/<int:webhook_id>/deliveries/<uuid:delivery_id>/redeliver",
        webhooks.delivery_redeliver,
        name="desk-settings-webhook-redeliver",
    ),
]
