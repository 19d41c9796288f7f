from django.conf import settings
from django.http import HttpRequest


def spa(request: HttpRequest) -> dict[str, object]:
    """The spa's name and contact details on every page; whether sign-in asks for a code."""
    return {
        "spa_name": settings.SPA_NAME,
        "spa_phone": settings.SPA_PHONE,
        "spa_address": settings.SPA_ADDRESS,
        "cancellation_hours": settings.CANCELLATION_NOTICE_HOURS,
        "medical_notice_hours": settings.MEDICAL_MIN_NOTICE_HOURS,
        "gfe_months": settings.GFE_VALID_MONTHS,
        "staff_mfa": settings.STAFF_MFA,
        "sign_in_link_minutes": settings.CLIENT_SIGN_IN_LINK_MINUTES,
    }
