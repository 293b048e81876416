"""PROVIDER:NAME -> a pydantic-ai model. The SDKs' own retries are off: the caller retries, so
that every failed attempt is journaled and the budget's clock is respected."""

from __future__ import annotations

import os

from mlwright.agents.llm.config import api_key

OLLAMA_URL = "http://localhost:11434/v1"


def build_model(model: str, base_url: str | None, timeout: float):
    provider, _, name = model.partition(":")
    if provider == "anthropic":
        from anthropic import AsyncAnthropic
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        client = AsyncAnthropic(api_key=api_key("anthropic") or "missing", base_url=base_url,
                                max_retries=0, timeout=timeout)
        return AnthropicModel(name, provider=AnthropicProvider(anthropic_client=client))
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    if provider == "ollama":
        url = base_url or os.environ.get("OLLAMA_BASE_URL", OLLAMA_URL)
    else:
        url = base_url or os.environ.get("OPENAI_BASE_URL")
    # A local server (vLLM, llama.cpp, Ollama) needs no key, but the client insists on one.
    client = AsyncOpenAI(base_url=url, api_key=api_key(provider) or "not-needed",
                         max_retries=0, timeout=timeout)
    return OpenAIChatModel(name, provider=OpenAIProvider(openai_client=client))
