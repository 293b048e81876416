"""The LLM brain's settings: the command line over mlwright.toml, per-role models, and limits
that can be enforced or are refused at the start."""

import pytest

from mlwright.agents.llm.config import load_config
from mlwright.errors import OptionError
from tests.conftest import mlwright


def _load(config_file=None, **options):
    values = {"model": None, "role_models": {}, "base_url": None, "max_tokens": None,
              "max_cost": None, "call_timeout": None, "config_file": config_file}
    return load_config(**{**values, **options})


def test_the_command_line_wins_over_the_file_and_roles_get_their_own_models(tmp_path):
    toml = tmp_path / "mlwright.toml"
    toml.write_text('[llm]\nmodel = "openai:gpt-4o"\ncoder_model = "ollama:qwen"\n'
                    'max_tokens = 5000\ncall_timeout = 12\n'
                    '[llm.prices]\n"ollama:qwen" = [0, 0]\n')
    config = _load(toml, max_tokens=900)
    assert config.model == "openai:gpt-4o" and config.max_tokens == 900
    assert config.call_timeout == 12.0
    assert config.model_for("coder") == "ollama:qwen"
    assert config.model_for("tuner") == "openai:gpt-4o"
    assert config.price("ollama:qwen") == (0.0, 0.0)
    assert _load(toml, model="anthropic:claude-haiku-4-5").model == "anthropic:claude-haiku-4-5"


def test_a_cost_limit_needs_a_price_for_every_model_it_would_count(tmp_path):
    with pytest.raises(OptionError, match="--max-cost: no price is known for 'ollama:qwen'"):
        _load(model="openai:gpt-4o", role_models={"coder": "ollama:qwen"}, max_cost=1.0)
    toml = tmp_path / "mlwright.toml"
    toml.write_text('[llm.prices]\n"ollama:qwen" = [0.1, 0.2]\n')
    config = _load(toml, model="openai:gpt-4o", role_models={"coder": "ollama:qwen"},
                   max_cost=1.0)
    assert config.max_cost == 1.0
    assert _load(model="ollama:qwen", max_tokens=100).max_cost is None  # tokens need no price


def test_wrong_settings_are_one_line_errors_naming_the_option(tmp_path, titanic):
    for args, named in ((["--model", "nowhere:x"], "--model"),
                        (["--model", "openai:gpt-4o", "--max-cost", "-1"], "--max-cost"),
                        (["--model", "ollama:qwen", "--max-cost", "2"], "--max-cost"),
                        (["--model", "openai:gpt-4o", "--tuner-model", "x"], "--tuner-model")):
        result = mlwright("run", titanic, "--brain", "llm", *args, "--budget", "10",
                          "--out", tmp_path / "run", timeout=60)
        assert result.returncode != 0
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        assert len(lines) == 1 and named in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[llm]\nmodel = "openai:gpt-4o"\n[llm.prices]\n"openai:gpt-4o" = "cheap"\n')
    result = mlwright("run", titanic, "--brain", "llm", "--config", bad, "--budget", "10",
                      "--out", tmp_path / "run2", timeout=60)
    assert result.returncode != 0 and "bad.toml" in result.stderr
    assert "Traceback" not in result.stderr
