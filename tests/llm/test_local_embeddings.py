"""The local embeddings model: shipped inside its wheel, loaded and run with no network access."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

from assistant.llm.config import build_llm_config
from assistant.llm.local_embeddings import LOCAL_DIMENSIONS, LocalEmbedder, model_files
from assistant.llm.registry import Registry

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter, so that nothing is loaded yet and no cache of a test before helps:
# every way out to the network raises, and HOME points at an empty folder (WordLlama's own loader
# would look for a cache in ~/.cache and download into it).
NO_NETWORK_SCRIPT = textwrap.dedent(
    """
    import json, socket, sys

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:80])
        raise OSError("network access attempted")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import asyncio
    from assistant.llm.local_embeddings import LocalEmbedder

    result = asyncio.run(LocalEmbedder().embed(["How long is the warranty?", "frame warranty"]))
    print(json.dumps({"attempts": attempts, "vectors": [list(v) for v in result.vectors]}))
    """
)


def test_the_weights_and_the_tokenizer_ship_inside_the_installed_package() -> None:
    weights, tokenizer = model_files()

    assert weights.is_file() and weights.stat().st_size > 10_000_000
    assert tokenizer.is_file()
    assert "site-packages" in str(weights) or "dist-packages" in str(weights)


def test_loading_and_embedding_make_no_network_access(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK_SCRIPT],
        cwd=ROOT,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout.strip().splitlines()[-1])
    assert output["attempts"] == []
    assert [len(v) for v in output["vectors"]] == [LOCAL_DIMENSIONS, LOCAL_DIMENSIONS]
    assert list(tmp_path.iterdir()) == [], "nothing is cached or downloaded"


async def test_vectors_are_unit_length_and_closer_for_related_texts() -> None:
    result = await LocalEmbedder().embed(
        ["I want my money back", "How do refunds work?", "Opening hours of the store"]
    )

    money, refunds, hours = result.vectors
    assert all(math.isclose(math.hypot(*v), 1.0, rel_tol=1e-4) for v in result.vectors)
    similarity = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert similarity(money, refunds) > similarity(money, hours)
    assert result.provider == "local" and result.usage.total_tokens == 0


async def test_the_registry_routes_embeddings_to_the_local_model_without_a_provider() -> None:
    embedder = Registry(build_llm_config(dashscope_api_key=None)).embedder()

    assert embedder is not None
    result = await embedder.embed(["hello"])
    assert result.model == "wordllama-l2-supercat" and result.dimensions == LOCAL_DIMENSIONS
    assert embedder.info.hosting == "internal"
    assert embedder.info.jurisdiction == "in-process (no network)"
