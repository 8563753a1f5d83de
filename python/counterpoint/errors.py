"""Exceptions raised by counterpoint; their messages are the command line's."""

__all__ = ["CounterpointError", "ScenarioError", "MissingFileError", "AccessDeniedError"]


class CounterpointError(Exception):
    """Base class of counterpoint's own errors."""


class ScenarioError(CounterpointError, ValueError):
    """Bad input: a scenario, an override, a data file or a plug-in's parameters.

    ``file``, ``line`` and ``column`` name the first problem (``line`` and ``column``
    are None where unknown); ``diagnostics`` lists every problem found as
    ``(file, line, column, message)`` tuples. ``str(err)`` is what the CLI prints.
    """

    def __init__(self, message, file=None, line=None, column=None, diagnostics=()):
        super().__init__(message, file, line, column, diagnostics)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.diagnostics = list(diagnostics)

    def __str__(self):
        return self.message


class MissingFileError(CounterpointError, FileNotFoundError):
    """An input file that does not exist (a FileNotFoundError with the CLI's message)."""

    def __init__(self, message, filename=None):
        super().__init__(2, message, filename)  # errno.ENOENT
        self.message = message
        self.file = filename

    def __reduce__(self):
        return (type(self), (self.message, self.filename))

    def __str__(self):
        return self.message


class AccessDeniedError(CounterpointError, PermissionError):
    """Access refused by the data-protection policy (a PermissionError).

    Raised when a session of a tier other than platform reads raw per-user data.
    ``tier`` names the session's tier and ``policy`` the policy (its name and file);
    ``str(err)`` names both.
    """

    def __init__(self, message, tier=None, policy=None):
        super().__init__(13, message)  # errno.EACCES
        self.message = message
        self.tier = tier
        self.policy = policy

    def __reduce__(self):
        return (type(self), (self.message, self.tier, self.policy))

    def __str__(self):
        return self.message
