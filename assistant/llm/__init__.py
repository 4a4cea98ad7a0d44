"""The swappable model client: Qwen by default, any OpenAI-compatible endpoint, or offline.

Plain Python: nothing here imports Django, and nothing reads the environment. Settings build an
LLMConfig with `build_llm_config(...)`; a process-wide `Registry(config)` hands out one routed
model per purpose. See docs/models.md.
"""

from .base import ChatModel, Completion, Embedder, ModelError, complete
from .config import LLMConfig, ProviderConfig, RouteStep, build_llm_config
from .offline import NO_ANSWER, OfflineResponder
from .pricing import PriceTable
from .registry import CallStream, Registry, RoutedEmbedder, RoutedModel
from .types import (
    Attempt,
    CallResult,
    ChatOptions,
    Embeddings,
    Finished,
    Message,
    Passage,
    ProviderInfo,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolSpec,
    Usage,
)

__all__ = [
    "NO_ANSWER",
    "Attempt",
    "CallResult",
    "CallStream",
    "ChatModel",
    "ChatOptions",
    "Completion",
    "Embedder",
    "Embeddings",
    "Finished",
    "LLMConfig",
    "Message",
    "ModelError",
    "OfflineResponder",
    "Passage",
    "PriceTable",
    "ProviderConfig",
    "ProviderInfo",
    "Registry",
    "RouteStep",
    "RoutedEmbedder",
    "RoutedModel",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallEvent",
    "ToolSpec",
    "Usage",
    "build_llm_config",
    "complete",
]
