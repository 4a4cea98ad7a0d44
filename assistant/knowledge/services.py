"""Writes to the knowledge base. Every change of an article goes through here, so its chunks are
rebuilt and its embeddings queued in the same transaction as the change itself."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assistant.formfields import text_error
from assistant.knowledge.embedding import current_model_key
from assistant.knowledge.indexing import rebuild_chunks
from assistant.knowledge.languages import normalize_locale
from assistant.knowledge.models import Article, Chunk

# Chunks per Celery task: one provider call each (providers accept batches of 10-2048 inputs; the
# client splits further where needed), small enough that a retry redoes little work.
EMBEDDING_BATCH = 32

# The fields an edit may change; anything else is derived.
_EDITABLE = ("title", "slug", "body", "source_url", "locale", "status", "external_id", "updated_at")


# Text fields and whether each is a single line. PostgreSQL cannot store NUL, UTF-8 cannot
# encode a lone surrogate, and no article needs other control characters: such text is refused
# (an editor sees a form error, an import reports the article as skipped), never altered.
_TEXT_FIELDS = {
    "title": True,
    "slug": True,
    "locale": True,
    "source_url": True,
    "external_id": True,
    "body": False,
}


def check_text(values: dict[str, object]) -> None:
    """ValidationError naming each text field that breaks the shared rules."""
    errors = {
        name: text_error(value, single_line=_TEXT_FIELDS[name])
        for name, value in values.items()
        if name in _TEXT_FIELDS and isinstance(value, str)
    }
    errors = {name: error for name, error in errors.items() if error}
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True, slots=True)
class ArticleData:
    """An article as an editor or an importer describes it."""

    title: str
    body: str
    locale: str
    status: str = Article.Status.DRAFT
    slug: str = ""
    source_url: str = ""
    external_id: str = ""
    updated_at: datetime | None = None


def unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    """A free slug made from `base` ("returns", "returns-2", ...)."""
    root = (slugify(base) or "article")[:180].strip("-") or "article"
    taken = set(
        Article.objects.filter(slug__startswith=root)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    candidate, number = root, 2
    while candidate in taken:
        candidate, number = f"{root}-{number}", number + 1
    return candidate


@transaction.atomic
def article_create(*, data: ArticleData) -> Article:
    check_text({name: getattr(data, name) for name in _TEXT_FIELDS})
    article = Article(
        title=data.title.strip()[:300],
        slug=data.slug or unique_slug(data.title),
        body=data.body,
        source_url=data.source_url,
        locale=normalize_locale(data.locale),
        status=data.status,
        external_id=data.external_id,
        updated_at=data.updated_at or timezone.now(),
    )
    article.full_clean()
    article.save()
    article_reindex(article=article)
    return article


@transaction.atomic
def article_update(*, article: Article, **changes: object) -> Article:
    """Change some of an article's fields; rebuilds the chunks only when something changed."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    check_text(changes)
    if "locale" in changes:
        changes["locale"] = normalize_locale(str(changes["locale"]))
    changed = [name for name, value in changes.items() if getattr(article, name) != value]
    if not changed:
        return article
    for name in changed:
        setattr(article, name, changes[name])
    if "updated_at" not in changes:
        article.updated_at = timezone.now()
    article.full_clean()
    article.save()
    article_reindex(article=article)
    return article


def article_reindex(*, article: Article) -> None:
    """Rebuild the chunks of a saved article and, once committed, queue its missing embeddings.

    Also the hook for editors that saved the row themselves (the admin).
    """
    needing = rebuild_chunks(article)
    if article.is_published:
        queue_embeddings(needing)


def queue_embeddings(chunk_ids: Sequence[int]) -> int:
    """Queue embedding tasks for these chunks after the current transaction commits.

    Nothing is queued without an embeddings provider: search is then full-text only. Returns the
    number of tasks queued.
    """
    if not chunk_ids or current_model_key() is None:
        return 0
    from assistant.knowledge.tasks import embed_chunks

    batches = [
        list(chunk_ids[start : start + EMBEDDING_BATCH])
        for start in range(0, len(chunk_ids), EMBEDDING_BATCH)
    ]
    for batch in batches:
        transaction.on_commit(functools.partial(embed_chunks.delay, batch))
    return len(batches)


def queue_missing_embeddings() -> int:
    """Queue every published chunk without a vector from the current model (after configuring a
    provider, or changing the model). Returns the number of tasks queued."""
    key = current_model_key()
    if key is None:
        return 0
    ids = list(
        Chunk.objects.filter(article__status=Article.Status.PUBLISHED)
        .exclude(embedding_model=key)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        return queue_embeddings(ids)


Outcome = Literal["created", "updated", "unchanged"]


@transaction.atomic
def article_upsert(*, data: ArticleData) -> tuple[Article, Outcome]:
    """Create or update the article an import names (by external id, else by slug).

    Importing the same export twice changes nothing the second time.
    """
    check_text({name: getattr(data, name) for name in _TEXT_FIELDS})
    lookup = {"external_id": data.external_id} if data.external_id else {"slug": data.slug}
    existing = (
        Article.objects.select_for_update().filter(**lookup).first()
        if any(lookup.values())
        else None
    )
    if existing is None:
        return article_create(data=data), "created"
    changes = {
        "title": data.title.strip()[:300],
        "body": data.body,
        "source_url": data.source_url,
        "locale": normalize_locale(data.locale),
        "status": data.status,
        "updated_at": data.updated_at or existing.updated_at,
    }
    if not any(getattr(existing, name) != value for name, value in changes.items()):
        return existing, "unchanged"
    return article_update(article=existing, **changes), "updated"
