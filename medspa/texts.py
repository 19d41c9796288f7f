"""Text-message backends, chosen like Django's mail backends (settings.TEXT_BACKEND).

- TwilioBackend sends through Twilio's official SDK (TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN and TWILIO_FROM set);
- ConsoleBackend writes each text to standard output, like the console mail backend;
- LocmemBackend keeps them in `outbox` (the tests).
"""

import dataclasses
import secrets
import sys

from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# Twilio's answer to a number that replied STOP to our sender.
TWILIO_UNSUBSCRIBED = 21610
# Twilio's answers that no retry can change: this number can't get this text (invalid,
# not a mobile, unreachable, a region we may not send to, unsubscribed). Any other
# error (bad credentials, a suspended account, an outage) keeps the text queued, to go
# once the spa has fixed it.
TWILIO_REFUSED_FOR_GOOD = {21211, 21408, 21610, 21612, 21614}


class TextRefused(Exception):
    """The provider refused this text for good (a bad or unsubscribed number):
    retrying would change nothing."""

    def __init__(self, reason: str, *, opted_out: bool = False) -> None:
        super().__init__(reason)
        self.opted_out = opted_out


@dataclasses.dataclass(frozen=True)
class Text:
    to: str
    body: str
    status_callback: str = ""


class ConsoleBackend:
    def send(self, text: Text) -> str:
        sys.stdout.write(f"Text to {text.to}:\n{text.body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return f"console-{secrets.token_hex(8)}"


outbox: list[Text] = []


class LocmemBackend:
    def send(self, text: Text) -> str:
        outbox.append(text)
        return f"locmem-{len(outbox)}"


class TwilioBackend:
    # Seconds to wait for Twilio's answer; the worker's task timeout is longer.
    TIMEOUT = 10

    def http_client(self) -> TwilioHttpClient:
        return TwilioHttpClient(timeout=self.TIMEOUT)

    def send(self, text: Text) -> str:
        client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=self.http_client(),
        )
        options = {"status_callback": text.status_callback} if text.status_callback else {}
        try:
            message = client.messages.create(
                to=text.to, from_=settings.TWILIO_FROM, body=text.body, **options
            )
        except TwilioRestException as error:
            if error.code in TWILIO_REFUSED_FOR_GOOD:
                raise TextRefused(
                    f"Twilio {error.code}: {error.msg}",
                    opted_out=error.code == TWILIO_UNSUBSCRIBED,
                ) from error
            raise
        return message.sid


def text_backend():
    return import_string(settings.TEXT_BACKEND)()
