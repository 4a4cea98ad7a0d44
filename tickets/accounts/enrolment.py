"""The account's own two-factor page: set up an authenticator, see how many recovery codes are
left, make new ones, remove two-factor sign-in (when the team allows it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tickets.accounts import gate, two_factor
from tickets.accounts.models import SignInPolicy
from tickets.accounts.signin import safe_next


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    # Replacing an authenticator needs the current one: otherwise a stolen password would be
    # enough to move the second factor to the thief's phone.
    if two_factor.has_two_factor(request.user) and not gate.session_passes(
        request.user, request.session
    ):
        return redirect("accounts-verify")
    error = ""
    if request.method == "POST":
        try:
            codes = two_factor.enrolment_confirm(
                request=request, user=request.user, code=request.POST.get("code", "")
            )
        except two_factor.TwoFactorError as refusal:
            error = str(refusal)
        else:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": safe_next(request)},
            )
    enrolment = two_factor.enrolment_start(user=request.user)
    return render(
        request,
        "accounts/setup.html",
        {
            "enrolment": enrolment,
            "error": error,
            "next": safe_next(request),
            "required": SignInPolicy.current().require_two_factor,
        },
    )


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/two_factor.html", _manage_context(request))


def _manage_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    return {
        "enabled": two_factor.has_two_factor(request.user),
        "codes_left": two_factor.recovery_codes_left(request.user),
        "required": SignInPolicy.current().require_two_factor,
        **extra,
    }


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor.recovery_codes_regenerate(user=request.user)
    except two_factor.TwoFactorError as refusal:
        return render(
            request, "accounts/two_factor.html", _manage_context(request, error=str(refusal))
        )
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": "/accounts/two-factor/"}
    )


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.two_factor_remove(
            request=request, user=request.user, code=request.POST.get("code", "")
        )
    except two_factor.TwoFactorError as refusal:
        return render(
            request, "accounts/two_factor.html", _manage_context(request, error=str(refusal))
        )
    return redirect("accounts-two-factor")
