"""Errors a user can fix, and clouds that could not be tested. Both print as one line.

Exit codes (README): 2 for what the user must fix (arguments, clouds.yaml, credentials);
1 for a cloud that stayed unreachable or broken after retries — nothing to fix locally.
"""


class UserError(Exception):
    """Bad input: a message saying what is wrong and how to fix it, on one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class CloudUnavailable(UserError):
    """A cloud could not be tested: refused, timed out, answered 5xx; other clouds go on."""

    exit_code = 1
    kind = "unreachable"


class CloudMisconfigured(CloudUnavailable):
    """A cloud refused the configuration (credentials, TLS, region): the user must fix it."""

    exit_code = 2
    kind = "configuration"
