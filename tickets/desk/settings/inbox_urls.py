"""The inbox settings' addresses, kept apart so the settings area's urls.py only includes them."""

from django.urls import path

from tickets.desk.settings import inboxes, mail

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
        "desk/settings/inboxes/<int:inbox_id>/mail/",
        mail.mail_settings,
        name="desk-settings-inbox-mail",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/mail/save",
        mail.mail_settings_save,
        name="desk-settings-inbox-mail-save",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/mail/test",
        mail.mail_connection_test,
        name="desk-settings-inbox-mail-test",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/mail/relay-key",
        mail.mail_relay_key,
        name="desk-settings-inbox-mail-relay-key",
    ),
    path(
        "desk/settings/inboxes/<int:inbox_id>/<slug:section>",
        inboxes.inbox_update,
        name="desk-settings-inbox-update",
    ),
]
