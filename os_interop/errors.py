"""Errors a user can fix. They print as one line and exit 2, never as a traceback."""


class UserError(Exception):
    """Bad input: a message saying what is wrong and how to fix it, on one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class CloudUnavailable(UserError):
    """A cloud could not be reached or refused our credentials; other clouds go on."""
