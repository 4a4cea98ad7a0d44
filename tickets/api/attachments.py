"""Attachments for API clients: each message lists its files with a signed, expiring URL under
/api/v1/attachments/, served to the same staff (by token or desk session) who may read the
conversation. The link is the desk's (assistant/chat/attachment_links.py), judged by the desk's
expiry; a file of a conversation outside the caller's inboxes, or a forged, altered or expired
link, is the API's usual 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from assistant.chat.attachment_links import InvalidLink, attachment_id_from, attachment_token
from assistant.chat.attachment_serving import attachment_response
from assistant.chat.models import Attachment
from tickets import access


class MessageAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=(
            "Where the file's bytes are, for the next ATTACHMENT_URL_MAX_AGE_AGENT seconds "
            "(8 hours by default), with the same credentials as this API."
        )
    )

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "width", "height", "source", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: Attachment) -> str:
        path = reverse("api-attachment", kwargs={"token": attachment_token(attachment.pk)})
        request: Request | None = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class _FileContentNegotiation(BaseContentNegotiation):
    """The answer is the file in its own type, or a JSON error: a client asking for
    ``Accept: application/pdf`` must not get 406 because the API otherwise speaks only JSON."""

    def select_parser(self, request: Any, parsers: list[BaseParser]) -> BaseParser:
        return parsers[0]

    def select_renderer(
        self, request: Any, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class AttachmentDownloadView(APIView):
    """A file of a conversation the caller may read; images inline, anything else a download."""

    content_negotiation_class = _FileContentNegotiation

    @extend_schema(
        operation_id="attachments_retrieve",
        summary="Download an attachment (the url a message lists)",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with its own content type."
            )
        },
    )
    def get(self, request: Request, token: str) -> FileResponse:
        try:
            attachment_id = attachment_id_from(token, max_age=settings.ATTACHMENT_URL_MAX_AGE_AGENT)
        except InvalidLink as error:
            raise NotFound() from error
        attachment = Attachment.objects.filter(
            pk=attachment_id, conversation__in=access.visible_conversations(request.user)
        ).first()
        if attachment is None:
            raise NotFound()
        return attachment_response(attachment)
