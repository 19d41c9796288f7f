"""Retry mail that could not be sent at booking time (run every minute from cron)."""

from django.core.management.base import BaseCommand

from bookings.services.messages import send_due


class Command(BaseCommand):
    help = "Send queued mail whose retry time has come."

    def handle(self, *args, **options) -> None:
        sent, failed = send_due()
        self.stdout.write(f"Mail sent: {sent}, still queued: {failed}.")
