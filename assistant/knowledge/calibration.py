"""How far each embeddings model's similarity can be trusted, measured on the recall fixture.

Cosine similarities mean different things for different models: Qwen's text-embedding-v4 puts
a paraphrase at 0.8 where the local static model (llm/local_embeddings.py) puts it at 0.45, and
unrelated questions at 0.55 where the local one puts them at 0.2 to 0.55. So a model's vectors
count as evidence only as far as they have been measured (bench/knowledge_recall.py, per kind of
question: docs/knowledge.md):

- Every model: a similarity of at least search.MIN_SIMILARITY (0.75) is evidence on its own;
  below it, vectors only reorder hits that passed the lexical test.
- The local model, for English questions: coverage plus similarity of at least
  LOCAL_MIN_COMBINED is evidence too. On the demo articles, the paraphrases it found scored
  0.80 to 0.86, the unanswerable questions at most 0.72. It is English-trained: in other
  languages its similarities are high for unrelated text (0.6 for "can I pay with bitcoin" in
  Chinese), so there its vectors only reorder.
"""

from __future__ import annotations

from assistant.knowledge.languages import base_language
from assistant.llm.local_embeddings import LOCAL_EMBEDDINGS, LOCAL_MODEL

LOCAL_MIN_COMBINED = 0.78
_CALIBRATED: dict[tuple[str, str], float] = {
    (f"{LOCAL_EMBEDDINGS}/{LOCAL_MODEL}/", "en"): LOCAL_MIN_COMBINED,
}


def combined_threshold(model_key: str, locale: str) -> float | None:
    """The coverage + similarity at which a hit counts, for vectors of this model (its
    `embedding.model_key`) and a question in this language; None where not calibrated."""
    language = base_language(locale)
    for (prefix, calibrated_language), threshold in _CALIBRATED.items():
        if model_key.startswith(prefix) and language == calibrated_language:
            return threshold
    return None
