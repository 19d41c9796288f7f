"""The worker's tasks (django-q2, `manage.py qcluster`): thin functions over the
services, so that moving to Django's own tasks framework later changes only this file."""

from bookings.services import client_accounts, delivery, waitlist_offers


def send_email(email_id: int) -> str:
    return delivery.deliver_email(email_id)


def send_text(text_id: int) -> str:
    return delivery.deliver_text(text_id)


def run_message_schedule() -> dict[str, int]:
    """Every minute (the schedule made in bookings/apps.py)."""
    return delivery.run_schedule()


def send_sign_in_link(email: str) -> str:
    return client_accounts.send_sign_in_link(email)


def send_booking_links(email: str) -> int:
    return client_accounts.send_booking_links(email)


def offer_freed_time(opening_id: int) -> bool:
    """Queued when a time frees up (services/waitlist.py's time_freed)."""
    return waitlist_offers.offer_freed_time(opening_id) is not None
