"""LLM coder: edits a candidate's scripts with file tools (read, write, replace) starting from
the recipe's template, and decides fixes for failed runs from their log. Whatever it writes must
compile and keep the functions the harness calls; otherwise the template (or the built-in fix)
is used and the reason journaled. The manager runs the code in the sandbox, scores it, and comes
back here with the log when it fails: AIDE's draft, debug, improve loop over real runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_ai import Agent, ModelRetry, RunContext

from mlwright.agents.builtin.coder import BuiltinCoder, render_candidate
from mlwright.agents.llm.calls import ModelCaller
from mlwright.agents.llm.knowledge import task_brief
from mlwright.agents.roles import CodeFiles, Fix, Plan, RunFailure
from mlwright.knowledge.recipes import RecipeContext

EDITABLE = ("train.py", "predict.py")
REQUIRED = {"predict.py": ("def learn_feature_state", "def build_features", "def fit_model",
                           "def predict_model", "def used_rounds", "def main_predict")}
WRITE_INSTRUCTIONS = """You write the model code of one candidate in an AutoML system. The
files hold a working template for the plan. Improve predict.py for this task if you see a clear
gain (features, model settings); keep every function the template defines and their
signatures, and keep the template's flags true to your code (STOPS_AT_DEADLINE: fit_model
stops at ctx["deadline"]; WEIGHTED: it fits with ctx["weight"] when given, else set it False);
train.py is the harness's contract and rarely needs changes. run_check runs your
files in the sandbox on a sample and scores them; changed files must pass it. Finish with a
short summary of what you changed (or 'unchanged')."""
DEBUG_INSTRUCTIONS = """A candidate's training run failed. Read the log tail and the files,
then either fix the files (action retry) or change course (switch_recipe, give_up). You may
also change parameters for the retry."""


class CoderSummary(BaseModel):
    summary: str


class DebugDecision(BaseModel):
    action: Literal["retry", "switch_recipe", "give_up"]
    reason: str
    params: dict = Field(default_factory=dict)
    recipe: str | None = None


@dataclass
class Workspace:
    """The files the model edits, in memory until the harness accepts them."""

    files: dict[str, str]
    changed: set[str] = field(default_factory=set)
    brief: str = ""
    params: dict = field(default_factory=dict)
    checker: Callable[[dict, dict], tuple[bool, str]] | None = None
    checked: dict[str, str] | None = None  # the files the last check ran
    versions: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # after each edit

    def edited(self, name: str, what: str) -> None:
        self.changed.add(name)
        self.versions.append((f"{what} {name}", dict(self.files)))
    verdict: tuple[bool, str] | None = None

    def check(self) -> tuple[bool, str]:
        problem = code_problem(self.files)
        if problem:
            return False, f"not accepted: {problem}"
        if self.checker is None:
            return True, "accepted: it compiles (no sandbox check available)"
        if self.checked != self.files:
            self.checked = dict(self.files)
            self.verdict = self.checker(dict(self.files), self.params)
        return self.verdict


def _agent(output_type, instructions: str):
    agent = Agent(output_type=output_type, deps_type=Workspace, instructions=instructions,
                  retries=2, name="coder")

    @agent.tool
    def read_task(ctx: RunContext[Workspace]) -> str:
        """The task as the harness understood it: target, metric, columns, notes."""
        return ctx.deps.brief

    @agent.tool
    def run_check(ctx: RunContext[Workspace]) -> str:
        """Run the files in the sandbox on a sample of rows and score their predictions."""
        return ctx.deps.check()[1]

    @agent.output_validator
    def accepted_by_the_harness(ctx: RunContext[Workspace], output):
        if ctx.deps.changed:
            accepted, message = ctx.deps.check()
            if not accepted:
                raise ModelRetry(f"the harness did not accept the files: {message[-1500:]}")
        return output

    @agent.tool
    def read_file(ctx: RunContext[Workspace], name: str) -> str:
        """The whole text of one of the candidate's files."""
        if name not in ctx.deps.files:
            raise ModelRetry(f"no file {name!r}; files: {sorted(ctx.deps.files)}")
        return ctx.deps.files[name]

    @agent.tool
    def write_file(ctx: RunContext[Workspace], name: str, content: str) -> str:
        """Replace one of the editable files (train.py, predict.py) with new text."""
        if name not in EDITABLE:
            raise ModelRetry(f"{name!r} is not editable; edit one of {list(EDITABLE)}")
        ctx.deps.files[name] = content
        ctx.deps.edited(name, "rewrote")
        return f"{name}: {len(content)} characters written"

    @agent.tool
    def replace_in_file(ctx: RunContext[Workspace], name: str, old: str, new: str) -> str:
        """Replace the one occurrence of `old` in an editable file by `new`."""
        if name not in EDITABLE:
            raise ModelRetry(f"{name!r} is not editable; edit one of {list(EDITABLE)}")
        count = ctx.deps.files[name].count(old)
        if count != 1:
            raise ModelRetry(f"`old` occurs {count} times in {name}; quote exactly one place")
        ctx.deps.files[name] = ctx.deps.files[name].replace(old, new)
        ctx.deps.edited(name, "patched")
        return f"{name}: replaced"

    return agent


def code_problem(files: dict[str, str]) -> str | None:
    """Why these files cannot be run by the harness, or None."""
    for name in EDITABLE:
        try:
            compile(files[name], name, "exec")
        except SyntaxError as exc:
            return f"{name} does not compile: {exc}"
    missing = [f for f in REQUIRED["predict.py"] if f not in files["predict.py"]]
    if missing:
        return f"predict.py lost {', '.join(missing)}"
    return None


class LLMCoder:
    max_retries = BuiltinCoder.max_retries

    def __init__(self, caller: ModelCaller, ctx: RecipeContext):
        self.caller = caller
        self.ctx = ctx
        self.builtin = BuiltinCoder()
        self.checker = None  # set by the manager: run files briefly in the sandbox and score

    def write(self, plan: Plan) -> CodeFiles:
        template = render_candidate(plan)
        workspace = Workspace(dict(template.files), brief=task_brief(self.ctx),
                              params=dict(plan.params), checker=self.checker)
        prompt = (f"{task_brief(self.ctx)}\n\nPlan: {plan.recipe}. {plan.rationale}\n"
                  f"Parameters: {plan.params}\nFiles: {sorted(workspace.files)}")
        answer = self.caller.run("coder", _agent(CoderSummary, WRITE_INSTRUCTIONS), prompt,
                                 deps=workspace, max_requests=8)
        if answer is None or not workspace.changed:
            return template
        accepted, message = workspace.check()
        if not accepted:
            self.caller.journal.append("model_fallback", role="coder", failure="bad_code",
                                       reason=f"{message[:400]}; the recipe's template is used")
            return template
        edits = [CodeFiles(files=files, message=f"model edit: {what}")
                 for what, files in workspace.versions]
        return CodeFiles(files=workspace.files,
                         message=f"draft by the model: {answer.summary[:200]}",
                         earlier=[template, *edits[:-1]])  # the last edit is the files above

    def debug(self, failure: RunFailure) -> Fix:
        if failure.attempts >= self.max_retries or not failure.files:
            return self.builtin.debug(failure)
        workspace = Workspace(dict(failure.files), brief=task_brief(self.ctx),
                              params=dict(failure.params), checker=self.checker)
        prompt = (f"{task_brief(self.ctx)}\n\nRecipe {failure.recipe}, parameters "
                  f"{failure.params}. Stopped for: {failure.stopped_for or 'an error'}, exit "
                  f"code {failure.exit_code}. Invalid output: {failure.invalid_output}\n"
                  f"Log tail:\n{failure.log_tail[-2500:]}")
        decision = self.caller.run("coder", _agent(DebugDecision, DEBUG_INSTRUCTIONS), prompt,
                                   deps=workspace, max_requests=8)
        if decision is None:
            return self.builtin.debug(failure)
        files = {name: workspace.files[name] for name in workspace.changed}
        if files:
            accepted, message = workspace.check()
            if not accepted:
                self.caller.journal.append("model_fallback", role="coder", failure="bad_code",
                                           reason=f"{message[:400]}; the built-in fix is used")
                return self.builtin.debug(failure)
        return Fix(action=decision.action, reason=f"(model) {decision.reason}",
                   params=decision.params, recipe=decision.recipe, files=files)
