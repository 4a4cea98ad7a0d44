from django.urls import path

from assistant.chat import avatars, views

urlpatterns = [
    path("api/widget/session", views.widget_session, name="widget-session"),
    path(
        "api/widget/avatar/<str:inbox_key>/<str:version>.png",
        avatars.widget_avatar,
        name="widget-avatar",
    ),
]
