"""mlwright: builds machine-learning models by itself.

`mlwright.build(...)`, `mlwright.load(run_dir)` and `mlwright.resume(run_dir)` are the Python
API (mlwright.api); importing mlwright itself stays light: nothing heavy loads until used.
"""

__version__ = "0.1.0"
__all__ = ["build", "load", "resume"]


def __getattr__(name: str):
    if name in __all__:
        from mlwright import api

        return getattr(api, name)
    raise AttributeError(f"module 'mlwright' has no attribute {name!r}")
