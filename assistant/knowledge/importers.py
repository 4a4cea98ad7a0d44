"""Importing articles: a folder of Markdown/HTML files, or a help-center JSON export.

    manage.py import_articles PATH

PATH may be a Markdown file (.md, .markdown), an HTML file (.html, .htm), a Zendesk Guide export
(.json: {"articles": [{"id", "title", "body", "html_url", "locale", "draft", "updated_at"}]},
the shape of GET /api/v2/help_center/articles.json, one page per file), or a folder holding any
of these (searched recursively). Importing again updates what changed and leaves the rest alone:
Zendesk articles are matched on their id, files on their slug.

A Markdown file may start with front matter between two "---" lines, one `key: value` per line:
title, slug, locale, status (draft/published), source_url, updated (ISO 8601). Without a title
the first "# heading" is used (and removed from the body), else the file name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assistant.knowledge.htmltext import html_to_markdown
from assistant.knowledge.languages import normalize_locale
from assistant.knowledge.models import Article
from assistant.knowledge.services import ArticleData, article_upsert

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json",)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FIRST_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*(?:\n|\Z)")


class ImportFormatError(ValueError):
    """A file is not in a format the importer understands; the message names it."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "where: why", one per article skipped

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a file does not say about itself."""

    locale: str = "en"
    status: str = Article.Status.PUBLISHED
    source_url: str = ""  # a format string with {slug}, for files that name no source URL


def import_path(path: Path, *, defaults: Defaults | None = None) -> ImportReport:
    """Import every article under `path`; each article is saved in its own transaction, so one
    invalid article is reported and skipped without losing the others."""
    report = ImportReport()
    for where, data in read_path(path, defaults or Defaults(), report):
        try:
            _, outcome = article_upsert(data=data)
        except ValidationError as error:
            report.skipped.append(f"{where}: {'; '.join(error.messages)}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def read_path(
    path: Path, defaults: Defaults, report: ImportReport
) -> Iterator[tuple[str, ArticleData]]:
    """(where, article) for every article in a file or under a folder, in a stable order."""
    if not path.exists():
        raise ImportFormatError(_("%(path)s: no such file or folder") % {"path": path})
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        suffix = file.suffix.lower()
        if suffix in MARKDOWN_SUFFIXES:
            yield str(file), read_markdown(_read_text(file), file.stem, defaults)
        elif suffix in HTML_SUFFIXES:
            yield str(file), read_html(_read_text(file), file.stem, defaults)
        elif suffix in JSON_SUFFIXES:
            yield from read_zendesk(_load_json(file), str(file), report)
        elif path.is_file():
            raise ImportFormatError(_("%(path)s: not a .md, .html or .json file") % {"path": file})


def read_markdown(text: str, name: str, defaults: Defaults) -> ArticleData:
    meta: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        meta = _front_matter(match.group(1))
        text = text[match.end() :]
    title = meta.get("title", "")
    if not title and (heading := _FIRST_HEADING.match(text)):
        title, text = heading.group(1), text[heading.end() :]
    return _file_article(title or name, text.strip() + "\n", name, meta, defaults)


def read_html(html: str, name: str, defaults: Defaults) -> ArticleData:
    body, title = html_to_markdown(html)
    if title and body.startswith(f"# {title}"):
        body = body[len(title) + 2 :].lstrip()
    return _file_article(title or name, body + "\n", name, {}, defaults)


def read_zendesk(data: Any, where: str, report: ImportReport) -> Iterator[tuple[str, ArticleData]]:
    """Articles of a Zendesk Guide export. Articles without an id or a title are reported."""
    articles = data.get("articles") if isinstance(data, Mapping) else data
    if not isinstance(articles, list):
        raise ImportFormatError(
            _('%(path)s: expected {"articles": [...]} (a Zendesk export)') % {"path": where}
        )
    for index, item in enumerate(articles):
        label = _("%(path)s article %(number)d") % {"path": where, "number": index + 1}
        if not isinstance(item, Mapping) or not item.get("id") or not item.get("title"):
            report.skipped.append(_("%(where)s: no id or title") % {"where": label})
            continue
        article_id = str(item["id"])
        body, _title = html_to_markdown(str(item.get("body") or ""))
        # Zendesk's own URLs are "<id>-<title words>"; keeping that shape keeps slugs unique.
        slug = f"{article_id}-{slugify(str(item['title']))}"[:200].strip("-")
        yield (
            _("%(label)s (id %(id)s)") % {"label": label, "id": article_id},
            ArticleData(
                title=str(item["title"]),
                body=body + "\n",
                locale=normalize_locale(str(item.get("locale") or "")),
                status=Article.Status.DRAFT if item.get("draft") else Article.Status.PUBLISHED,
                slug=slugify(slug) or article_id,
                source_url=str(item.get("html_url") or ""),
                external_id=f"zendesk:{article_id}",
                updated_at=_timestamp(item.get("updated_at")),
            ),
        )


def _file_article(
    title: str, body: str, name: str, meta: Mapping[str, str], defaults: Defaults
) -> ArticleData:
    slug = slugify(meta.get("slug") or name) or "article"
    status = meta.get("status", defaults.status).strip().lower()
    if status not in Article.Status.values:
        status = defaults.status
    source_url = meta.get("source_url") or (
        defaults.source_url.format(slug=slug) if defaults.source_url else ""
    )
    return ArticleData(
        title=title.strip(),
        body=body,
        locale=normalize_locale(meta.get("locale"), default=defaults.locale),
        status=status,
        slug=slug,
        source_url=source_url,
        updated_at=_timestamp(meta.get("updated")),
    )


def _front_matter(block: str) -> dict[str, str]:
    meta = {}
    for line in block.splitlines():
        key, separator, value = line.partition(":")
        if separator and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta


def _timestamp(value: object) -> datetime | None:
    if not value:
        return None
    text = str(value)
    moment = parse_datetime(text)
    if moment is None and (day := parse_date(text)) is not None:
        moment = datetime(day.year, day.month, day.day)
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def _read_text(file: Path) -> str:
    """The file's text; NUL bytes, which PostgreSQL text cannot store, become spaces."""
    try:
        return file.read_text(encoding="utf-8").replace("\x00", " ")
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            _("%(path)s: not UTF-8 text (%(error)s)") % {"path": file, "error": error}
        ) from error


def _load_json(file: Path) -> Any:
    try:
        return json.loads(_read_text(file))
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            _("%(path)s: not valid JSON (%(error)s)") % {"path": file, "error": error}
        ) from error
