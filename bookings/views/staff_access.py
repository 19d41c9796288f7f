"""Who may open the doctor's and the practitioner's pages, where each kind of staff
member starts after signing in, and the page that sends anyone else there."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from bookings.services.records import practitioner_of
from medspa.auth import user_is_verified

# What each staff page is, in the words of the page that refuses someone else.
DOCTOR_PORTAL = (
    "the doctor portal, where each supervising physician reviews the medical "
    "appointments assigned to them"
)
PRACTITIONER_DAY = (
    "a practitioner's own day: their appointments, their clients' intake and their charts"
)


@dataclass(frozen=True)
class StaffHome:
    url: str
    name: str
    about: str = ""


def home_for(user: AbstractBaseUser) -> StaffHome:
    """Where this person works: physicians their queue, practitioners their day, the
    front desk the admin, anyone else the public site."""
    me = practitioner_of(user)
    if me is not None and me.is_active and me.role.can_supervise:
        return StaffHome(reverse("doctor:queue"), "your review queue")
    if me is not None and me.is_active:
        return StaffHome(reverse("doctor:staff_home"), "your day")
    if user.is_staff:
        return StaffHome(
            reverse("admin:index"),
            "the admin",
            "The front desk runs the day there: the schedule, check-in, bookings by phone.",
        )
    return StaffHome(reverse("treatments:home"), "the spa's home page")


def not_yours(request: HttpRequest, *, page: str) -> HttpResponse:
    """403 in the site's look: whose page this is, and a way to one's own."""
    return render(
        request,
        "bookings/staff/not_yours.html",
        {"page": page, "home": home_for(request.user)},
        status=403,
    )


def practitioner_required(*, physician: bool) -> Callable:
    """Signed in (with the second factor when STAFF_MFA is on) and linked to an active
    practitioner record (a physician, for the portal); anyone else gets not_yours."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated or not user_is_verified(request):
                return redirect_to_login(request.get_full_path())
            me = practitioner_of(request.user)
            if me is not None and me.is_active:
                request.practitioner = me  # the staff menu shows their own pages
            if me is None or not me.is_active or (physician and not me.role.can_supervise):
                return not_yours(request, page=DOCTOR_PORTAL if physician else PRACTITIONER_DAY)
            # Which staff menu entry is this page's (templates/_site_header.html).
            request.portal = "doctor" if physician else "staff"
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorator


physician_required = practitioner_required(physician=True)


practitioner_only = practitioner_required(physician=False)


def after_login(request: HttpRequest) -> HttpResponse:
    """Each kind of staff member's start page (home_for)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return redirect(home_for(request.user).url)
