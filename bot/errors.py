"""Errors that stop a ``medbot`` command before it serves anything."""


class StartupError(Exception):
    """Stops the command with one line for the operator and exit status 2.

    Raised for what the operator must fix: an unreachable database, a schema that is not
    current, a missing token. ``bot.cli`` prints it without a traceback.
    """
