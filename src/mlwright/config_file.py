"""mlwright.toml: one file, one table per concern ([task], [llm]); command-line options win."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlwright.errors import OptionError

DEFAULT_NAME = "mlwright.toml"


def read_section(config_file: Path | None, section: str) -> dict[str, Any]:
    """The [section] table of --config FILE, or of ./mlwright.toml where it exists; {} if none."""
    path = config_file or Path(DEFAULT_NAME)
    if config_file is not None and not path.is_file():
        raise OptionError(f"--config: {path} not found")
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path}: not valid TOML: {exc}") from exc
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise OptionError(f"{path}: [{section}] must be a table")
    return table
