"""The inbox settings' addresses, kept apart so the settings area's urls.py only includes them."""

from django.urls import path

from tickets.desk.settings import inboxes

urlpatterns = [
    path("desk/settings/inboxes/", inboxes.inbox_list, name="desk-settings-inboxes"),
    path("desk/settings/inboxes/<int:inbox_id>/", inboxes.inbox_detail, name="desk-settings-inbox"),
    path(
        "desk/settings/inboxes/<int:inbox_id>/avatar",
        inboxes.inbox_avatar,
        name="desk-settings-inbox-avatar",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/identity-secret",
        inboxes.inbox_rotate_secret,
        name="desk-settings-inbox-secret",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/assistant-switch",
        inboxes.inbox_assistant,
        name="desk-settings-inbox-assistant",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/privacy",
        inboxes.inbox_privacy,
        name="desk-settings-inbox-privacy",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/<slug:section>",
        inboxes.inbox_update,
        name="desk-settings-inbox-update",
    ),
]
