"""Once-per-run preparation steps (decoded images, text embeddings): their scripts, where they
write, and whether the candidates that need them may start.

A step runs in the sandbox like a candidate, fills the run's cache and leaves a marker file
there when it is complete; a resumed run finds the marker and does not redo it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from mlwright.knowledge.recipes import RECIPES, Recipe, RecipeContext
from mlwright.paths import RunPaths

PrepStatus = Literal["waiting", "running", "done", "failed"]
_TEMPLATES = resources.files("mlwright.knowledge") / "templates"


def steps_for(recipe: Recipe, ctx: RecipeContext) -> tuple[str, ...]:
    """The steps a recipe's runs wait for: its own (text embeddings), and on an image task the
    decoded pixels every recipe reads (candidates may only read the cache; steps fill it)."""
    return tuple(name for name in (("pixels" if ctx.schema.images else None), recipe.prep)
                 if name)


class Preparations:
    def __init__(self, paths: RunPaths):
        self.paths = paths
        self.status: dict[str, PrepStatus] = {}

    def require(self, name: str) -> PrepStatus:
        """Register a step some plan needs; done already if an earlier session completed it."""
        if name not in self.status:
            self.status[name] = "done" if self.marker(name).exists() else "waiting"
        return self.status[name]

    def next_waiting(self) -> str | None:
        return next((n for n, s in self.status.items() if s == "waiting"), None)

    def marker(self, name: str) -> Path:
        return self.paths.cache / f"{name}.json"

    def folder(self, name: str) -> Path:
        return self.paths.root / "prep" / name

    def write_script(self, name: str) -> Path:
        """prepare.py beside the predict.py of a recipe that uses the step (it imports it)."""
        from mlwright.agents.builtin.coder import render_predict

        recipe = next((r for r in RECIPES.values() if r.prep == name), RECIPES["linear"])
        folder = self.folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "predict.py").write_text(render_predict(recipe))
        script = folder / "prepare.py"
        script.write_text((_TEMPLATES / f"prepare_{name}.py").read_text())
        return script

    def finished(self, name: str) -> PrepStatus:
        """Done when the marker is there: the step writes it last, once everything is in the
        cache, so a step stopped at its time limit just after writing it is complete too."""
        self.status[name] = "done" if self.marker(name).exists() else "failed"
        return self.status[name]
