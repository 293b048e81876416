"""Candidate repositories on disk and the sandbox their code runs in."""
