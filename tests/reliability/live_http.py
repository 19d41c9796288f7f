"""A small HTTP client for the live-server tests: its own cookies, no redirects."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

MANAGE = re.compile(r"^/bookings/([A-Za-z0-9_-]{20,64})/$")


@dataclass
class Response:
    status: int  # -1: no HTTP response at all (refused, reset, timed out)
    location: str
    body: str


class Browser:
    """One client of the live server: its own cookies (CSRF, session), no redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> Response:
        url = self.base + path
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        return self._open(urllib.request.Request(url, data=body, headers={"Referer": url}))

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=120) as response:
                return Response(
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return Response(
                error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")
            )
        except OSError as error:  # URLError, a reset or a timeout: no response at all
            return Response(-1, "", repr(error))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page_title(body: str) -> str:
    """The page's title (what went wrong), or the start of a body that has none."""
    match = re.search(r"<title>(.*?)</title>", body, re.S)
    return match[1].strip() if match else body[:300]
