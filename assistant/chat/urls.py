from django.urls import path

from assistant.chat import attachment_views, avatars, views

urlpatterns = [
    path("api/widget/session", views.widget_session, name="widget-session"),
    path(
        "api/widget/avatar/<str:inbox_key>/<str:version>.png",
        avatars.widget_avatar,
        name="widget-avatar",
    ),
    path("api/widget/attachments", attachment_views.widget_upload, name="widget-upload"),
    path(
        "api/widget/attachments/<str:token>",
        attachment_views.widget_download,
        name="widget-attachment",
    ),
]
