"""Every model call of a run goes through one ModelCaller: it checks the token and cost
budgets, retries rate limits and server errors with backoff, journals each call's usage and
each failure, and answers None when the role should fall back to the built-in brain.

After several failed calls in a row it pauses the model for a while: a dead or broken endpoint
must not spend the run's budget on waiting.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from mlwright.agents.llm.config import LLMConfig
from mlwright.budget import Deadline
from mlwright.journal import Journal

RETRIES = 2  # further attempts after a rate limit, server error or lost connection
BACKOFF_SECONDS = 1.0  # doubled at each further attempt
FAILURES_BEFORE_PAUSE = 3
PAUSE_SHARE = 0.15  # of the budget


@dataclass
class Spent:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)  # role -> calls

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ModelCaller:
    def __init__(self, config: LLMConfig, journal: Journal, deadline: Deadline,
                 budget_seconds: float, models: dict[str, Any] | None = None):
        self.config = config
        self.journal = journal
        self.deadline = deadline
        self.budget_seconds = budget_seconds
        self.spent = Spent()
        self._models = dict(models or {})  # role -> pydantic-ai model (tests inject theirs)
        self._failures_in_row = 0
        self._paused_until = 0.0
        self._exhausted: str | None = None

    # ---- state ---------------------------------------------------------------------------
    def available(self) -> bool:
        return self._exhausted is None and time.monotonic() >= self._paused_until

    def model(self, role: str):
        if role not in self._models:
            from mlwright.agents.llm.connection import build_model

            self._models[role] = build_model(self.config.model_for(role), self.config.base_url,
                                             self.config.call_timeout)
        return self._models[role]

    # ---- one call --------------------------------------------------------------------------
    def run(self, role: str, agent, prompt: str, deps: Any = None, max_requests: int = 6):
        """The agent's output, or None (journaled why) when the role must fall back."""
        from pydantic_ai import capture_run_messages
        from pydantic_ai.exceptions import (
            ModelAPIError,
            UnexpectedModelBehavior,
            UsageLimitExceeded,
        )
        from pydantic_ai.usage import RunUsage, UsageLimits

        if not self.available():
            return None
        model_name = self.config.model_for(role)
        for attempt in range(RETRIES + 1):
            usage = RunUsage()
            limits = UsageLimits(request_limit=max_requests,
                                 total_tokens_limit=self._tokens_left())
            timeout = min(self.config.call_timeout, max(5.0, 0.2 * self.deadline.remaining()))
            started = time.monotonic()
            error, kind, output = None, None, None
            with capture_run_messages() as messages:
                try:
                    result = agent.run_sync(prompt, model=self.model(role), deps=deps,
                                            usage=usage, usage_limits=limits,
                                            model_settings={"timeout": timeout})
                    output = result.output
                except UsageLimitExceeded as exc:
                    # Too many turns is a model going round in circles; too many tokens is
                    # the run's budget.
                    kind, error = ("malformed" if "request_limit" in str(exc) else "budget"), exc
                except UnexpectedModelBehavior as exc:
                    kind, error = "malformed", exc
                except ModelAPIError as exc:
                    kind, error = _api_kind(exc), exc
                except Exception as exc:  # noqa: BLE001 - any other fault means fall back
                    kind, error = "error", exc
            self._journal_corrections(role, messages)
            self._record(role, model_name, usage, time.monotonic() - started, kind, error)
            if error is None:
                self._failures_in_row = 0
                return output
            if kind == "budget" or self._exhausted:
                self._exhaust(str(error) if kind == "budget" else self._exhausted)
                return None
            transient = kind in ("rate_limited", "server_error", "connection")
            wait = BACKOFF_SECONDS * 2 ** attempt
            if transient and attempt < RETRIES and wait < 0.1 * self.deadline.remaining():
                self.journal.append("model_retry", role=role, failure=kind, wait_seconds=wait,
                                    attempt=attempt + 1)
                time.sleep(wait)
                continue
            break
        self._failures_in_row += 1
        self.journal.append("model_fallback", role=role, failure=kind,
                            reason=f"{type(error).__name__}: {str(error)[:300]}")
        if self._failures_in_row >= FAILURES_BEFORE_PAUSE:
            pause = PAUSE_SHARE * self.budget_seconds
            self._paused_until = time.monotonic() + pause
            self._failures_in_row = 0
            self.journal.append("model_paused", seconds=round(pause, 1),
                                reason=f"{FAILURES_BEFORE_PAUSE} failed calls in a row; the "
                                       "built-in brain works meanwhile")
        return None

    def _journal_corrections(self, role: str, messages) -> None:
        """What the agent loop sent back to the model (unknown tool, arguments that are not
        JSON or not the tool's, text where a structured answer was due, a validator's
        objection): each one is a fault handled inside the call."""
        from pydantic_ai.messages import ModelRequest

        for message in messages:
            if not isinstance(message, ModelRequest):
                continue
            for part in message.parts:
                kind = getattr(part, "part_kind", "")
                if kind in ("retry-prompt", "retry-feedback") or \
                        getattr(part, "outcome", None) == "retried":
                    content = part.content if isinstance(part.content, str) else \
                        json.dumps(part.content, default=str)
                    self.journal.append("model_corrected", role=role,
                                        tool=getattr(part, "tool_name", None),
                                        message=content[:300])

    # ---- accounting ----------------------------------------------------------------------
    def _tokens_left(self) -> int | None:
        if self.config.max_tokens is None:
            return None
        return max(1, int(self.config.max_tokens) - self.spent.tokens)

    def _record(self, role, model_name, usage, seconds, kind, error) -> None:
        price = self.config.price(model_name)
        cost = 0.0
        if price is not None:
            cost = (usage.input_tokens * price[0] + usage.output_tokens * price[1]) / 1e6
        self.spent.input_tokens += usage.input_tokens
        self.spent.output_tokens += usage.output_tokens
        self.spent.cost += cost
        self.spent.calls[role] = self.spent.calls.get(role, 0) + 1
        self.journal.append("model_usage", role=role, model=model_name,
                            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                            requests=usage.requests, cost=round(cost, 6),
                            priced=price is not None, seconds=round(seconds, 3),
                            outcome="ok" if error is None else kind)
        if self.config.max_tokens is not None and self.spent.tokens >= self.config.max_tokens:
            self._exhaust(f"{self.spent.tokens} tokens used of --max-tokens "
                          f"{self.config.max_tokens}")
        if self.config.max_cost is not None and self.spent.cost >= self.config.max_cost:
            self._exhaust(f"${self.spent.cost:.4f} spent of --max-cost {self.config.max_cost}")

    def _exhaust(self, reason: str | None) -> None:
        if self._exhausted is None:
            self._exhausted = reason or "budget exhausted"
            self.journal.append("model_budget_exhausted", reason=self._exhausted,
                                tokens=self.spent.tokens, cost=round(self.spent.cost, 6))


def _api_kind(exc: Exception) -> str:
    from pydantic_ai.exceptions import (
        ModelConnectionError,
        ModelRateLimitError,
        ModelServerError,
    )

    if isinstance(exc, ModelRateLimitError):
        return "rate_limited"
    if isinstance(exc, ModelServerError):
        return "server_error"
    if isinstance(exc, ModelConnectionError):
        return "connection"
    return "api_error"
