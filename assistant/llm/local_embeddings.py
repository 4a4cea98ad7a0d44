"""Embeddings computed in this process by a small static model whose weights ship in its wheel.

The default embeddings route when no provider is configured (docs/models.md): WordLlama's
`l2_supercat` model (the `wordllama` package, MIT), 256 dimensions, about 16 MB of token vectors
trained on English text. A text's vector is the normalised average of its tokens' vectors, so an
embedding is a table lookup and a sum: a couple of milliseconds on a CPU, no GPU, no server.

Nothing is downloaded, ever: the weights and the tokenizer are read from the installed package's
own files. WordLlama's loader would look for the tokenizer in a folder its wheel does not have
and then fetch it from a model hub, so this module reads both files itself and hands them to
WordLlama's inference class. It sends nothing anywhere, which is why its provider is labelled
"in-process (no network)" and never needs pseudonymisation or a residency exception.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .base import ModelError
from .types import Embeddings, ProviderInfo, Usage

if TYPE_CHECKING:
    from wordllama.inference import WordLlamaInference

LOCAL_EMBEDDINGS = "local"
LOCAL_MODEL = "wordllama-l2-supercat"
LOCAL_DIMENSIONS = 256
LOCAL_JURISDICTION = "in-process (no network)"
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


def local_provider_info() -> ProviderInfo:
    return ProviderInfo(
        name=LOCAL_EMBEDDINGS,
        kind="local",
        model=LOCAL_MODEL,
        hosting="internal",
        jurisdiction=LOCAL_JURISDICTION,
    )


def model_files() -> tuple[Path, Path]:
    """The weights and tokenizer files inside the installed `wordllama` package."""
    import wordllama

    root = Path(wordllama.__file__).parent
    return root.joinpath(*_WEIGHTS), root.joinpath(*_TOKENIZER)


_model: WordLlamaInference | None = None
_model_lock = threading.Lock()


def load_model() -> WordLlamaInference:
    """The model, loaded once per process (about 0.3 s) from the package's own files."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _read_model()
        return _model


def _read_model() -> WordLlamaInference:
    # Imported here: numpy and the tokenizer cost start-up time in processes that never embed.
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    weights, tokenizer = model_files()
    if not (weights.is_file() and tokenizer.is_file()):
        raise ModelError(
            f"the local embeddings model is not installed ({weights.parent.parent}); "
            "reinstall the `wordllama` package",
            kind="unavailable",
            retryable=False,
            provider=LOCAL_EMBEDDINGS,
        )
    with safe_open(str(weights), framework="np", device="cpu") as tensors:
        matrix = tensors.get_tensor("embedding.weight")
    return WordLlamaInference(matrix, Tokenizer.from_file(str(tokenizer)))


def embed_now(texts: Sequence[str]) -> list[tuple[float, ...]]:
    """Unit-length vectors for the texts, in order, computed in the calling thread."""
    if not texts:
        return []
    matrix = load_model().embed(list(texts), norm=True)
    return [tuple(float(x) for x in row) for row in matrix]


class LocalEmbedder:
    """The `Embedder` protocol over the in-process model. Free: no tokens are billed."""

    @cached_property
    def info(self) -> ProviderInfo:
        return local_provider_info()

    @property
    def dimensions(self) -> int:
        return LOCAL_DIMENSIONS

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        # A worker thread: loading the model the first time, or embedding a few hundred chunks,
        # must not stall the event loop that streams other conversations' answers.
        vectors = await asyncio.to_thread(embed_now, texts) if texts else []
        return Embeddings(
            vectors=tuple(vectors),
            usage=Usage(),
            provider=LOCAL_EMBEDDINGS,
            model=LOCAL_MODEL,
            dimensions=LOCAL_DIMENSIONS,
        )
