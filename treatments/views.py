"""The public catalogue: home page, the list of treatments and one treatment's page.

A visitor without a session gets each page from the cache for up to a minute after a
change (medspa/page_cache.py).
"""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from medspa.page_cache import catalogue_page
from treatments.models import Treatment, TreatmentContraindication
from treatments.selectors import (
    treatment_for_detail,
    treatment_kind_or_none,
    treatments_featured,
    treatments_for_catalogue,
)

LIST_TITLES = {
    None: "Treatments",
    Treatment.Kind.DAY_SPA: "Day spa treatments",
    Treatment.Kind.MEDICAL: "Medical treatments",
}


def _book_url(treatment: Treatment) -> str | None:
    """The booking page's address, or None while the booking pages are not installed."""
    try:
        return reverse("bookings:book", kwargs={"slug": treatment.slug})
    except NoReverseMatch:
        return None


@transaction.non_atomic_requests  # reads only
@require_safe
@catalogue_page(lambda request: "home")
def home(request: HttpRequest) -> HttpResponse:
    featured = treatments_featured()
    return render(
        request,
        "treatments/home.html",
        {
            "featured_day_spa": featured[Treatment.Kind.DAY_SPA],
            "featured_medical": featured[Treatment.Kind.MEDICAL],
            "nav_current": "home",
        },
    )


@transaction.non_atomic_requests  # reads only
@require_safe
@catalogue_page(lambda request: f"kind={treatment_kind_or_none(request.GET.get('kind'))}")
def treatment_list(request: HttpRequest) -> HttpResponse:
    # An unknown ?kind= shows everything rather than an error: a shared link with a
    # typo should still land somewhere useful.
    kind = treatment_kind_or_none(request.GET.get("kind"))
    return render(
        request,
        "treatments/treatment_list.html",
        {
            "treatments": treatments_for_catalogue(kind=kind),
            "kind": kind or "",
            "title": LIST_TITLES[kind],
            "nav_current": kind or "treatments",
        },
    )


@transaction.non_atomic_requests  # reads only
@require_safe
@catalogue_page(lambda request, slug: slug)
def treatment_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        treatment = treatment_for_detail(slug=slug)
    except Treatment.DoesNotExist:
        raise Http404("No such treatment.") from None
    rules = treatment.contraindication_rules.all()
    absolute = TreatmentContraindication.Severity.ABSOLUTE
    return render(
        request,
        "treatments/treatment_detail.html",
        {
            "treatment": treatment,
            "practitioners": treatment.performers,
            "not_suitable": [rule.contraindication for rule in rules if rule.severity == absolute],
            "ask_first": [rule.contraindication for rule in rules if rule.severity != absolute],
            "book_url": _book_url(treatment),
        },
    )
