"""Run the worker's message schedule here and now (CONTRACT.md: a manual trigger)."""

from django.core.management.base import BaseCommand

from bookings.services.delivery import run_schedule_here


class Command(BaseCommand):
    help = (
        "Queue the reminders that are due (mail, and texts for clients who opted in) and "
        "send them, with any mail or text waiting for a retry. Safe to run often: each "
        "reminder is one row, sent once."
    )

    def handle(self, *args, **options) -> None:
        figures = run_schedule_here()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in figures.items()))
