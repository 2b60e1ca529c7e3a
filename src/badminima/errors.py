"""Exceptions a user can act on.

Every error caused by bad input (a parameter out of range, a missing file, a malformed
config) is a :class:`BadminimaError`. The CLI prints its message as one line and exits
with status 2; anything else is a bug and keeps its traceback.
"""


class BadminimaError(Exception):
    """Base class for errors caused by input the user can fix."""


class InvalidParameterError(BadminimaError, ValueError):
    """A parameter is outside its domain: the message names it, the domain and the value."""


class DataError(BadminimaError):
    """A data file or directory is missing, truncated, corrupt or unsafe."""


class ConfigError(BadminimaError):
    """An experiment config is malformed: the message names the key."""


class FitError(BadminimaError):
    """A model cannot be fitted to the given data."""
