"""Help articles in the desk: every agent searches them; managers and admins write, preview and
publish. Saving re-chunks the article and queues its embeddings (assistant.knowledge.services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assistant.chat.article_outcomes import ArticleOutcome, article_outcomes
from assistant.formfields import TextField, validate_line
from assistant.knowledge import services as knowledge
from assistant.knowledge.models import Article
from assistant.knowledge.rendering import render_markdown
from assistant.knowledge.search import embed_query, search_articles
from assistant.privacy.outbound import CallScope
from assistant.privacy.policy import PrivacySettings
from tickets import access
from tickets.desk.decorators import desk_required
from tickets.desk.views import shell


class ArticleForm(forms.Form):
    title = TextField(label=_("Title"), single_line=True, max_length=300)
    locale = TextField(label=_("Language"), single_line=True, max_length=16, initial="en")
    status = forms.ChoiceField(label=_("Status"), choices=Article.Status.choices)
    source_url = forms.URLField(
        label=_("Public URL"), required=False, assume_scheme="https", validators=[validate_line]
    )
    body = TextField(label=_("Body (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}))


class ArticleSearchForm(forms.Form):
    q = TextField(label=_("Search"), single_line=True, required=False, max_length=200)


def _require_editor(request: HttpRequest) -> None:
    if not access.is_manager(request.user):
        raise PermissionDenied


def outcome_summary(outcome: ArticleOutcome | None) -> str:
    """One line under an article's title: how often answers cited it, and how the conversations
    citing it ended."""
    if outcome is None:
        return gettext("Not cited in any answer yet")
    parts = [
        ngettext(
            "Cited in %(count)s conversation",
            "Cited in %(count)s conversations",
            outcome.conversations,
        )
        % {"count": outcome.conversations},
        gettext("%(percent)s %% handed to a person")
        % {"percent": round(100 * (outcome.handoff_rate or 0))},
    ]
    if outcome.csat is not None:
        parts.append(
            ngettext(
                "CSAT %(score).1f / 5 (%(count)s rating)",
                "CSAT %(score).1f / 5 (%(count)s ratings)",
                outcome.ratings,
            )
            % {"score": outcome.csat, "count": outcome.ratings}
        )
    return " · ".join(parts)


@desk_required
def article_list(request: HttpRequest) -> HttpResponse:
    search = ArticleSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    if not search.is_valid():
        articles: list[Article] = []
    elif query:
        # An agent's words leave for the embeddings provider through the audited call too.
        vector = embed_query(query, scope=CallScope(None, None, PrivacySettings()))
        hits = search_articles(query, limit=30, query_vector=vector)
        articles = list(Article.objects.filter(pk__in=[hit.article_id for hit in hits]))
        articles.sort(key=lambda a: [hit.article_id for hit in hits].index(a.pk))
    else:
        articles = list(Article.objects.order_by("-updated_at")[:100])
    # How each listed article did: citations, and the outcomes of the conversations citing it.
    outcomes = article_outcomes(a.public_url for a in articles)
    context = {
        "articles": [(a, outcome_summary(outcomes.get(a.public_url))) for a in articles],
        "query": query,
        "search_form": search,
        "can_edit": access.is_manager(request.user),
    }
    status = 200 if search.is_valid() else 400
    return render(request, "desk/articles.html", {**shell(request), **context}, status=status)


@desk_required
def article_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    _require_editor(request)
    article = None
    if article_id is not None:
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise Http404
    initial: dict[str, Any] = {}
    if article is not None:
        initial = {
            field: getattr(article, field)
            for field in ("title", "locale", "status", "source_url", "body")
        }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if article is None:
                article = knowledge.article_create(data=knowledge.ArticleData(**data))
            else:
                article = knowledge.article_update(article=article, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("desk-article-edit", article_id=article.pk)
    context = {"form": form, "article": article}
    return render(request, "desk/article_edit.html", {**shell(request), **context})


@require_POST
@desk_required
def article_preview(request: HttpRequest) -> HttpResponse:
    """The Markdown as the help page will show it (rendered with HTML disabled)."""
    _require_editor(request)
    return HttpResponse(render_markdown(request.POST.get("body", "")[:100_000]))
