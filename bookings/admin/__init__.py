"""The front desk's admin: one module per screen family, registered on import."""

from bookings.admin import appointments, clients, clinical, messages, waitlist

__all__ = ["appointments", "clients", "clinical", "messages", "waitlist"]
