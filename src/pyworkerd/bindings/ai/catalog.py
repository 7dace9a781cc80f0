"""Which Workers AI model ids run here, as which task, and the inputs each task accepts.

Embedding ids keep Cloudflare's dimensions (the local vectors are zero-padded to them, so
an index made for the real model fits); classification is the SST-2 sentiment model;
text-generation ids go to the OpenAI-compatible endpoint. Inputs are checked as the
service's JSON schema checks them, with its 5006 messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pyworkerd.bindings.ai.errors import no_such_model, schema_error

__all__ = [
    "EMBEDDING_DIMS",
    "MAX_EMBED_ITEMS",
    "GenerationInput",
    "Model",
    "classification_text",
    "embedding_texts",
    "generation_input",
    "resolve",
]

Task = Literal["embeddings", "classification", "generation"]

EMBEDDING_DIMS = {
    "@cf/baai/bge-small-en-v1.5": 384,
    "@cf/baai/bge-base-en-v1.5": 768,
    "@cf/baai/bge-large-en-v1.5": 1024,
    "@cf/baai/bge-m3": 1024,
}
CLASSIFICATION = ("@cf/huggingface/distilbert-sst-2-int8",)
GENERATION = (
    "@cf/meta/llama-3.1-8b-instruct",
    "@cf/meta/llama-3.2-3b-instruct",
    "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
    "@cf/meta/llama-4-scout-17b-16e-instruct",
    "@cf/mistralai/mistral-small-3.1-24b-instruct",
    "@cf/mistral/mistral-7b-instruct-v0.1",
    "@cf/qwen/qwen2.5-coder-32b-instruct",
    "@cf/google/gemma-3-12b-it",
    "@cf/openai/gpt-oss-120b",
    "@cf/openai/gpt-oss-20b",
)
# Families whose other ids (older or newer versions) are text generation too.
GENERATION_PREFIXES = (
    "@cf/meta/llama-",
    "@hf/meta-llama/",
    "@cf/mistral/",
    "@cf/mistralai/",
    "@hf/mistral/",
    "@cf/qwen/",
    "@cf/google/gemma-",
    "@hf/google/gemma-",
    "@cf/openai/gpt-oss-",
    "@cf/deepseek-ai/",
    "@cf/microsoft/phi-",
)
MAX_EMBED_ITEMS = 100  # the bge models' `text` array holds at most 100 strings
MAX_PROMPT_CHARS = 131072
DEFAULT_MAX_TOKENS = 256


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    task: Task
    dims: int = 0


def resolve(model: object) -> Model:
    """The model behind an id, or AiError 5007 for an id Workers AI does not know."""
    name = model if isinstance(model, str) else str(model)
    if name in EMBEDDING_DIMS:
        return Model(name, "embeddings", EMBEDDING_DIMS[name])
    if name in CLASSIFICATION:
        return Model(name, "classification")
    if name in GENERATION or name.startswith(GENERATION_PREFIXES):
        return Model(name, "generation")
    raise no_such_model(name)


def _object(inputs: Any) -> dict[str, Any]:
    if not isinstance(inputs, dict):
        raise schema_error("type at '/' must be object")
    return inputs


def embedding_texts(inputs: Any) -> list[str]:
    """`{text: string | string[]}` → the strings to embed."""
    text = _object(inputs).get("text")
    if text is None:
        raise schema_error("required properties at '/' are 'text'")
    if isinstance(text, str):
        texts = [text]
    elif isinstance(text, list) and all(isinstance(t, str) for t in text):
        texts = list(text)
    else:
        raise schema_error("type at '/text' must be string or array of strings")
    if any(not t for t in texts):
        raise schema_error("minLength at '/text' must be 1")
    if isinstance(text, list) and not 1 <= len(texts) <= MAX_EMBED_ITEMS:
        raise schema_error(f"array at '/text' must have 1 to {MAX_EMBED_ITEMS} items")
    pooling = inputs.get("pooling", "mean")
    if pooling not in ("mean", "cls"):
        raise schema_error("enum at '/pooling' must be 'mean' or 'cls'")
    return texts


def classification_text(inputs: Any) -> str:
    text = _object(inputs).get("text")
    if text is None:
        raise schema_error("required properties at '/' are 'text'")
    if not isinstance(text, str):
        raise schema_error("type at '/text' must be string")
    if not text:
        raise schema_error("minLength at '/text' must be 1")
    return text


@dataclass(frozen=True, slots=True)
class GenerationInput:
    """A text-generation request, as the OpenAI chat API takes it."""

    messages: list[dict[str, Any]]
    stream: bool
    params: dict[str, Any]  # max_tokens, temperature, top_p, … (only those given)
    tools: list[Any] | None = None
    response_format: dict[str, Any] | None = None


_NUMBER_PARAMS = {
    # name: (minimum, maximum)
    "temperature": (0.0, 5.0),
    "top_p": (0.0, 2.0),
    "top_k": (1, 50),
    "seed": (1, 9999999999),
    "repetition_penalty": (0.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "max_tokens": (1, 131072),
}


def _messages(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    prompt, messages = inputs.get("prompt"), inputs.get("messages")
    if prompt is not None:
        if not isinstance(prompt, str):
            raise schema_error("type at '/prompt' must be string")
        if not 1 <= len(prompt) <= MAX_PROMPT_CHARS:
            raise schema_error(f"length at '/prompt' must be 1 to {MAX_PROMPT_CHARS}")
        return [{"role": "user", "content": prompt}]
    if messages is None:
        raise schema_error(
            "oneOf at '/' not met, 0 matches: required properties at '/' are 'prompt', "
            "required properties at '/' are 'messages'"
        )
    if not isinstance(messages, list):
        raise schema_error("type at '/messages' must be array")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise schema_error(f"type at '/messages/{i}' must be object")
        if not isinstance(message.get("role"), str):
            raise schema_error(f"required properties at '/messages/{i}' are 'role,content'")
        if "content" not in message and "tool_calls" not in message:
            raise schema_error(f"required properties at '/messages/{i}' are 'role,content'")
    return [dict(m) for m in messages]


def generation_input(inputs: Any) -> GenerationInput:
    obj = _object(inputs)
    messages = _messages(obj)
    params: dict[str, Any] = {"max_tokens": DEFAULT_MAX_TOKENS}
    for name, (low, high) in _NUMBER_PARAMS.items():
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise schema_error(f"type at '/{name}' must be number")
        if not low <= value <= high:
            raise schema_error(f"value at '/{name}' must be between {low} and {high}")
        params[name] = value
    stream = obj.get("stream", False)
    if not isinstance(stream, bool):
        raise schema_error("type at '/stream' must be boolean")
    tools = obj.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise schema_error("type at '/tools' must be array")
    response_format = obj.get("response_format")
    if response_format is not None and not isinstance(response_format, dict):
        raise schema_error("type at '/response_format' must be object")
    return GenerationInput(messages, stream, params, tools, response_format)
