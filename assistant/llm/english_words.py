"""Common English words, from the vocabulary of the local embeddings model's tokenizer.

A LLaMA tokenizer keeps about 32,000 pieces of text; the ones that are a whole word (they start
with the word-boundary marker and hold only letters) are words frequent enough in its training
text to need no splitting: "best", "track", "were", "weather". A misspelling almost never is one
("warrenty" is war + r + enty). The spelling corrector of the knowledge base uses this to leave a
real word alone even when no article uses it. The file ships in the `wordllama` wheel, beside the
model's weights; nothing is downloaded.
"""

from __future__ import annotations

import functools

from .local_embeddings import model_files

_WORD_START = "\u2581"  # SentencePiece's marker of a token that starts a word


@functools.cache
def common_words() -> frozenset[str]:
    """The tokenizer's whole-word tokens, in lower case (read once per process)."""
    from tokenizers import Tokenizer

    _, tokenizer = model_files()
    return frozenset(
        token[1:].lower()
        for token in Tokenizer.from_file(str(tokenizer)).get_vocab()
        if token.startswith(_WORD_START) and token[1:].isalpha()
    )
