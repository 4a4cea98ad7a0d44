"""API tokens: the list (never a key), a new token (its key shown once), revoking. Admins only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.apitokens.models import ApiToken
from tickets.desk.settings.common import admins_only, attempt, form_errors, page_context
from tickets.desk.settings.integration_forms import ApiTokenForm
from tickets.desk.settings.reveal import reveal_once, take_revealed
from tickets.workspace import api_tokens as services

REVEAL_KIND = "api_token"


@require_GET
@admins_only
def token_list(request: HttpRequest) -> HttpResponse:
    revealed = take_revealed(request, kind=REVEAL_KIND)
    context = {
        "tokens": services.api_tokens_listed(),
        "form": ApiTokenForm(initial={"owner": request.user.pk}),
        "new_token_id": revealed[0] if revealed else None,
        "new_key": revealed[1] if revealed else None,
    }
    return render(request, "desk/settings/api_tokens.html", {**page_context(request), **context})


@require_POST
@admins_only
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("desk-settings-api-tokens")
    created: list[tuple[ApiToken, str]] = []
    if attempt(
        request,
        lambda: created.append(services.api_token_create(by=request.user, **form.cleaned_data)),
        _("Token created. Copy it now: it will not be shown again."),
    ):
        token, key = created[0]
        reveal_once(request, kind=REVEAL_KIND, subject_id=token.pk, secret=key)
    return redirect("desk-settings-api-tokens")


@require_POST
@admins_only
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404
    attempt(
        request,
        lambda: services.api_token_revoke(by=request.user, token=token),
        _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name},
    )
    return redirect("desk-settings-api-tokens")
