"""Knowledge gaps: the questions the assistant could not answer from the help articles, grouped
by meaning so that the knowledge base's missing articles show up as the biggest groups.

A question is the customer's message that an unanswered assistant reply ("don't know",
`Message.unanswered`) answered, or the last customer message before a hand-off for that reason
(`handoff_reason="dont_know"`, which also covers conversations stored before the flag existed).

Each inbox's questions are embedded under that inbox's privacy rules (pseudonymised for an
external provider, refused by its residency list) through the audited call, in one batch, and
their vectors cached, so opening the page again embeds only new questions. Questions without a
vector (no embeddings model, or refused) are grouped only with identical wording.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.core.cache import cache
from django.db.models import OuterRef, Q, Subquery

from assistant import calls
from assistant.chat.clustering import group_by_similarity, threshold_for
from assistant.chat.models import Conversation, Message
from assistant.privacy.outbound import CallScope
from assistant.privacy.services import privacy_settings_for

# The newest questions of the period that are grouped: enough for a team's month, and a bound
# on the page's work (grouping compares every distinct question with every other).
MAX_QUESTIONS = 2000
# Long messages are cut before embedding: the question is at their start.
EMBED_CHARS = 1000
VECTOR_CACHE_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    conversation_id: uuid.UUID
    inbox_id: int
    language: str
    asked_at: datetime
    handed_off: bool


@dataclass(frozen=True)
class GapGroup:
    questions: tuple[UnansweredQuestion, ...]  # the representative first

    @property
    def representative(self) -> UnansweredQuestion:
        return self.questions[0]

    @property
    def conversations(self) -> int:
        return len({q.conversation_id for q in self.questions})

    @property
    def handed_off(self) -> int:
        return len({q.conversation_id for q in self.questions if q.handed_off})

    @property
    def languages(self) -> list[str]:
        return [code for code, _n in Counter(q.language for q in self.questions).most_common()]

    @property
    def last_asked(self) -> datetime:
        return max(q.asked_at for q in self.questions)

    def examples(self, count: int = 5) -> list[UnansweredQuestion]:
        """Distinct wordings, one per conversation, the representative first."""
        seen_texts: set[str] = set()
        seen_conversations: set[uuid.UUID] = set()
        chosen = []
        for question in self.questions:
            wording = _normalized(question.text)
            if wording in seen_texts or question.conversation_id in seen_conversations:
                continue
            seen_texts.add(wording)
            seen_conversations.add(question.conversation_id)
            chosen.append(question)
            if len(chosen) == count:
                break
        return chosen


@dataclass(frozen=True)
class GapReport:
    groups: list[GapGroup]
    questions: int
    # The embeddings model the groups come from ("provider/model/dimensions"), or None when
    # there is none and only identical questions were grouped.
    space: str | None
    threshold: float | None
    # More questions were asked in the period than were grouped (the newest MAX_QUESTIONS).
    truncated: bool


def unanswered_questions(
    *, since: datetime, until: datetime, inbox_ids: Iterable[int], limit: int = MAX_QUESTIONS
) -> list[UnansweredQuestion]:
    """The period's unanswered questions in the given inboxes, newest first."""
    inbox_ids = list(inbox_ids)
    asked_before = Message.objects.filter(
        conversation=OuterRef("conversation"),
        seq__lt=OuterRef("seq"),
        author_kind=Message.Author.CUSTOMER,
    ).order_by("-seq")
    declined = (
        Message.objects.filter(
            unanswered=True,
            author_kind=Message.Author.ASSISTANT,
            created_at__gte=since,
            created_at__lt=until,
            conversation__inbox_id__in=inbox_ids,
        )
        .annotate(question=Subquery(asked_before.values("text")[:1]))
        .order_by("-created_at")
        .values_list(
            "question",
            "conversation_id",
            "conversation__inbox_id",
            "conversation__language",
            "created_at",
            "conversation__handoff_reason",
        )[: limit + 1]
    )
    last_before_handoff = Message.objects.filter(
        conversation=OuterRef("pk"),
        author_kind=Message.Author.CUSTOMER,
        created_at__lte=OuterRef("handoff_at"),
    ).order_by("-seq")
    handed_off = (
        Conversation.objects.filter(
            handoff_reason="dont_know",
            handoff_at__gte=since,
            handoff_at__lt=until,
            inbox_id__in=inbox_ids,
        )
        # Those with a flagged answer are already counted by it.
        .exclude(Q(messages__unanswered=True))
        .annotate(question=Subquery(last_before_handoff.values("text")[:1]))
        .order_by("-handoff_at")
        .values_list("question", "pk", "inbox_id", "language", "handoff_at", "handoff_reason")[
            : limit + 1
        ]
    )
    rows = [*declined, *handed_off]
    questions = [
        UnansweredQuestion(
            text=text,
            conversation_id=conversation_id,
            inbox_id=inbox_id,
            language=language,
            asked_at=asked_at,
            handed_off=reason == "dont_know",
        )
        for text, conversation_id, inbox_id, language, asked_at, reason in rows
        if text and text.strip()
    ]
    questions.sort(key=lambda q: q.asked_at, reverse=True)
    return questions[: limit + 1]


def knowledge_gaps(*, since: datetime, until: datetime, inbox_ids: Iterable[int]) -> GapReport:
    """The period's unanswered questions grouped by meaning, biggest group first."""
    questions = unanswered_questions(since=since, until=until, inbox_ids=inbox_ids)
    truncated = len(questions) > MAX_QUESTIONS
    questions = questions[:MAX_QUESTIONS]
    space = calls.embedding_space()
    vectors = _vectors(questions, space) if space is not None else {}
    threshold = threshold_for(space.provider) if space is not None else None
    # Grouped by distinct wording: a question asked fifty times weighs fifty, but is one text.
    by_wording: dict[str, list[int]] = defaultdict(list)
    for index, question in enumerate(questions):
        by_wording[_normalized(question.text)].append(index)
    embedded = [same for same in by_wording.values() if same[0] in vectors]
    groups: list[GapGroup] = []
    if embedded and threshold is not None:
        found = group_by_similarity(
            [vectors[same[0]] for same in embedded],
            threshold=threshold,
            weights=[len(same) for same in embedded],
        )
        for group in found:
            indexes = [i for member in group.members for i in embedded[member]]
            groups.append(GapGroup(tuple(questions[i] for i in indexes)))
    # Without a vector (no model, or refused by an inbox's residency list): identical only.
    groups.extend(
        GapGroup(tuple(questions[i] for i in same))
        for same in by_wording.values()
        if same[0] not in vectors
    )
    groups.sort(key=lambda g: (-g.conversations, -g.last_asked.timestamp()))
    return GapReport(
        groups=groups,
        questions=len(questions),
        space=space.key if space is not None else None,
        threshold=threshold,
        truncated=truncated,
    )


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def _vectors(
    questions: Sequence[UnansweredQuestion], space: calls.EmbeddingSpace
) -> dict[int, np.ndarray]:
    """Each question's vector in the configured model's space, by index; cached per inbox
    (its privacy rules shape what was embedded) and wording."""
    keys = [_cache_key(space, q) for q in questions]
    cached = cache.get_many(set(keys))
    found: dict[int, np.ndarray] = {
        i: np.frombuffer(cached[key], dtype=np.float32)
        for i, key in enumerate(keys)
        if key in cached
    }
    missing: dict[int, list[int]] = defaultdict(list)
    for index, question in enumerate(questions):
        if index not in found:
            missing[question.inbox_id].append(index)
    fresh: dict[str, bytes] = {}
    for inbox_id, indexes in missing.items():
        # Each text once per inbox: the same question asked twice costs one embedding.
        unique = list(dict.fromkeys(keys[i] for i in indexes))
        texts = {keys[i]: questions[i].text[:EMBED_CHARS] for i in indexes}
        scope = CallScope(inbox_id, None, privacy_settings_for(inbox_id))
        embedded = calls.embed_customer_texts_sync([texts[k] for k in unique], scope=scope)
        if embedded is None or embedded.space.key != space.key:
            continue  # refused here or failed: these are grouped by wording only
        for key, vector in zip(unique, embedded.vectors, strict=True):
            fresh[key] = np.asarray(vector, dtype=np.float32).tobytes()
        for index in indexes:
            found[index] = np.frombuffer(fresh[keys[index]], dtype=np.float32)
    if fresh:
        cache.set_many(fresh, timeout=VECTOR_CACHE_SECONDS)
    return found


def _cache_key(space: calls.EmbeddingSpace, question: UnansweredQuestion) -> str:
    digest = hashlib.sha256(question.text[:EMBED_CHARS].encode()).hexdigest()
    return f"gaps:v1:{space.key}:{question.inbox_id}:{digest}"
