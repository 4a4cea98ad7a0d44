"""Mounted by the project at /help/: /help/<slug>/ is an article's public page."""

from django.urls import path

from assistant.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_index, name="index"),
    path("<slug:slug>/", views.article_detail, name="article"),
]
