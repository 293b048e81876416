"""Benchmark suites in the MLE-bench layout and their grading."""
