"""Signing a client in as they would: ask for a link, open the mailed link."""

import re

from django.core import mail

SIGN_IN_LINK = re.compile(r"https?://[^/\s]+(/account/sign-in/[A-Za-z0-9_-]+/)")


def mailed_sign_in_path(email: str) -> str:
    """The path of the newest sign-in link mailed to `email`."""
    for message in reversed(mail.outbox):
        if message.to == [email]:
            found = SIGN_IN_LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no sign-in link was mailed to {email}")


def sign_in(browser, email: str):
    """Ask for a link (the worker runs at once in tests), open it and press Sign in."""
    browser.post("/account/sign-in/", {"email": email})
    path = mailed_sign_in_path(email)
    assert browser.get(path).status_code == 200
    return browser.post(path)
