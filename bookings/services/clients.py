"""Clients: found or created by the writers that book."""

import datetime
from dataclasses import dataclass

from bookings.models import Client, normalise_email


@dataclass(frozen=True)
class ClientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    notes: str = ""

    @classmethod
    def from_form_data(cls, data: dict) -> "ClientDetails":
        return cls(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            notes=data.get("notes", ""),
        )


def client_find_or_create(*, details: ClientDetails, date_of_birth: datetime.date | None) -> Client:
    """The client with this email (normalised), created on first booking.

    An existing client's name and phone are not overwritten from an anonymous form:
    anyone can type any email address. A missing date of birth is filled in.
    """
    found, _created = Client.objects.get_or_create(
        email=normalise_email(details.email),
        defaults={
            "first_name": details.first_name.strip(),
            "last_name": details.last_name.strip(),
            "phone": details.phone.strip(),
            "date_of_birth": date_of_birth,
        },
    )
    if found.date_of_birth is None and date_of_birth is not None:
        found.date_of_birth = date_of_birth
        found.save(update_fields=["date_of_birth", "updated_at"])
    return found
