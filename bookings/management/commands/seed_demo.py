"""`manage.py seed_demo`: a believable med spa to click through (CONTRACT.md)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.demo.bulk import STAFF_FOR, BulkSeedError, seed_bulk
from bookings.demo.catalogue import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET
from bookings.demo.seed import DemoDataError, seed_demo
from treatments.models import Treatment


class Command(BaseCommand):
    help = (
        "Create the demo spa (treatments with images, practitioners, working hours, "
        "supervision agreements, demo logins and a week of appointments around today in "
        "every status). Safe to run again: only what is missing "
        "is created. Logins use DEMO_PASSWORD (default medspa-demo) and the TOTP secret "
        "DEMO_TOTP_SECRET (default JBSWY3DPEHPK3PXP)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the catalogue already has a treatment (used by `make run`).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even though DEBUG is off. The demo logins have a published password.",
        )
        parser.add_argument(
            "--no-week",
            action="store_true",
            help="Leave out the week of appointments around today (left out anyway when "
            "bulk volume is asked for: benchmarks want the same data whatever the hour).",
        )
        parser.add_argument(
            "--clients",
            type=_not_negative,
            default=0,
            metavar="N",
            help="Then add N clients (bulk volume for benchmarks).",
        )
        parser.add_argument(
            "--appointments",
            type=_not_negative,
            default=0,
            metavar="M",
            help="Then add M appointments over the past nine and the next three months, "
            "inside every booking rule, rooms and devices included (adds practitioners, "
            "and rooms with them, when the demo staff cannot hold them all). Past K of "
            "them (--staff-for), the rest go further back into the past: fully booked "
            "days, by the same staff (a million: about eight years).",
        )
        parser.add_argument(
            "--staff-for",
            type=_not_negative,
            default=STAFF_FOR,
            metavar="K",
            help=f"Hire practitioners for at most K appointments in the nine plus three "
            f"months (default {STAFF_FOR}), whatever M is.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed of the bulk data (the same seed gives the same data).",
        )

    def handle(
        self,
        *args,
        if_empty: bool,
        allow_production: bool,
        no_week: bool = False,
        clients: int = 0,
        appointments: int = 0,
        seed: int = 1,
        staff_for: int = STAFF_FOR,
        **options,
    ) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: the demo accounts have a published "
                "password. Use a development database (DEBUG=1), or pass --allow-production "
                "if you really mean it."
            )
        if if_empty and Treatment.objects.exists():
            self.stdout.write("The catalogue already has treatments: demo data not loaded.")
            return

        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        totp_secret = os.environ.get("DEMO_TOTP_SECRET") or DEFAULT_TOTP_SECRET
        try:
            result = seed_demo(
                password=password,
                totp_secret=totp_secret,
                with_week=not (no_week or clients or appointments),
            )
        except DemoDataError as error:
            raise CommandError(str(error)) from error

        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data: {result.created} objects created."))
        else:
            self.stdout.write("Demo data already complete: nothing changed.")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Not granted: {warning}"))
        for name, total in result.totals.items():
            self.stdout.write(f"  {name}: {total}")
        shown_password = password if password == DEFAULT_PASSWORD else "$DEMO_PASSWORD"
        shown_secret = totp_secret if totp_secret == DEFAULT_TOTP_SECRET else "$DEMO_TOTP_SECRET"
        self.stdout.write(
            f"Demo logins (password {shown_password}, TOTP secret {shown_secret}; "
            "accounts that existed before keep their own):"
        )
        for username, who in result.logins:
            self.stdout.write(f"  {username:<10} {who}")
        if clients or appointments:
            self._bulk(clients, appointments, seed, staff_for)

    def _bulk(self, clients: int, appointments: int, seed: int, staff_for: int) -> None:
        try:
            bulk = seed_bulk(
                clients=clients, appointments=appointments, seed=seed, staff_for=staff_for
            )
        except BulkSeedError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Bulk data: {bulk.clients} clients and {bulk.appointments} appointments "
                f"({bulk.medical} medical, {bulk.practitioners_used} practitioners, "
                f"{bulk.practitioners_added} of them added, {bulk.rooms_added} rooms opened; "
                f"{bulk.history} in fully booked days of history) from {bulk.first_day} to "
                f"{bulk.last_day} in {bulk.seconds:.1f} s."
            )
        )


def _not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number
