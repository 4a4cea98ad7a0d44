"""An inbox's e-mail settings page: the address, the assistant's mode on e-mail, the signature,
the IMAP mailbox (with a connection test) and the relay key. Admins change them; a manager of
a team serving the inbox reads them. The rules are the service's (tickets/workspace/
mail_accounts.py); every change is in the settings audit log."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from assistant.chat.models import Inbox
from assistant.mail.connection_check import imap_connection_check
from tickets import access
from tickets.desk.settings.changes import readable
from tickets.desk.settings.common import admins_only, attempt, managers_only, page_context, submit
from tickets.desk.settings.mail_forms import MailAccountForm
from tickets.models import SettingsChange
from tickets.workspace import mail_accounts as services

# The relay key shown once: kept in the admin's session between the rotation and the page that
# shows it, and removed from there by that page.
NEW_RELAY_KEY = "mail_settings_new_relay_key"


def _inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    """An inbox this person may see (their teams' for a manager); any other is 404."""
    inbox = access.visible_inboxes(request.user).filter(pk=inbox_id).first()
    if inbox is None:
        raise Http404
    return inbox


def _back(inbox: Inbox, anchor: str = "") -> HttpResponse:
    url = reverse("desk-settings-inbox-mail", kwargs={"inbox_id": inbox.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


def relay_url(request: HttpRequest, account_id: int) -> str:
    """Where a relay posts this address's raw mail (the relay endpoint: assistant/mail/urls.py)."""
    return request.build_absolute_uri(
        reverse("mail-relay-inbound", kwargs={"target": str(account_id)})
    )


@require_GET
@never_cache
@managers_only
def mail_settings(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    account = services.account_of(inbox)
    shown = request.session.get(NEW_RELAY_KEY)
    new_key = ""
    if isinstance(shown, dict) and shown.get("inbox") == inbox.pk:
        new_key = str(shown.get("key", ""))
        del request.session[NEW_RELAY_KEY]
    changes = (
        SettingsChange.objects.filter(subject_kind="mailaccount", subject_id=str(account.pk))[:20]
        if account is not None
        else []
    )
    context = {
        "section": "inboxes",
        "inbox": inbox,
        "account": account,
        "can_edit": access.is_admin(request.user),
        "form": MailAccountForm.for_account(account, auto_id="mail-%s"),
        "relay_url": relay_url(request, account.pk) if account is not None else "",
        "new_relay_key": new_key,
        "changes": readable(changes),
    }
    return render(request, "desk/settings/inbox_mail.html", {**page_context(request), **context})


@require_POST
@admins_only
def mail_settings_save(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    form = MailAccountForm(request.POST)
    submit(
        request,
        form,
        lambda data: services.mail_account_save(
            inbox=inbox,
            by=request.user,
            changes=form.changes(),
            password=data["imap_password"],
            remove_password=request.POST.get("remove_password") == "on",
        ),
        _("E-mail settings saved."),
    )
    return _back(inbox, "address")


@require_POST
@admins_only
def mail_connection_test(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    account = services.account_of(inbox)
    if account is None:
        messages.error(request, _("Save the inbox's e-mail address first."))
        return _back(inbox)
    report = imap_connection_check(account)
    (messages.success if report.ok else messages.error)(request, report.message)
    return _back(inbox, "imap")


@require_POST
@admins_only
def mail_relay_key(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    keys: list[str] = []
    if attempt(
        request,
        lambda: keys.append(services.mail_relay_key_rotate(inbox=inbox, by=request.user)),
        _("New relay key created. Copy it now: it is not shown again."),
    ):
        request.session[NEW_RELAY_KEY] = {"inbox": inbox.pk, "key": keys[0]}
    return _back(inbox, "relay")
