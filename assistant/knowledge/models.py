"""Help articles and the chunks that search ranks.

An Article is what people write and read (Markdown). Its Chunks are derived data, rebuilt by
`services.article_reindex` whenever the article changes: each holds two maintained tsvectors (the
article's language, and CJK bigrams in `simple`) under GIN indexes, and an embedding once the
Celery task has computed one.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pgvector.django import HalfVectorField, HnswIndex, VectorField

# A column needs one size. Every vector is stored zero-padded to this width: padding with zeros
# changes neither dot products nor norms, so cosine similarity between two padded vectors equals
# that of the originals. Wider embeddings are refused (see embedding.py). 1024 is the default of
# Qwen's text-embedding-v4 and fits the common 384/768/1024-dimension models; HNSW indexes work up
# to 2000 dimensions for `vector`.
EMBEDDING_WIDTH = 1024
# Common model widths narrower than the column (WordLlama, the local model, 256; MiniLM 384;
# shortened Qwen vectors 512; BERT-base models 768). Their stored vectors end in zeros, so each
# width has an HNSW index of its own over the leading dimensions only, in half precision: a
# quarter of the bytes per vector at 256, which is what decides the index's size, build time
# and the pages a search touches (issue 23's B6: docs/benchmarks.md). Cosine similarity over the
# leading dimensions equals that of the padded vectors.
NARROW_WIDTHS = (256, 384, 512, 768)
# The text of an embeddings model key ends in its width ("local/wordllama-l2-supercat/256").
NARROW_SPACE = r"/(256|384|512|768)$"


def narrow_embedding(width: int) -> Cast:
    """The leading `width` dimensions of the embedding as halfvec: what a narrow index holds."""
    return Cast(
        models.Func(models.F("embedding"), models.Value(1), models.Value(width),
                    function="subvector"),
        output_field=HalfVectorField(dimensions=width),
    )  # fmt: skip


def in_width(width: int) -> models.Q:
    """Chunks embedded by a model of this narrow width (the narrow index's condition)."""
    return models.Q(embedding_model__endswith=f"/{width}")


def in_full_width() -> models.Q:
    """Chunks embedded by any other model (the full-width index's condition)."""
    return ~models.Q(embedding_model__regex=NARROW_SPACE)


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=Article.Status.PUBLISHED)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=300)
    # ASCII, because it is the public URL /help/<slug>/ and help-center links get pasted around.
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    body = models.TextField(_("body (Markdown)"), blank=True, default="")
    source_url = models.URLField(
        _("source URL"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Where the article is published; empty means this site's /help/ page."),
    )
    locale = models.CharField(_("language"), max_length=16, default="en")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # Where an imported article came from ("zendesk:360001234567"), so importing the same export
    # again updates it instead of adding a copy. Empty for articles written here.
    external_id = models.CharField(_("external id"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="knowledge_article_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["status", "locale"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", kwargs={"slug": self.slug})

    @property
    def public_url(self) -> str:
        """Where a citation should point: the published original, or our /help/ page."""
        return self.source_url or self.get_absolute_url()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Chunk(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=500, blank=True, default="")
    text = models.TextField(_("text"))
    # Hash of everything the vectors are computed from (title, heading, text): an unchanged chunk
    # keeps its embedding across re-chunking, and the task never stores a vector for stale text.
    content_hash = models.CharField(max_length=64)
    search_config = models.CharField(max_length=32, default="simple")
    search_vector = SearchVectorField(null=True)
    cjk_vector = SearchVectorField(null=True)
    embedding = VectorField(dimensions=EMBEDDING_WIDTH, null=True, blank=True)
    # "provider/model/dimensions" of the embedding, so vectors of another model are never
    # compared with the query's and get recomputed after the model changes.
    embedding_model = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("chunk")
        verbose_name_plural = _("chunks")
        ordering = ["article_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="knowledge_chunk_unique_position"
            )
        ]
        # fastupdate off: new entries go straight into the index instead of a pending list that
        # every search must scan until the next vacuum. Articles change rarely and are searched
        # on every customer message, so the cost belongs on the write.
        indexes = [
            GinIndex(fields=["search_vector"], name="knowledge_chunk_search_gin", fastupdate=False),
            GinIndex(fields=["cjk_vector"], name="knowledge_chunk_cjk_gin", fastupdate=False),
            HnswIndex(
                name="knowledge_chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
                condition=in_full_width(),
            ),
            *(
                HnswIndex(
                    OpClass(narrow_embedding(width), name="halfvec_cosine_ops"),
                    name=f"knowledge_chunk_halfvec{width}_hnsw",
                    m=16,
                    ef_construction=64,
                    condition=in_width(width),
                )
                for width in NARROW_WIDTHS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}"

    @property
    def passage_id(self) -> str:
        return f"article-{self.article_id}#{self.position}"
