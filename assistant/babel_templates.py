"""A Babel extractor for Django templates, so `make messages` needs no GNU gettext.

Django's own `makemessages` turns a template into Python-like source with `templatize` and runs
xgettext over it. This does the same with Babel: `templatize` rewrites {% translate %} and
{% blocktranslate %} (with its plural and context) into gettext/ngettext/pgettext calls, keeping
the line numbers and the "Translators:" comments, and Babel's Python extractor reads those calls.
Using Django's function keeps the msgids byte-identical to what the template tags look up.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python
from django.utils.translation.template import templatize


def extract_django(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str | tuple[str, ...], list[str]]]:
    """Yield Babel's (line, function, message(s), comments) for each translatable text."""
    encoding = options.get("encoding", "utf-8")
    source = fileobj.read().decode(encoding)
    # templatize keeps the template's indentation, which Python's tokenizer refuses; its calls
    # are each on one line (texts spanning lines are written as repr()s), so dropping the
    # indentation changes no message.
    code = "\n".join(line.lstrip() for line in templatize(source).splitlines())
    python = code.encode("utf-8")
    yield from extract_python(io.BytesIO(python), keywords, comment_tags, {"encoding": "utf-8"})
