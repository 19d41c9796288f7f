"""Finding a client or a booking by what the caller says: a name, an email, or a
phone number however it is typed."""

from django.db.models import Q, QuerySet

from bookings.models import Client
from medspa.phones import phone_search_terms

MATCHES_SHOWN = 10


def phone_matches(field: str, term: str) -> Q | None:
    """Rows whose stored (E.164) number is the number typed, or holds its digits."""
    whole, digits = phone_search_terms(term)
    if digits is None:
        return None
    query = Q(**{f"{field}__contains": digits})
    return query | Q(**{field: whole}) if whole else query


def clients_matching(term: str) -> QuerySet[Client]:
    """Returning clients for a search box: by phone, or by every word of a name or
    email ("mia cl" finds Mia Client)."""
    term = term.strip()[:100]
    if not term:
        return Client.objects.none()
    query = phone_matches("phone", term)
    if query is None:
        query = Q()
        for word in term.split()[:4]:
            query &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    return Client.objects.filter(query).order_by("last_name", "first_name")[:MATCHES_SHOWN]
