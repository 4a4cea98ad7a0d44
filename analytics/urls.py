"""Analytics pages, mounted at /analytics/ by assistant/urls.py."""

from __future__ import annotations

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("response-times/", views.response_times, name="response_times"),
    path("csat/", views.csat, name="csat"),
    path("agents/", views.agents, name="agents"),
    path("models/", views.models, name="models"),
    path("compare/", views.compare, name="compare"),
    path("conversations/", views.conversations, name="conversations"),
]
