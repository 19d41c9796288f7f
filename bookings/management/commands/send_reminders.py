"""Email a reminder for each appointment starting in the next 24 hours that has none yet."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, OutboundEmail
from bookings.services import messages

REMIND_WITHIN = datetime.timedelta(hours=24)


class Command(BaseCommand):
    help = "Queue and send reminders for appointments in the next 24 hours (safe to run often)."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        due = Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            start__gt=now,
            start__lte=now + REMIND_WITHIN,
        )
        # Booked by phone without an email: nothing to mail (texts come with a worker).
        due = due.exclude(client_email="").values_list("pk", flat=True)
        reminders = []
        for appointment_id in list(due):
            with transaction.atomic():
                # Locked and re-checked so two runs at once never remind twice.
                appointment = (
                    Appointment.objects.select_for_update(of=("self",), no_key=True)
                    .select_related("client", "treatment", "practitioner")
                    .filter(
                        pk=appointment_id,
                        reminder_sent_at__isnull=True,
                        status=Appointment.Status.CONFIRMED,
                    )
                    .first()
                )
                if appointment is None:
                    continue
                reminders.append(messages.queue(appointment, messages.Kind.REMINDER, now=now))
                appointment.reminder_sent_at = now
                appointment.save(update_fields=["reminder_sent_at", "updated_at"])
            # Each reminder is sent as its transaction commits; a failure stays queued.
        reminded = OutboundEmail.objects.filter(
            pk__in=[email.pk for email in reminders], state=OutboundEmail.State.SENT
        ).count()
        sent, failed = messages.send_due()
        self.stdout.write(
            f"Reminders queued: {len(reminders)}, sent: {reminded}. "
            f"Earlier mail retried: {sent} sent, {failed} still queued."
        )
