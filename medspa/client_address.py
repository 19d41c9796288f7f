"""The address a request came from, the one thing the booking rate limit and the
staff login lockout both count by."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind N proxies of our own (TRUSTED_PROXY_COUNT), the
    address the outermost of them saw: the Nth entry from the right of
    X-Forwarded-For. Entries further left are the client's to forge, so never used."""
    proxies = settings.TRUSTED_PROXY_COUNT or (1 if settings.TRUST_X_FORWARDED_FOR else 0)
    if proxies:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies][:45]
    return request.META.get("REMOTE_ADDR")
