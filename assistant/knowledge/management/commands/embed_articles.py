"""manage.py embed_articles: queue embeddings for every published chunk that lacks a current one
(after configuring an embeddings provider or changing its model)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistant.knowledge.services import queue_missing_embeddings


class Command(BaseCommand):
    help = gettext_lazy(
        "Queue embedding tasks for published article chunks without a current embedding."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = queue_missing_embeddings()
        self.stdout.write(_("%(count)d embedding tasks queued") % {"count": queued})
