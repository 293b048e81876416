"""The LLM brain with scripted words: pydantic-ai's FunctionModel stands in for the chat model;
the agent loop, tool calls, output validation, retries, budgets and fallbacks run for real, as
do the candidates in the sandbox. Assertions are on the journal and the submission."""

import re
import shutil
import sqlite3
import time
from pathlib import Path

import pandas as pd
import pytest

from mlwright.agents.llm.config import LLMConfig
from mlwright.journal import Journal
from mlwright.session import RunOptions, start
from mlwright.workspace.candidate import CandidateRepo

pydantic_ai = pytest.importorskip("pydantic_ai")
from pydantic_ai import ModelResponse, TextPart, ToolCallPart  # noqa: E402
from pydantic_ai.models.function import AgentInfo, FunctionModel  # noqa: E402

READING = {"target": "Survived", "id_column": "PassengerId", "task_type": "binary",
           "metric": "accuracy"}


def role_of(info: AgentInfo) -> str:
    text = info.instructions or ""
    if "Read a machine-learning task" in text:
        return "setup"
    if "steer the search" in text:
        return "manager"
    if "design modelling strategies" in text:
        return "designer"
    if "tune one model" in text:
        return "tuner"
    return "debug" if "training run failed" in text else "coder"


def answer(info: AgentInfo, args: dict) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])


def turns(messages) -> int:
    """How many times the model has answered in this agent run so far."""
    return sum(1 for m in messages if isinstance(m, ModelResponse))


def run_with(titanic: Path, out: Path, script, budget: float = 20, **config) -> list:
    def with_setup(messages, info):
        if role_of(info) == "setup":
            return answer(info, READING)
        if role_of(info) == "manager" and not getattr(script, "steers", False):
            return answer(info, {"candidate_id": "c999"})  # unknown: the rules decide
        return script(messages, info)

    options = RunOptions(budget_seconds=budget, brain="llm", live=False,
                         llm=LLMConfig(model="openai:scripted", **config),
                         llm_models={role: FunctionModel(with_setup)
                                     for role in ("setup", "designer", "coder", "tuner",
                                                  "manager")})
    result = start(titanic, out, options, None, time.monotonic())
    assert result.submission.exists()
    submission = pd.read_csv(result.submission)
    sample = pd.read_csv(titanic / "sample_submission.csv")
    assert list(submission.columns) == list(sample.columns) and len(submission) == len(sample)
    return Journal(out / "journal.sqlite").events()


def kinds(events, kind):
    return [e.payload for e in events if e.kind == kind]


SUGGESTED = {"linear": {"C": 0.5}, "catboost": {"depth": 5}}  # the scripted tuner's ideas


def test_scripted_happy_path_designs_codes_and_tunes(titanic, tmp_path):
    edited, started_before_design = [], []

    def script(messages, info):
        role = role_of(info)
        if role == "designer":
            if not started_before_design:  # what the journal held when the designer was asked
                with sqlite3.connect(tmp_path / "run" / "journal.sqlite") as db:
                    started_before_design.extend(c for c, in db.execute(
                        "SELECT candidate FROM events WHERE kind = 'run_started'"))
            return answer(info, {"plans": [
                {"recipe": "catboost", "rationale": "categoricals", "params": {"depth": 4}},
                {"recipe": "linear", "rationale": "a different view", "params": {}}]})
        if role == "coder" and turns(messages) == 0 and not edited \
                and "catboost" in str(messages[0]):
            edited.append(True)  # one draft only: each edit is checked in the sandbox
            return ModelResponse(parts=[ToolCallPart("replace_in_file", {
                "name": "predict.py", "old": "def used_rounds(model):",
                "new": "# tuned by the scripted model\ndef used_rounds(model):"})])
        if role == "coder":
            return answer(info, {"summary": "marked the file"})
        if role == "debug":  # a run that failed (on a busy machine, one can run out of time)
            return answer(info, {"action": "retry", "reason": "once more"})
        if role == "manager":  # linear, not what the rules would pick, where it still fits
            affordable = dict(re.findall(r"^- (c\d+) (\w+):(?!.*too slow).*$",
                                         messages[0].parts[-1].content, re.M))
            chosen = next((c for want in ("linear", "catboost") for c, recipe in
                           affordable.items() if recipe == want), None)
            return answer(info, {"candidate_id": chosen or "c999", "action": "tune",
                                 "reason": "x"})
        prompt = str(messages[0].parts[-1].content)  # the tuner
        return answer(info, {"params": SUGGESTED.get(re.search(r"Recipe (\w+)", prompt)[1], {}),
                             "reason": "the scripted idea"})

    script.steers = True
    # time for the drafts and a tuning run the model chose, on a loaded machine too
    events = run_with(titanic, tmp_path / "run", script, budget=45)
    # the cheap first model comes first, whoever designs, and is under way before the designer
    # is asked
    first = next(e for e in events if e.kind == "candidate_created")
    assert first.payload["recipe"] == "lightgbm" and first.payload["plan"]["floor"]
    assert started_before_design == [first.candidate]
    plans = kinds(events, "plans_proposed")[0]["plans"]
    plans = [p for p in plans if p["rationale"].startswith("(model)")]
    assert [p["recipe"] for p in plans] == ["catboost", "linear"]
    assert plans[0]["params"]["depth"] == 4 and plans[0]["rationale"].startswith("(model)")
    created = {e.candidate: e.payload["recipe"] for e in events if e.kind == "candidate_created"}
    catboost = next(c for c, r in created.items() if r == "catboost")
    predict = (tmp_path / "run" / "candidates" / catboost / "predict.py").read_text()
    assert "# tuned by the scripted model" in predict
    assert any(c["accepted"] for c in kinds(events, "code_checked"))  # run before handed in
    history = CandidateRepo(catboost, tmp_path / "run" / "candidates" / catboost).history()
    if shutil.which("git"):  # the template, then the model's edit, each a commit
        assert history[-1] == "draft: catboost" and history[-2].startswith("draft by the model")
    finished = [e for e in events if e.kind == "run_finished" and e.candidate == catboost]
    assert finished and finished[0].payload["status"] == "ok"
    usage = kinds(events, "model_usage")
    assert {u["role"] for u in usage} >= {"designer", "coder"}
    assert all(u["outcome"] == "ok" for u in usage)
    # Where the model was asked (two candidates or more still fitted the time left; on a busy
    # machine the drafts may take it all), its choice ran next with the model's parameters:
    # linear where its runs still fitted, else catboost. Its choice is tested apart below.
    decided = [i for i, e in enumerate(events) if e.kind == "manager_decided"]
    for index in decided[:1]:
        following = next(e for e in events[index:] if e.kind == "run_started")
        assert following.candidate == events[index].candidate
        assert following.payload["action"] == "tune"
        suggested = SUGGESTED[created[following.candidate]]
        assert {k: following.payload["params"][k] for k in suggested} == suggested


def test_the_manager_model_steers_to_a_candidate_the_rules_would_not_pick(tmp_path):
    """The model sees every candidate and picks among those that fit the time left; a pick
    outside them, or none, leaves the step to the built-in rules."""
    from mlwright.agents.llm.calls import ModelCaller
    from mlwright.agents.llm.policy import LLMPolicy
    from mlwright.agents.roles import Plan
    from mlwright.agents.state import CandidateState, RunRecord
    from mlwright.budget import Deadline

    def candidate(cid, recipe, loss, seconds):
        state = CandidateState(cid, recipe, Plan(recipe=recipe, rationale="r", params={}),
                               repo=None)
        state.runs.append(RunRecord("r" + cid, cid, "draft", {}, status="ok", loss=loss,
                                    seconds=seconds))
        return state

    best, linear, slow = (candidate("c001", "catboost", 0.19, 3.0),
                          candidate("c002", "linear", 0.22, 2.0),
                          candidate("c003", "random_forest", 0.20, 90.0))
    picks, prompts = iter(["c002", "c003"]), []

    def script(messages, info):
        prompts.append(messages[0].parts[-1].content)
        return answer(info, {"candidate_id": next(picks), "action": "tune", "reason": "diverse"})

    journal = Journal(tmp_path / "journal.sqlite")
    caller = ModelCaller(LLMConfig(model="openai:scripted"), journal, Deadline.after(60), 60,
                         models={"manager": FunctionModel(script)})
    policy = LLMPolicy(caller)
    assert policy.choose([best, slow, linear], [best, linear], 30.0) == (linear, "tune")
    assert "c003 random_forest" in prompts[0] and "too slow for the time left" in prompts[0]
    assert policy.choose([best, slow, linear], [best, linear], 30.0) is None  # not affordable
    decided = [e for e in journal.events() if e.kind == "manager_decided"]
    assert [e.candidate for e in decided] == ["c002"]
    journal.close()


def test_the_coder_fixes_a_failing_script_from_its_log(titanic, tmp_path):
    seen_logs = []

    def script(messages, info):
        role = role_of(info)
        if role == "designer":
            return answer(info, {"plans": [{"recipe": "linear", "rationale": "r", "params": {}}]})
        if role == "coder" and turns(messages) == 0:
            return ModelResponse(parts=[ToolCallPart("replace_in_file", {
                "name": "predict.py", "old": "def fit_model(X, y, X_valid, y_valid, params, ctx):",
                "new": "def fit_model(X, y, X_valid, y_valid, params, ctx):\n"
                       "    if '/runs/' in __import__('os').environ['MLWRIGHT_OUTPUT']:\n"
                       "        raise RuntimeError('deliberate bug 17')"})])
        if role == "coder":
            return answer(info, {"summary": "added a bug"})
        if role == "debug" and turns(messages) == 0:
            seen_logs.append(messages[0].parts[-1].content)
            return ModelResponse(parts=[ToolCallPart("replace_in_file", {
                "name": "predict.py", "old": "        raise RuntimeError('deliberate bug 17')\n",
                "new": "        pass\n"})])
        if role == "debug":
            return answer(info, {"action": "retry", "reason": "removed the raise"})
        return answer(info, {"use_optuna": True})

    # time for the failed draft, its fix and the retry on a loaded machine
    events = run_with(titanic, tmp_path / "run", script, budget=45)
    assert any("deliberate bug 17" in log for log in seen_logs)  # the model read the log
    decided = kinds(events, "debug_decided")
    assert decided and decided[0]["reason"].startswith("(model)")
    assert decided[0]["edited"] == ["predict.py"]
    linear = next(e.candidate for e in events if e.kind == "candidate_created"
                  and e.payload["recipe"] == "linear")
    statuses = [e.payload["status"] for e in events
                if e.kind == "run_finished" and e.candidate == linear]
    assert statuses[0] == "failed" and "ok" in statuses[1:]
    if shutil.which("git"):  # each fix is a commit of the candidate's repository
        messages = CandidateRepo(linear, tmp_path / "run" / "candidates" / linear).history()
        assert any(m.startswith("debug: (model)") for m in messages)


def test_malformed_output_is_retried_then_the_builtin_designer_steps_in(titanic, tmp_path):
    def script(messages, info):
        role = role_of(info)
        if role == "designer":  # prose, then a plan naming no known recipe, then prose again
            if turns(messages) == 1:
                return answer(info, {"plans": [{"recipe": "quantum_forest", "rationale": "?"}]})
            return ModelResponse(parts=[TextPart("I think gradient boosting is nice.")])
        return answer(info, {"summary": "unchanged"} if role == "coder" else {"use_optuna": True})

    events = run_with(titanic, tmp_path / "run", script)
    fallback = [f for f in kinds(events, "model_fallback") if f["role"] == "designer"]
    assert fallback and fallback[0]["failure"] == "malformed"
    plans = kinds(events, "plans_proposed")[0]["plans"]
    assert plans and not any(p["rationale"].startswith("(model)") for p in plans)
    assert any(r["status"] == "ok" for r in kinds(events, "run_finished"))


def test_tool_calls_with_bad_arguments_are_answered_and_the_template_kept(titanic, tmp_path):
    def script(messages, info):
        role = role_of(info)
        if role == "designer":
            return answer(info, {"plans": [{"recipe": "linear", "rationale": "r"}]})
        if role == "coder":
            step = turns(messages)
            if step == 0:  # a file that is not editable
                return ModelResponse(parts=[ToolCallPart("write_file", {
                    "name": "../journal.sqlite", "content": "x"})])
            if step == 1:  # arguments that are not the tool's
                return ModelResponse(parts=[ToolCallPart("replace_in_file", {"wrong": 1})])
            if step == 2:  # code that does not compile
                return ModelResponse(parts=[ToolCallPart("write_file", {
                    "name": "predict.py", "content": "def fit_model(:\n"})])
            return answer(info, {"summary": "done"})
        return answer(info, {"use_optuna": True})

    out = tmp_path / "run"
    events = run_with(titanic, out, script)
    corrected = " | ".join(c["message"] for c in kinds(events, "model_corrected"))
    assert "not editable" in corrected and "does not compile" in corrected, corrected
    assert any(f["role"] == "coder" for f in kinds(events, "model_fallback"))
    assert not (out / "candidates" / "journal.sqlite").exists()
    assert any(r["status"] == "ok" for r in kinds(events, "run_finished"))


def test_the_token_budget_running_out_hands_the_rest_to_the_builtin_brain(titanic, tmp_path):
    def script(messages, info):
        role = role_of(info)
        if role == "designer":
            return answer(info, {"plans": [{"recipe": "lightgbm", "rationale": "r"},
                                           {"recipe": "linear", "rationale": "r"}]})
        return answer(info, {"summary": "unchanged"} if role == "coder" else {"use_optuna": True})

    events = run_with(titanic, tmp_path / "run", script, max_tokens=400)
    exhausted = kinds(events, "model_budget_exhausted")
    assert len(exhausted) == 1
    usage = kinds(events, "model_usage")
    spent = sum(u["input_tokens"] + u["output_tokens"] for u in usage)
    last = max(i for i, e in enumerate(events) if e.kind == "model_usage")
    first_exhausted = next(i for i, e in enumerate(events) if e.kind == "model_budget_exhausted")
    assert last < first_exhausted + 2  # no model call after the budget ran out
    assert spent < 400 + 2000  # at most the call that crossed the line
    assert len(kinds(events, "candidate_created")) >= 3  # the built-in brain kept drafting


def test_task_reading_fills_what_the_files_leave_open_and_the_data_wins_the_rest(titanic,
                                                                               tmp_path):
    description = titanic / "description.md"
    description.write_text(description.read_text().replace(
        "Submissions are scored by accuracy: the share of passengers whose survival is "
        "predicted correctly.", "Submissions are scored by how many you get right."))

    def script(messages, info):
        if role_of(info) == "setup":  # a wrong target, and a metric the rules could not read
            return answer(info, {**READING, "target": "Pclass", "metric": "macro_f1"})
        if role_of(info) == "designer":
            return answer(info, {"plans": [{"recipe": "linear", "rationale": "r"}]})
        return answer(info, {"summary": "unchanged"} if role_of(info) == "coder"
                      else {"use_optuna": True})

    options = RunOptions(budget_seconds=15, brain="llm", live=False,
                         llm=LLMConfig(model="openai:scripted"),
                         llm_models={r: FunctionModel(script)
                                     for r in ("setup", "designer", "coder", "tuner", "manager")})
    result = start(titanic, tmp_path / "run", options, None, time.monotonic())
    understood = [e.payload for e in Journal(tmp_path / "run" / "journal.sqlite").events()
                  if e.kind == "task_understood"][0]
    assert understood["target"] == "Survived" and understood["metric"] == "macro_f1"
    assert any("the model read the target as 'Pclass'" in n for n in understood["notes"])
    assert any("read by the model" in n for n in understood["notes"])
    assert result.metric == "macro_f1"
