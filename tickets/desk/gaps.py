"""The knowledge-gaps page: what customers asked that no help article answered, grouped by
meaning, with a way to start the missing article from a group.

Every desk user sees the gaps of the inboxes they see; writing an article is for the editors of
articles (managers and admins), as on the articles pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from assistant.chat.gaps import knowledge_gaps
from assistant.formfields import TextField
from assistant.knowledge.models import Article
from tickets import access
from tickets.desk.articles import ArticleForm
from tickets.desk.decorators import desk_required
from tickets.desk.views import shell

DEFAULT_DAYS = 30
MAX_DAYS = 366
# The questions a drafted article starts from: enough to see the variety, few enough to read.
DRAFT_QUESTIONS = 10
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GapPeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def period(self) -> tuple[date, date]:
        """The chosen days, both included (the last 30 days unless told)."""
        today = timezone.localdate()
        until = self.cleaned_data.get("until") or today
        since = self.cleaned_data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        return since, until

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        if since and until and (until - since).days >= MAX_DAYS:
            raise forms.ValidationError(
                gettext("Choose at most %(days)s days.") % {"days": MAX_DAYS}
            )
        return data


class GapDraftForm(forms.Form):
    """A group, posted from the gaps page to start an article (its questions: `questions`)."""

    title = TextField(single_line=True, max_length=300)
    locale = TextField(single_line=True, max_length=16, required=False)

    def questions(self, posted: list[str]) -> list[str]:
        """The posted questions that pass the text rules, each on one line, at most
        DRAFT_QUESTIONS of them."""
        field = TextField(max_length=1000)
        kept: list[str] = []
        for text in posted[:DRAFT_QUESTIONS]:
            try:
                kept.append(" ".join(field.clean(text).split()))
            except forms.ValidationError:
                continue
        return [q for q in dict.fromkeys(kept) if q]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET
@desk_required
def gap_list(request: HttpRequest) -> HttpResponse:
    form = GapPeriodForm(request.GET)
    valid = form.is_valid()
    since, until = form.period() if valid else (None, None)
    report = None
    if since is not None and until is not None:
        # The inputs show the period used, also when it was the default one.
        form = GapPeriodForm({"since": since.isoformat(), "until": until.isoformat()})
        form.is_valid()
        inbox_ids = access.visible_inboxes(request.user).values_list("pk", flat=True)
        report = knowledge_gaps(
            since=_start_of(since), until=_start_of(until + timedelta(days=1)), inbox_ids=inbox_ids
        )
    context = {
        "form": form,
        "report": report,
        "since": since,
        "until": until,
        "can_edit": access.is_manager(request.user),
    }
    return render(
        request, "desk/gaps.html", {**shell(request), **context}, status=200 if valid else 400
    )


@require_POST
@desk_required
def gap_article_draft(request: HttpRequest) -> HttpResponse:
    """The article editor, prefilled from a group as a draft; saving creates the article."""
    if not access.is_manager(request.user):
        raise PermissionDenied
    draft = GapDraftForm(request.POST)
    if not draft.is_valid():
        return HttpResponse(gettext("The group's questions could not be read."), status=400)
    questions = draft.questions(request.POST.getlist("question"))
    body = "\n".join(
        [
            "## " + gettext("What customers asked"),
            "",
            *(f"- {q}" for q in questions),
            "",
            "## " + gettext("Answer"),
            "",
            gettext("Write the answer here, then remove the questions above."),
        ]
    )
    form = ArticleForm(
        initial={
            "title": draft.cleaned_data["title"],
            "locale": draft.cleaned_data["locale"] or "en",
            "status": Article.Status.DRAFT,
            "body": body,
        }
    )
    context = {"form": form, "article": None, "form_action": reverse("desk-article-new")}
    return render(request, "desk/article_edit.html", {**shell(request), **context})
