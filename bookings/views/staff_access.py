"""Who may open the doctor's and the practitioner's pages, and where each kind of
staff member starts after signing in."""

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from bookings.services.records import practitioner_of
from medspa.auth import user_is_verified


def practitioner_required(*, physician: bool) -> Callable:
    """Signed in (with the second factor when STAFF_MFA is on) and linked to a
    practitioner record (a physician, for the portal); otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated or not user_is_verified(request):
                return redirect_to_login(request.get_full_path())
            me = practitioner_of(request.user)
            if me is None or not me.is_active or (physician and not me.role.can_supervise):
                raise PermissionDenied("This page is for supervising physicians.")
            request.practitioner = me
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorator


physician_required = practitioner_required(physician=True)


practitioner_only = practitioner_required(physician=False)


def after_login(request: HttpRequest) -> HttpResponse:
    """Where each kind of staff member starts: doctors their queue, practitioners their
    appointments, the front desk the admin."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    me = practitioner_of(request.user)
    if me is not None and me.role.can_supervise:
        return redirect("doctor:queue")
    if me is not None:
        return redirect("doctor:staff_home")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("treatments:home")
