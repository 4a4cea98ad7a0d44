"""Grouping texts by meaning, simply enough to explain on the page that shows the groups.

Greedy centroid grouping over unit vectors of one embeddings model: the questions with the most
close neighbours are placed first, so a group is seeded by a typical question rather than an
odd one; each question then joins the group whose average vector it is most similar to (cosine),
if that similarity reaches the threshold, and otherwise starts a group of its own. A group's
representative is the member closest to its average. It is linear in the number of groups per
question, which a few thousand questions afford, and deterministic for the same input.

Vectors of different models are never compared: the caller groups each model's vectors apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# How similar (cosine) a question must be to a group's average to join it. Static word-vector
# models such as the local one score paraphrases in other words around 0.45-0.7 and unrelated
# questions below 0.3; contextual provider models score everything higher, paraphrases 0.7+.
LOCAL_MODEL_THRESHOLD = 0.4
PROVIDER_MODEL_THRESHOLD = 0.6


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]  # indexes into the input, the representative first
    cohesion: float  # mean similarity of the members to the group's average


def threshold_for(provider_kind: str) -> float:
    return LOCAL_MODEL_THRESHOLD if provider_kind == "local" else PROVIDER_MODEL_THRESHOLD


def group_by_similarity(vectors: Sequence[Sequence[float]], *, threshold: float) -> list[Group]:
    """Groups of the vectors' indexes, largest first (ties: the earliest index first)."""
    if not vectors:
        return []
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1, norms)
    similarity = matrix @ matrix.T
    neighbours = (similarity >= threshold).sum(axis=1)
    # Most neighbours first; the index breaks ties so the same input gives the same groups.
    order = sorted(range(len(matrix)), key=lambda i: (-int(neighbours[i]), i))
    sums: list[np.ndarray] = []
    members: list[list[int]] = []
    for index in order:
        vector = matrix[index]
        if sums:
            centroids = np.stack(sums)
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
            scores = centroids @ vector
            best = int(scores.argmax())
            if scores[best] >= threshold:
                sums[best] = sums[best] + vector
                members[best].append(index)
                continue
        sums.append(vector.copy())
        members.append([index])
    groups = []
    for total, indexes in zip(sums, members, strict=True):
        centroid = total / max(float(np.linalg.norm(total)), 1e-12)
        closeness = matrix[indexes] @ centroid
        ranked = [indexes[i] for i in np.argsort(-closeness, kind="stable")]
        groups.append(Group(tuple(ranked), float(closeness.mean())))
    groups.sort(key=lambda g: (-len(g.members), min(g.members)))
    return groups
