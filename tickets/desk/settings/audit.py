"""The settings audit log page: who changed what, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets.desk.settings.changes import readable
from tickets.desk.settings.common import admins_only, page_context
from tickets.models import SettingsChange

PAGE_SIZE = 50


@require_GET
@admins_only
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(SettingsChange.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "changes": readable(page.object_list)}
    return render(request, "desk/settings/audit.html", {**page_context(request), **context})
