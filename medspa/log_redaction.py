"""Link tokens never reach a log: a manage link is as good as the client's password
for their appointment until it expires."""

import logging
import re

from gunicorn.glogging import Logger

# Paths whose next segment is a secret token (CONTRACT.md and bookings/urls/).
TOKEN_PATH = re.compile(
    r"(/bookings/|/sign-in/|/offers/|/leave/|/email-proof/|/unsubscribe/)[A-Za-z0-9_:.-]{16,}"
)


def redact(text: str) -> str:
    return TOKEN_PATH.sub(r"\1[token]", text)


class RedactTokensFilter(logging.Filter):
    """For Django's loggers ("Not Found: /bookings/<token>/", error reports)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's access log with the tokens in the request line and path redacted
    (`--logger-class medspa.log_redaction.RedactingGunicornLogger`)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # The request line, the path, and any header that repeats a URL (Referer).
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
