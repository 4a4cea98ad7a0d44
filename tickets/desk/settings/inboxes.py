"""Inboxes: the list, one inbox's settings page, and the changes made from it. Admins change
everything; managers read the inboxes of their teams and may switch the assistant on or off."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistant.chat.models import Inbox
from tickets import access
from tickets.desk.settings import inbox_forms as forms
from tickets.desk.settings.changes import readable
from tickets.desk.settings.common import (
    admins_only,
    attempt,
    form_errors,
    managers_only,
    page_context,
    submit,
)
from tickets.models import SettingsChange
from tickets.workspace import inbox_rules
from tickets.workspace import inboxes as services
from tickets.workspace.avatars import MAX_UPLOAD_BYTES

# The secret shown once: kept in the admin's session between the rotation and the page that
# shows it, and removed from there by that page.
NEW_SECRET_KEY = "inbox_settings_new_secret"


def _inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    """An inbox this person may see (their teams' for a manager); any other is 404."""
    inbox = access.visible_inboxes(request.user).filter(pk=inbox_id).first()
    if inbox is None:
        raise Http404
    return inbox


def _back(inbox: Inbox, anchor: str = "") -> HttpResponse:
    url = reverse("desk-settings-inbox", kwargs={"inbox_id": inbox.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_http_methods(["GET", "POST"])
@managers_only
def inbox_list(request: HttpRequest) -> HttpResponse:
    form = forms.InboxCreateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            created: list[Inbox] = []
            if attempt(
                request,
                lambda: created.append(
                    services.inbox_create(name=form.cleaned_data["name"], by=request.user)
                ),
                _("Inbox created."),
            ):
                return _back(created[0])
        else:
            form_errors(request, form)
        return redirect("desk-settings-inboxes")
    context = {
        "section": "inboxes",
        "inbox_rows": access.visible_inboxes(request.user)
        .order_by("name")
        .prefetch_related("teams")
        .defer("avatar_png"),
        "form": form,
        "can_create": access.is_admin(request.user),
    }
    return render(request, "desk/settings/inboxes.html", {**page_context(request), **context})


def install_snippet(request: HttpRequest, inbox: Inbox) -> str:
    """The one script tag a company puts on its pages, pointing at this server."""
    loader = request.build_absolute_uri("/static/widget/loader.js")
    return f'<script src="{loader}" data-inbox="{inbox.public_key}" async></script>'


@require_GET
@never_cache
@managers_only
def inbox_detail(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    can_edit = access.is_admin(request.user)
    shown = request.session.get(NEW_SECRET_KEY)
    new_secret = ""
    if isinstance(shown, dict) and shown.get("inbox") == inbox.pk:
        new_secret = str(shown.get("secret", ""))
        del request.session[NEW_SECRET_KEY]
    privacy = services.privacy_of(inbox)
    context = {
        "section": "inboxes",
        "inbox": inbox,
        "can_edit": can_edit,
        "forms": {
            key: form_class.for_inbox(inbox, auto_id=f"{key}-%s")
            for key, form_class in forms.SECTIONS.items()
        },
        "avatar_form": forms.AvatarForm(auto_id="avatar-%s"),
        "avatar_accept": "image/png,image/jpeg,image/webp,image/gif",
        "privacy_form": forms.PrivacyForm.for_privacy(privacy),
        "snippet": install_snippet(request, inbox),
        "contrast": inbox_rules.widget_text_contrast(inbox.color) if inbox.color else None,
        "new_secret": new_secret,
        "changes": readable(
            SettingsChange.objects.filter(subject_kind="inbox", subject_id=str(inbox.pk))[:20]
        ),
    }
    return render(request, "desk/settings/inbox.html", {**page_context(request), **context})


@require_POST
@admins_only
def inbox_update(request: HttpRequest, inbox_id: int, section: str) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    form_class = forms.SECTIONS.get(section)
    if form_class is None:
        raise Http404
    submit(
        request,
        form_class(request.POST),
        lambda data: services.inbox_update(inbox=inbox, by=request.user, changes=data),
        _("Inbox saved."),
    )
    return _back(inbox, section)


@require_POST
@admins_only
def inbox_avatar(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    if request.POST.get("remove"):
        attempt(
            request,
            lambda: services.inbox_remove_avatar(inbox=inbox, by=request.user),
            _("Avatar removed: the widget shows the name's initials."),
        )
        return _back(inbox, "widget")
    form = forms.AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["avatar"]
        # Read one byte past the limit: enough to refuse a larger file without reading it all.
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        attempt(
            request,
            lambda: services.inbox_set_avatar(inbox=inbox, by=request.user, upload=data),
            _("Avatar saved."),
        )
    else:
        form_errors(request, form)
    return _back(inbox, "widget")


@require_POST
@admins_only
def inbox_rotate_secret(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    secrets: list[str] = []
    if attempt(
        request,
        lambda: secrets.append(services.inbox_rotate_identity_secret(inbox=inbox, by=request.user)),
        _("New identity secret created. Copy it now: it is not shown again."),
    ):
        request.session[NEW_SECRET_KEY] = {"inbox": inbox.pk, "secret": secrets[0]}
    return _back(inbox, "identity")


@require_POST
@managers_only
def inbox_assistant(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    enabled = request.POST.get("enabled") == "on"
    handed: list[int] = []
    done = (
        _("The assistant answers new conversations again.")
        if enabled
        else _("The assistant is off: new conversations wait for a person.")
    )
    switched = attempt(
        request,
        lambda: handed.append(
            services.inbox_switch_assistant(inbox=inbox, by=request.user, enabled=enabled)
        ),
        done,
    )
    if switched and handed[0]:
        messages.warning(
            request,
            ngettext(
                "%(n)d conversation went to the people's queue.",
                "%(n)d conversations went to the people's queue.",
                handed[0],
            )
            % {"n": handed[0]},
        )
    return _back(inbox, "assistant")


@require_POST
@admins_only
def inbox_privacy(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    submit(
        request,
        forms.PrivacyForm(request.POST),
        lambda data: services.inbox_set_privacy(
            inbox=inbox,
            by=request.user,
            allowed_jurisdictions=data["allowed_jurisdictions"].splitlines(),
            redact_internal=data["redact_internal"],
            retention_days=data["retention_days"],
            retention_action=data["retention_action"],
        ),
        _("Privacy and retention saved."),
    )
    return _back(inbox, "privacy")
