"""Understanding a task: its files, target, metric, submission format and data profile."""
