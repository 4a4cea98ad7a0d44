"""Webhooks: the list, a new webhook (its signing secret shown once), one webhook's settings,
secret rotation, and its delivery log with redelivery. Admins only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.desk.settings.common import admins_only, attempt, form_errors, page_context
from tickets.desk.settings.integration_forms import WebhookForm
from tickets.desk.settings.reveal import reveal_once, take_revealed
from tickets.webhooks.log import delivery_log
from tickets.webhooks.models import Webhook, WebhookDelivery
from tickets.workspace import webhooks as services

REVEAL_KIND = "webhook_secret"


def _listed() -> QuerySet[Webhook]:
    latest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at")
    return Webhook.objects.annotate(
        last_status=Subquery(latest.values("status")[:1]),
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
    ).order_by("-created_at")


def _webhook(webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404
    return webhook


@require_GET
@admins_only
def webhook_list(request: HttpRequest) -> HttpResponse:
    take_revealed(request, kind=REVEAL_KIND)  # a secret is shown on its webhook's page only
    context = {"webhooks": _listed(), "form": WebhookForm(auto_id="new-%s")}
    return render(request, "desk/settings/webhooks.html", {**page_context(request), **context})


@require_POST
@admins_only
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("desk-settings-webhooks")
    created: list[Webhook] = []
    if not attempt(
        request,
        lambda: created.append(services.webhook_create(by=request.user, **form.cleaned_data)),
        _("Webhook created. Copy its signing secret now: it will not be shown again."),
    ):
        return redirect("desk-settings-webhooks")
    webhook = created[0]
    reveal_once(request, kind=REVEAL_KIND, subject_id=webhook.pk, secret=webhook.secret)
    return redirect("desk-settings-webhook", webhook_id=webhook.pk)


@require_GET
@admins_only
def webhook_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = _webhook(webhook_id)
    revealed = take_revealed(request, kind=REVEAL_KIND)
    page, deliveries = delivery_log(webhook, request.GET.get("page"))
    context = {
        "webhook": webhook,
        "form": WebhookForm(
            initial={
                "url": webhook.url,
                "description": webhook.description,
                "events": webhook.events,
                "active": webhook.active,
            }
        ),
        "new_secret": revealed[1] if revealed and revealed[0] == str(webhook.pk) else None,
        "page": page,
        "deliveries": deliveries,
        "retention_days": settings.WEBHOOK_DELIVERY_RETENTION_DAYS,
    }
    return render(request, "desk/settings/webhook.html", {**page_context(request), **context})


@require_POST
@admins_only
def webhook_update(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = _webhook(webhook_id)
    form = WebhookForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.webhook_update(by=request.user, webhook=webhook, **form.cleaned_data),
            _("Webhook saved."),
        )
    else:
        form_errors(request, form)
    return redirect("desk-settings-webhook", webhook_id=webhook.pk)


@require_POST
@admins_only
def webhook_rotate_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = _webhook(webhook_id)
    secrets: list[str] = []
    if attempt(
        request,
        lambda: secrets.append(services.webhook_rotate_secret(by=request.user, webhook=webhook)),
        _("New signing secret made; the old one no longer signs. Copy it now."),
    ):
        reveal_once(request, kind=REVEAL_KIND, subject_id=webhook.pk, secret=secrets[0])
    return redirect("desk-settings-webhook", webhook_id=webhook.pk)


@require_POST
@admins_only
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = _webhook(webhook_id)
    attempt(
        request,
        lambda: services.webhook_delete(by=request.user, webhook=webhook),
        _("Webhook deleted."),
    )
    return redirect("desk-settings-webhooks")


@require_POST
@admins_only
def delivery_redeliver(
    request: HttpRequest, webhook_id: int, delivery_id: uuid.UUID
) -> HttpResponse:
    webhook = _webhook(webhook_id)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, webhook=webhook).first()
    if delivery is None:
        raise Http404
    attempt(
        request,
        lambda: services.webhook_redeliver(by=request.user, delivery=delivery),
        _("Redelivery queued: it appears below as the next attempt."),
    )
    return redirect("desk-settings-webhook", webhook_id=webhook.pk)
