"""The offline responder: answers without any network, from the passages it is given.

It is the default when no model key is configured and the last fallback when every provider
fails, so the widget is never silent. It never invents: it either quotes the part of the
best-matching passage that answers the question, as whole Markdown (quoting.py), with a citation,
or says plainly that it does not know and offers a human. It streams in small chunks like a
model, and its calls cost nothing.

For the "summary" purpose it lists what the customer wrote; for "classification" it declines
(finish reason "no_answer") so the caller falls back to its rules.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from .answer_types import answer_fit
from .config import OFFLINE, OFFLINE_MODEL
from .quoting import quote
from .textmatch import Match, estimate_tokens, has_cjk, heading_overlap, pieces, rank
from .types import (
    ChatOptions,
    Finished,
    Message,
    Passage,
    ProviderInfo,
    StreamEvent,
    TextDelta,
    ToolSpec,
    Usage,
)

# The finish reason used when the responder has no answer, so the caller can offer a handoff
# without parsing the text.
NO_ANSWER = "no_answer"

# The share of the question's terms the best passage must contain before it is quoted. Lower
# values answer more questions with less related text; the knowledge base should rather say
# "I don't know" than answer a neighbouring question.
MIN_COVERAGE = 0.3

# Callers translate these through their own i18n and pass them in; the defaults keep the package
# usable on its own. Full-width punctuation in the Chinese texts is intended.
DEFAULT_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "dont_know": (
            "I'm sorry, I don't know the answer to that from our help articles. "
            "Would you like me to connect you with a member of our team?"
        ),
        "dont_know_waiting": "I'm sorry, I don't know the answer to that from our help articles.",
        "source": "Source",
        "other_language": "I found this only in our help articles in another language:",
        "summary_intro": "Summary written without a language model. The customer wrote:",
    },
    "zh": {
        "dont_know": "抱歉，我在帮助文档中没有找到这个问题的答案。需要我为您转接人工客服吗？",  # noqa: RUF001
        "dont_know_waiting": "抱歉，我在帮助文档中没有找到这个问题的答案。",  # noqa: RUF001
        "source": "来源",
        "other_language": "我只在其他语言的帮助文档中找到了以下内容：",  # noqa: RUF001
        "summary_intro": "（未使用语言模型生成的摘要）客户的留言：",  # noqa: RUF001
    },
}


@dataclass(frozen=True, slots=True)
class OfflineAnswer:
    text: str
    passage: Passage | None  # the passage quoted, None when the answer is "don't know"


def answer(
    question: str,
    passages: Sequence[Passage],
    *,
    texts: Mapping[str, Mapping[str, str]] = DEFAULT_TEXTS,
    cite_inline: bool = True,
    language: str | None = None,
    offer_person: bool = True,
) -> OfflineAnswer:
    """Pick the passage that best covers the question and quote the whole Markdown units of it
    that answer it.

    ``question`` is read as the knowledge search read it, typos corrected (ChatOptions.question):
    the search corrects spelling, once, for everyone. ``cite_inline`` appends "Source: title
    (url)"; callers that show the returned passage as a link themselves (the chat widget does)
    turn it off. ``language`` is the customer's (a key of ``texts``); without it, or without
    texts for it, the question's script decides. ``offer_person`` False (the customer already
    waits for one) says "don't know" without offering a person."""
    script = "zh" if has_cjk(question) else "en"
    chosen = language or script
    words = texts.get(chosen) or texts.get(script) or DEFAULT_TEXTS[script]
    dont_know = words["dont_know"] if offer_person else words["dont_know_waiting"]
    best = _best_match(question, passages)
    if best is None or best.coverage < MIN_COVERAGE:
        return OfflineAnswer(dont_know, None)
    passage = passages[best.index]
    quoted = quote(question, passage.text)
    if not quoted:
        return OfflineAnswer(dont_know, None)
    citation = passage.title + (f" ({passage.url})" if passage.url else "")
    separator = "：" if chosen.startswith(("zh", "ja")) else ": "  # noqa: RUF001
    body = quoted
    if _in_another_language(passage, language):
        # Said in the customer's language; the passage itself is quoted as written.
        body = f"{words['other_language']}\n\n{quoted}"
    if not cite_inline:
        return OfflineAnswer(body, passage)
    return OfflineAnswer(f"{body}\n\n{words['source']}{separator}{citation}", passage)


def _best_match(question: str, passages: Sequence[Passage]) -> Match | None:
    """The passage that covers most of the question's terms; among equals, the one whose title
    (article and section) repeats most of what was asked, intent words included ("How long
    delivery takes" for "How long does delivery take?"), then the one holding a value of the
    kind asked for (a duration for "how long", a price for "how much": answer_types.py); then
    the search's order, which weighs
    every term against the whole knowledge base (and meaning, with embeddings) where this
    responder sees only a few passages. Term frequency does not decide: a short passage that
    says "delivery" three times is not the answer to how long delivery takes."""
    matches = [m for m in rank(question, [f"{p.title}\n{p.text}" for p in passages]) if m.score > 0]
    if not matches:
        return None
    return min(
        matches,
        key=lambda m: (
            -m.coverage,
            -heading_overlap(question, passages[m.index].title),
            -answer_fit(question, passages[m.index].text),
            m.index,
        ),
    )


def _in_another_language(passage: Passage, language: str | None) -> bool:
    """True when the passage's article is known to be in another language than the customer's
    ("de" and "de-ch" are one language)."""
    if not language or not passage.language:
        return False
    return passage.language.split("-")[0] != language.split("-")[0]


def summarize(
    messages: Sequence[Message], *, texts: Mapping[str, Mapping[str, str]] = DEFAULT_TEXTS
) -> str:
    said = [m.content.strip() for m in messages if m.role == "user" and m.content.strip()]
    language = "zh" if any(has_cjk(s) for s in said) else "en"
    lines = [_shorten(s, 200) for s in said[-5:]]
    intro = texts.get(language, DEFAULT_TEXTS[language])["summary_intro"]
    return "\n".join([intro, *(f"- {line}" for line in lines)])


class OfflineResponder:
    """A ChatModel that needs no network. `chunk_delay` paces the stream like a real model."""

    def __init__(
        self,
        *,
        purpose: str = "reply",
        chunk_delay: float = 0.02,
        texts: Mapping[str, Mapping[str, str]] = DEFAULT_TEXTS,
        cite_inline: bool = True,
    ) -> None:
        self._purpose = purpose
        self._chunk_delay = chunk_delay
        self._texts = texts
        self._cite_inline = cite_inline
        self._info = ProviderInfo(
            name=OFFLINE,
            kind="offline",
            model=OFFLINE_MODEL,
            hosting="internal",
            jurisdiction="in-process (no network)",
        )

    @property
    def info(self) -> ProviderInfo:
        return self._info

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        options: ChatOptions | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Answer the last user message from `passages` (the knowledge passages of this turn).
        Tools are never called: an extractive answer has nothing to decide."""
        del tools
        finish_reason = "stop"
        if self._purpose == "summary":
            text = summarize(messages, texts=self._texts)
        elif self._purpose == "classification":
            text, finish_reason = "", NO_ANSWER
        else:
            options = options or ChatOptions()
            said = next((m.content for m in reversed(messages) if m.role == "user"), "")
            result = answer(
                options.question or said,
                passages or (),
                texts=self._texts,
                cite_inline=self._cite_inline,
                language=options.language,
                offer_person=options.offer_person,
            )
            text = result.text
            if result.passage is None:
                finish_reason = NO_ANSWER

        limit = options.max_output_tokens if options and options.max_output_tokens else None
        parts = pieces(text)
        if limit is not None and len(parts) > limit:
            parts, finish_reason = parts[:limit], "length"
        # Two pieces per chunk is about the granularity hosted models stream at.
        for start in range(0, len(parts), 2):
            await asyncio.sleep(self._chunk_delay if start else 0)
            yield TextDelta("".join(parts[start : start + 2]))

        prompt = "\n".join(m.content for m in messages)
        yield Finished(
            usage=Usage(
                input_tokens=estimate_tokens(prompt),
                output_tokens=estimate_tokens("".join(parts)),
            ),
            finish_reason=finish_reason,
            provider=OFFLINE,
            model=OFFLINE_MODEL,
        )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
