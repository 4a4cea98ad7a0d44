"""A stand-in embeddings provider whose similarities the tests choose.

Each vector counts the words of a text per topic, so two texts about the same topic have cosine
similarity 1 whatever words they use: the ideal paraphrase-aware model, in a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.llm import Embeddings, ModelError, ProviderInfo, Usage


@dataclass
class TopicEmbedder:
    topics: Mapping[str, Sequence[str]]
    fail: bool = False
    calls: list[list[str]] = field(default_factory=list)

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo("fake", "openai_compatible", "topics", "internal", "test")

    @property
    def dimensions(self) -> int:
        return len(self.topics) + 1

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        self.calls.append(list(texts))
        if self.fail:
            raise ModelError("provider down", kind="server_error", provider="fake")
        vectors = tuple(self._vector(text) for text in texts)
        return Embeddings(vectors, Usage(), "fake", "topics", self.dimensions)

    def _vector(self, text: str) -> tuple[float, ...]:
        words = text.lower().split()
        counts = [
            float(sum(any(word.startswith(k) for k in keys) for word in words))
            for keys in self.topics.values()
        ]
        # A constant last axis keeps texts about nothing in particular from being zero vectors.
        vector = [*counts, 0.1]
        norm = sum(x * x for x in vector) ** 0.5
        return tuple(x / norm for x in vector)
