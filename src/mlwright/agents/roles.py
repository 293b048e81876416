"""One interface per role; the built-in brain and the LLM brain both implement these.

Every role returns a typed value: the manager never parses free text.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from mlwright.knowledge.recipes import RecipeContext


class Plan(BaseModel):
    """What the designer proposes: a recipe, why, and the parameters to start from."""

    recipe: str
    rationale: str
    params: dict[str, Any]
    parent: str | None = Field(None, description="candidate this plan replaces after a failure")
    row_fraction: float = Field(1.0, description="share of each fold's rows to fit on")
    floor: bool = Field(False, description="the cheap first model that makes a model-based "
                                           "submission early, whatever the data")


class CodeFiles(BaseModel):
    files: dict[str, str]
    message: str
    earlier: list[CodeFiles] = Field(default_factory=list,
                                     description="versions before this one, oldest first: "
                                                 "each becomes a commit of its own")


class RunFailure(BaseModel):
    """What the harness knows about a failed run: enough for a coder to decide a fix."""

    recipe: str
    params: dict[str, Any]
    stopped_for: str | None
    exit_code: int | None
    log_tail: str
    invalid_output: str | None = None
    attempts: int = 0
    files: dict[str, str] = Field(default_factory=dict, description="the candidate's scripts")


class Fix(BaseModel):
    action: Literal["retry", "switch_recipe", "give_up"]
    reason: str
    params: dict[str, Any] = Field(default_factory=dict)
    row_fraction: float = 1.0
    recipe: str | None = None
    files: dict[str, str] = Field(default_factory=dict, description="scripts to replace first")


class Designer(Protocol):
    def propose(self, ctx: RecipeContext, taken: set[str], budget_seconds: float,
                n_folds: int) -> list[Plan]: ...


class Coder(Protocol):
    def write(self, plan: Plan) -> CodeFiles: ...

    def debug(self, failure: RunFailure) -> Fix: ...


class Tuner(Protocol):
    def suggest(self, candidate_id: str) -> dict[str, Any] | None: ...

    def observe(self, candidate_id: str, params: dict[str, Any], loss: float | None) -> None: ...
