"""The offline brain: recipes, known fixes and Optuna; no model API, no network."""
