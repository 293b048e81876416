"""Errors a user can cause. The CLI prints their message on one line and exits 2."""


class MlwrightError(Exception):
    """Base for problems in the user's input: the message names the file, column or option."""


class TaskInputError(MlwrightError):
    """The task folder or one of its files cannot be used as given."""


class OptionError(MlwrightError):
    """A command-line option has a value mlwright cannot use."""


class RunStateError(MlwrightError):
    """A run folder is missing, incomplete or belongs to another version."""


class DiskFullError(MlwrightError):
    """The disk under the run folder filled up: the run stops, resumable once space is freed."""
