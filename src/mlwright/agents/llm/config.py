"""Which model each role uses, where it is served, and what the run may spend on it.

Sources, later ones winning: `mlwright.toml` ([llm] table) in the working folder or given with
--config, then the command line. Keys come from the environment only and are never stored.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlwright.config_file import read_section
from mlwright.errors import OptionError

PROVIDERS = ("openai", "anthropic", "ollama")
ROLES = ("setup", "designer", "coder", "tuner", "manager")

# USD per million tokens (input, output); a table in mlwright.toml ([llm.prices]) overrides.
PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o": (2.5, 10.0),
    "openai:gpt-4o-mini": (0.15, 0.6),
    "openai:gpt-4.1": (2.0, 8.0),
    "openai:gpt-4.1-mini": (0.4, 1.6),
    "anthropic:claude-sonnet-4-5": (3.0, 15.0),
    "anthropic:claude-haiku-4-5": (1.0, 5.0),
}


@dataclass(frozen=True)
class LLMConfig:
    model: str
    role_models: dict[str, str] = field(default_factory=dict)  # role -> PROVIDER:NAME
    base_url: str | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    call_timeout: float = 60.0
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)

    def model_for(self, role: str) -> str:
        return self.role_models.get(role, self.model)

    def price(self, model: str) -> tuple[float, float] | None:
        return self.prices.get(model) or PRICES.get(model)

    def to_journal(self) -> dict[str, Any]:
        """What a resumed run needs to call the same models: no keys."""
        return asdict(self)

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> LLMConfig:
        data = dict(data)
        data["prices"] = {k: tuple(v) for k, v in data.get("prices", {}).items()}
        return cls(**data)


def check_model_name(model: str, option: str = "--model") -> str:
    provider, _, name = model.partition(":")
    if provider not in PROVIDERS or not name:
        raise OptionError(f"{option}: unknown model provider in {model!r}; use PROVIDER:NAME with "
                          f"PROVIDER one of {', '.join(PROVIDERS)}")
    return model


def load_config(model: str | None, role_models: dict[str, str | None], base_url: str | None,
                max_tokens: int | None, max_cost: float | None, call_timeout: float | None,
                config_file: Path | None) -> LLMConfig:
    """The LLM brain's settings; a clear error naming the option or file when they are wrong."""
    table = read_section(config_file, "llm")
    chosen = model or table.get("model")
    if not chosen:
        raise OptionError("--brain llm: no model; give --model PROVIDER:NAME or [llm] model in "
                          "mlwright.toml")
    check_model_name(chosen)
    roles = {}
    for role in ROLES:
        value = role_models.get(role) or table.get(f"{role}_model")
        if value:
            roles[role] = check_model_name(value, f"--{role}-model")
    prices = {}
    for name, pair in table.get("prices", {}).items():
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(v, int | float) for v in pair)):
            raise OptionError(f"{config_file or 'mlwright.toml'}: [llm.prices] {name!r} must be "
                              "[input USD per million tokens, output USD per million tokens]")
        prices[name] = (float(pair[0]), float(pair[1]))
    for option, value in (("--max-tokens", max_tokens), ("--max-cost", max_cost),
                          ("--call-timeout", call_timeout)):
        if value is not None and value <= 0:
            raise OptionError(f"{option}: must be positive, got {value}")
    config = LLMConfig(
        model=chosen, role_models=roles,
        base_url=base_url or table.get("base_url"),
        max_tokens=max_tokens or table.get("max_tokens"),
        max_cost=max_cost or table.get("max_cost"),
        call_timeout=float(call_timeout or table.get("call_timeout", 60.0)),
        prices=prices,
    )
    if config.max_cost is not None:  # a cost limit on a model without a price is no limit
        for used in sorted({config.model, *roles.values()}):
            if config.price(used) is None:
                raise OptionError(
                    f"--max-cost: no price is known for {used!r}, so its cost cannot be "
                    f"counted; add [llm.prices] \"{used}\" = [input, output] (USD per million "
                    f"tokens) to {config_file or 'mlwright.toml'}, or use --max-tokens")
    return config


def api_key(provider: str) -> str | None:
    return os.environ.get({"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
                           "ollama": "OLLAMA_API_KEY"}[provider])
