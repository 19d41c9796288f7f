"""Clients, appointments, intake and consent (the booking issue fills this module)."""
