"""/api/v1/actions: the assistant's actions (docs/actions.md) for managers (their teams'
inboxes) and admins (every inbox), through the same service as the desk's settings
(tickets/workspace/actions.py), with the same rules and the same audit log.

The secret header's value is write-only: accepted in ``secret_header_value``, never returned
(``has_secret`` says whether one is stored).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from assistant.actions.models import Action, IdentityField
from tickets import access
from tickets.workspace import actions as services
from tickets.workspace.permissions import SettingsRefused


class ActionSerializer(serializers.ModelSerializer):
    identity_fields = serializers.MultipleChoiceField(
        choices=IdentityField.choices, required=False, help_text=_("Verified identity sent.")
    )
    secret_header_value = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Write-only: stored encrypted, never returned. Empty or absent keeps it."),
    )
    has_secret = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id", "inbox", "name", "description", "parameters", "method", "url",
            "secret_header_name", "secret_header_value", "has_secret", "identity_fields",
            "changes_data", "confirmation_text", "timeout_seconds", "enabled", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.context["request"].user
        # Another team's inbox "does not exist" here, as for a foreign id anywhere in the API.
        self.fields["inbox"].queryset = access.visible_inboxes(user)

    def to_representation(self, instance: Action) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["identity_fields"] = sorted(instance.identity_fields or ())
        return data

    def validate_identity_fields(self, value: set[str]) -> list[str]:
        return sorted(value)


@extend_schema_view(
    list=extend_schema(operation_id="actions_list", summary="The actions you may configure"),
    retrieve=extend_schema(operation_id="actions_retrieve", summary="Get an action"),
    create=extend_schema(operation_id="actions_create", summary="Define an action"),
    partial_update=extend_schema(operation_id="actions_update", summary="Change an action"),
    destroy=extend_schema(operation_id="actions_destroy", summary="Delete an action"),
)
class ActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The assistant's actions on the inboxes you manage (managers and admins)."""

    serializer_class = ActionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Action]:
        return services.manageable_actions(self.request.user).order_by("inbox", "name")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not access.is_manager(request.user):
            raise PermissionDenied(_("Only managers and admins may configure actions."))

    def perform_create(self, serializer: ActionSerializer) -> None:
        self._save(serializer, Action())

    def perform_update(self, serializer: ActionSerializer) -> None:
        self._save(serializer, serializer.instance)

    def _save(self, serializer: ActionSerializer, action: Action) -> None:
        data = dict(serializer.validated_data)
        secret = data.pop("secret_header_value", "")
        for name, value in data.items():
            setattr(action, name, value)
        try:
            serializer.instance = services.action_save(
                action=action, by=self.request.user, secret_value=secret
            )
        except SettingsRefused as refusal:
            raise PermissionDenied(refusal.message) from refusal

    def perform_destroy(self, instance: Action) -> None:
        try:
            services.action_delete(action=instance, by=self.request.user)
        except SettingsRefused as refusal:
            raise PermissionDenied(refusal.message) from refusal

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)
