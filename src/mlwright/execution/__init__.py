"""Executors: the only code that knows where a candidate run executes."""
