"""/api/v1/ (the REST API), /api/schema/ (OpenAPI), /api/docs/ and /api/redoc/ (its pages)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from tickets.api import actions, attachments, views

# No trailing slashes, like the widget's and the desk's own endpoints; path converters (int,
# uuid) keep malformed ids out of the views altogether.
router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("tickets", views.TicketViewSet, basename="api-ticket")
router.register("conversations", views.ConversationViewSet, basename="api-conversation")
router.register("contacts", views.ContactViewSet, basename="api-contact")
router.register("actions", actions.ActionViewSet, basename="api-action")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path(
        "api/v1/attachments/<str:token>",
        attachments.AttachmentDownloadView.as_view(),
        name="api-attachment",
    ),
    re_path(r"^api/v1/", views.NotFoundView.as_view()),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
