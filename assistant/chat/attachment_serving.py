"""The one way an attachment's bytes leave the server, for the widget and the desk alike.

Only re-encoded images are shown inline; everything else (PDFs, text) is a download. Every
response forbids sniffing and carries a sandboxing Content-Security-Policy, so even a file a
browser mistook for a page could run no script and reach no origin.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from assistant.chat.attachments import IMAGE_TYPES
from assistant.chat.models import Attachment

SANDBOX_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def attachment_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        # The row outlived its file (a storage outage, a restore of only the database).
        raise Http404 from error
    inline = attachment.content_type in IMAGE_TYPES
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # The URL expires; a browser may keep the bytes for as long as the page shows them.
    response["Cache-Control"] = "private, max-age=600"
    response["Referrer-Policy"] = "no-referrer"
    return response
