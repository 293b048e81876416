"""mlwright: builds machine-learning models by itself."""

__version__ = "0.1.0"
