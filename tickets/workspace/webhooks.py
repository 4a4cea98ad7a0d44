"""Webhooks in the settings: where events go, which events, the signing secret (shown once
when made or rotated) and redelivery of a past delivery. Admins only.

A URL is checked against the SSRF policy (assistant/netguard.py) here, when it is saved, and
again at every delivery: its name may point elsewhere by then.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assistant import netguard
from tickets.webhooks import dispatch
from tickets.webhooks.models import Event, Webhook, WebhookDelivery, new_webhook_secret
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, require_admin

MAX_URL = 2000
MAX_DESCRIPTION = 200


def _checked_url(url: str) -> str:
    """The URL if the policy lets deliveries go there. A name that does not resolve yet is
    accepted: the receiver may not be online yet, and every delivery checks again."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise SettingsRefused("invalid", _("Give the address that receives the events."))
    try:
        netguard.validate_url_shape(url)
        netguard.vet(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    except ValidationError as error:
        raise SettingsRefused("invalid", " ".join(error.messages)) from error
    except netguard.UnsafeTarget as error:
        raise SettingsRefused(
            "invalid", _("This URL cannot receive webhooks: %(reason)s.") % {"reason": error}
        ) from error
    except netguard.UnresolvedTarget:
        pass
    return url


def _checked_events(events: Sequence[str]) -> list[str]:
    chosen = [event for event in Event.values if event in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise SettingsRefused("invalid", _("Choose at least one of the events listed."))
    return chosen


def _described(webhook: Webhook) -> dict[str, object]:
    return {
        "url": webhook.url,
        "events": list(webhook.events),
        "description": webhook.description,
        "active": webhook.active,
    }


def webhook_create(
    *,
    by: AbstractBaseUser,
    url: str,
    events: Sequence[str],
    description: str = "",
    active: bool = True,
) -> Webhook:
    """A new webhook with a fresh signing secret (``webhook.secret``, to be shown once)."""
    require_admin(by)
    # The DNS lookup of the check runs before the transaction: no connection held meanwhile.
    url, chosen = _checked_url(url), _checked_events(events)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            url=url,
            events=chosen,
            description=description.strip()[:MAX_DESCRIPTION],
            active=active,
            created_by=by,
        )
        record_change(
            actor=by, subject=webhook, action="webhook_created", after=_described(webhook)
        )
    return webhook


def webhook_update(
    *,
    by: AbstractBaseUser,
    webhook: Webhook,
    url: str,
    events: Sequence[str],
    description: str,
    active: bool,
) -> Webhook:
    require_admin(by)
    url, chosen = _checked_url(url), _checked_events(events)
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        before = _described(webhook)
        webhook.url, webhook.events, webhook.active = url, chosen, active
        webhook.description = description.strip()[:MAX_DESCRIPTION]
        after = _described(webhook)
        if before != after:
            webhook.save(update_fields=["url", "events", "description", "active"])
            record_change(
                actor=by, subject=webhook, action="webhook_updated", before=before, after=after
            )
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, by: AbstractBaseUser, webhook: Webhook) -> str:
    """A new signing secret, used from the next delivery on; the old one stops at once."""
    require_admin(by)
    secret = new_webhook_secret()
    Webhook.objects.filter(pk=webhook.pk).update(secret=secret)
    webhook.secret = secret
    # Never the secret itself in the log: only that it changed.
    record_change(actor=by, subject=webhook, action="webhook_secret_rotated")
    return secret


@transaction.atomic
def webhook_delete(*, by: AbstractBaseUser, webhook: Webhook) -> None:
    require_admin(by)
    record_change(actor=by, subject=webhook, action="webhook_deleted", before=_described(webhook))
    webhook.delete()


@transaction.atomic
def webhook_redeliver(*, by: AbstractBaseUser, delivery: WebhookDelivery) -> None:
    """Send a past delivery again, as its next attempt, after commit."""
    require_admin(by)
    if not delivery.webhook.active:
        raise SettingsRefused("invalid", _("Turn the webhook on before redelivering."))
    if not dispatch.redeliver(delivery):
        raise SettingsRefused("busy", _("This delivery is being sent right now."), status=409)
    record_change(
        actor=by, subject=delivery.webhook, action="webhook_redelivered",
        after={"delivery": str(delivery.pk), "event": delivery.event},
    )  # fmt: skip
