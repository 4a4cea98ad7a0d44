"""Importing a folder of Markdown/HTML files and a Zendesk Guide export, idempotently."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assistant.knowledge.importers import Defaults, ImportFormatError, import_path
from assistant.knowledge.models import Article
from assistant.knowledge.search import search_chunks

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db

FOLDER = FIXTURES / "help_folder"
ZENDESK = FIXTURES / "zendesk_articles.json"


def test_a_folder_of_markdown_and_html_files_is_imported() -> None:
    report = import_path(FOLDER)

    assert (report.created, report.updated, report.unchanged, report.skipped) == (4, 0, 0, [])
    returns = Article.objects.get(slug="returns")
    assert returns.title == "Returning a purchase"
    assert returns.is_published
    assert returns.updated_at.isoformat() == "2025-03-01T10:00:00+00:00"
    assert returns.body.startswith("You can return unused items")
    # No front matter: the first heading is the title, the file name the slug.
    winter = Article.objects.get(slug="winter-storage")
    assert winter.title == "Storing your bike in winter"
    assert not winter.body.startswith("#")
    assert Article.objects.get(slug="draft-note").status == Article.Status.DRAFT


def test_html_files_become_markdown_without_scripts_or_unsafe_links() -> None:
    import_path(FOLDER)
    lights = Article.objects.get(slug="lights")

    assert lights.title == "Bike lights"
    assert "**dynamo lights**" in lights.body
    assert "[the guide](https://example.com/lights)" in lights.body
    assert "- Front light: 30 lux" in lights.body
    assert "alert" not in lights.body and "javascript" not in lights.body


def test_a_zendesk_export_is_imported_with_locales_drafts_and_source_urls() -> None:
    report = import_path(ZENDESK)

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.skipped == [f"{ZENDESK} article 4: no id or title"]
    english = Article.objects.get(external_id="zendesk:360001234567")
    assert english.slug == "360001234567-changing-your-delivery-address"
    assert english.locale == "en-us"
    assert english.source_url.startswith("https://northwind.zendesk.com/hc/en-us/articles/")
    assert english.public_url == english.source_url
    assert english.body.startswith("You can change the delivery address **until the parcel")
    assert "## After shipping" in english.body and "steal" not in english.body
    chinese = Article.objects.get(external_id="zendesk:360001234568")
    assert (chinese.locale, chinese.slug) == ("zh-hans", "360001234568")
    assert Article.objects.get(external_id="zendesk:360001234569").status == "draft"

    assert [h.slug for h in search_chunks("更改收货地址", language="zh-hans")] == [chinese.slug]
    assert [h.slug for h in search_chunks("redirect parcel", language="en")] == [english.slug]
    assert search_chunks("tandem roadmap", language="en") == []


def test_importing_again_changes_nothing_and_an_edited_export_updates_in_place(
    tmp_path: Path,
) -> None:
    import_path(ZENDESK)
    import_path(FOLDER)
    chunk_ids = set(Article.objects.values_list("chunks__pk", flat=True))

    again = import_path(ZENDESK)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert set(Article.objects.values_list("chunks__pk", flat=True)) == chunk_ids

    export = json.loads(ZENDESK.read_text())
    export["articles"][0]["body"] = "<p>Addresses can no longer be changed.</p>"
    edited = tmp_path / "export.json"
    edited.write_text(json.dumps(export))
    report = import_path(edited)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Article.objects.count() == 7
    assert Article.objects.get(external_id="zendesk:360001234567").body.startswith("Addresses")


def test_the_command_imports_both_formats_and_reports_counts(tmp_path: Path) -> None:
    shutil.copytree(FOLDER, tmp_path / "help")
    shutil.copy(ZENDESK, tmp_path / "help" / "zendesk.json")
    out, err = StringIO(), StringIO()

    call_command("import_articles", str(tmp_path / "help"), "--draft", stdout=out, stderr=err)

    assert out.getvalue().strip() == "7 created, 0 updated, 0 unchanged, 1 skipped"
    assert "no id or title" in err.getvalue()
    # --draft applies to files; Zendesk articles keep their own flag.
    assert Article.objects.get(slug="returns").status == "draft"
    assert Article.objects.get(external_id="zendesk:360001234567").status == "published"


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        import_path(broken)
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_articles", str(tmp_path / "missing"))
    wrong_shape = tmp_path / "wrong.json"
    wrong_shape.write_text('{"sections": []}')
    with pytest.raises(ImportFormatError, match="Zendesk"):
        import_path(wrong_shape)


def test_an_invalid_article_is_skipped_without_losing_the_others(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nText.")
    (tmp_path / "bad.md").write_text("---\nsource_url: not a url\n---\n# Bad\n\nText.")

    report = import_path(tmp_path, defaults=Defaults(locale="de"))

    assert report.created == 1
    assert len(report.skipped) == 1 and "bad.md" in report.skipped[0]
    assert Article.objects.get().locale == "de"


# -- files that are not clean text (issue 22): refused and reported, never altered -------------


def test_a_file_with_nul_is_reported_and_skipped_not_altered(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nTabs\tand\nline breaks stay.\n")
    (tmp_path / "nul.md").write_bytes(b"# Broken\n\nA NUL \x00 in the body.\n")
    (tmp_path / "escape.md").write_bytes(b"# Colou\x1b[31mred\n\nText.\n")

    report = import_path(tmp_path)

    assert report.created == 1
    skipped = sorted(report.skipped)
    assert len(skipped) == 2
    assert "escape.md" in skipped[0] and "title" in skipped[0] and "U+001B" in skipped[0]
    assert "nul.md" in skipped[1] and "body" in skipped[1] and "U+0000" in skipped[1]
    article = Article.objects.get()
    assert article.title == "Fine" and article.body == "Tabs\tand\nline breaks stay.\n"


def test_a_zendesk_export_with_nul_surrogates_or_impossible_dates_skips_those_articles(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.json"
    # Written with escapes, as a JSON encoder writes them: "\u0000", "\ud800".
    export.write_text(
        json.dumps(
            {
                "articles": [
                    {"id": 1, "title": "Good", "body": "<p>Fine.</p>"},
                    {"id": 2, "title": "NUL\u0000title", "body": "<p>x</p>"},
                    {"id": 3, "title": "Surrogate", "body": "<p>\ud800</p>"},
                    {"id": "4\u0000", "title": "NUL in the id", "body": "<p>x</p>"},
                    {"id": 5, "title": "Date", "body": "<p>x</p>", "updated_at": "2026-13-45"},
                    {"id": 6, "title": "Tab\tin a title", "body": "<p>x</p>"},
                ]
            }
        )
    )

    report = import_path(export)

    assert report.created == 1 and len(report.skipped) == 5
    reasons = "\n".join(report.skipped)
    assert "U+0000" in reasons and "lone surrogate" in reasons and "not a real date" in reasons
    assert "U+0009" in reasons
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]


def test_a_file_that_is_not_utf8_stops_an_import_of_that_file_alone(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nText.\n")
    (tmp_path / "latin1.md").write_bytes("# Caf\xe9\n\nText.\n".encode("latin-1"))
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)

    report = import_path(tmp_path)

    assert report.created == 1
    assert len(report.skipped) == 2
    reasons = "\n".join(sorted(report.skipped))
    assert "deep.json: not valid JSON" in reasons and "nests" in reasons
    assert "latin1.md: not UTF-8 text" in reasons
    # Named on its own, such a file is the whole import: a clear error.
    with pytest.raises(ImportFormatError, match="not UTF-8"):
        import_path(tmp_path / "latin1.md")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_articles", str(tmp_path / "deep.json"))


def test_the_command_reports_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nText.\n")
    (tmp_path / "nul.md").write_bytes(b"# Broken\n\n\x00\n")
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(tmp_path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "1 created, 0 updated, 0 unchanged, 1 skipped"
    assert "nul.md" in err.getvalue() and "U+0000" in err.getvalue()
