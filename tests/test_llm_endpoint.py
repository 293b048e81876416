"""The LLM brain through the real `openai:` provider path (HTTP to a scripted server on
loopback): one full run with a well-behaved model, and the issue's bar, a model server that
answers every call with a fault."""

import json
import os
import re
import subprocess
import sys
import time
from itertools import count
from pathlib import Path

import pandas as pd
import pytest

from mlwright.bench.grading import grade_submission
from mlwright.journal import Journal
from tests.chat_server import (
    ChatServer,
    is_anthropic,
    system_text,
    text,
    tool_call,
    tool_names,
)

pytest.importorskip("pydantic_ai")
SHARED_TITANIC = Path(__file__).resolve().parents[2] / "shared" / "tasks" / "titanic"
SECRET = "sk-test-never-in-a-candidate-0123"
FIT = "def fit_model(X, y, X_valid, y_valid, params, ctx):"


def run_cli(task: Path, out: Path, url: str, budget: int, timeout: int = 300,
            model: str = "openai:scripted"):
    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": SECRET, "ANTHROPIC_API_KEY": SECRET}
    if "PYTHONPATH" in os.environ:  # the code under test, where it is not the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "mlwright", "run", str(task), "--budget",
                           str(budget), "--out", str(out), "--brain", "llm", "--model",
                           model, "--base-url", url],
                          capture_output=True, text=True, env=env, timeout=timeout)
    return done, time.monotonic() - started


def turns(body: dict) -> int:
    return sum(1 for m in body["messages"] if m.get("role") == "assistant")


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
def test_a_full_run_through_each_provider_keeps_keys_from_candidates(provider, titanic,
                                                                      tmp_path):
    """The same scripted words over each provider's own protocol: OpenAI's chat completions,
    Anthropic's messages, and Ollama's OpenAI-compatible endpoint (no key needed)."""
    spied = []

    def reply(body):
        instructions = system_text(body)
        if "Read a machine-learning task" in instructions:
            return tool_call(body, "final_result", {"target": "Survived", "task_type": "binary",
                                                    "id_column": "PassengerId",
                                                    "metric": "accuracy"})
        if "design modelling" in instructions:
            return tool_call(body, "final_result", {"plans": [
                {"recipe": "lightgbm", "rationale": "boosting", "params": {"num_leaves": 7}},
                {"recipe": "linear", "rationale": "a linear view"}]})
        if "steer the search" in instructions:
            prompt = " ".join(str(m.get("content")) for m in body["messages"]
                              if m.get("role") == "user")  # blocks, in Anthropic's
            return tool_call(body, "final_result",
                             {"candidate_id": re.findall(r"- (c\d+) ", prompt)[0]})
        if "tune one model" in instructions:
            return tool_call(body, "final_result", {"params": {"num_leaves": 9}, "reason": "r"})
        if "training run failed" in instructions:  # a run out of time on a busy machine
            return tool_call(body, "final_result", {"action": "retry", "reason": "once more"})
        if "replace_in_file" in tool_names(body) and turns(body) == 0 and not spied:
            spied.append(True)  # one candidate's code records its environment first thing, in
            # its check and its runs, however little of them a starved machine lets run
            spy = ("import shutil\nwith open('env_seen.json', 'w') as _seen:\n"
                   "    json.dump(dict(os.environ), _seen)\n")
            return tool_call(body, "replace_in_file", {"name": "train.py",
                                                       "old": "import shutil\n", "new": spy})
        return tool_call(body, "final_result", {"summary": "records its environment"})

    out = tmp_path / "run"
    with ChatServer(reply) as server:
        url = server.root if provider == "anthropic" else server.url
        done, _ = run_cli(titanic, out, url, 25, model=f"{provider}:scripted")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "model calls:" in done.stdout
    assert all(is_anthropic(body) == (provider == "anthropic") for body in server.requests)
    events = Journal(out / "journal.sqlite").events()
    usage = [e.payload for e in events if e.kind == "model_usage"]
    assert all(u["outcome"] == "ok" for u in usage), usage
    # the task is clear from its files and description: the model is not asked to read it
    roles = {u["role"] for u in usage}
    assert "designer" in roles
    tuned = any(e.kind == "run_started" and e.payload["action"] == "tune" for e in events)
    assert "tuner" in roles or not tuned  # a tuning trial asks the model first
    assert "setup" not in {u["role"] for u in usage}
    assert sum(u["requests"] for u in usage) == len(server.requests)
    assert sum(u["input_tokens"] for u in usage) == 50 * len(server.requests)
    plans = next(e.payload["plans"] for e in events if e.kind == "plans_proposed")
    lightgbm = [p for p in plans if p["recipe"] == "lightgbm" and not p["floor"]][0]
    assert lightgbm["params"]["num_leaves"] == 7
    assert (out / "final" / "submission.csv").exists()
    # The model's code records the environment it sees on its first lines. The first model is
    # the recipe's template; where the model's code ran to its end (its check, or a run), the
    # record must be there and hold no key. A starved machine may end the budget before that.
    seen = [*out.glob("checks/*/env_seen.json"), *out.glob("candidates/*/runs/*/env_seen.json")]
    floors = {e.candidate for e in events if e.kind == "candidate_created"
              and e.payload["plan"]["floor"]}
    completed = [e for e in events if (e.kind == "code_checked" and e.payload["message"]
                                       .startswith("accepted")) or (
        e.kind == "run_finished" and e.payload["status"] == "ok" and e.candidate not in floors)]
    if not completed and not seen:
        pytest.skip("the busy machine ended the budget before the model's code ran")
    assert "coder" in roles and seen  # the model's code ran, in the sandbox
    for path in seen:
        environment = json.loads(path.read_text())
        assert SECRET not in json.dumps(environment) and "OPENAI_API_KEY" not in environment


FAULTS = ("server_error", "rate_limited", "not_json", "nonsense", "bad_arguments",
          "unknown_tool", "raising_code")


def faulty(body: dict, fault: str):
    if fault == "server_error":
        return 500, b'{"error": {"message": "internal error", "type": "server_error"}}'
    if fault == "rate_limited":
        return 429, b'{"error": {"message": "slow down", "type": "rate_limit_exceeded"}}'
    if fault == "not_json":
        return 200, b"<html><body>502 Bad Gateway</body></html>"
    if fault == "nonsense":
        return text(body, "Purple elephants dance; the model is a teapot.")
    if fault == "bad_arguments":
        return tool_call(body, "final_result", '{"plans": [unquoted, ')
    if fault == "unknown_tool":
        return tool_call(body, "launch_rockets", {"count": 3})
    if "replace_in_file" in tool_names(body):  # raising_code, where the coder can write code
        return tool_call(body, "replace_in_file", {
            "name": "predict.py", "old": FIT,
            "new": f"{FIT}\n    raise RuntimeError('scripted failure in the model code')"})
    return tool_call(body, "final_result", {"plans": []})  # an empty plan list: invalid


def test_every_kind_of_model_fault_still_ends_with_a_submission_that_beats_plain(tmp_path):
    if not SHARED_TITANIC.exists():
        pytest.skip(f"{SHARED_TITANIC} is not beside the checkout")
    calls = count()
    raising_sent = []

    def reply(body):
        coding = "replace_in_file" in tool_names(body)
        if coding and turns(body) == 0 and not raising_sent:
            raising_sent.append("edited")  # the first time the coder can edit: code that raises
            return faulty(body, "raising_code")
        if coding and turns(body) == 1 and raising_sent == ["edited"]:
            raising_sent.append("handed in")  # ... and hands it in
            return tool_call(body, "final_result", {"summary": "fits, then raises"})
        return faulty(body, FAULTS[next(calls) % len(FAULTS)])

    out = tmp_path / "run"
    with ChatServer(reply) as server:
        done, seconds = run_cli(SHARED_TITANIC / "public", out, server.url, 90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert seconds < 90 * 1.1, seconds
    grade = grade_submission(SHARED_TITANIC, out / "final" / "submission.csv")
    plain = json.loads((SHARED_TITANIC / "reference.json").read_text())["plain"]
    assert grade.score > plain, (grade.score, plain)

    events = Journal(out / "journal.sqlite").events()
    retried = {e.payload["failure"] for e in events if e.kind == "model_retry"}
    fell_back = {e.payload["failure"] for e in events if e.kind == "model_fallback"}
    corrected = " | ".join(e.payload["message"] for e in events if e.kind == "model_corrected")
    assert retried >= {"server_error", "rate_limited"}, retried  # 500 and 429: backoff, again
    assert "api_error" in fell_back, fell_back  # a body that is not JSON
    assert "launch_rockets" in corrected, corrected  # a tool that does not exist
    assert "json" in corrected.lower(), corrected  # arguments that are not JSON
    assert any(e.kind == "model_paused" for e in events)  # the run stopped waiting on it
    # Model code that raises was handed in: refused by its check, or run, failed and debugged.
    assert raising_sent == ["edited", "handed in"], raising_sent
    refused = [e for e in events if e.kind == "code_checked" and not e.payload["accepted"]
               and "scripted failure" in e.payload["message"]]
    raising = [path for path in out.glob("candidates/*/predict.py")
               if "scripted failure" in path.read_text()]
    assert refused or raising
    for path in raising:
        candidate = path.parent.name
        failed = [e for e in events if e.kind == "run_finished" and e.candidate == candidate
                  and e.payload["status"] == "failed"]
        assert failed and any(e.kind == "debug_decided" and e.candidate == candidate
                              for e in events)
    pd.read_csv(out / "final" / "submission.csv")
