"""URLs for the knowledge tests: the help pages mounted where the project mounts them, so the
tests do not depend on the project's urls.py including them yet."""

from django.urls import include, path

urlpatterns = [path("help/", include("assistant.knowledge.urls"))]
