"""Grouping texts by meaning, simply enough to explain on the page that shows the groups.

Agglomerative clustering with average linkage over unit vectors of one embeddings model: every
text starts as its own group; the two groups whose members are most similar on average (cosine)
are merged, again and again, while that average similarity reaches the threshold. Average
linkage keeps a big group from swallowing a neighbour that resembles only some of its members
(a centroid would drift towards whatever it absorbed). A group's representative is the member
most similar on average to the others, counting each text as often as it was asked.

It is deterministic, and quadratic in memory and cubic in time in the worst case (everything
merged), which the few hundred to a couple of thousand distinct questions of a period afford.
Vectors of different models are never compared: the caller groups each model's vectors apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# How similar (cosine, on average over the pairs) two groups must be to merge. Static word-vector
# models such as the local one score paraphrases in other words around 0.4-0.7 and unrelated
# questions below 0.3; contextual provider models score everything higher, paraphrases 0.7+.
LOCAL_MODEL_THRESHOLD = 0.4
PROVIDER_MODEL_THRESHOLD = 0.6


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]  # indexes into the input, the representative first


def threshold_for(provider: str) -> float:
    return LOCAL_MODEL_THRESHOLD if provider == "local" else PROVIDER_MODEL_THRESHOLD


def group_by_similarity(
    vectors: Sequence[Sequence[float]],
    *,
    threshold: float,
    weights: Sequence[int] | None = None,
) -> list[Group]:
    """Groups of the vectors' indexes, largest (by weight) first, ties by earliest index.
    ``weights``: how many times each text was asked (1 each by default)."""
    if not len(vectors):
        return []
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1, norms)
    similarity = matrix @ matrix.T
    count = np.asarray(weights if weights is not None else [1] * len(matrix), dtype=np.float64)
    linkage = similarity.copy()
    np.fill_diagonal(linkage, -np.inf)
    sizes = np.ones(len(matrix))
    members: dict[int, list[int]] = {i: [i] for i in range(len(matrix))}
    while len(members) > 1:
        flat = int(np.argmax(linkage))
        i, j = divmod(flat, len(matrix))
        if linkage[i, j] < threshold:
            break
        # Average linkage (Lance-Williams): the merged group's average similarity to every
        # other group is the size-weighted mean of its two parts'.
        merged = (sizes[i] * linkage[i] + sizes[j] * linkage[j]) / (sizes[i] + sizes[j])
        linkage[i, :] = merged
        linkage[:, i] = merged
        linkage[i, i] = -np.inf
        linkage[j, :] = -np.inf
        linkage[:, j] = -np.inf
        sizes[i] += sizes[j]
        members[i] += members.pop(j)
    groups = [
        Group(_representative_first(indexes, similarity, count)) for indexes in members.values()
    ]
    groups.sort(key=lambda g: (-sum(count[m] for m in g.members), min(g.members)))
    return groups


def _representative_first(
    indexes: list[int], similarity: np.ndarray, count: np.ndarray
) -> tuple[int, ...]:
    block = similarity[np.ix_(indexes, indexes)]
    weight = count[indexes]
    typical = block @ weight  # each member's similarity to the group, counting repeats
    ranked = np.lexsort((np.asarray(indexes), -weight, -typical))
    return tuple(indexes[k] for k in ranked)
