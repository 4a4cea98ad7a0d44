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

Text is imported as it is in the file (line endings read as "\n", as Python reads text
files). A file that is not UTF-8 or not valid JSON
stops the import when it was named on its own, and is reported and skipped (with the rest of
the folder imported) when it was found in a folder. An article whose text holds NUL, another
control character or a lone surrogate (a JSON "\ud800" escape), or whose date is not a real
date, is reported and skipped: nothing is replaced or dropped silently.
"""

from __future__ import annotations

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
from assistant.validation import InvalidInput, parse_json

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json",)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
# A Zendesk export nests four levels (page, list, article, label list); deeper is not an export.
MAX_EXPORT_DEPTH = 32
_FIRST_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*(?:\n|\Z)")


class ImportFormatError(ValueError):
    """A file is not in a format the importer understands; the message names it."""


class InvalidArticle(ValueError):
    """One article cannot be imported as it is; it is reported and skipped."""


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
            report.skipped.append(f"{where}: {_reasons(error)}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _reasons(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return "; ".join(error.messages)


def read_path(
    path: Path, defaults: Defaults, report: ImportReport
) -> Iterator[tuple[str, ArticleData]]:
    """(where, article) for every article in a file or under a folder, in a stable order."""
    if not path.exists():
        raise ImportFormatError(_("%(path)s: no such file or folder") % {"path": path})
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        suffix = file.suffix.lower()
        try:
            if suffix in MARKDOWN_SUFFIXES:
                yield str(file), read_markdown(_read_text(file), file.stem, defaults)
            elif suffix in HTML_SUFFIXES:
                yield str(file), read_html(_read_text(file), file.stem, defaults)
            elif suffix in JSON_SUFFIXES:
                yield from read_zendesk(_load_json(file), str(file), report)
            elif path.is_file():
                raise ImportFormatError(
                    _("%(path)s: not a .md, .html or .json file") % {"path": file}
                )
        except ImportFormatError as error:
            # Named on its own, the file is the whole import; in a folder, it is one of many.
            if path.is_file():
                raise
            report.skipped.append(str(error))
        except InvalidArticle as error:
            report.skipped.append(f"{file}: {error}")


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
        where_exactly = _("%(label)s (id %(id)s)") % {"label": label, "id": article_id}
        try:
            updated_at = _timestamp(item.get("updated_at"))
        except InvalidArticle as error:
            report.skipped.append(f"{where_exactly}: {error}")
            continue
        body, _title = html_to_markdown(str(item.get("body") or ""))
        # Zendesk's own URLs are "<id>-<title words>"; keeping that shape keeps slugs unique.
        slug = f"{article_id}-{slugify(str(item['title']))}"[:200].strip("-")
        yield (
            where_exactly,
            ArticleData(
                title=str(item["title"]),
                body=body + "\n",
                locale=normalize_locale(str(item.get("locale") or "")),
                status=Article.Status.DRAFT if item.get("draft") else Article.Status.PUBLISHED,
                slug=slugify(slug) or article_id,
                source_url=str(item.get("html_url") or ""),
                external_id=f"zendesk:{article_id}",
                updated_at=updated_at,
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
    """An ISO 8601 date or time; None when there is none. A value that looks like one but is
    not a real date ("2026-13-45") is InvalidArticle; anything else is ignored, as before."""
    if not value:
        return None
    text = str(value)
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime(day.year, day.month, day.day)
    except ValueError as error:
        raise InvalidArticle(
            _("%(value)s is not a real date") % {"value": text.encode("unicode_escape").decode()}
        ) from error
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def _read_text(file: Path) -> str:
    """The file's text, exactly as it is (NUL and control characters included: the article
    they are in is then refused by assistant.knowledge.services and reported)."""
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            _("%(path)s: not UTF-8 text (%(error)s)") % {"path": file, "error": error}
        ) from error


def _load_json(file: Path) -> Any:
    try:
        return parse_json(_read_text(file), max_depth=MAX_EXPORT_DEPTH)
    except InvalidInput as error:
        # The parser's own words where it has them ("Expecting ',' delimiter: line 3..."),
        # else ours (nesting too deep).
        detail = error.__cause__ if isinstance(error.__cause__, ValueError) else error
        raise ImportFormatError(
            _("%(path)s: not valid JSON (%(error)s)") % {"path": file, "error": detail}
        ) from error
