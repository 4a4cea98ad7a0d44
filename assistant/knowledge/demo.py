"""The demo help center of Northwind Cycles: the Markdown files in demo_articles/."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from assistant.knowledge.importers import Defaults, import_path

DEMO_ARTICLES = Path(__file__).resolve().parent / "demo_articles"


def load_demo_articles() -> int:
    """Load or refresh the demo articles; returns how many were created or changed.

    Idempotent: a second run finds every article unchanged and returns 0. Citations point at this
    server's own /help/ pages.
    """
    defaults = Defaults(
        locale="en", source_url=f"http://localhost:{settings.WEB_PORT}/help/{{slug}}/"
    )
    report = import_path(DEMO_ARTICLES, defaults=defaults)
    if report.skipped:
        raise ValueError(f"demo articles failed to load: {report.skipped}")
    return report.created + report.updated
