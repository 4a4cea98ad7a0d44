"""Articles in the Django admin, until the desk has its own editor.

Saving goes through the service hook, so an edit in the admin re-chunks the article and queues
its embeddings exactly like an import or the API would.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from assistant.knowledge.models import Article
from assistant.knowledge.services import article_reindex


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "locale", "status", "updated_at")
    list_filter = ("status", "locale")
    search_fields = ("title", "slug", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at",)
    # A source URL typed without a scheme is a web address; assume https, not Django 5's http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        article_reindex(article=obj)
