"""Site-wide views."""

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve


@transaction.non_atomic_requests  # ATOMIC_REQUESTS would fail before the view runs
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers).

    A kept connection that died is dropped at the request's start (CONN_HEALTH_CHECKS),
    so this connects afresh and fails while the database is down."""
    try:
        connection.ensure_connection()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@transaction.non_atomic_requests
@require_safe
def public_media(request: HttpRequest, path: str) -> HttpResponse:
    """Treatment images and practitioner photos, for a site run without a proxy."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Names carry a random part and never change in place, so caching is safe.
    response["Cache-Control"] = "public, max-age=604800, immutable"
    return response
