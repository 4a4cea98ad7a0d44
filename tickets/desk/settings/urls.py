from django.urls import path

from tickets.desk.settings import actions, agents, audit, language, notifications, replies, teams
from tickets.desk.settings.inbox_urls import urlpatterns as inbox_urlpatterns
from tickets.desk.settings.integration_urls import urlpatterns as integration_urlpatterns

urlpatterns = [
    path("desk/settings/teams/", teams.team_list, name="desk-settings-teams"),
    path("desk/settings/teams/<int:team_id>/", teams.team_detail, name="desk-settings-team"),
    path(
        "desk/settings/teams/<int:team_id>/update",
        teams.team_update,
        name="desk-settings-team-update",
    ),
    path(
        "desk/settings/teams/<int:team_id>/hours", teams.team_hours, name="desk-settings-team-hours"
    ),
    path(
        "desk/settings/teams/<int:team_id>/holidays",
        teams.team_holiday_add,
        name="desk-settings-team-holiday",
    ),
    path(
        "desk/settings/teams/<int:team_id>/holidays/<int:holiday_id>/remove",
        teams.team_holiday_remove,
        name="desk-settings-team-holiday-remove",
    ),
    path(
        "desk/settings/teams/<int:team_id>/public-holidays",
        teams.team_public_holidays,
        name="desk-settings-team-public-holidays",
    ),
    path("desk/settings/teams/<int:team_id>/sla", teams.team_sla, name="desk-settings-team-sla"),
    path("desk/settings/agents/", agents.agent_list, name="desk-settings-agents"),
    path("desk/settings/agents/invite", agents.agent_invite, name="desk-settings-agent-invite"),
    path(
        "desk/settings/agents/<int:user_id>/update",
        agents.agent_update,
        name="desk-settings-agent-update",
    ),
    path(
        "desk/settings/agents/<int:user_id>/deactivate",
        agents.agent_deactivate,
        name="desk-settings-agent-deactivate",
    ),
    path(
        "desk/settings/agents/<int:user_id>/reactivate",
        agents.agent_reactivate,
        name="desk-settings-agent-reactivate",
    ),
    path("desk/settings/replies/", replies.reply_list, name="desk-settings-replies"),
    path("desk/settings/replies/new", replies.reply_create, name="desk-settings-reply-new"),
    path(
        "desk/settings/replies/<int:reply_id>/update",
        replies.reply_update,
        name="desk-settings-reply-update",
    ),
    path(
        "desk/settings/replies/<int:reply_id>/delete",
        replies.reply_delete,
        name="desk-settings-reply-delete",
    ),
    path("desk/settings/audit/", audit.audit_log, name="desk-settings-audit"),
    *inbox_urlpatterns,
    path("desk/settings/language/", language.language_settings, name="desk-settings-language"),
    path(
        "desk/settings/notifications/",
        notifications.notifications,
        name="desk-settings-notifications",
    ),
    path("desk/settings/actions/", actions.action_list, name="desk-settings-actions"),
    path("desk/settings/actions/import", actions.action_import, name="desk-settings-action-import"),
    path(
        "desk/settings/actions/<int:action_id>/",
        actions.action_detail,
        name="desk-settings-action",
    ),
    path(
        "desk/settings/actions/<int:action_id>/test",
        actions.action_test,
        name="desk-settings-action-test",
    ),
    path(
        "desk/settings/actions/<int:action_id>/delete",
        actions.action_delete,
        name="desk-settings-action-delete",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        agents.accept_invitation,
        name="accept-invitation",
    ),
    path(
        "accounts/invitation/done/",
        agents.invitation_accepted,
        name="accept-invitation-done",
    ),
    *integration_urlpatterns,
]
