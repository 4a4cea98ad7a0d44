"""Attachments on the desk: served to staff who may see the conversation, through the same
signed, expiring links as the widget's (assistant/chat/attachment_links.py), judged by the desk's
expiry. A link to a file of a conversation the user may not see, or a forged, altered or expired
link, is a bare 404 like a file that never existed."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from assistant.chat.attachment_links import InvalidLink, attachment_id_from
from assistant.chat.attachment_serving import attachment_response
from assistant.chat.models import Attachment
from tickets import access
from tickets.desk.decorators import desk_required


@require_GET
@desk_required
def desk_attachment(request: HttpRequest, token: str) -> HttpResponse:
    try:
        attachment_id = attachment_id_from(token, max_age=settings.ATTACHMENT_URL_MAX_AGE_AGENT)
    except InvalidLink as error:
        raise Http404 from error
    attachment = Attachment.objects.filter(
        pk=attachment_id, conversation__in=access.visible_conversations(request.user)
    ).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)
