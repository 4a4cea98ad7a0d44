"""Agents: the list, invitations, role and capacity, deactivation. Admins only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from tickets.desk.settings import forms
from tickets.desk.settings.common import admins_only, attempt, form_errors, page_context, submit
from tickets.models import AgentProfile
from tickets.workspace import agents as services


def _staff(user_id: int) -> AgentProfile:
    profile = AgentProfile.objects.select_related("user").filter(user_id=user_id).first()
    if profile is None:
        raise Http404
    return profile


@require_GET
@admins_only
def agent_list(request: HttpRequest) -> HttpResponse:
    profiles = (
        AgentProfile.objects.select_related("user")
        .prefetch_related("user__teams")
        .order_by("-user__is_active", "user__first_name", "user__username")
    )
    rows = [
        (
            profile,
            forms.AgentForm(
                initial={"role": profile.role, "capacity": profile.capacity},
                prefix=str(profile.user_id),
            ),
        )
        for profile in profiles
    ]
    context = {"rows": rows, "invite_form": forms.InviteForm()}
    return render(request, "desk/settings/agents.html", {**page_context(request), **context})


@require_POST
@admins_only
def agent_invite(request: HttpRequest) -> HttpResponse:
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.agent_invite(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                teams=list(form.cleaned_data["teams"]),
                by=request.user,
                site_url=request.build_absolute_uri("/"),
            ),
            _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
    else:
        form_errors(request, form)
    return redirect("desk-settings-agents")


@require_POST
@admins_only
def agent_update(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _staff(user_id)
    submit(
        request,
        forms.AgentForm(request.POST, prefix=str(user_id)),
        lambda data: services.agent_update(user=profile.user, by=request.user, **data),
        _("Saved."),
    )
    return redirect("desk-settings-agents")


@require_POST
@admins_only
def agent_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _staff(user_id)
    released: list[int] = []
    attempt(
        request,
        lambda: released.append(services.agent_deactivate(user=profile.user, by=request.user)),
        _("%(name)s can no longer sign in.") % {"name": profile.user.get_username()},
    )
    if released and released[0]:
        messages.info(
            request,
            ngettext(
                "%(n)d conversation went back to the queue.",
                "%(n)d conversations went back to the queue.",
                released[0],
            )
            % {"n": released[0]},
        )
    return redirect("desk-settings-agents")


@require_POST
@admins_only
def agent_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _staff(user_id)
    attempt(
        request,
        lambda: services.agent_reactivate(user=profile.user, by=request.user),
        _("%(name)s can sign in again.") % {"name": profile.user.get_username()},
    )
    return redirect("desk-settings-agents")


class AcceptInvitationView(PasswordResetConfirmView):
    """The invitation link: Django's password-reset confirmation (token checked, the password
    validators applied), on a page that welcomes a new colleague."""

    template_name = "desk/settings/accept_invitation.html"
    success_url = reverse_lazy("accept-invitation-done")


accept_invitation = AcceptInvitationView.as_view()
invitation_accepted = TemplateView.as_view(template_name="desk/settings/invitation_accepted.html")
