"""manage.py import_articles PATH: move an existing help center into the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistant.knowledge.importers import Defaults, ImportFormatError, import_path
from assistant.knowledge.models import Article


class Command(BaseCommand):
    help = gettext_lazy(
        "Import help articles from a Markdown/HTML file, a folder of them, or a Zendesk Guide "
        "JSON export. Importing again updates changed articles and leaves the others alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("file or folder to import"))
        parser.add_argument(
            "--locale", default="en", help=_("language of files that do not name one (en)")
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help=_("import files as drafts (Zendesk articles keep their own draft flag)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        defaults = Defaults(
            locale=options["locale"],
            status=Article.Status.DRAFT if options["draft"] else Article.Status.PUBLISHED,
        )
        try:
            report = import_path(options["path"], defaults=defaults)
        except ImportFormatError as error:
            raise CommandError(str(error)) from error
        for problem in report.skipped:
            self.stderr.write(_("Skipped %(problem)s") % {"problem": problem})
        self.stdout.write(
            _(
                "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(skipped)d skipped"
            )
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": len(report.skipped),
            }
        )
