"""The assistant's actions (assistant/actions, docs/actions.md), for managers and admins: list,
define, change, delete, and try one with a sample request."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assistant.actions import openapi
from assistant.actions.models import Action
from tickets import access
from tickets.desk.settings.action_forms import ActionForm, ActionTestForm, OpenAPIImportForm
from tickets.desk.settings.common import attempt, form_errors, managers_only, page_context
from tickets.workspace import actions as services


def _form(request: HttpRequest, **kwargs: Any) -> ActionForm:
    return ActionForm(inboxes=access.visible_inboxes(request.user), **kwargs)


def _managed(request: HttpRequest, action_id: int) -> Action:
    action = services.manageable_actions(request.user).filter(pk=action_id).first()
    if action is None:  # another inbox's action looks like a missing one
        raise Http404
    return action


def _save(request: HttpRequest, form: ActionForm, done: str) -> bool:
    if not form.is_valid():
        form_errors(request, form)
        return False
    return attempt(
        request,
        lambda: services.action_save(
            action=form.instance,
            by=request.user,
            secret_value=form.cleaned_data["secret_value"],
            clear_secret=form.cleaned_data["clear_secret"],
        ),
        done,
    )


@require_http_methods(["GET", "POST"])
@managers_only
def action_list(request: HttpRequest) -> HttpResponse:
    form = _form(request, data=request.POST or None, auto_id="new-%s")
    if request.method == "POST" and _save(request, form, _("Action created.")):
        return redirect("desk-settings-action", action_id=form.instance.pk)
    return _list_page(request, form, OpenAPIImportForm(auto_id="import-%s"))


def _list_page(
    request: HttpRequest, form: ActionForm, import_form: OpenAPIImportForm
) -> HttpResponse:
    context = {
        "actions": services.manageable_actions(request.user),
        "form": form,
        "import_form": import_form,
    }
    return render(request, "desk/settings/actions.html", {**page_context(request), **context})


@require_POST
@managers_only
def action_import(request: HttpRequest) -> HttpResponse:
    """Fill in the new-action form from one OpenAPI operation; nothing is saved until the
    person reviews it and creates the action."""
    import_form = OpenAPIImportForm(request.POST, auto_id="import-%s")
    initial: dict[str, Any] = {}
    if import_form.is_valid():
        initial = _imported(request, **import_form.cleaned_data)
    else:
        form_errors(request, import_form)
    return _list_page(request, _form(request, initial=initial, auto_id="new-%s"), import_form)


@require_http_methods(["GET", "POST"])
@managers_only
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _managed(request, action_id)
    form = _form(request, data=request.POST or None, instance=action)
    if request.method == "POST" and _save(request, form, _("Action saved.")):
        return redirect("desk-settings-action", action_id=action.pk)
    context = {"action": action, "form": form, "test_form": ActionTestForm(), "tried": None}
    return render(request, "desk/settings/action.html", {**page_context(request), **context})


@require_POST
@managers_only
def action_test(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _managed(request, action_id)
    test_form = ActionTestForm(request.POST)
    tried = None
    if test_form.is_valid():
        tried = services.action_try(
            action=action,
            by=request.user,
            arguments=test_form.cleaned_data["arguments"],
            customer_id=test_form.cleaned_data["customer_id"],
        )
    else:
        form_errors(request, test_form)
    context = {"action": action, "form": _form(request, instance=action), "test_form": test_form}
    context["tried"] = tried
    return render(request, "desk/settings/action.html", {**page_context(request), **context})


def _imported(request: HttpRequest, *, document: str, operation: str, base_url: str) -> dict:
    """The new-action form's initial values from the operation, or none (with the reason, and
    the document's operations when it could be read)."""
    try:
        parsed = openapi.load(document)
    except openapi.OpenAPIError as error:
        messages.error(request, _("The document could not be read: %(e)s") % {"e": error})
        return {}
    try:
        imported = openapi.operation_to_action(parsed, operation, base_url=base_url)
    except openapi.OpenAPIError as error:
        messages.error(request, _("The operation could not be imported: %(e)s") % {"e": error})
        if found := openapi.operations(parsed):
            messages.info(request, _("Its operations: %(ops)s") % {"ops": "; ".join(found)})
        return {}
    messages.success(request, _("Filled in from the OpenAPI operation: review it, then create it."))
    return {
        "name": imported.name,
        "description": imported.description,
        "method": imported.method,
        "url": imported.url,
        "parameters": imported.parameters,
        "changes_data": imported.changes_data,
        "identity_fields": ["customer_id"],
        "enabled": True,
    }


@require_POST
@managers_only
def action_delete(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _managed(request, action_id)
    attempt(
        request,
        lambda: services.action_delete(action=action, by=request.user),
        _("Action deleted."),
    )
    return redirect("desk-settings-actions")
