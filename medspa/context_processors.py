from django.conf import settings
from django.http import HttpRequest


def spa(request: HttpRequest) -> dict[str, object]:
    """The spa's name on every page, and whether staff sign-in asks for a code."""
    return {"spa_name": settings.SPA_NAME, "staff_mfa": settings.STAFF_MFA}
