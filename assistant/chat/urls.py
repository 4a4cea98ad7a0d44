from django.urls import path

from assistant.chat import views

urlpatterns = [
    path("api/widget/session", views.widget_session, name="widget-session"),
]
